#include "rangefarm/farm/chunk_runner.hpp"

#include "rangefarm/farm/stop_request.hpp"

namespace rf {

void run_positions(const FarmPlan& plan, Range positions, const EncodedChunkFn& process,
                   const Yield& yield, RankTiming& t, const DoneFn& done) {
  for (Range chunk : plan.todo.map(positions)) {
    if (stop_requested()) return;
    std::string partial;
    try {
      Stopwatch busy(t.busy_s);
      partial = process(chunk, yield);
    } catch (const Interrupted&) {
      return;
    }
    t.chunks += 1;
    t.items += chunk.size();
    done(chunk, std::move(partial));
  }
}

}  // namespace rf
