// Progress of a run on rank 0: percent done, items per second, ETA.
//
// On a terminal one line is redrawn about once a second; under a batch
// system (no terminal) a plain line is printed at most every 30 s, so a
// job's log stays short. Items restored from a checkpoint count as done but
// not towards the rate.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>

namespace rf {

// The items of the run now farmed, as rank 0's Progress counts them
// (restored ones included), readable from any thread: for the line of a run
// that a stop ends at its deadline (apps/stop_deadline.hpp). 0 of 0 before
// a farm starts, and on other ranks.
struct RunItems {
  std::uint64_t done = 0;
  std::uint64_t total = 0;
};
RunItems run_items();

class Progress {
 public:
  enum class Style { Off, Terminal, Batch };

  Progress(Style style, std::uint64_t total, std::uint64_t restored, std::FILE* out = stderr);
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  ~Progress();

  // count finished items; cheap enough to call per chunk
  void add(std::uint64_t items);
  // prints if the interval has passed; cheap enough to call every millisecond
  void tick();
  // ends the redrawn line (terminal style)
  void finish();

  [[nodiscard]] std::uint64_t done() const { return done_; }

 private:
  using Clock = std::chrono::steady_clock;
  void print();

  Style style_;
  std::uint64_t total_;
  std::uint64_t restored_;
  std::uint64_t done_;
  std::FILE* out_;
  Clock::time_point start_;
  Clock::time_point next_;
  Clock::duration every_;
  bool printed_ = false;
};

}  // namespace rf
