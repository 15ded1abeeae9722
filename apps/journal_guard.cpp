#include "journal_guard.hpp"

#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <vector>

#include "rangefarm/bigint/node_memory.hpp"
#include "rangefarm/common/fmt_util.hpp"
#include "rangefarm/farm/stats.hpp"

namespace rf::app {
namespace {

std::string gib_text(double bytes) {
  return strprintf("%.1f GiB", bytes / double(1 << 30));
}

// The least chunk size, rounded up to one significant digit, as a user
// types it: "5e7", "300".
std::string chunk_text(double k) {
  int exponent = static_cast<int>(std::floor(std::log10(std::max(k, 1.0))));
  long long digit = std::llround(std::ceil(k / std::pow(10.0, exponent) - 1e-9));
  if (digit >= 10) {
    digit = 1;
    ++exponent;
  }
  if (exponent >= 3) return strprintf("%llde%d", digit, exponent);
  for (int i = 0; i < exponent; ++i) digit *= 10;
  return std::to_string(digit);
}

}  // namespace

std::string journal_memory_problem(std::uint64_t items, const ScheduleSpec& spec, int ranks,
                                   const std::string& host, double available) {
  if (available <= 0) return {};
  const std::uint64_t chunks = plan_chunks(spec, items, ranks);
  const double need = static_cast<double>(chunks) * kResumeBytesPerRecord;
  if (need <= available) return {};
  // About items / K records, so K >= items * bytes / available fits.
  const double least = std::ceil(static_cast<double>(items) * kResumeBytesPerRecord / available);
  return strprintf(
      "--checkpoint: %llu chunks (%llu items in chunks of %llu) make a journal of as many "
      "records, which --resume reads back into about %s of memory on rank 0's node %s, which "
      "has %s available; use --chunk %s or more",
      static_cast<unsigned long long>(chunks), static_cast<unsigned long long>(items),
      static_cast<unsigned long long>(spec.chunk), gib_text(need).c_str(), host.c_str(),
      gib_text(available).c_str(), chunk_text(least).c_str());
}

void check_journal_fits(const boost::mpi::communicator& comm, const CommonOptions& opts,
                        std::uint64_t items, const ScheduleSpec& spec) {
  if (opts.checkpoint.empty()) return;
  agree_on_rank0(comm, [&]() -> std::string {
    std::vector<NodeMemory> rank0{{host_name(), {0}, mem_available_bytes()}};
    if (const char* hook = std::getenv(kMemAvailableHook)) {
      try {
        override_mem_available(rank0, hook);
      } catch (const std::invalid_argument& e) {
        return e.what();
      }
    }
    return journal_memory_problem(items, spec, comm.size(), rank0[0].host, rank0[0].available);
  });
}

}  // namespace rf::app
