// ItemNumbering and restored_in_order (item_numbering.hpp): positions to
// ids and back, and journal records carried from one order into another.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "rangefarm/farm/checkpoint.hpp"
#include "rangefarm/farm/item_numbering.hpp"
#include "rangefarm/farm/range_list.hpp"

namespace rf {
namespace {

using Ranges = std::vector<Range>;

TEST(ItemNumbering, ConsecutiveIsAShift) {
  const auto n = ItemNumbering::consecutive(10, 1);
  EXPECT_EQ(n.ids_of({2, 5}), (Ranges{{3, 6}}));
  EXPECT_EQ(n.positions_of({{3, 6}, {8, 11}}), (Ranges{{2, 5}, {7, 10}}));
  EXPECT_EQ(n.positions_of({{1, 3}, {3, 4}}), (Ranges{{0, 3}}));
  EXPECT_EQ(n.positions_of({{0, 2}}), std::nullopt);   // id 0 is not one
  EXPECT_EQ(n.positions_of({{9, 12}}), std::nullopt);  // nor 11
}

TEST(ItemNumbering, ListedIdsAreSortedIntoRuns) {
  const ItemNumbering n({31, 2, 3, 29, 5, 7});
  EXPECT_EQ(n.size(), 6u);
  EXPECT_EQ(n.ids_of({0, 3}), (Ranges{{2, 4}, {31, 32}}));
  EXPECT_EQ(n.positions_of({{2, 4}, {29, 30}}), (Ranges{{1, 4}}));
  EXPECT_EQ(n.positions_of({{4, 5}}), std::nullopt);
  EXPECT_EQ(n.positions_of({{29, 32}}), std::nullopt);  // 30 is not one
}

TEST(ItemNumbering, AnyOrderRoundTrips) {
  std::vector<std::uint64_t> ids(200);
  std::iota(ids.begin(), ids.end(), 1000);
  std::shuffle(ids.begin(), ids.end(), std::mt19937_64(7));
  const ItemNumbering n(ids);
  for (std::uint64_t lo = 0; lo < 200; lo += 13) {
    const Range chunk{lo, std::min<std::uint64_t>(lo + 17, 200)};
    const auto back = n.positions_of(n.ids_of(chunk));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, (Ranges{chunk}));
  }
}

// Records of a largest-first run (ids 5..1 at positions 0..4) resumed in
// given order (ids 1..5): a record covering ids 5 and 3 becomes two,
// its partial on the first only.
TEST(RestoredInOrder, ItemsMapToThisRunsPositions) {
  const ItemNumbering given = ItemNumbering::consecutive(5, 1);
  const std::vector<JournalRecord> records{{{}, "a", 2, {{3, 4}, {5, 6}}}, {{}, "b", 3, {{1, 2}}}};
  const auto out = restored_in_order(records, given, nullptr, "j");
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].chunk, (Range{2, 3}));
  EXPECT_EQ(out[0].partial, "a");
  EXPECT_EQ(out[1].chunk, (Range{4, 5}));
  EXPECT_EQ(out[1].partial, "");
  EXPECT_EQ(out[2].chunk, (Range{0, 1}));
  EXPECT_EQ(out[2].line, 3u);
  EXPECT_EQ(subtract({0, 5}, {out[0].chunk, out[1].chunk, out[2].chunk}), (Ranges{{1, 2}, {3, 4}}));
}

TEST(RestoredInOrder, OldRecordsMapThroughTheirOwnOrder) {
  const ItemNumbering largest_first({5, 4, 3, 2, 1});
  const ItemNumbering given = ItemNumbering::consecutive(5, 1);
  const std::vector<JournalRecord> records{{{0, 2}, "a", 2, {}}};  // ids 5, 4
  const auto out = restored_in_order(records, given, &largest_first, "j");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].chunk, (Range{3, 5}));
  EXPECT_THROW(restored_in_order(records, given, nullptr, "j"), JournalError);
  const std::vector<JournalRecord> outside{{{4, 6}, "a", 2, {}}};
  EXPECT_THROW(restored_in_order(outside, given, &largest_first, "j"), JournalError);
}

TEST(RestoredInOrder, AnItemNotOfThisRunIsRefused) {
  const std::vector<JournalRecord> records{{{}, "a", 2, {{6, 7}}}};
  EXPECT_THROW(restored_in_order(records, ItemNumbering::consecutive(5, 1), nullptr, "j"),
               JournalError);
}

}  // namespace
}  // namespace rf
