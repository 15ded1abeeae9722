// The farm's dispatch round trip, under MPI: rf::run_schedule over a range of
// zero-cost items in chunks of size 1, so every chunk is nothing but the
// farm's own traffic (a request, a hand-out, a finished-chunk report). Rank 0
// computes its share too, as in the app.
//
//   BM_Dispatch/chunks/schedule   one run_schedule over [0, chunks), chunk 1,
//                                 then a barrier (so the time covers every
//                                 rank's last chunk); schedule 0 = dynamic (the
//                                 dispenser on rank 0), 1 = static-cyclic (no
//                                 hand-outs, reports only). items/s is chunks
//                                 per second through rank 0; counter
//                                 rank0_share is the fraction rank 0
//                                 processed itself.
//
// Every rank must run the same benchmarks the same number of times, or one
// waits forever in run_schedule: iterations are fixed (no MinTime), and the
// command line, the same on every rank, must not ask for repetitions on one
// rank only. Rank 0 alone reports (and alone writes --benchmark_out); the
// others run silently.
//
// Run: mpirun -np 2 build/bench/dispatch_bench [--benchmark_filter=REGEX]
#include <benchmark/benchmark.h>

#include <boost/mpi/collectives.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "rangefarm/common/range.hpp"
#include "rangefarm/farm/farm.hpp"
#include "rangefarm/farm/schedule.hpp"

namespace {

void BM_Dispatch(benchmark::State& state) {
  const boost::mpi::communicator world;
  const auto chunks = static_cast<std::uint64_t>(state.range(0));
  const rf::ScheduleSpec spec{
      state.range(1) == 0 ? rf::ScheduleKind::Dynamic : rf::ScheduleKind::StaticCyclic, 1};
  state.SetLabel(std::string(rf::schedule_name(spec.kind)) + ", " + std::to_string(world.size()) +
                 " ranks");
  std::uint64_t mine = 0;
  const rf::ChunkFn nothing = [&mine](rf::Range chunk, const rf::Yield&) { mine += chunk.size(); };
  world.barrier();
  for (auto _ : state) {
    rf::run_schedule(world, rf::Range{0, chunks}, spec, nothing);
    world.barrier();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(chunks));
  state.counters["rank0_share"] =
      static_cast<double>(mine) / static_cast<double>(chunks * state.iterations());
}
BENCHMARK(BM_Dispatch)
    ->ArgNames({"chunks", "schedule"})
    ->Args({10'000, 0})
    ->Args({10'000, 1})
    ->Iterations(20)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Dispatch)
    ->ArgNames({"chunks", "schedule"})
    ->Args({200'000, 0})
    ->Iterations(3)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// Ranks other than 0 run every benchmark and report nothing.
class SilentReporter : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>&) override {}
};

// argv without --benchmark_out and --benchmark_out_format (rank 0 writes the file).
std::vector<char*> without_output_file(int argc, char** argv) {
  std::vector<char*> kept;
  for (int i = 0; i < argc; ++i) {
    if (!std::string_view(argv[i]).starts_with("--benchmark_out")) kept.push_back(argv[i]);
  }
  kept.push_back(nullptr);
  return kept;
}

}  // namespace

int main(int argc, char** argv) {
  const boost::mpi::environment env(argc, argv);
  const boost::mpi::communicator world;
  std::vector<char*> args = without_output_file(argc, argv);
  if (world.rank() != 0) {
    argc = static_cast<int>(args.size()) - 1;
    argv = args.data();
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  if (world.rank() == 0) {
    benchmark::RunSpecifiedBenchmarks();
  } else {
    SilentReporter silent;
    benchmark::RunSpecifiedBenchmarks(&silent);
  }
  benchmark::Shutdown();
  return 0;
}
