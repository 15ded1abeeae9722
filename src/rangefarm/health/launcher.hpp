// What the launcher tells a rank before MPI_Init, and the one thing a rank
// asks of Slurm: to end its own job step.
//
// Before MPI_Init no MPI call can say which rank this is or how many there
// are, yet a start-up that hangs must be named by rank 0 (start_watch.hpp).
// mpirun puts OMPI_COMM_WORLD_RANK and _SIZE in each rank's environment;
// srun --mpi=pmix puts PMIX_RANK and SLURM_STEP_NUM_TASKS; no launcher at all
// means a singleton, rank 0 of 1.
//
// Why end the step: srun waits for every task of its step. A task frozen for
// good (SIGSTOP, a node that hangs without dying) then holds srun, and the
// job, until the time limit, long after the other ranks have named it and
// exited. `scancel JOB.STEP` ends just that step (the batch script carries
// on, so resumable.sbatch can relaunch). mpirun needs none of this: when one
// rank exits non-zero it ends the others itself, stopped ones included.
#pragma once

#include <chrono>
#include <string>

namespace rf {

struct LaunchFacts {
  int rank = 0;  // this rank, 0 where no launcher says
  int size = 0;  // the job's rank count, 0 where no launcher says
  // "JOB.STEP" when srun started this rank directly (not under mpirun,
  // whose ranks inherit the Slurm variables of its daemons' step); else "".
  std::string srun_step;
  bool under_mpirun = false;  // Open MPI's mpirun started this rank
};

// The facts, read from the environment at the first call, which should come
// before MPI_Init (Open MPI may add variables of its own there).
const LaunchFacts& launch_facts();

// Under srun: runs `scancel --quiet JOB.STEP` for this rank's own step, and
// waits for it at most `wait` (the step's end may kill this process first).
// Returns whether scancel was started; does nothing (false) elsewhere.
bool end_own_srun_step(std::chrono::milliseconds wait);

}  // namespace rf
