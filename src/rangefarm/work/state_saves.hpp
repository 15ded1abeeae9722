// When a long kernel (a Lucas-Lehmer test, a trial factoring) saves its
// state, so that a stopped run continues it: every StateSaves::every_s
// seconds, and at once on a stop request, after which it gives up its chunk
// (Interrupted). Without a store a stop request gives up at once: there is
// nothing to save to.
#pragma once

#include <chrono>

#include "rangefarm/common/stop_request.hpp"
#include "rangefarm/work/saved_integer.hpp"

namespace rf {

class SaveCadence {
 public:
  explicit SaveCadence(const StateSaves& saves)
      : store_(saves.store), every_(saves.every_s), last_(Clock::now()) {}

  // At each of the kernel's yields: save(store) when it is time, and throw
  // Interrupted (after saving) on a stop request.
  template <class Save>
  void poll(const Save& save) {
    const bool stop = stop_requested();
    if (store_ == nullptr) {
      if (stop) throw Interrupted();
      return;
    }
    if (!stop && Clock::now() - last_ < every_) return;
    save(*store_);
    last_ = Clock::now();
    if (stop) throw Interrupted();
  }

 private:
  using Clock = std::chrono::steady_clock;
  IntegerStore* store_;
  std::chrono::duration<double> every_;
  Clock::time_point last_;
};

}  // namespace rf
