#include "rangefarm/farm/stats.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <numeric>
#include <ostream>
#include <set>

#include "rangefarm/common/build_info.hpp"
#include "rangefarm/common/fmt_util.hpp"
#include "rangefarm/version.hpp"

namespace rf {

double imbalance(const std::vector<RankTiming>& timings) {
  if (timings.empty()) return 1.0;
  double max = 0;
  double sum = 0;
  for (const auto& t : timings) {
    max = std::max(max, t.busy_s);
    sum += t.busy_s;
  }
  const double mean = sum / static_cast<double>(timings.size());
  return mean > 0 ? max / mean : 1.0;
}

std::uint64_t items_total(const std::vector<RankTiming>& timings) {
  return std::accumulate(timings.begin(), timings.end(), std::uint64_t{0},
                         [](std::uint64_t s, const RankTiming& t) { return s + t.items; });
}

std::size_t nodes_used(const std::vector<RankTiming>& timings) {
  std::set<std::string> hosts;
  for (const auto& t : timings) hosts.insert(t.host);
  return hosts.size();
}

nlohmann::json RunReport::to_json() const {
  nlohmann::json ranks = nlohmann::json::array();
  for (const auto& t : timings) {
    ranks.push_back({{"rank", t.rank},
                     {"busy_s", t.busy_s},
                     {"wait_s", t.wait_s},
                     {"chunks", t.chunks},
                     {"items", t.items},
                     {"host", t.host}});
  }
  nlohmann::json timing = {{"wall_s", wall_s}, {"ranks", ranks}};
  if (!phases.is_null()) timing["phases"] = phases;
  if (!timing_extra.is_null()) timing.update(timing_extra);
  nlohmann::json out = {{"workload", workload},    {"params", params},
                        {"ranks", timings.size()}, {"nodes", nodes_used(timings)},
                        {"result", result},        {"items_total", items_total(timings)},
                        {"timing", timing},        {"imbalance", imbalance(timings)},
                        {"host", host_name()},     {"version", rangefarm_version()},
                        {"build", build_json()}};
  if (!checkpoint.is_null()) out["checkpoint"] = checkpoint;
  return out;
}

void RunReport::print_timing_table(std::ostream& out) const {
  out << "  rank     busy s     wait s     chunks            items  host\n";
  for (const auto& t : timings) {
    out << strprintf("  %4d %10.3f %10.3f %10llu %16llu  %s\n", t.rank, t.busy_s, t.wait_s,
                     static_cast<unsigned long long>(t.chunks),
                     static_cast<unsigned long long>(t.items), t.host.c_str());
  }
  out << strprintf("  imbalance (max busy / mean busy): %.3f\n", imbalance(timings));
}

std::string host_name() {
  std::array<char, 256> buf{};
  if (gethostname(buf.data(), buf.size() - 1) != 0) return "unknown";
  return buf.data();
}

std::string rangefarm_version() {
  return kVersion;
}

}  // namespace rf
