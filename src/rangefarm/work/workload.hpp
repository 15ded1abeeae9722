// What the farm needs from a workload, and nothing about MPI.
//
// A workload turns a chunk into a Partial result and merges two Partials.
// While it computes it calls yield() now and then (every millisecond or so);
// the farm uses that moment to answer other ranks, so a long chunk on rank 0
// never stalls the workers. yield() is cheap and may do nothing.
#pragma once

#include <concepts>
#include <functional>

#include "rangefarm/common/range.hpp"

namespace rf {

using Yield = std::function<void()>;

template <class W>
concept Workload = requires(const W& w, Range chunk, const Yield& yield, typename W::Partial& into,
                            const typename W::Partial& from) {
  { w.process(chunk, yield) } -> std::same_as<typename W::Partial>;
  {W::merge(into, from)};
};

}  // namespace rf
