// `rangefarm perfect`: perfect, abundant and deficient numbers in [from, to].
#include <iostream>
#include <memory>

#include "command.hpp"
#include "common_options.hpp"
#include "journal_guard.hpp"
#include "rangefarm/common/fmt_util.hpp"
#include "rangefarm/farm/farm.hpp"
#include "rangefarm/work/perfect.hpp"
#include "run_control.hpp"
#include "run_trace.hpp"

namespace rf::app {
namespace {

struct PerfectOptions {
  std::string from = "1";
  std::string to;
  std::string method = "sieve";
  CommonOptions common;
};

struct PerfectJob {
  Range range;
  PerfectMethod method;
  ScheduleSpec schedule;
};

PerfectJob validate(const PerfectOptions& o) {
  const std::uint64_t from = parse_number("--from", o.from, 1);
  const std::uint64_t to = parse_number("--to", o.to, 1);
  if (to > PerfectSearch::kMaxN) {
    throw UsageError("--to: " + o.to + " is above the largest supported bound, 1e15");
  }
  if (from > to) throw UsageError("--from " + o.from + " is greater than --to " + o.to);
  const auto method = parse_perfect_method(o.method);
  if (!method) throw UsageError("--method: unknown method '" + o.method + "' (use sieve or trial)");
  order_from(o.common, "perfect", std::nullopt);  // no cost model: `given` only
  return {inclusive(from, to), *method,
          schedule_from(o.common, PerfectSearch::default_chunk(*method))};
}

nlohmann::json result_json(const PerfectPartial& r) {
  return {
      {"perfect_numbers", r.perfect_numbers},
      {"counts", {{"deficient", r.deficient}, {"perfect", r.perfect}, {"abundant", r.abundant}}}};
}

// The header line, printed by rank 0 before the run starts.
void print_header(const PerfectJob& job, const CommonOptions& opts, int ranks) {
  if (!human_output_wanted(opts) || opts.quiet) return;
  std::cout << "rangefarm perfect: [" << job.range.lo << ", " << job.range.hi - 1 << "] by "
            << perfect_method_name(job.method) << ", schedule " << schedule_name(job.schedule.kind)
            << " (chunk " << job.schedule.chunk << "), " << counted(ranks, "rank") << "\n"
            << std::flush;
}

void print_summary(const RunReport& report, const PerfectPartial& r, bool quiet) {
  auto& out = std::cout;
  const auto computed = static_cast<double>(items_total(report.timings));
  out << "perfect numbers:";
  for (auto n : r.perfect_numbers) out << ' ' << n;
  out << (r.perfect_numbers.empty() ? " none\n" : "\n");
  out << "deficient " << r.deficient << ", perfect " << r.perfect << ", abundant " << r.abundant
      << "\n";
  if (quiet) return;
  out << strprintf("wall %.3f s, %.1f M numbers/s, ", report.wall_s, computed / report.wall_s / 1e6)
      << counted(static_cast<std::uint64_t>(computed), "item") << " computed\n";
  print_checkpoint_summary(out, report.checkpoint);
  report.print_timing_table(out);
}

int run_perfect(const boost::mpi::communicator& comm, const PerfectOptions& o) {
  const PerfectJob job = validate(o);
  check_outputs(comm, o.common);
  check_journal_fits(comm, o.common, job.range.size(), job.schedule);
  // What a journal must match to be resumed: the chunks' results depend on
  // nothing else (schedule, chunk size and rank count may change).
  RunControl control(comm, o.common,
                     {{"workload", "perfect"},
                      {"from", job.range.lo},
                      {"to", job.range.hi - 1},
                      {"method", perfect_method_name(job.method)}});
  if (control.replay_finished()) return 0;  // a finished run: its stored report
  RunTrace trace(comm, o.common, "perfect", job.schedule, DispatchOrder::Given);
  const PerfectSearch search(job.method, job.range.hi - 1);
  FarmHooks hooks = control.hooks();
  hooks.on_start = [&] { print_header(job, o.common, comm.size()); };
  hooks.trace = trace.sink();
  const auto outcome = farm(comm, search, job.range, job.schedule, hooks);
  trace.finish(outcome.wall_s, outcome.stopped);
  const std::uint64_t computed = items_total(outcome.timings);
  if (outcome.stopped) return control.stopped(outcome.restored_items + computed, job.range.size());
  control.completed();
  if (comm.rank() != 0) return 0;

  RunReport report{"perfect",
                   {{"from", job.range.lo},
                    {"to", job.range.hi - 1},
                    {"method", perfect_method_name(job.method)},
                    {"schedule", schedule_name(job.schedule.kind)},
                    {"chunk", job.schedule.chunk},
                    {"order", order_name(DispatchOrder::Given)}},
                   result_json(outcome.result),
                   outcome.timings,
                   outcome.wall_s};
  report.checkpoint = control.report(outcome.restored_items, computed);
  if (outcome.restored_items + computed != job.range.size()) {
    std::cerr << "rangefarm: internal error: " << outcome.restored_items + computed
              << " items processed or restored for a range of " << job.range.size() << "\n";
    return 70;
  }
  control.finish(report, [&](bool quiet) { print_summary(report, outcome.result, quiet); });
  return 0;
}

}  // namespace

Command add_perfect_command(CLI::App& app) {
  auto opts = std::make_shared<PerfectOptions>();
  CLI::App* cmd = app.add_subcommand("perfect", "search [from, to] for perfect numbers");
  cmd->add_option("--to", opts->to, "last number to test (required; up to 1e15)")
      ->required()
      ->type_name("N");
  cmd->add_option("--from", opts->from, "first number to test (default 1)")->type_name("N");
  cmd->add_option("--method", opts->method,
                  "sieve (segmented divisor-sum sieve, default) | trial (divisors up to sqrt n)")
      ->type_name("METHOD");
  add_common_options(
      *cmd, opts->common,
      std::to_string(PerfectSearch::default_chunk(PerfectMethod::Sieve)) + " for sieve, " +
          std::to_string(PerfectSearch::default_chunk(PerfectMethod::Trial)) + " for trial",
      /*has_cost_model=*/false);
  return {cmd, [opts](const boost::mpi::communicator& comm) { return run_perfect(comm, *opts); }};
}

}  // namespace rf::app
