// The journal's memory guard: a checkpointed run whose journal --resume
// could not read back on rank 0's node is refused before any work, in one
// line, with the chunk size that would fit.
//
// Why: the journal holds one record per chunk, and --resume reads them all
// into rank 0's memory at once (the file, each line parsed, the records):
// about 1 KiB per record, measured (kResumeBytesPerRecord). Everything else a
// rank holds is the same at any number of chunks (static shares are worked
// out as they are walked, schedule.hpp), so the journal is what a plan of
// too many small chunks runs out of: `perfect --to 1e12 --chunk 1000
// --checkpoint` would make 10^9 records, about 1 TB to resume. mersenne has
// at most 664,579 items (kMaxP), about 650 MiB to resume, so it is not
// checked; factorial has its own guard.
#pragma once

#include <boost/mpi/communicator.hpp>
#include <cstdint>
#include <string>

#include "common_options.hpp"
#include "rangefarm/farm/schedule.hpp"

namespace rf::app {

// Rank 0's memory per journal record while --resume reads the journal:
// 880 bytes (perfect) and 975 bytes (synthetic) measured as the peak RSS
// of rank 0 resuming 135,842 and 120,593 records, less that of a run
// without a journal (bench/peak_rss.py).
inline constexpr double kResumeBytesPerRecord = 1024;

// The refusal, or empty: items cut by spec at ranks ranks, against
// `available` bytes (0: unknown, never refused) on rank 0's node `host`.
std::string journal_memory_problem(std::uint64_t items, const ScheduleSpec& spec, int ranks,
                                   const std::string& host, double available);

// Collective: with --checkpoint, throws UsageError on every rank when the
// journal could not be resumed on rank 0's node (its MemAvailable, or
// RANGEFARM_TEST_MEMAVAILABLE, node_memory.hpp).
void check_journal_fits(const boost::mpi::communicator& comm, const CommonOptions& opts,
                        std::uint64_t items, const ScheduleSpec& spec);

}  // namespace rf::app
