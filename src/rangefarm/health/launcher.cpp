#include "rangefarm/health/launcher.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>
#include <vector>

extern char** environ;

namespace rf {
namespace {

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : nullptr;
}

int env_int(std::initializer_list<const char*> names, int fallback) {
  for (const char* name : names) {
    if (const char* v = env(name)) return std::atoi(v);
  }
  return fallback;
}

LaunchFacts read_facts() {
  LaunchFacts f;
  f.rank = env_int({"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"}, 0);
  f.size = env_int({"OMPI_COMM_WORLD_SIZE", "SLURM_STEP_NUM_TASKS", "PMI_SIZE", "SLURM_NTASKS"}, 0);
  // mpirun's ranks carry OMPI_COMM_WORLD_RANK; srun's carry SLURM_STEP_ID.
  // Under mpirun in an allocation a rank may see both (its daemon's step):
  // mpirun ends its ranks itself, so then there is no step of ours to end.
  f.under_mpirun = env("OMPI_COMM_WORLD_RANK") != nullptr;
  const char* job = env("SLURM_JOB_ID");
  const char* step = env("SLURM_STEP_ID");
  if (job != nullptr && step != nullptr && !f.under_mpirun) {
    f.srun_step = std::string(job) + "." + step;
  }
  return f;
}

}  // namespace

const LaunchFacts& launch_facts() {
  static const LaunchFacts facts = read_facts();
  return facts;
}

bool end_own_srun_step(std::chrono::milliseconds wait) {
  const std::string& step = launch_facts().srun_step;
  if (step.empty()) return false;
  std::string arg = step;
  std::vector<char*> argv{const_cast<char*>("scancel"), const_cast<char*>("--quiet"), arg.data(),
                          nullptr};
  pid_t pid = 0;
  if (::posix_spawnp(&pid, "scancel", nullptr, nullptr, argv.data(), environ) != 0) return false;
  const auto until = std::chrono::steady_clock::now() + wait;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

}  // namespace rf
