// Run statistics: imbalance, item totals and the JSON report's shape.
#include "rangefarm/farm/stats.hpp"

#include "rangefarm/common/build_info.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace rf {
namespace {

using u64 = std::uint64_t;

std::vector<RankTiming> timings_with_busy(const std::vector<double>& busy) {
  std::vector<RankTiming> out;
  for (std::size_t i = 0; i < busy.size(); ++i) {
    out.push_back({static_cast<int>(i), busy[i], 0.0, 1, 10, "node"});
  }
  return out;
}

std::set<std::string> keys(const nlohmann::json& object) {
  std::set<std::string> out;
  for (const auto& item : object.items()) out.insert(item.key());
  return out;
}

TEST(Imbalance, IsMaxOverMeanBusy) {
  EXPECT_DOUBLE_EQ(imbalance(timings_with_busy({2.0, 2.0, 2.0})), 1.0);
  EXPECT_DOUBLE_EQ(imbalance(timings_with_busy({5.0})), 1.0);
  EXPECT_DOUBLE_EQ(imbalance(timings_with_busy({1.0, 3.0})), 1.5);       // 3 / 2
  EXPECT_DOUBLE_EQ(imbalance(timings_with_busy({0.0, 0.0, 4.0})), 3.0);  // 4 / (4/3)
  EXPECT_DOUBLE_EQ(imbalance(timings_with_busy({1.0, 2.0, 3.0, 6.0})), 2.0);
}

TEST(Imbalance, IsOneWhenThereIsNothingToCompare) {
  EXPECT_DOUBLE_EQ(imbalance({}), 1.0);
  EXPECT_DOUBLE_EQ(imbalance(timings_with_busy({0.0})), 1.0);
  EXPECT_DOUBLE_EQ(imbalance(timings_with_busy({0.0, 0.0, 0.0})), 1.0);
}

TEST(ItemsTotal, SumsTheItemsOfEveryRank) {
  EXPECT_EQ(items_total({}), 0u);
  std::vector<RankTiming> t(3);
  t[0].items = 5;
  t[1].items = 0;
  t[2].items = u64{1} << 40;
  EXPECT_EQ(items_total(t), (u64{1} << 40) + 5);
}

RunReport sample_report() {
  RunReport r;
  r.workload = "perfect";
  r.params = {{"from", 1}, {"to", 1000}};
  r.result = {{"perfect_numbers", {6, 28, 496}}};
  r.timings = {{0, 1.0, 0.5, 3, 400, "node1"}, {1, 3.0, 0.25, 4, 601, "node2"}};
  r.wall_s = 3.5;
  return r;
}

TEST(RunReport, JsonHasEveryKey) {
  const RunReport report = sample_report();
  const nlohmann::json j = report.to_json();
  EXPECT_EQ(keys(j),
            (std::set<std::string>{"workload", "params", "ranks", "result", "items_total", "timing",
                                   "imbalance", "host", "version", "nodes", "build"}));
  EXPECT_EQ(j.at("nodes").get<u64>(), 2u);
  EXPECT_EQ(j.at("workload"), "perfect");
  EXPECT_EQ(j.at("params"), report.params);
  EXPECT_EQ(j.at("result"), report.result);
  EXPECT_EQ(j.at("ranks").get<u64>(), 2u);
  EXPECT_EQ(j.at("items_total").get<u64>(), 1001u);
  EXPECT_DOUBLE_EQ(j.at("imbalance").get<double>(), 1.5);
  EXPECT_TRUE(j.at("host").is_string());
  EXPECT_EQ(j.at("host").get<std::string>(), host_name());
  EXPECT_TRUE(j.at("version").is_string());
  EXPECT_FALSE(j.at("version").get<std::string>().empty());
  EXPECT_EQ(j.at("version").get<std::string>(), rangefarm_version());
  EXPECT_EQ(j.at("build"), build_json());

  const nlohmann::json& timing = j.at("timing");
  EXPECT_EQ(keys(timing), (std::set<std::string>{"wall_s", "ranks"}));
  EXPECT_DOUBLE_EQ(timing.at("wall_s").get<double>(), 3.5);
  const nlohmann::json& ranks = timing.at("ranks");
  ASSERT_TRUE(ranks.is_array());
  ASSERT_EQ(ranks.size(), 2u);
  for (std::size_t i = 0; i < ranks.size(); ++i) {
    const RankTiming& t = report.timings[i];
    EXPECT_EQ(keys(ranks[i]),
              (std::set<std::string>{"rank", "busy_s", "wait_s", "chunks", "items", "host"}));
    EXPECT_EQ(ranks[i].at("host").get<std::string>(), t.host);
    EXPECT_EQ(ranks[i].at("rank").get<int>(), t.rank);
    EXPECT_DOUBLE_EQ(ranks[i].at("busy_s").get<double>(), t.busy_s);
    EXPECT_DOUBLE_EQ(ranks[i].at("wait_s").get<double>(), t.wait_s);
    EXPECT_EQ(ranks[i].at("chunks").get<u64>(), t.chunks);
    EXPECT_EQ(ranks[i].at("items").get<u64>(), t.items);
  }
}

TEST(NodesUsed, CountsDistinctHosts) {
  std::vector<RankTiming> t(4);
  t[0].host = t[1].host = "a";
  t[2].host = "b";
  t[3].host = "c";
  EXPECT_EQ(nodes_used(t), 3u);
  EXPECT_EQ(nodes_used({}), 0u);
}

TEST(RunReport, JsonOfAnEmptyRun) {
  const nlohmann::json j = RunReport{}.to_json();
  EXPECT_EQ(j.at("ranks").get<u64>(), 0u);
  EXPECT_EQ(j.at("items_total").get<u64>(), 0u);
  EXPECT_DOUBLE_EQ(j.at("imbalance").get<double>(), 1.0);
  EXPECT_TRUE(j.at("timing").at("ranks").is_array());
  EXPECT_TRUE(j.at("timing").at("ranks").empty());
}

TEST(RunReport, TimingTableHasARowPerRank) {
  std::ostringstream out;
  sample_report().print_timing_table(out);
  const std::string text = out.str();
  std::size_t lines = 0;
  for (char c : text) lines += c == '\n';
  EXPECT_GE(lines, 2u + 2u);  // at least a header, two ranks and the imbalance
  EXPECT_NE(text.find("1.500"), std::string::npos) << text;
  EXPECT_NE(text.find("  node2\n"), std::string::npos) << text;
}

// The build facts: every field named; the libraries' versions as they
// report themselves (this test runs without MPI_Init, which MPI allows for
// MPI_Get_library_version).
TEST(BuildInfo, JsonAndVersionTextNameTheLibraries) {
  const nlohmann::json b = build_json();
  EXPECT_EQ(keys(b), (std::set<std::string>{"commit", "build_type", "compiler", "mpi", "gmp",
                                            "primesieve"}));
  for (const auto& [key, value] : b.items()) {
    ASSERT_TRUE(value.is_string()) << key;
    EXPECT_FALSE(value.get<std::string>().empty()) << key;
  }
  EXPECT_NE(b.at("mpi").get<std::string>().find("Open MPI"), std::string::npos);
  EXPECT_EQ(b.at("mpi").get<std::string>().find('\n'), std::string::npos);
  const std::string text = version_text();
  EXPECT_EQ(text.rfind("rangefarm " + rangefarm_version() + "\n", 0), 0u) << text;
  for (const char* field : {"commit", "build_type", "compiler", "mpi", "gmp", "primesieve"}) {
    EXPECT_NE(text.find(b.at(field).get<std::string>()), std::string::npos) << field;
  }
}

}  // namespace
}  // namespace rf
