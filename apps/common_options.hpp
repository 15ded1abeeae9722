// Options every subcommand shares (schedule, chunk, order, JSON report,
// quiet, checkpoint, progress and trace), how they are checked, and how a finished
// run is reported.
#pragma once

#include <CLI/CLI.hpp>
#include <boost/mpi/communicator.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "output_files.hpp"
#include "rangefarm/farm/schedule.hpp"
#include "rangefarm/farm/stats.hpp"

namespace rf::app {

// Bad input: one line on stderr from rank 0, exit status 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct CommonOptions {
  std::string schedule = "dynamic";
  std::string chunk;  // empty: the workload's default
  std::string order;  // empty: the workload's default
  std::string json;   // empty: none; "-": stdout
  bool quiet = false;
  std::string checkpoint;  // empty: no journal
  bool resume = false;
  bool repair = false;      // --repair: mend a journal two runs wrote at once
  bool break_lock = false;  // --break-lock: take a journal whose run is gone for good
  bool progress = false;    // asked for; by default on when stderr is a terminal
  std::string trace;        // empty: no trace
};

// The command line as given ("rangefarm perfect --to 1e9 ..."), for a trace's
// header; noted once by main().
void note_command_line_text(int argc, char** argv);
const std::string& command_line_text();

// default_chunk describes the workload's default chunk size for --help;
// --help offers largest-first only to a workload with a cost model.
void add_common_options(CLI::App& cmd, CommonOptions& opts, const std::string& default_chunk,
                        bool has_cost_model);

// Parses an integer option; at_least bounds it from below.
std::uint64_t parse_number(const std::string& option, const std::string& text,
                           std::uint64_t at_least);

// Schedule and chunk from the options, checked.
ScheduleSpec schedule_from(const CommonOptions& opts, std::uint64_t default_chunk);

// The dispatch order from --order. A workload with a cost model passes it
// as its default (largest-first); one without (nullopt) takes only `given`.
DispatchOrder order_from(const CommonOptions& opts, std::string_view workload,
                         std::optional<DispatchOrder> cost_model_default);

// The order for a header line: "largest-first", "given", or, where a static
// schedule was asked for largest-first (it deals the items in their given
// order), "given" and why.
std::string order_text(const CommonOptions& opts, ScheduleKind kind, DispatchOrder used);

// The run's files (--json, --checkpoint and the command's `more`) checked by
// check_output_files: throws UsageError on every rank when rank 0 found a
// problem, so all ranks exit the same way.
void check_outputs(const boost::mpi::communicator& comm, const CommonOptions& opts,
                   const std::vector<OutputFile>& more = {});

// Runs `check` on rank 0 only; a non-empty answer becomes a UsageError on
// every rank.
void agree_on_rank0(const boost::mpi::communicator& comm,
                    const std::function<std::string()>& check);

// Writes the report where the options say (rank 0 only); human text goes to
// stdout unless the JSON does.
bool human_output_wanted(const CommonOptions& opts);
void write_json(const CommonOptions& opts, const RunReport& report);
// The same for a report already in JSON (a finished run's, read back).
void write_json(const CommonOptions& opts, const nlohmann::json& report);

}  // namespace rf::app
