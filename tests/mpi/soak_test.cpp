// Soak: dynamic scheduling with chunk size 1 over a million items completes
// and accounts for every item exactly once.
//
// Written against farm()'s signature only, so that it holds whatever message
// protocol the farm uses inside. A million one-item chunks means a million
// requests and assignments between the workers and rank 0; a lost, repeated
// or misrouted assignment shows up as a missing or duplicated item.
//
// The workload records, per item, a count and three sums mod 2^64 (of the
// item, its square and a 64-bit mix of it), and per chunk its range and the
// rank that processed it. On rank 0 the sums must equal a serial pass over
// the range, the chunks, sorted, must tile the range with no gap and no
// overlap, and each rank's chunk and item counts must equal what the farm's
// timings say it did. Soak.CheckerCatches* shows that the checks can fail.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/mpi/communicator.hpp>
#include <boost/serialization/vector.hpp>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "rangefarm/farm/farm.hpp"

namespace rf {
namespace {

namespace mpi = boost::mpi;

constexpr std::uint64_t kItems = 1'000'000;
// Not at zero, so that an item confused with its index or offset shows.
constexpr std::uint64_t kFirstItem = 5'000'000'011;

// splitmix64's finaliser: a sum of these is not fooled by two errors that
// cancel in the plain sum and the sum of squares.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// One processed chunk: its range and the rank that processed it.
struct ChunkRecord {
  std::uint64_t lo = 0;
  std::uint64_t hi = 0;
  std::int32_t rank = -1;

  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& lo& hi& rank;
  }
};

struct SoakPartial {
  std::uint64_t count = 0;
  std::uint64_t sum = 0;    // mod 2^64
  std::uint64_t sumsq = 0;  // mod 2^64
  std::uint64_t mixed = 0;  // sum of mix(item), mod 2^64
  std::vector<ChunkRecord> chunks;

  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& count& sum& sumsq& mixed& chunks;
  }
};

class SoakWork {
 public:
  using Partial = SoakPartial;

  explicit SoakWork(int rank) : rank_(rank) {}

  Partial process(Range chunk, const Yield& yield) const {
    Partial p;
    for (std::uint64_t i = chunk.lo; i < chunk.hi; ++i) {
      p.count += 1;
      p.sum += i;
      p.sumsq += i * i;
      p.mixed += mix(i);
    }
    p.chunks.push_back({chunk.lo, chunk.hi, rank_});
    yield();
    return p;
  }

  static void merge(Partial& into, const Partial& from) {
    into.count += from.count;
    into.sum += from.sum;
    into.sumsq += from.sumsq;
    into.mixed += from.mixed;
    into.chunks.insert(into.chunks.end(), from.chunks.begin(), from.chunks.end());
  }

 private:
  int rank_;
};

static_assert(Workload<SoakWork>);

// Success when chunks, sorted, tile range exactly: no gap, no overlap, none
// empty, none of another size than chunk_size.
::testing::AssertionResult tiles_exactly(std::vector<ChunkRecord> chunks, Range range,
                                         std::uint64_t chunk_size) {
  std::sort(chunks.begin(), chunks.end(),
            [](const ChunkRecord& a, const ChunkRecord& b) { return a.lo < b.lo; });
  std::uint64_t at = range.lo;
  for (const ChunkRecord& c : chunks) {
    if (c.lo < at) {
      return ::testing::AssertionFailure()
             << "overlap: [" << c.lo << ", " << c.hi << ") from rank " << c.rank
             << " starts before " << at << ", which was already processed";
    }
    if (c.lo > at) {
      return ::testing::AssertionFailure() << "gap: [" << at << ", " << c.lo << ") never processed";
    }
    if (c.hi <= c.lo || c.hi - c.lo != chunk_size) {
      return ::testing::AssertionFailure() << "chunk [" << c.lo << ", " << c.hi << ") from rank "
                                           << c.rank << " is not of size " << chunk_size;
    }
    at = c.hi;
  }
  if (at != range.hi) {
    return ::testing::AssertionFailure()
           << "gap: [" << at << ", " << range.hi << ") never processed";
  }
  return ::testing::AssertionSuccess();
}

// Every check of a reduced result against the range it should cover;
// timings may be empty (a result built by hand).
void expect_every_item_once(const SoakPartial& got, const std::vector<RankTiming>& timings,
                            Range range, std::uint64_t chunk_size, int nranks) {
  const SoakPartial serial = SoakWork(0).process(range, [] {});
  EXPECT_EQ(got.count, range.size());
  EXPECT_EQ(got.sum, serial.sum);
  EXPECT_EQ(got.sumsq, serial.sumsq);
  EXPECT_EQ(got.mixed, serial.mixed);
  EXPECT_TRUE(tiles_exactly(got.chunks, range, chunk_size));
  if (timings.empty()) return;

  ASSERT_EQ(timings.size(), static_cast<std::size_t>(nranks));
  EXPECT_EQ(items_total(timings), range.size());
  std::vector<std::uint64_t> chunks_seen(nranks, 0);
  std::vector<std::uint64_t> items_seen(nranks, 0);
  for (const ChunkRecord& c : got.chunks) {
    ASSERT_GE(c.rank, 0);
    ASSERT_LT(c.rank, nranks);
    chunks_seen[c.rank] += 1;
    items_seen[c.rank] += c.hi - c.lo;
  }
  std::uint64_t chunks_total = 0;
  for (int r = 0; r < nranks; ++r) {
    SCOPED_TRACE(::testing::Message() << "rank " << r);
    EXPECT_EQ(timings[r].rank, r);
    EXPECT_EQ(timings[r].chunks, chunks_seen[r]);
    EXPECT_EQ(timings[r].items, items_seen[r]);
    chunks_total += timings[r].chunks;
  }
  EXPECT_EQ(chunks_total, (range.size() + chunk_size - 1) / chunk_size);
}

TEST(Soak, DynamicChunkOneOverAMillionItemsAccountsForEveryItemOnce) {
  mpi::communicator comm;
  const Range range{kFirstItem, kFirstItem + kItems};
  const SoakWork work(comm.rank());
  const auto out = farm(comm, work, range, ScheduleSpec{ScheduleKind::Dynamic, 1});
  if (comm.rank() != 0) return;

  expect_every_item_once(out.result, out.timings, range, 1, comm.size());

  std::string per_rank;  // by appends: GCC 12 warns falsely on " " + string
  for (const RankTiming& t : out.timings) {
    per_rank.append(" ").append(std::to_string(t.rank)).append(":");
    per_rank.append(std::to_string(t.chunks));
  }
  std::printf("[   SOAK   ] %llu one-item chunks on %d ranks in %.2f s; chunks per rank%s\n",
              static_cast<unsigned long long>(kItems), comm.size(), out.wall_s, per_rank.c_str());
  RecordProperty("wall_s", std::to_string(out.wall_s));
}

// The checks above on results built by hand: they must catch a duplicated
// item, a missing one, and a duplicate that hides a missing one.
TEST(Soak, CheckerCatchesDuplicateAndMissingItems) {
  const Range range{kFirstItem, kFirstItem + 1000};
  const SoakWork work(0);
  SoakPartial good;
  for (std::uint64_t i = range.lo; i < range.hi; ++i) {
    SoakWork::merge(good, work.process({i, i + 1}, [] {}));
  }
  EXPECT_TRUE(tiles_exactly(good.chunks, range, 1));

  SoakPartial duplicated = good;
  SoakWork::merge(duplicated, work.process({range.lo + 500, range.lo + 501}, [] {}));
  EXPECT_FALSE(tiles_exactly(duplicated.chunks, range, 1));
  EXPECT_NE(duplicated.count, range.size());

  SoakPartial missing;
  for (std::uint64_t i = range.lo; i < range.hi; ++i) {
    if (i != range.lo + 123) SoakWork::merge(missing, work.process({i, i + 1}, [] {}));
  }
  EXPECT_FALSE(tiles_exactly(missing.chunks, range, 1));
  EXPECT_NE(missing.sum, good.sum);

  SoakPartial last_missing;
  for (std::uint64_t i = range.lo; i + 1 < range.hi; ++i) {
    SoakWork::merge(last_missing, work.process({i, i + 1}, [] {}));
  }
  EXPECT_FALSE(tiles_exactly(last_missing.chunks, range, 1));

  // Item a+1 twice instead of a and a+2 once each: count and sum agree,
  // the sum of squares does not, nor does the tiling.
  SoakPartial swapped;
  const std::uint64_t a = range.lo + 10;
  for (std::uint64_t i = range.lo; i < range.hi; ++i) {
    const std::uint64_t item = (i == a || i == a + 2) ? a + 1 : i;
    SoakWork::merge(swapped, work.process({item, item + 1}, [] {}));
  }
  EXPECT_EQ(swapped.count, good.count);
  EXPECT_EQ(swapped.sum, good.sum);
  EXPECT_NE(swapped.sumsq, good.sumsq);
  EXPECT_NE(swapped.mixed, good.mixed);
  EXPECT_FALSE(tiles_exactly(swapped.chunks, range, 1));
}

}  // namespace
}  // namespace rf
