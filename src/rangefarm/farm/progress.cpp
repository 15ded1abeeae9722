#include "rangefarm/farm/progress.hpp"

#include <atomic>
#include <string>

#include "rangefarm/common/fmt_util.hpp"

namespace rf {
namespace {

std::atomic<std::uint64_t> g_run_done{0};
std::atomic<std::uint64_t> g_run_total{0};

std::string duration_text(double s) {
  if (!(s < 1e9)) return "?";
  const auto t = static_cast<long long>(s + 0.5);
  if (t < 60) return strprintf("%llds", t);
  if (t < 3600) return strprintf("%lldm%02llds", t / 60, t % 60);
  return strprintf("%lldh%02lldm", t / 3600, t / 60 % 60);
}

}  // namespace

RunItems run_items() {
  return {g_run_done.load(std::memory_order_relaxed), g_run_total.load(std::memory_order_relaxed)};
}

Progress::Progress(Style style, std::uint64_t total, std::uint64_t restored, std::FILE* out)
    : style_(style),
      total_(total),
      restored_(restored),
      done_(restored),
      out_(out),
      start_(Clock::now()),
      every_(style == Style::Batch ? std::chrono::seconds(30) : std::chrono::seconds(1)) {
  next_ = start_ + every_;
  g_run_total.store(total, std::memory_order_relaxed);
  g_run_done.store(done_, std::memory_order_relaxed);
}

Progress::~Progress() {
  finish();
}

void Progress::add(std::uint64_t items) {
  done_ += items;
  g_run_done.store(done_, std::memory_order_relaxed);
  tick();
}

void Progress::tick() {
  if (style_ == Style::Off) return;
  const auto now = Clock::now();
  if (now < next_) return;
  next_ = now + every_;
  print();
}

void Progress::print() {
  const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done_ - restored_) / elapsed : 0;
  const double percent =
      total_ ? 100.0 * static_cast<double>(done_) / static_cast<double>(total_) : 100.0;
  const double eta = rate > 0 ? static_cast<double>(total_ - done_) / rate : 1e18;
  const std::string line = strprintf(
      "rangefarm: %5.1f%% done, %llu of %llu items, %.4g items/s, ETA %s, elapsed %s", percent,
      static_cast<unsigned long long>(done_), static_cast<unsigned long long>(total_), rate,
      duration_text(eta).c_str(), duration_text(elapsed).c_str());
  if (style_ == Style::Terminal) {
    std::fprintf(out_, "\r%s\033[K", line.c_str());  // \033[K clears what a longer line left
  } else {
    std::fprintf(out_, "%s\n", line.c_str());
  }
  std::fflush(out_);
  printed_ = true;
}

void Progress::finish() {
  if (style_ == Style::Terminal && printed_) {
    std::fputs("\r\033[K", out_);  // the result follows on a clean line
    std::fflush(out_);
  }
  printed_ = false;
}

}  // namespace rf
