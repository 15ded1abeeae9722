#include "rangefarm/farm/item_numbering.hpp"

#include <algorithm>

namespace rf {
namespace {

// Sorted values as runs [lo, hi) of consecutive values.
std::vector<Range> runs_of(std::vector<std::uint64_t> values) {
  std::sort(values.begin(), values.end());
  std::vector<Range> runs;
  for (const std::uint64_t v : values) {
    if (!runs.empty() && runs.back().hi == v) {
      ++runs.back().hi;
    } else {
      runs.push_back({v, v + 1});
    }
  }
  return runs;
}

// Ranges sorted and joined where they touch.
std::vector<Range> merged(std::vector<Range> ranges) {
  std::sort(ranges.begin(), ranges.end(), [](Range a, Range b) { return a.lo < b.lo; });
  std::vector<Range> out;
  for (const Range r : ranges) {
    if (!out.empty() && out.back().hi == r.lo) {
      out.back().hi = r.hi;
    } else {
      out.push_back(r);
    }
  }
  return out;
}

}  // namespace

ItemNumbering ItemNumbering::consecutive(std::uint64_t count, std::uint64_t first_id) {
  ItemNumbering n;
  n.count_ = count;
  n.first_ = first_id;
  return n;
}

ItemNumbering::ItemNumbering(std::vector<std::uint64_t> ids)
    : count_(ids.size()), ids_(std::move(ids)) {}

std::vector<Range> ItemNumbering::ids_of(Range positions) const {
  if (ids_.empty()) return {{first_ + positions.lo, first_ + positions.hi}};
  return runs_of({ids_.begin() + static_cast<std::ptrdiff_t>(positions.lo),
                  ids_.begin() + static_cast<std::ptrdiff_t>(positions.hi)});
}

std::optional<std::vector<Range>> ItemNumbering::positions_of(const std::vector<Range>& ids) const {
  std::vector<Range> out;
  if (ids_.empty()) {
    for (const Range r : ids) {
      if (r.lo < first_ || r.hi > first_ + count_) return std::nullopt;
      out.push_back({r.lo - first_, r.hi - first_});
    }
    return merged(std::move(out));
  }
  if (by_id_.empty()) {
    for (std::uint64_t i = 0; i < count_; ++i) by_id_.emplace_back(ids_[i], i);
    std::sort(by_id_.begin(), by_id_.end());
  }
  std::vector<std::uint64_t> positions;
  for (const Range r : ids) {
    auto it =
        std::lower_bound(by_id_.begin(), by_id_.end(), std::make_pair(r.lo, std::uint64_t{0}));
    for (std::uint64_t id = r.lo; id < r.hi; ++id, ++it) {
      if (it == by_id_.end() || it->first != id) return std::nullopt;
      positions.push_back(it->second);
    }
  }
  return runs_of(std::move(positions));
}

std::vector<JournalRecord> restored_in_order(const std::vector<JournalRecord>& records,
                                             const ItemNumbering& now, const ItemNumbering* then,
                                             const std::string& path) {
  std::vector<JournalRecord> out;
  for (const JournalRecord& r : records) {
    std::vector<Range> ids = r.items;
    if (ids.empty()) {
      if (then == nullptr) throw corrupt_record(path, r, "it does not name its items");
      if (r.chunk.empty() || r.chunk.hi > then->size()) {
        throw corrupt_record(path, r, "its items are outside the run's range");
      }
      ids = then->ids_of(r.chunk);
    }
    const auto positions = now.positions_of(ids);
    if (!positions) throw corrupt_record(path, r, "it names an item that is not this run's");
    for (std::size_t i = 0; i < positions->size(); ++i) {
      out.push_back({(*positions)[i], i == 0 ? r.partial : std::string(), r.line, {}});
    }
  }
  return out;
}

}  // namespace rf
