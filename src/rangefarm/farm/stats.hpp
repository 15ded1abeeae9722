// Per-rank timings of a run and the run report: the human summary on stdout
// and the JSON object that scaling scripts read.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace rf {

struct RankTiming {
  int rank = 0;
  double busy_s = 0;  // inside the workload
  double wait_s = 0;  // waiting for work, or for the others at the end
  std::uint64_t chunks = 0;
  std::uint64_t items = 0;
  std::string host;  // where the rank ran (its node)

  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& rank& busy_s& wait_s& chunks& items& host;
  }
};

// max busy / mean busy: 1.0 is perfect balance.
double imbalance(const std::vector<RankTiming>& timings);
std::uint64_t items_total(const std::vector<RankTiming>& timings);
// The distinct hosts the ranks ran on: the run's node count.
std::size_t nodes_used(const std::vector<RankTiming>& timings);

struct RunReport {
  std::string workload;
  nlohmann::json params;
  nlohmann::json result;
  std::vector<RankTiming> timings;
  double wall_s = 0;
  nlohmann::json phases = nullptr;        // a workload's own timed phases, if it has them
  nlohmann::json timing_extra = nullptr;  // more fields for "timing", e.g. a makespan in units
  nlohmann::json checkpoint = nullptr;    // with --checkpoint: what was restored, what computed

  [[nodiscard]] nlohmann::json to_json() const;
  // The per-rank table with the imbalance under it.
  void print_timing_table(std::ostream& out) const;
};

std::string host_name();
std::string rangefarm_version();

}  // namespace rf
