// Ranks grouped into nodes by host name, the MemAvailable test hook, and
// the rank lists a refusal names.
#include "rangefarm/bigint/node_memory.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace rf {
namespace {

std::vector<NodeMemory> three_nodes() {
  return group_by_host({"a", "b", "a", "c", "b", "a"}, {10, 20, 11, 30, 21, 12});
}

TEST(NodeMemory, GroupsRanksByHostInOrderOfTheirLowestRank) {
  const std::vector<NodeMemory> nodes = three_nodes();
  ASSERT_EQ(nodes.size(), 3u);
  EXPECT_EQ(nodes[0].host, "a");
  EXPECT_EQ(nodes[0].ranks, (std::vector<int>{0, 2, 5}));
  EXPECT_EQ(nodes[0].available, 10);  // its lowest rank's figure
  EXPECT_EQ(nodes[1].host, "b");
  EXPECT_EQ(nodes[1].ranks, (std::vector<int>{1, 4}));
  EXPECT_EQ(nodes[2].host, "c");
  EXPECT_EQ(nodes[2].ranks, (std::vector<int>{3}));
  EXPECT_EQ(nodes[2].available, 30);
}

TEST(NodeMemory, HookSetsEveryHostOrNamedOnes) {
  std::vector<NodeMemory> nodes = three_nodes();
  override_mem_available(nodes, "1e9");
  for (const NodeMemory& n : nodes) EXPECT_EQ(n.available, 1e9) << n.host;
  nodes = three_nodes();
  override_mem_available(nodes, "c=5,a=7,elsewhere=9");
  EXPECT_EQ(nodes[0].available, 7);
  EXPECT_EQ(nodes[1].available, 20);  // not named: measured
  EXPECT_EQ(nodes[2].available, 5);
}

TEST(NodeMemory, BadHookIsRefused) {
  for (const char* bad : {"", "lots", "a=", "a=1.5", "=3", "a=1,,b=2", "a=1,b"}) {
    std::vector<NodeMemory> nodes = three_nodes();
    EXPECT_THROW(override_mem_available(nodes, bad), std::invalid_argument) << bad;
  }
}

TEST(NodeMemory, RankLists) {
  EXPECT_EQ(rank_list({0}), "rank 0");
  EXPECT_EQ(rank_list({0, 1, 2}), "ranks 0-2");
  EXPECT_EQ(rank_list({0, 2, 5, 6, 7}), "ranks 0, 2, 5-7");
  EXPECT_EQ(rank_list({3, 4}), "ranks 3-4");
}

}  // namespace
}  // namespace rf
