// The nodes of a run and the memory each has free: the ranks that share a
// host (by host name) and that host's MemAvailable. A memory guard must
// judge each node by what its own ranks hold: rank 0's MemAvailable says
// nothing about another node's.
//
// Test hook: RANGEFARM_TEST_MEMAVAILABLE (read on rank 0) replaces measured
// values, "BYTES" for every host or "HOST=BYTES,HOST=BYTES,..." by host
// name (hosts not named keep theirs), so that tests can make a node short
// of memory; 0 means unknown. BYTES as on the command line (1e9 is fine).
#pragma once

#include <boost/mpi/communicator.hpp>
#include <string>
#include <vector>

namespace rf {

inline constexpr const char* kMemAvailableHook = "RANGEFARM_TEST_MEMAVAILABLE";

struct NodeMemory {
  std::string host;
  std::vector<int> ranks;  // ascending
  double available = 0;    // bytes; 0 when unknown
};

// MemAvailable from /proc/meminfo, in bytes; 0 when it cannot be read.
double mem_available_bytes();

// Rank r runs on hosts[r], which has available[r] bytes free: the nodes, in
// the order of their lowest rank, each with its lowest rank's figure.
std::vector<NodeMemory> group_by_host(const std::vector<std::string>& hosts,
                                      const std::vector<double>& available);

// Applies the hook's value (see above) to nodes; throws
// std::invalid_argument naming what is wrong with it.
void override_mem_available(std::vector<NodeMemory>& nodes, const std::string& hook);

// Collective: every rank's host and MemAvailable, grouped on rank 0 (empty
// elsewhere). The hook is the caller's to apply, so that an error in it can
// reach every rank.
std::vector<NodeMemory> gather_node_memory(const boost::mpi::communicator& comm);

// "rank 0", "ranks 0-2", "ranks 0, 2, 5-7".
std::string rank_list(const std::vector<int>& ranks);

}  // namespace rf
