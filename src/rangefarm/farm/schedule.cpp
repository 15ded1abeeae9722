#include "rangefarm/farm/schedule.hpp"

#include <algorithm>
#include <array>

namespace rf {
namespace {

constexpr std::array<std::pair<std::string_view, ScheduleKind>, 4> kNames{{
    {"static-block", ScheduleKind::StaticBlock},
    {"static-cyclic", ScheduleKind::StaticCyclic},
    {"dynamic", ScheduleKind::Dynamic},
    {"guided", ScheduleKind::Guided},
}};

// Start of part r when n items are cut into p near-equal parts; 128-bit so
// that n * r cannot overflow for any range and rank count.
std::uint64_t part_start(Range range, std::uint64_t r, std::uint64_t p) {
  auto n = static_cast<unsigned __int128>(range.size());
  return range.lo + static_cast<std::uint64_t>(n * r / p);
}

}  // namespace

std::optional<DispatchOrder> parse_order(std::string_view name) {
  if (name == "given") return DispatchOrder::Given;
  if (name == "largest-first") return DispatchOrder::LargestFirst;
  return std::nullopt;
}

std::string_view order_name(DispatchOrder order) {
  return order == DispatchOrder::Given ? "given" : "largest-first";
}

std::vector<std::uint64_t> dispatch_order(ScheduleKind kind, DispatchOrder order,
                                          const std::vector<double>& costs) {
  std::vector<std::uint64_t> items(costs.size());
  for (std::uint64_t i = 0; i < items.size(); ++i) items[i] = i;
  if (order_used(kind, order) == DispatchOrder::Given) return items;
  std::stable_sort(items.begin(), items.end(),
                   [&](std::uint64_t a, std::uint64_t b) { return costs[a] > costs[b]; });
  return items;
}

std::optional<ScheduleKind> parse_schedule(std::string_view name) {
  for (auto [n, k] : kNames) {
    if (n == name) return k;
  }
  return std::nullopt;
}

std::string_view schedule_name(ScheduleKind kind) {
  for (auto [n, k] : kNames) {
    if (k == kind) return n;
  }
  return "?";
}

const std::vector<std::string>& schedule_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (auto [n, k] : kNames) v.emplace_back(n);
    return v;
  }();
  return names;
}

StaticShare static_chunks(const ScheduleSpec& spec, Range range, int rank, int nranks) {
  const auto p = static_cast<std::uint64_t>(nranks);
  const auto r = static_cast<std::uint64_t>(rank);
  const std::uint64_t k = std::max<std::uint64_t>(spec.chunk, 1);
  if (spec.kind == ScheduleKind::StaticBlock) {
    const Range part{part_start(range, r, p), part_start(range, r + 1, p)};
    return {part, k, 0, 1, part.size() / k + (part.size() % k != 0)};
  }
  // static-cyclic: chunk i starts at lo + i*K; this rank takes i = r, r+P, ...
  const std::uint64_t nchunks = range.size() / k + (range.size() % k != 0);
  return {range, k, r, p, r < nchunks ? (nchunks - r - 1) / p + 1 : 0};
}

std::uint64_t plan_chunks(const ScheduleSpec& spec, std::uint64_t items, int nranks,
                          std::uint64_t cap) {
  const Range range{0, items};
  std::uint64_t count = 0;
  switch (spec.kind) {
    case ScheduleKind::StaticBlock:
      for (int r = 0; r < nranks && count < cap; ++r) {
        count += static_chunks(spec, range, r, nranks).size();
      }
      break;
    case ScheduleKind::StaticCyclic:
    case ScheduleKind::Dynamic:  // chunks of K from the start: as one rank's static share
      count = static_chunks(spec, range, 0, 1).size();
      break;
    case ScheduleKind::Guided:  // O(P log(items / K)) steps: its chunks halve every 2P
      count = ChunkDispenser(spec, range, nranks).chunks_left(cap);
      break;
  }
  return std::min(count, cap);
}

ChunkDispenser::ChunkDispenser(const ScheduleSpec& spec, Range range, int nranks)
    : spec_(spec), range_(range), nranks_(static_cast<std::uint64_t>(std::max(nranks, 1))) {
  spec_.chunk = std::max<std::uint64_t>(spec_.chunk, 1);
}

std::uint64_t ChunkDispenser::chunk_size(std::uint64_t left) const {
  std::uint64_t size = spec_.chunk;
  if (spec_.kind == ScheduleKind::Guided) {
    // Big chunks while much is left, shrinking towards K for the tail.
    const std::uint64_t share = left / (2 * nranks_) + (left % (2 * nranks_) != 0);
    size = std::max(size, share);
  }
  return std::min(size, left);
}

std::optional<Range> ChunkDispenser::next() {
  const std::uint64_t left = range_.size();
  if (left == 0) return std::nullopt;
  const std::uint64_t size = chunk_size(left);
  Range chunk{range_.lo, range_.lo + size};
  range_.lo += size;
  return chunk;
}

std::uint64_t ChunkDispenser::chunks_left(std::uint64_t cap) const {
  std::uint64_t count = 0;
  for (std::uint64_t left = range_.size(); left > 0 && count < cap; ++count) {
    left -= chunk_size(left);
  }
  return count;
}

}  // namespace rf
