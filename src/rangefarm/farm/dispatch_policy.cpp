#include "rangefarm/farm/dispatch_policy.hpp"

namespace rf {

DispatchPolicy::DispatchPolicy(const ScheduleSpec& spec, std::uint64_t positions, int nranks)
    : spec_(spec),
      positions_(positions),
      nranks_(nranks),
      deferred_(static_cast<std::size_t>(nranks), false),
      last_given_(static_cast<std::size_t>(nranks), 0) {
  if (!rf::is_static(spec.kind)) dispenser_.emplace(spec, Range{0, positions}, nranks);
}

StaticShare DispatchPolicy::static_share(int rank) const {
  return static_chunks(spec_, Range{0, positions_}, rank, nranks_);
}

std::optional<Range> DispatchPolicy::next_for_rank0() {
  if (stopping_) return std::nullopt;
  return dispenser_->next();
}

std::optional<Range> DispatchPolicy::on_request(int worker) {
  return take(worker);
}

std::optional<Range> DispatchPolicy::on_ahead(int worker) {
  if (stopping_ || ahead_granted(worker)) return take(worker);
  deferred_[static_cast<std::size_t>(worker)] = true;
  return std::nullopt;
}

std::optional<Range> DispatchPolicy::on_idle(int worker) {
  if (!deferred_[static_cast<std::size_t>(worker)]) return std::nullopt;
  deferred_[static_cast<std::size_t>(worker)] = false;
  return take(worker);
}

Range DispatchPolicy::take(int worker) {
  if (stopping_) return {};
  const Range chunk = dispenser_->next().value_or(Range{});
  last_given_[static_cast<std::size_t>(worker)] = chunk.size();
  return chunk;
}

// The worker is starting the chunk it was last given (it asks ahead as it
// starts one).
bool DispatchPolicy::ahead_granted(int worker) const {
  const auto ranks = static_cast<std::uint64_t>(nranks_);
  const std::uint64_t enough = kAheadSlack * ranks;
  return dispenser_->chunks_left(enough) >= enough &&
         dispenser_->remaining() >= ranks * last_given_[static_cast<std::size_t>(worker)];
}

}  // namespace rf
