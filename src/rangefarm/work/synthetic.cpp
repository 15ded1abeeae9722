#include "rangefarm/work/synthetic.hpp"

#include <time.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <thread>
#include <utility>

#include "rangefarm/common/stop_request.hpp"

namespace rf {
namespace {

constexpr std::array<std::pair<std::string_view, CostProfile>, 4> kProfiles{{
    {"uniform", CostProfile::Uniform},
    {"linear", CostProfile::Linear},
    {"random", CostProfile::Random},
    {"heavy", CostProfile::Heavy},
}};

// SplitMix64's finaliser: a bijection on 64 bits whose outputs for
// consecutive inputs look independent; enough for reproducible task costs.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// Uniform on (0, 1], from the top 53 bits of task k's hash under the seed.
double uniform_draw(std::uint64_t seed, std::uint64_t k) {
  const std::uint64_t h = mix(mix(seed) ^ k);
  return (static_cast<double>(h >> 11) + 1.0) * 0x1.0p-53;
}

// Pareto(x_m, alpha) by inversion: x_m * u^(-1/alpha); mean alpha x_m /
// (alpha - 1) = 1 for alpha = 1.5, x_m = 1/3. u is kept above 1e-9, which
// caps a task at 3.3e5 units (probability 1e-9 per task).
constexpr double kHeavyShape = 1.5;
constexpr double kHeavyScale = 1.0 / 3.0;
double pareto(double u) {
  return kHeavyScale * std::pow(std::max(u, 1e-9), -1.0 / kHeavyShape);
}

// Rank 0 answers the other ranks only when its task yields, so a task
// yields at least this often.
constexpr auto kSleepSlice = std::chrono::microseconds(200);
constexpr double kSpinSliceMs = 0.1;

double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) * 1e-6;
}

}  // namespace

std::optional<CostProfile> parse_cost_profile(std::string_view name) {
  for (auto [n, p] : kProfiles) {
    if (n == name) return p;
  }
  return std::nullopt;
}

std::string_view cost_profile_name(CostProfile profile) {
  for (auto [n, p] : kProfiles) {
    if (p == profile) return n;
  }
  return "?";
}

std::string_view task_mode_name(TaskMode mode) {
  return mode == TaskMode::Sleep ? "sleep" : "spin";
}

double task_cost(const SyntheticSpec& spec, std::uint64_t k) {
  switch (spec.profile) {
    case CostProfile::Uniform:
      return 1.0;
    case CostProfile::Linear:
      return static_cast<double>(k);
    case CostProfile::Random:
      return 2.0 * (1.0 - uniform_draw(spec.seed, k));  // [0, 2)
    case CostProfile::Heavy:
      return pareto(uniform_draw(spec.seed, k));
  }
  return 1.0;
}

std::uint64_t task_tag(std::uint64_t k) {
  return mix(k);
}

std::uint64_t micro_units(double units) {
  return static_cast<std::uint64_t>(std::llround(units * 1e6));
}

SyntheticPartial expected_totals(const SyntheticSpec& spec) {
  SyntheticPartial out;
  for (std::uint64_t k = 1; k <= spec.tasks; ++k) {
    const std::uint64_t cost = micro_units(task_cost(spec, k));
    out.tasks += 1;
    out.micro_units += cost;
    out.longest_micro_units = std::max(out.longest_micro_units, cost);
    out.tag_sum += task_tag(k);
  }
  return out;
}

SyntheticTasks::SyntheticTasks(const SyntheticSpec& spec, std::vector<std::uint64_t> order)
    : spec_(spec), order_(std::move(order)) {}

SyntheticPartial SyntheticTasks::process(Range chunk, const Yield& yield) const {
  SyntheticPartial out;
  for (std::uint64_t i = chunk.lo; i < chunk.hi; ++i) {
    const std::uint64_t k = order_.empty() ? i + 1 : order_[i];
    const double units = task_cost(spec_, k);
    try {
      run_task(units, yield);
    } catch (const Interrupted&) {
      throw StoppedPartway(i, std::move(out));  // the tasks done are kept
    }
    const std::uint64_t cost = micro_units(units);
    out.tasks += 1;
    out.micro_units += cost;
    out.longest_micro_units = std::max(out.longest_micro_units, cost);
    out.tag_sum += task_tag(k);
  }
  return out;
}

void SyntheticTasks::merge(Partial& into, const Partial& from) {
  into.tasks += from.tasks;
  into.micro_units += from.micro_units;
  into.longest_micro_units = std::max(into.longest_micro_units, from.longest_micro_units);
  into.tag_sum += from.tag_sum;
}

// A sleeping task runs to an absolute deadline, so the overshoot of each
// short sleep does not add up over the slices of a task. A spinning task
// burns its length in this thread's CPU time, not in wall time: ranks that
// share a core (oversubscribed) then take longer, as real computation does.
// Throws Interrupted on a stop request.
void SyntheticTasks::run_task(double units, const Yield& yield) const {
  const double length_ms = units * spec_.unit_ms;
  if (length_ms <= 0) return;
  if (spec_.mode == TaskMode::Sleep) {
    sleep_for(length_ms, yield);
  } else {
    spin_for(length_ms, yield);
  }
}

void SyntheticTasks::sleep_for(double length_ms, const Yield& yield) {
  using Clock = std::chrono::steady_clock;
  const auto length = std::chrono::duration<double, std::milli>(length_ms);
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(length);
  while (Clock::now() < deadline) {
    yield();
    // A stop drops the task (a resume runs it again): a heavy task may last hours.
    if (stop_requested()) throw Interrupted();
    std::this_thread::sleep_until(std::min(deadline, Clock::now() + kSleepSlice));
  }
}

void SyntheticTasks::spin_for(double length_ms, const Yield& yield) {
  const double end = thread_cpu_ms() + length_ms;
  for (double now = thread_cpu_ms(); now < end; now = thread_cpu_ms()) {
    yield();
    if (stop_requested()) throw Interrupted();
    const double slice_end = std::min(end, thread_cpu_ms() + kSpinSliceMs);
    while (thread_cpu_ms() < slice_end) {
    }
  }
}

}  // namespace rf
