// The MPI engine: runs a Workload over a Range under a Schedule on every
// rank of a communicator, and brings every finished chunk's partial result
// to rank 0, which merges it (and journals it, for a checkpointed run).
//
// Every rank computes, rank 0 included. Static modes need no assignment
// messages: each rank derives its own chunks from the plan. Dynamic and
// guided use a pull model: rank 0 owns the dispenser; a worker asks for its
// next chunk as soon as it starts the current one, so that it does not wait
// on rank 0, except in the tail of the run, where chunks go only to idle
// ranks (dispatch_policy.hpp, kAheadSlack). In every mode a worker reports each
// finished chunk to rank 0 at once, with its partial result when there is
// a journal: that is what makes the journal and the progress line true, and
// a stop loses no finished chunk. Without a journal each worker merges its
// own partials and sends them once, at the end. Rank 0 answers whenever its own workload yields
// (every block of the sieve), at most every 200 microseconds.
// Bulky state a workload keeps to survive a stop (a Lucas-Lehmer residue)
// goes to rank 0 in reports as well, and only rank 0 writes or reads it
// (rank_zero_store.hpp).
//
// Stopping: a stop request on any rank (a signal, see stop_request.hpp)
// reaches rank 0 in a report; rank 0 stops handing out work and tells every
// worker; each cuts its current chunk short at its next poll, keeping the
// part it finished where the workload can say so (StoppedPartway: the
// sieve's blocks, a Mersenne chunk's tested exponents) and saving what it
// can otherwise (a Lucas-Lehmer residue), reports, and the run ends with
// `stopped` set everywhere.
#pragma once

#include <boost/mpi/collectives.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "rangefarm/common/range.hpp"
#include "rangefarm/common/stop_request.hpp"
#include "rangefarm/farm/checkpoint.hpp"
#include "rangefarm/farm/partial_codec.hpp"
#include "rangefarm/farm/progress.hpp"
#include "rangefarm/farm/quiet_barrier.hpp"
#include "rangefarm/farm/range_list.hpp"
#include "rangefarm/farm/schedule.hpp"
#include "rangefarm/farm/stats.hpp"
#include "rangefarm/farm/trace_event.hpp"
#include "rangefarm/work/workload.hpp"

namespace rf {

// Processes one chunk; the Yield gives the farm a moment to serve others.
using ChunkFn = std::function<void(Range chunk, const Yield& yield)>;
// The same, returning the chunk's partial result encoded for rank 0.
using EncodedChunkFn = std::function<std::string(Range chunk, const Yield& yield)>;
// Thrown by an EncodedChunkFn whose workload stopped partway through the
// chunk (StoppedPartway, stop_request.hpp): the items [chunk.lo, done_hi)
// are finished, and `partial` is their encoded result.
struct ChunkCut {
  std::uint64_t done_hi = 0;
  std::string partial;
};

// Each finished chunk and its encoded partial, e.g. to the journal.
using ChunkSink = std::function<void(Range chunk, const std::string& partial)>;
// Rank 0: each finished chunk, what process returned for it, and the rank
// that processed it (rank 0's own chunks included).
using RecordFn = std::function<void(Range chunk, const std::string& partial, int rank)>;

class RankZeroStore;

struct FarmPlan {
  RangeList todo;  // the items to process; the same on every rank
  ScheduleSpec spec;
  Progress* progress = nullptr;    // rank 0; may be null
  RankZeroStore* store = nullptr;  // every rank or none: carries workers' saves to rank 0
  TraceSink* trace = nullptr;      // rank 0, when tracing: gets every chunk's and message's times
  bool tracing = false;            // every rank: workers put their times on their reports
  double start_s = 0;              // every rank: MPI_Wtime() at its exit from the start barrier
};

struct ScheduleOutcome {
  RankTiming timing;     // this rank's
  bool stopped = false;  // on every rank: a stop request ended the run early
  // Rank 0 only, by rank: every rank's timing, and what each worker said
  // with its Bye (its FarewellFn's text; rank 0's is empty).
  std::vector<RankTiming> timings;
  std::vector<std::string> farewells;
};

// A worker's last words to rank 0, sent with its Bye: e.g. its partials,
// merged (protocol.hpp).
using FarewellFn = std::function<std::string()>;

ScheduleOutcome run_plan(const boost::mpi::communicator& comm, const FarmPlan& plan,
                         const EncodedChunkFn& process, const RecordFn& record,
                         const FarewellFn& farewell = {});

// Every item of range, partial results left with the ranks that made them.
RankTiming run_schedule(const boost::mpi::communicator& comm, Range range, const ScheduleSpec& spec,
                        const ChunkFn& process);

// Rank 0's side of a run that can be interrupted; every field optional.
struct FarmHooks {
  std::vector<JournalRecord> restored;  // finished chunks from a journal: skipped
  std::string journal;                  // its name, for messages
  ChunkSink on_chunk;                   // each newly finished chunk, e.g. to the journal
  Progress::Style progress = Progress::Style::Off;
  RankZeroStore* store = nullptr;  // on every rank: where the workload keeps bulky state
  TraceSink* trace = nullptr;      // --trace: the writer (rank 0)
  // Rank 0, once the journal's records are read and checked, before any
  // work: the run really starts (e.g. its header line, which must not come
  // before the one error line of a journal refused).
  std::function<void()> on_start;
};

template <class Partial>
struct FarmOutcome {
  Partial result;                    // merged; meaningful on rank 0 only
  std::vector<RankTiming> timings;   // one per rank, on rank 0 only
  double wall_s = 0;                 // from the start barrier to the merged result
  bool stopped = false;              // every rank: stopped early, result incomplete
  std::uint64_t restored_items = 0;  // rank 0: items whose results came from the journal
};

// A journaled partial result, or a JournalError naming the file and line.
template <class Partial>
Partial decode_restored(const JournalRecord& r, const std::string& path) {
  try {
    return decode_partial<Partial>(r.partial);
  } catch (const std::exception& e) {
    throw corrupt_record(path, r, std::string("its partial result cannot be read: ") + e.what());
  }
}

template <Workload W>
FarmOutcome<typename W::Partial> farm(const boost::mpi::communicator& comm, const W& work,
                                      Range range, const ScheduleSpec& spec,
                                      const FarmHooks& hooks = {}) {
  using Partial = typename W::Partial;
  FarmOutcome<Partial> out;
  // Rank 0 checks and merges what the journal holds; every rank learns what
  // is left, or the same error (no rank may be left waiting on another).
  std::vector<Range> todo;
  std::string problem;
  if (comm.rank() == 0) {
    try {
      todo = items_left(range, hooks.restored, hooks.journal);
      for (const JournalRecord& r : hooks.restored) {
        // A record split into several runs of positions carries its partial
        // on the first only (item_numbering.hpp).
        if (!r.partial.empty()) W::merge(out.result, decode_restored<Partial>(r, hooks.journal));
        out.restored_items += r.chunk.size();
      }
    } catch (const JournalError& e) {
      problem = e.what();
    }
  }
  boost::mpi::broadcast(comm, problem, 0);
  if (!problem.empty()) throw JournalError(problem);
  if (comm.rank() == 0 && hooks.on_start) hooks.on_start();
  boost::mpi::broadcast(comm, todo, 0);
  std::unique_ptr<Progress> progress;
  if (comm.rank() == 0) {
    progress = std::make_unique<Progress>(hooks.progress, range.size(), out.restored_items);
  }

  // Partials travel as text only for the journal. Without one, rank 0
  // merges its own and each worker merges its own, sent once at the end:
  // encoding and decoding cost more than a short chunk.
  bool journaling = static_cast<bool>(hooks.on_chunk);
  boost::mpi::broadcast(comm, journaling, 0);
  Partial mine;  // a worker's chunks, merged, when not journaling
  bool tracing = hooks.trace != nullptr;
  boost::mpi::broadcast(comm, tracing, 0);
  if (hooks.trace) hooks.trace->begin(range.size(), out.restored_items);

  comm.barrier();
  const double start = MPI_Wtime();
  const FarmPlan plan{
      RangeList(std::move(todo)), spec, progress.get(), hooks.store, hooks.trace, tracing, start};
  const bool master = comm.rank() == 0;
  const auto keep = [&](const Partial& p) {
    std::string text = journaling ? encode_partial(p) : std::string();
    W::merge(master ? out.result : mine, p);
    return text;
  };
  const auto process = [&](Range chunk, const Yield& yield) {
    try {
      return keep(work.process(chunk, yield));
    } catch (StoppedPartway<Partial>& cut) {  // the finished part is kept
      if (cut.done_hi <= chunk.lo) throw;
      throw ChunkCut{cut.done_hi, keep(cut.partial)};
    }
  };
  const auto record = [&](Range chunk, const std::string& partial, int rank) {
    if (!journaling) return;
    if (rank != 0) W::merge(out.result, decode_partial<Partial>(partial));
    hooks.on_chunk(chunk, partial);
  };
  const auto farewell = [&] { return journaling ? std::string() : encode_partial(mine); };
  ScheduleOutcome run = run_plan(comm, plan, process, record, farewell);
  if (progress) progress->finish();
  if (master && !journaling) {
    for (std::size_t r = 1; r < run.farewells.size(); ++r) {
      W::merge(out.result, decode_partial<Partial>(run.farewells[r]));
    }
  }
  out.timings = std::move(run.timings);
  out.stopped = run.stopped;
  out.wall_s = MPI_Wtime() - start;
  // The workers said Bye long ago; what follows (the report, the trace's
  // end, MPI_Finalize) has collectives, which they must not spin in.
  quiet_barrier(comm);
  return out;
}

}  // namespace rf
