#include "rangefarm/farm/chunk_runner.hpp"

#include "rangefarm/common/stop_request.hpp"

namespace rf {

void run_positions(const FarmPlan& plan, Range positions, const EncodedChunkFn& process,
                   const Yield& yield, RankTiming& t, const DoneFn& done) {
  for (Range chunk : plan.todo.map(positions)) {
    if (stop_requested()) return;
    std::string partial;
    const double start = MPI_Wtime();
    bool cut = false;
    try {
      partial = process(chunk, yield);
    } catch (ChunkCut& c) {
      chunk.hi = c.done_hi;
      partial = std::move(c.partial);
      cut = true;
    } catch (const Interrupted&) {
      t.busy_s += MPI_Wtime() - start;
      return;
    }
    const double end = MPI_Wtime();
    t.busy_s += end - start;
    if (chunk.empty()) return;
    t.chunks += 1;
    t.items += chunk.size();
    done(chunk, std::move(partial), start, end);
    if (cut) return;
  }
}

}  // namespace rf
