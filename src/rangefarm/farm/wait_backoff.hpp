// WaitBackoff: how long a rank that waits on MPI sleeps between looks. Short
// at first (an answer to a short chunk's request takes microseconds, and
// one to an Idle comes at rank 0's next yield, within 200 us), doubling
// while nothing comes, up to a cap (500 us for a worker): a fixed 20 us sleep woke each
// waiting rank ~15,000 times a second, and with 32 sleeping-task ranks on 2
// cores the waiting ranks took the cores from those working. A long wait
// (the end handshake, a worker done before the others) then costs ~2,000
// wake-ups a second, and an answer is seen at most the cap late. Rank 0,
// which answers everyone, caps at its own answer interval, 200 us.
#pragma once

#include <algorithm>
#include <chrono>
#include <thread>

namespace rf {

class WaitBackoff {
 public:
  WaitBackoff(std::chrono::microseconds first, std::chrono::microseconds most)
      : first_(first), most_(most), next_(first) {}

  void pause() {
    std::this_thread::sleep_for(next_);
    next_ = std::min(next_ * 2, most_);
  }
  // Something came: look often again.
  void reset() { next_ = first_; }

 private:
  std::chrono::microseconds first_;
  std::chrono::microseconds most_;
  std::chrono::microseconds next_;
};

}  // namespace rf
