// `rangefarm factorial N [N ...]`: n! across the ranks, checked, summarised,
// and written out in full with --output.
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>

#include "command.hpp"
#include "common_options.hpp"
#include "rangefarm/bigint/factorial_farm.hpp"
#include "rangefarm/bigint/node_memory.hpp"
#include "rangefarm/common/fmt_util.hpp"
#include "rangefarm/work/factorial.hpp"
#include "run_control.hpp"
#include "run_trace.hpp"

namespace rf::app {
namespace {

constexpr int kCheckFailedExit = 3;

struct FactorialOptions {
  std::vector<std::string> ns;
  std::string output;
  CommonOptions common;
};

struct FactorialJob {
  std::vector<std::uint64_t> ns;
  ScheduleSpec schedule;
};

FactorialJob validate(const FactorialOptions& o) {
  FactorialJob job;
  for (const std::string& text : o.ns) {
    const std::uint64_t n = parse_number("N", text, 0);
    if (n > FactorialWork::kMaxN) {
      throw UsageError("N: " + text + " is above the largest supported n, 4e9");
    }
    job.ns.push_back(n);
  }
  job.schedule = schedule_from(o.common, 1);
  order_from(o.common, "factorial", std::nullopt);  // no cost model: `given` only
  return job;
}

// "1.5 GiB", or "12.0 MiB" below a gibibyte.
std::string memory_text(double bytes) {
  constexpr double kGiB = 1 << 30;
  return bytes >= kGiB ? strprintf("%.1f GiB", bytes / kGiB)
                       : strprintf("%.1f MiB", bytes / (1 << 20));
}

// Rank 0: the first node (by its lowest rank) whose ranks would hold more
// than its MemAvailable, in one line; empty when every node has room (or
// its figure is unknown).
std::string memory_problem(const FactorialJob& job, bool decimal, int ranks,
                           std::vector<NodeMemory> nodes) {
  if (const char* hook = std::getenv(kMemAvailableHook)) {
    try {
      override_mem_available(nodes, hook);
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
  }
  const FactorialMemory model = factorial_memory(job.ns, ranks, decimal);
  for (const NodeMemory& node : nodes) {
    const bool holds_rank0 = node.ranks.front() == 0;
    const double need = node_memory_bytes(model, static_cast<int>(node.ranks.size()), holds_rank0);
    if (node.available == 0 || need <= node.available) continue;
    std::uint64_t largest = 0;
    for (auto n : job.ns) largest = std::max(largest, n);
    return strprintf(
        "%llu! has about %.3g bits (%s); computing %s needs about %s of memory on node %s (%s), "
        "which has %s available",
        static_cast<unsigned long long>(largest), factorial_log2(largest),
        memory_text(factorial_log2(largest) / 8).c_str(), job.ns.size() > 1 ? "them" : "it",
        memory_text(need).c_str(), node.host.c_str(), rank_list(node.ranks).c_str(),
        memory_text(node.available).c_str());
  }
  return {};
}

nlohmann::json result_json(const std::vector<FactorialResult>& results) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : results) {
    const FactorialSummary& s = r.summary;
    out.push_back({{"n", s.n},
                   {"digits", s.digits},
                   {"bits", s.bits},
                   {"trailing_zeros", s.trailing_zeros},
                   {"leading_digits", s.leading_digits},
                   {"last_nonzero_digits", s.last_nonzero_digits},
                   {"check", r.check.ok ? "ok" : "failed"}});
  }
  return out;
}

// Small n take microseconds: milliseconds below a tenth of a second.
std::string seconds_text(double s) {
  return s < 0.1 ? strprintf("%.3f ms", s * 1e3) : strprintf("%.3f s", s);
}

// The header line, printed by rank 0 before the run starts.
void print_header(const FactorialJob& job, const CommonOptions& opts, int ranks) {
  if (!human_output_wanted(opts) || opts.quiet) return;
  std::cout << "rangefarm factorial: " << counted(job.ns.size(), "value") << ", schedule "
            << schedule_name(job.schedule.kind) << " (chunk " << job.schedule.chunk << "), "
            << counted(ranks, "rank") << "\n"
            << std::flush;
}

void print_summary(const RunReport& report, const FactorialOutcome& outcome, bool quiet) {
  auto& out = std::cout;
  out << strprintf("%12s %12s %13s %11s  %-20s  %-20s  %s\n", "n", "digits", "bits", "zeros",
                   "leading digits", "last nonzero digits", "check");
  for (const auto& r : outcome.results) {
    const FactorialSummary& s = r.summary;
    out << strprintf(
        "%12llu %12llu %13llu %11llu  %-20s  %-20s  %s\n", static_cast<unsigned long long>(s.n),
        static_cast<unsigned long long>(s.digits), static_cast<unsigned long long>(s.bits),
        static_cast<unsigned long long>(s.trailing_zeros), s.leading_digits.c_str(),
        s.last_nonzero_digits.c_str(), r.check.ok ? "ok" : "FAILED");
  }
  if (quiet) return;
  const FactorialPhases& p = outcome.phases;
  out << "wall " << seconds_text(report.wall_s) << ": pieces " << seconds_text(p.pieces_s)
      << ", combine " << seconds_text(p.combine_s) << ", check " << seconds_text(p.check_s)
      << ", decimal " << seconds_text(p.decimal_s) << "\n";
  print_checkpoint_summary(out, report.checkpoint);
  report.print_timing_table(out);
}

nlohmann::json phases_json(const FactorialPhases& p) {
  return {{"pieces_s", p.pieces_s},
          {"combine_s", p.combine_s},
          {"check_s", p.check_s},
          {"decimal_s", p.decimal_s}};
}

void report_failed_check(const FactorialResult& r) {
  std::cerr << strprintf(
      "rangefarm: error: %llu! failed its check: the computed product is %llu mod 2^61-1, but "
      "1*2*...*n is %llu mod 2^61-1; the result is wrong and is not printed\n",
      static_cast<unsigned long long>(r.summary.n),
      static_cast<unsigned long long>(r.check.from_product),
      static_cast<unsigned long long>(r.check.independent));
}

int run_factorial(const boost::mpi::communicator& comm, const FactorialOptions& o) {
  const FactorialJob job = validate(o);
  check_outputs(comm, o.common, {{"--output", o.output}});
  const bool decimal = !o.output.empty();
  const std::vector<NodeMemory> nodes = gather_node_memory(comm);
  agree_on_rank0(comm, [&] { return memory_problem(job, decimal, comm.size(), nodes); });

  std::ofstream digits_file;
  // The pieces depend on the rank count (one part per rank for a large n),
  // so a journal is only resumed at the same count.
  RunControl control(comm, o.common,
                     {{"workload", "factorial"}, {"ns", job.ns}, {"ranks", comm.size()}},
                     /*with_state_dir=*/true);
  if (control.replay_finished()) return 0;  // a finished run: its stored report
  RunTrace trace(comm, o.common, "factorial", job.schedule, DispatchOrder::Given);
  FactorialRequest request{job.ns, job.schedule, {}, 0, control.hooks()};
  request.hooks.on_start = [&] { print_header(job, o.common, comm.size()); };
  request.hooks.trace = trace.sink();
  if (decimal) {
    agree_on_rank0(comm, [&] {
      digits_file.open(o.output, std::ios::trunc);
      return digits_file ? std::string() : "--output: cannot open '" + o.output + "'";
    });
    // Each n! is written as soon as it is checked and converted: a long
    // batch keeps what it finished. Only rank 0 writes; the sink is a no-op
    // elsewhere.
    request.decimal = [&digits_file](std::uint64_t n, const std::string& digits) {
      if (!digits_file.is_open()) return;
      digits_file << n << "! = " << digits << '\n' << std::flush;
      if (!digits_file) throw std::runtime_error("--output: write failed (disk full?)");
    };
  }
  const FactorialOutcome outcome = compute_factorials(comm, request);
  trace.finish(outcome.wall_s, outcome.stopped);
  if (outcome.stopped) {
    return control.stopped(outcome.restored_pieces + outcome.computed_pieces, outcome.pieces);
  }
  control.completed();
  if (outcome.check_failed) {
    if (comm.rank() == 0) report_failed_check(outcome.results.back());
    return kCheckFailedExit;
  }
  if (comm.rank() != 0) return 0;

  RunReport report{"factorial",
                   {{"ns", job.ns},
                    {"schedule", schedule_name(job.schedule.kind)},
                    {"chunk", job.schedule.chunk},
                    {"order", order_name(DispatchOrder::Given)},
                    {"output", decimal ? nlohmann::json(o.output) : nlohmann::json(nullptr)}},
                   result_json(outcome.results),
                   outcome.timings,
                   outcome.wall_s,
                   phases_json(outcome.phases)};
  report.checkpoint = control.report(outcome.restored_pieces, outcome.computed_pieces);
  control.finish(report, [&](bool quiet) { print_summary(report, outcome, quiet); });
  return 0;
}

}  // namespace

Command add_factorial_command(CLI::App& app) {
  auto opts = std::make_shared<FactorialOptions>();
  CLI::App* cmd = app.add_subcommand("factorial", "compute n! for each N, checked mod 2^61 - 1");
  cmd->add_option("N", opts->ns, "the n of each n! (up to 4e9)")->required()->type_name("N");
  cmd->add_option("--output", opts->output, "write every n! in full to FILE, as 'n! = digits'")
      ->type_name("FILE")
      ->check(file_name_check());
  add_common_options(*cmd, opts->common, "1 piece", /*has_cost_model=*/false);
  return {cmd, [opts](const boost::mpi::communicator& comm) { return run_factorial(comm, *opts); }};
}

}  // namespace rf::app
