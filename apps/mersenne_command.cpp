// `rangefarm mersenne`: which 2^p - 1 with p prime in [from, to] are prime,
// and the perfect numbers 2^(p-1) (2^p - 1) they give.
#include <algorithm>
#include <cmath>
#include <iostream>
#include <memory>
#include <primesieve.hpp>
#include <sstream>

#include "command.hpp"
#include "common_options.hpp"
#include "rangefarm/common/fmt_util.hpp"
#include "rangefarm/farm/farm.hpp"
#include "rangefarm/work/factorial_summary.hpp"
#include "rangefarm/work/mersenne.hpp"
#include "rangefarm/work/trial_factor.hpp"
#include "run_control.hpp"
#include "run_trace.hpp"

namespace rf::app {
namespace {

struct MersenneOptions {
  std::string from = "2";
  std::string to;
  std::string tf_bits;  // empty: default_tf_bits(p)
  std::string output;
  std::string ll_save_every = "60";
  CommonOptions common;
};

struct MersenneJob {
  std::uint64_t from = 2;
  std::uint64_t to = 2;
  std::optional<unsigned> tf_bits;
  DispatchOrder order = DispatchOrder::LargestFirst;
  ScheduleSpec schedule;
  double ll_save_every_s = 60;
};

MersenneJob validate(const MersenneOptions& o) {
  MersenneJob job;
  job.from = parse_number("--from", o.from, 1);
  job.to = parse_number("--to", o.to, 1);
  if (job.to > MersenneSearch::kMaxP) {
    throw UsageError("--to: " + o.to + " is above the largest supported exponent, 1e7");
  }
  if (job.from > job.to) throw UsageError("--from " + o.from + " is greater than --to " + o.to);
  if (!o.tf_bits.empty()) {
    const std::uint64_t bits = parse_number("--tf-bits", o.tf_bits, 0);
    if (bits > kMaxTrialFactorBits) {
      throw UsageError("--tf-bits: at most " + std::to_string(kMaxTrialFactorBits) + ", got " +
                       o.tf_bits);
    }
    job.tf_bits = static_cast<unsigned>(bits);
  }
  const DispatchOrder asked = order_from(o.common, "mersenne", DispatchOrder::LargestFirst);
  job.schedule = schedule_from(o.common, 1);
  job.order = order_used(job.schedule.kind, asked);  // what the header and report say
  job.ll_save_every_s = static_cast<double>(parse_number("--ll-save-every", o.ll_save_every, 1));
  return job;
}

// The perfect number 2^(p-1) (2^p - 1).
mpz_class perfect_number(std::uint64_t p) {
  mpz_class n;
  mpz_ui_pow_ui(n.get_mpz_t(), 2, p);
  n -= 1;
  mpz_mul_2exp(n.get_mpz_t(), n.get_mpz_t(), p - 1);
  return n;
}

struct PerfectSummary {
  std::uint64_t p;
  LeadingDigits lead;
  std::string trailing;  // the last min(20, digits)
};

PerfectSummary summarize_perfect(std::uint64_t p) {
  const mpz_class n = perfect_number(p);
  const LeadingDigits lead = leading_digits(n, 20);
  mpz_class tail;
  mpz_ui_pow_ui(tail.get_mpz_t(), 10, 20);
  tail = n % tail;
  std::string t = tail.get_str();
  const std::size_t width = std::min<std::uint64_t>(20, lead.digits);
  if (t.size() < width) t.insert(0, width - t.size(), '0');
  return {p, lead, t};
}

std::string hex64(std::uint64_t x) {
  return strprintf("%016llX", static_cast<unsigned long long>(x));
}

struct Tally {
  std::vector<std::uint64_t> exponents;
  std::vector<PerfectSummary> perfect;
  std::uint64_t factored = 0;
  std::uint64_t lucas_lehmer = 0;
};

Tally tally(const std::vector<ExponentResult>& results) {
  Tally t;
  for (const auto& r : results) {
    if (r.kind == ExponentResult::Factored) {
      ++t.factored;
      continue;
    }
    ++t.lucas_lehmer;
    if (r.kind == ExponentResult::Prime) {
      t.exponents.push_back(r.p);
      t.perfect.push_back(summarize_perfect(r.p));
    }
  }
  return t;
}

nlohmann::json result_json(const std::vector<ExponentResult>& results, const Tally& t) {
  nlohmann::json perfect = nlohmann::json::array();
  for (const auto& s : t.perfect) {
    perfect.push_back({{"p", s.p},
                       {"digits", s.lead.digits},
                       {"leading_digits", s.lead.first},
                       {"trailing_digits", s.trailing}});
  }
  nlohmann::json factored = nlohmann::json::array();
  nlohmann::json ll = nlohmann::json::array();
  for (const auto& r : results) {
    if (r.kind == ExponentResult::Factored) {
      factored.push_back({{"p", r.p}, {"factor", r.factor}});
    } else {
      ll.push_back(
          {{"p", r.p}, {"prime", r.kind == ExponentResult::Prime}, {"res64", hex64(r.res64)}});
    }
  }
  return {{"exponents", t.exponents},
          {"perfect_numbers", perfect},
          {"tested", results.size()},
          {"factored", factored},
          {"lucas_lehmer", ll}};
}

// The header line, printed by rank 0 before the run starts.
void print_header(const MersenneJob& job, const CommonOptions& opts, int ranks) {
  if (!human_output_wanted(opts) || opts.quiet) return;
  std::cout << "rangefarm mersenne: prime exponents in [" << job.from << ", " << job.to << "], "
            << "trial factoring to "
            << (job.tf_bits ? std::to_string(*job.tf_bits) + " bits"
                            : std::string("the default depth"))
            << ", schedule " << schedule_name(job.schedule.kind) << " (chunk " << job.schedule.chunk
            << ", " << order_text(opts, job.schedule.kind, job.order) << "), "
            << counted(ranks, "rank") << "\n"
            << std::flush;
}

void print_summary(const RunReport& report, const Tally& t, std::size_t tested, bool quiet) {
  auto& out = std::cout;
  out << "Mersenne prime exponents:";
  for (auto p : t.exponents) out << ' ' << p;
  out << (t.exponents.empty() ? " none\n" : "\n");
  if (!t.perfect.empty()) {
    out << strprintf("%10s %10s  %-20s  %-20s\n", "p", "digits", "perfect number starts", "ends");
    for (const auto& s : t.perfect) {
      out << strprintf("%10llu %10llu  %-20s  %-20s\n", static_cast<unsigned long long>(s.p),
                       static_cast<unsigned long long>(s.lead.digits), s.lead.first.c_str(),
                       s.trailing.c_str());
    }
  }
  out << "tested " << counted(tested, "exponent") << ": " << t.factored
      << " eliminated by trial factoring, " << counted(t.lucas_lehmer, "Lucas-Lehmer test") << "\n";
  if (quiet) return;
  out << strprintf("wall %.3f s\n", report.wall_s);
  print_checkpoint_summary(out, report.checkpoint);
  report.print_timing_table(out);
}

// The Lucas-Lehmer tests that continued from a saved state, not from s(0).
nlohmann::json resumed_json(const std::vector<ExponentResult>& results) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : results) {
    if (r.resumed_at > 0) out.push_back({{"p", r.p}, {"from_iteration", r.resumed_at}});
  }
  return out;
}

// The trial factorings that continued from a saved depth: the k they went
// on from, and the candidate factor's size there in bits.
nlohmann::json tf_resumed_json(const std::vector<ExponentResult>& results) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : results) {
    if (r.tf_resumed_k == 0) continue;
    const double q = 2.0 * static_cast<double>(r.tf_resumed_k) * static_cast<double>(r.p) + 1;
    out.push_back({{"p", r.p}, {"from_k", r.tf_resumed_k}, {"from_bits", std::log2(q)}});
  }
  return out;
}

void write_perfect_numbers(const std::string& path, const Tally& t) {
  std::ostringstream out;
  for (const auto p : t.exponents) {
    out << "2^" << p - 1 << "*(2^" << p << "-1) = " << perfect_number(p).get_str() << '\n';
  }
  write_text_file("--output", path, out.str());
}

int run_mersenne(const boost::mpi::communicator& comm, const MersenneOptions& o) {
  const MersenneJob job = validate(o);
  check_outputs(comm, o.common, {{"--output", o.output}});
  std::vector<std::uint64_t> primes;
  primesieve::generate_primes(job.from, job.to, &primes);
  std::vector<double> costs;
  for (auto p : primes) costs.push_back(mersenne_cost(p));
  // The exponents in the order they are handed out (job.order is the order
  // the schedule uses).
  const auto in_order = [&](DispatchOrder order) {
    std::vector<std::uint64_t> ps;
    for (auto i : dispatch_order(ScheduleKind::Dynamic, order, costs)) ps.push_back(primes[i]);
    return ps;
  };
  const std::vector<std::uint64_t> exponents = in_order(job.order);

  // The journal names the exponents, so any schedule and order may resume it.
  RunControl control(comm, o.common,
                     {{"workload", "mersenne"},
                      {"from", job.from},
                      {"to", job.to},
                      {"tf_bits", job.tf_bits ? nlohmann::json(*job.tf_bits) : "default"},
                      {"items", "exponents"}},
                     /*with_state_dir=*/true, ItemIds{job.order, [&](DispatchOrder order) {
                                                        return ItemNumbering(in_order(order));
                                                      }});
  if (control.replay_finished()) return 0;  // a finished run: its stored report
  // A chunk's cost: its exponents' by the cost model (relative units).
  const auto chunk_cost = [&](Range positions) -> std::optional<double> {
    double units = 0;
    for (std::uint64_t i = positions.lo; i < positions.hi; ++i)
      units += mersenne_cost(exponents[i]);
    return units;
  };
  RunTrace trace(comm, o.common, "mersenne", job.schedule, job.order, "units", chunk_cost);
  const MersenneSearch search(exponents, job.tf_bits, {control.store(), job.ll_save_every_s});
  FarmHooks hooks = control.hooks();
  hooks.on_start = [&] { print_header(job, o.common, comm.size()); };
  hooks.trace = trace.sink();
  const auto outcome = farm(comm, search, Range{0, exponents.size()}, job.schedule, hooks);
  trace.finish(outcome.wall_s, outcome.stopped);
  const std::uint64_t computed = items_total(outcome.timings);
  if (outcome.stopped) return control.stopped(outcome.restored_items + computed, exponents.size());
  control.completed();
  if (comm.rank() != 0) return 0;

  std::vector<ExponentResult> results = outcome.result.results;
  std::sort(results.begin(), results.end(),
            [](const ExponentResult& a, const ExponentResult& b) { return a.p < b.p; });
  const Tally t = tally(results);
  nlohmann::json params = {{"from", job.from},
                           {"to", job.to},
                           {"tf_bits", job.tf_bits ? nlohmann::json(*job.tf_bits) : "default"},
                           {"schedule", schedule_name(job.schedule.kind)},
                           {"chunk", job.schedule.chunk},
                           {"order", order_name(job.order)}};
  RunReport report{"mersenne", std::move(params), result_json(results, t), outcome.timings,
                   outcome.wall_s};
  report.checkpoint = control.report(outcome.restored_items, computed);
  if (!report.checkpoint.is_null()) {
    report.checkpoint["lucas_lehmer_resumed"] = resumed_json(results);
    report.checkpoint["trial_factoring_resumed"] = tf_resumed_json(results);
  }
  if (outcome.restored_items + computed != exponents.size() || results.size() != exponents.size()) {
    std::cerr << "rangefarm: internal error: " << results.size() << " results for "
              << exponents.size() << " exponents\n";
    return 70;
  }
  if (!o.output.empty()) write_perfect_numbers(o.output, t);
  control.finish(report, [&](bool quiet) { print_summary(report, t, results.size(), quiet); });
  return 0;
}

}  // namespace

Command add_mersenne_command(CLI::App& app) {
  auto opts = std::make_shared<MersenneOptions>();
  CLI::App* cmd = app.add_subcommand(
      "mersenne", "test 2^p - 1 for prime p in [from, to]: trial factoring, then Lucas-Lehmer");
  cmd->add_option("--to", opts->to, "last exponent (required; up to 1e7)")
      ->required()
      ->type_name("P");
  cmd->add_option("--from", opts->from, "first exponent (default 2)")->type_name("A");
  cmd->add_option("--tf-bits", opts->tf_bits,
                  "trial-factor up to 2^B (default: a depth growing with p, 35 at p = 20000; "
                  "0 turns it off)")
      ->type_name("B");
  cmd->add_option("--output", opts->output, "write each perfect number found in full to FILE")
      ->type_name("FILE")
      ->check(file_name_check());
  cmd->add_option("--ll-save-every", opts->ll_save_every,
                  "with --checkpoint: a Lucas-Lehmer test or a trial factoring saves its state "
                  "this often, in seconds (default 60), and at once on a stop")
      ->type_name("S");
  add_common_options(*cmd, opts->common, "1 exponent", /*has_cost_model=*/true);
  return {cmd, [opts](const boost::mpi::communicator& comm) { return run_mersenne(comm, *opts); }};
}

}  // namespace rf::app
