// n! for a list of n across the ranks, each result checked.
//
// 1. The pieces of every n (see work/factorial.hpp) are farmed out under the
//    chosen schedule; each rank keeps the products of the pieces it made.
// 2. For each n in the order given, its pieces are multiplied together
//    across the ranks (distributed_product.hpp) into rank 0, which shifts in
//    the power of two: the result is M = n!/10^z, n! without its z trailing
//    zeros.
// 3. The ranks compute n! mod 2^61 - 1 by slices of 1..n; rank 0 compares it
//    with M 10^z mod the same prime. A mismatch stops the run.
// 4. Only then, if asked, the decimal digits of M are made by all ranks
//    together, and the z zeros appended.
#pragma once

#include <boost/mpi/communicator.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "rangefarm/farm/checkpoint.hpp"
#include "rangefarm/farm/farm.hpp"
#include "rangefarm/farm/schedule.hpp"
#include "rangefarm/farm/stats.hpp"
#include "rangefarm/work/factorial_summary.hpp"

namespace rf {

struct FactorialCheck {
  bool ok = false;
  std::uint64_t from_product = 0;  // the big result mod 2^61 - 1
  std::uint64_t independent = 0;   // 1 * 2 * ... * n mod 2^61 - 1
};

struct FactorialResult {
  FactorialSummary summary;
  FactorialCheck check;
};

struct FactorialPhases {
  double pieces_s = 0;   // farm of the pieces, to the last rank done
  double combine_s = 0;  // multiplying pieces across ranks, shifts
  double check_s = 0;    // the modular check and the summary
  double decimal_s = 0;  // decimal conversion with --output, the file write not included
};

struct FactorialOutcome {
  std::vector<FactorialResult> results;  // rank 0; stops at the first failed check
  std::vector<RankTiming> timings;       // of the pieces farm, rank 0
  FactorialPhases phases;
  double wall_s = 0;
  bool check_failed = false;  // on every rank
  bool stopped = false;       // on every rank: a stop request came before the last n! was done
  std::uint64_t pieces = 0;   // in all
  std::uint64_t restored_pieces = 0;  // loaded from the checkpoint's files
  std::uint64_t computed_pieces = 0;
};

// Called on rank 0 with the digits of each n! that passed its check.
using DecimalSink = std::function<void(std::uint64_t n, const std::string& digits)>;

struct FactorialRequest {
  std::vector<std::uint64_t> ns;
  ScheduleSpec schedule;
  DecimalSink decimal;       // empty: no decimal conversion
  double min_part_bits = 0;  // 0: the workload's default
  // Checkpointing (all optional): restored and on_chunk as for farm(), on
  // rank 0; store, on every rank, where large pieces are saved (rank 0's
  // folder: a worker's pieces travel to rank 0, and back on a resume).
  FarmHooks hooks;
};

// Pieces of at least this many bits are saved to the store when
// checkpointing: from here on a piece takes a second or more to make
// (10^7! has 2.2e8 bits), and writing it costs a small part of that.
inline constexpr std::uint64_t kSavePieceBits = std::uint64_t{1} << 24;

FactorialOutcome compute_factorials(const boost::mpi::communicator& comm,
                                    const FactorialRequest& request);

}  // namespace rf
