#include "common_options.hpp"

#include <boost/mpi/collectives.hpp>
#include <iostream>
#include <variant>

#include "rangefarm/common/numbers.hpp"

namespace rf::app {

void add_common_options(CLI::App& cmd, CommonOptions& opts, const std::string& default_chunk,
                        bool has_cost_model) {
  cmd.add_option("--schedule", opts.schedule,
                 "static-block | static-cyclic | dynamic | guided (default dynamic)")
      ->type_name("NAME");
  cmd.add_option("--chunk", opts.chunk, "chunk size K in items (default " + default_chunk + ")")
      ->type_name("K");
  cmd.add_option("--order", opts.order,
                 has_cost_model
                     ? "given | largest-first: the order dynamic and guided hand out items "
                       "(default largest-first, by the workload's cost model); static "
                       "schedules always deal them in given order"
                     : "given: the order items are handed out in, the only one here (" +
                           cmd.get_name() + " has no cost model for largest-first)")
      ->type_name("ORDER");
  cmd.add_option("--json", opts.json, "write the JSON report to FILE, or - for stdout")
      ->type_name("FILE")
      ->check(file_name_check());
  cmd.add_flag("--quiet", opts.quiet, "print only the results, no timing table");
  cmd.add_option("--checkpoint", opts.checkpoint,
                 "journal finished chunks to FILE, so that a stopped run can be resumed")
      ->type_name("FILE")
      ->check(file_name_check());
  cmd.add_flag("--resume", opts.resume,
               "continue the run journaled in the --checkpoint FILE: only what is missing is "
               "computed");
  cmd.add_flag("--repair", opts.repair,
               "with --resume: mend a journal that two runs wrote at once (one copy of each "
               "record is kept; the file as it was is kept as FILE.damaged)");
  cmd.add_flag("--break-lock", opts.break_lock,
               "take the --checkpoint FILE's lock from a run that is gone for good (its node "
               "lost) and still holds it");
  cmd.add_flag("--progress", opts.progress,
               "show percent done, rate and ETA on stderr (default when stderr is a terminal; "
               "every 30 s when it is not)");
  cmd.add_option("--trace", opts.trace,
                 "write one JSON line per chunk (rank, host, items, start, end) to FILE")
      ->type_name("FILE")
      ->check(file_name_check());
}

namespace {
std::string g_command_line;  // written once, before any run
}  // namespace

void note_command_line_text(int argc, char** argv) {
  g_command_line = "rangefarm";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool plain =
        !arg.empty() && arg.find_first_of(" \t\n'\"\\$`*?;&|<>()") == std::string::npos;
    std::string quoted = "'";
    for (char c : arg) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    g_command_line += ' ' + (plain ? arg : quoted + "'");
  }
}

const std::string& command_line_text() {
  return g_command_line;
}

std::uint64_t parse_number(const std::string& option, const std::string& text,
                           std::uint64_t at_least) {
  const auto parsed = parse_count(text);
  if (const auto* why = std::get_if<std::string>(&parsed)) {
    throw UsageError(option + ": " + *why);
  }
  const std::uint64_t value = std::get<std::uint64_t>(parsed);
  if (value < at_least) {
    throw UsageError(option + ": must be at least " + std::to_string(at_least) + ", got '" + text +
                     "'");
  }
  return value;
}

ScheduleSpec schedule_from(const CommonOptions& opts, std::uint64_t default_chunk) {
  const auto kind = parse_schedule(opts.schedule);
  if (!kind) {
    throw UsageError("--schedule: unknown schedule '" + opts.schedule +
                     "' (use static-block, static-cyclic, dynamic or guided)");
  }
  const std::uint64_t chunk =
      opts.chunk.empty() ? default_chunk : parse_number("--chunk", opts.chunk, 1);
  return {*kind, chunk};
}

DispatchOrder order_from(const CommonOptions& opts, std::string_view workload,
                         std::optional<DispatchOrder> cost_model_default) {
  if (opts.order.empty()) return cost_model_default.value_or(DispatchOrder::Given);
  const auto order = parse_order(opts.order);
  if (!order) {
    throw UsageError("--order: unknown order '" + opts.order + "' (use given or largest-first)");
  }
  if (*order == DispatchOrder::LargestFirst && !cost_model_default) {
    throw UsageError("--order largest-first: " + std::string(workload) +
                     " has no cost model to order by (use given)");
  }
  return *order;
}

std::string order_text(const CommonOptions& opts, ScheduleKind kind, DispatchOrder used) {
  std::string text(order_name(used));
  if (is_static(kind) && parse_order(opts.order) == DispatchOrder::LargestFirst) {
    text += ": --order largest-first has no effect on a static schedule";
  }
  return text;
}

void agree_on_rank0(const boost::mpi::communicator& comm,
                    const std::function<std::string()>& check) {
  std::string problem;
  if (comm.rank() == 0) problem = check();
  boost::mpi::broadcast(comm, problem, 0);
  if (!problem.empty()) throw UsageError(problem);
}

void check_outputs(const boost::mpi::communicator& comm, const CommonOptions& opts,
                   const std::vector<OutputFile>& more) {
  std::vector<OutputFile> writes = more;
  if (opts.json != "-") writes.insert(writes.begin(), {"--json", opts.json});
  if (!opts.trace.empty()) writes.push_back({"--trace", opts.trace});
  std::vector<OutputFile> reads;
  (opts.resume ? reads : writes).push_back({"--checkpoint", opts.checkpoint});
  check_output_files(comm, writes, reads);
}

bool human_output_wanted(const CommonOptions& opts) {
  return opts.json != "-";
}

void write_json(const CommonOptions& opts, const RunReport& report) {
  if (!opts.json.empty()) write_json(opts, report.to_json());
}

void write_json(const CommonOptions& opts, const nlohmann::json& report) {
  if (opts.json.empty()) return;
  const std::string text = report.dump(2) + "\n";
  if (opts.json == "-") {
    std::cout << text << std::flush;
    return;
  }
  write_text_file("--json", opts.json, text);
}

}  // namespace rf::app
