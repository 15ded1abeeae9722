// BucketRing: where the sieve keeps its large primes, one slot per block
// ahead. A slot is a chain of fixed-size buckets drawn from one shared free
// list, as in primesieve: memory follows the number of entries in use (one
// per large prime), not the largest load each slot ever had, which with
// growable vectors per slot would multiply the footprint by the ring length.
// The buckets stay in the pool when a slot is emptied, so a ring reused for
// run after run allocates nothing once it has grown to its largest load.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace rf {

template <class Entry>
class BucketRing {
  static constexpr std::uint32_t kCapacity = 1024;

 public:
  struct Bucket {
    Entry entries[kCapacity];
    std::uint32_t size = 0;
    Bucket* next = nullptr;
  };

  BucketRing() = default;
  explicit BucketRing(std::size_t slots) : heads_(slots, nullptr) {}
  [[nodiscard]] std::size_t slots() const { return heads_.size(); }

  // Empties every slot into the free list (after a run that stopped part way).
  void clear() {
    for (Bucket*& head : heads_) {
      while (head != nullptr) {
        Bucket* rest = head->next;
        recycle(head);
        head = rest;
      }
    }
  }

  void push(std::size_t slot, Entry e) {
    Bucket* b = heads_[slot];
    if (b == nullptr || b->size == kCapacity) {
      Bucket* fresh = allocate();
      fresh->next = b;
      heads_[slot] = b = fresh;
    }
    b->entries[b->size++] = e;
  }

  // Detaches the chain of a slot; give each bucket back with recycle().
  Bucket* take(std::size_t slot) {
    Bucket* b = heads_[slot];
    heads_[slot] = nullptr;
    return b;
  }
  void recycle(Bucket* b) {
    b->size = 0;
    b->next = free_;
    free_ = b;
  }

 private:
  Bucket* allocate() {
    if (free_ == nullptr) {
      storage_.push_back(std::make_unique<Bucket>());
      return storage_.back().get();
    }
    Bucket* b = free_;
    free_ = b->next;
    b->next = nullptr;
    return b;
  }

  std::vector<Bucket*> heads_;
  Bucket* free_ = nullptr;
  std::vector<std::unique_ptr<Bucket>> storage_;
};

}  // namespace rf
