// ItemNumbering: which item each position of a run is. The farm hands out
// positions 0..n-1 in the order the schedule wants them; a workload that
// orders its items (mersenne's exponents, synthetic's tasks by cost) has
// position i stand for the item with id id(i). The journal records ids, not
// positions, so a run in any other order can resume it: restored_in_order
// turns the ids back into that run's positions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "rangefarm/common/range.hpp"
#include "rangefarm/farm/checkpoint.hpp"

namespace rf {

class ItemNumbering {
 public:
  // Position i is id first_id + i (items in their natural order).
  static ItemNumbering consecutive(std::uint64_t count, std::uint64_t first_id);
  // Position i is ids[i]; the ids are distinct.
  explicit ItemNumbering(std::vector<std::uint64_t> ids);

  [[nodiscard]] std::uint64_t size() const { return count_; }
  // The ids at positions (inside [0, size())), sorted, as runs [lo, hi).
  [[nodiscard]] std::vector<Range> ids_of(Range positions) const;
  // The positions of ids given as runs, sorted and merged into runs;
  // nullopt if an id is not one of this numbering's.
  [[nodiscard]] std::optional<std::vector<Range>> positions_of(const std::vector<Range>& ids) const;

 private:
  ItemNumbering() = default;

  std::uint64_t count_ = 0;
  std::uint64_t first_ = 0;
  std::vector<std::uint64_t> ids_;  // empty: consecutive from first_
  mutable std::vector<std::pair<std::uint64_t, std::uint64_t>> by_id_;  // (id, position), lazily
};

// Journal records as the farm restores them: in positions of `now`. A
// record naming its items maps through them; one of positions (a journal
// written before records named items) maps through `then`, the numbering
// its run used (none: such a record is corrupt). A record whose items are
// scattered in this order becomes several, its partial on the first only
// (the farm merges no partial for the others). `path` names the journal.
std::vector<JournalRecord> restored_in_order(const std::vector<JournalRecord>& records,
                                             const ItemNumbering& now, const ItemNumbering* then,
                                             const std::string& path);

}  // namespace rf
