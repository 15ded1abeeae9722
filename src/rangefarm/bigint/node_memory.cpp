#include "rangefarm/bigint/node_memory.hpp"

#include <boost/mpi/collectives.hpp>
#include <boost/serialization/string.hpp>
#include <fstream>
#include <map>
#include <stdexcept>
#include <variant>

#include "rangefarm/common/numbers.hpp"
#include "rangefarm/farm/stats.hpp"

namespace rf {
namespace {

struct RankMemory {
  std::string host;
  double available = 0;

  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& host& available;
  }
};

double parse_bytes(const std::string& text, const std::string& where) {
  const auto value = parse_count(text);
  if (const auto* why = std::get_if<std::string>(&value)) {
    throw std::invalid_argument(std::string(kMemAvailableHook) + ": " + where + ": " + *why);
  }
  return static_cast<double>(std::get<std::uint64_t>(value));
}

}  // namespace

double mem_available_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  double kib = 0;
  std::string unit;
  while (in >> key >> kib >> unit) {
    if (key == "MemAvailable:") return kib * 1024;
  }
  return 0;
}

std::vector<NodeMemory> group_by_host(const std::vector<std::string>& hosts,
                                      const std::vector<double>& available) {
  std::vector<NodeMemory> nodes;
  std::map<std::string, std::size_t> index;
  for (std::size_t r = 0; r < hosts.size(); ++r) {
    const auto [it, fresh] = index.emplace(hosts[r], nodes.size());
    if (fresh) nodes.push_back({hosts[r], {}, available.at(r)});
    nodes[it->second].ranks.push_back(static_cast<int>(r));
  }
  return nodes;
}

void override_mem_available(std::vector<NodeMemory>& nodes, const std::string& hook) {
  if (hook.find('=') == std::string::npos) {
    const double bytes = parse_bytes(hook, "'" + hook + "'");
    for (NodeMemory& node : nodes) node.available = bytes;
    return;
  }
  std::map<std::string, double> by_host;
  for (std::size_t start = 0; start <= hook.size();) {
    const std::size_t end = std::min(hook.find(',', start), hook.size());
    const std::string item = hook.substr(start, end - start);
    const std::size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw std::invalid_argument(std::string(kMemAvailableHook) + ": '" + item +
                                  "' is not HOST=BYTES");
    }
    by_host[item.substr(0, eq)] = parse_bytes(item.substr(eq + 1), "'" + item + "'");
    start = end + 1;
  }
  for (NodeMemory& node : nodes) {
    if (const auto it = by_host.find(node.host); it != by_host.end()) node.available = it->second;
  }
}

std::vector<NodeMemory> gather_node_memory(const boost::mpi::communicator& comm) {
  std::vector<RankMemory> all;
  boost::mpi::gather(comm, RankMemory{host_name(), mem_available_bytes()}, all, 0);
  if (comm.rank() != 0) return {};
  std::vector<std::string> hosts;
  std::vector<double> available;
  for (const RankMemory& r : all) {
    hosts.push_back(r.host);
    available.push_back(r.available);
  }
  return group_by_host(hosts, available);
}

std::string rank_list(const std::vector<int>& ranks) {
  std::string out = ranks.size() == 1 ? "rank " : "ranks ";
  for (std::size_t i = 0; i < ranks.size();) {
    std::size_t j = i;
    while (j + 1 < ranks.size() && ranks[j + 1] == ranks[j] + 1) ++j;
    if (i > 0) out += ", ";
    out += std::to_string(ranks[i]);
    if (j > i) {
      out += '-';
      out += std::to_string(ranks[j]);
    }
    i = j + 1;
  }
  return out;
}

}  // namespace rf
