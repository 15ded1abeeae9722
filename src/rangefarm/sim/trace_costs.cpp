#include "rangefarm/sim/trace_costs.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <vector>

namespace rf {
namespace {

struct TracedChunk {
  std::uint64_t first;
  std::uint64_t items;
  double seconds;
  double estimate;  // < 0: none
};

void read_header(const nlohmann::json& h, TracedRun& run) {
  if (h.value("format", "") != "rangefarm-trace") {
    throw std::runtime_error("its first line is not a rangefarm trace header");
  }
  run.subcommand = h.at("subcommand").get<std::string>();
  run.schedule = h.at("schedule").get<std::string>();
  run.chunk = h.at("chunk").get<std::uint64_t>();
  run.order = h.at("order").get<std::string>();
  run.ranks = h.at("ranks").get<int>();
}

TracedChunk read_chunk(const nlohmann::json& c) {
  const auto first = c.at("first").get<std::uint64_t>();
  const auto items = c.at("items").get<std::uint64_t>();
  const double seconds = c.at("end_s").get<double>() - c.at("start_s").get<double>();
  if (items == 0 || seconds < 0) throw std::runtime_error("a chunk record with no items or time");
  const auto& cost = c.at("cost");
  return {first, items, seconds, cost.is_number() ? cost.get<double>() : -1};
}

// nlohmann::json's messages less their "[json.exception.type_error.302] "
// prefix: "key 'first' not found", "type must be number, but is string".
std::string library_free(const std::string& what) {
  if (what.rfind("[json.exception.", 0) != 0) return what;
  const auto end = what.find("] ");
  return end == std::string::npos ? what : what.substr(end + 2);
}

}  // namespace

TracedRun read_trace(std::istream& in, const std::string& path) {
  TracedRun run;
  std::vector<TracedChunk> chunks;
  std::string text;
  for (std::uint64_t line = 1; std::getline(in, text); ++line) {
    try {
      const nlohmann::json j = nlohmann::json::parse(text);
      if (line == 1) {
        read_header(j, run);
        continue;
      }
      const std::string type = j.at("type").get<std::string>();
      if (type == "chunk") chunks.push_back(read_chunk(j));
      if (type == "end") run.wall_s = j.at("wall_s").get<double>();
    } catch (const nlohmann::json::parse_error&) {
      throw std::runtime_error("--trace: " + path + " line " + std::to_string(line) +
                               " is not JSON: expected the JSON lines that a run writes with "
                               "--trace FILE");
    } catch (const nlohmann::json::exception& e) {  // a field missing or of another type
      throw std::runtime_error("--trace: " + path + " line " + std::to_string(line) + ": " +
                               library_free(e.what()) + " (expected a rangefarm trace record)");
    } catch (const std::exception& e) {
      throw std::runtime_error("--trace: " + path + " line " + std::to_string(line) + ": " +
                               e.what());
    }
  }
  if (run.subcommand.empty()) throw std::runtime_error("--trace: " + path + " is empty");
  if (chunks.empty()) throw std::runtime_error("--trace: " + path + " has no chunk records");
  std::sort(chunks.begin(), chunks.end(),
            [](const TracedChunk& a, const TracedChunk& b) { return a.first < b.first; });
  for (const TracedChunk& c : chunks) {
    const double n = static_cast<double>(c.items);
    run.costs.append(c.items, c.seconds / n, c.estimate < 0 ? c.seconds / n : c.estimate / n);
  }
  run.chunks = chunks.size();
  return run;
}

}  // namespace rf
