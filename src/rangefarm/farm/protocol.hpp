// The farm's messages between rank 0 and its workers: the tags, the one
// report struct workers send, and the end handshake. Only master.cpp and
// worker.cpp include this; workloads never see MPI.
#pragma once

#include <boost/mpi/datatype.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <string>
#include <vector>

#include "rangefarm/common/range.hpp"
#include "rangefarm/farm/trace_event.hpp"

// Two plain integers: sent as a native MPI struct, no serialization cost.
// Declared here, not in range.hpp, so that workloads never see MPI.
BOOST_IS_MPI_DATATYPE(rf::Range)

namespace rf {

// Worker -> rank 0: reports; rank 0 -> worker: assignments (dynamic and
// guided), one stop notice when the run is stopping, and the end.
//
// The end is a handshake, so that a worker with no work left still passes
// on a signal it gets: a worker says Finished when it has no more chunks,
// but keeps polling until rank 0 (all workers finished, its own share done)
// sends End with the verdict; the worker answers Bye and leaves. Reports
// from one worker arrive in order, so a Stop that crossed the End arrives
// before the Bye, and no message is left unreceived.
// The Bye carries the worker's last words (its merged partials, when there
// is no journal), and its RankTiming follows on kByeTag: point to point, so
// that the end needs no collective. A blocking gather there spins in every
// rank that reaches it first: with 32 ranks on 2 cores, the spinners kept
// rank 0 and the ranks still to say Bye off the cores, and the end took
// 6-8 ms instead of ~1 ms (issue 16).
enum Tag : int { kReportTag = 101, kAssignTag = 102, kStopTag = 103, kEndTag = 104 };
constexpr int kByeTag = 106;
// A worker's saved state (rank_zero_store.hpp): a Keep report names it and
// its integer follows on kKeptTag; a Fetch report is answered on kKeptTag.
// Keep is a report, so it reaches rank 0 before the worker's Done and Bye.
constexpr int kKeptTag = 105;
// The End message's bits: the run stopped with work left; stop notices were
// sent (a stop can come too late to stop anything).
constexpr int kEndStopped = 1;
constexpr int kEndNoticeSent = 2;

struct Report {
  enum Kind : int { Request, Ahead, Idle, Done, Stop, Finished, Bye, Keep, Fetch };
  int kind = Request;
  Range chunk;          // Done: the real items finished
  std::string partial;  // Done: their encoded result; Keep: name and label; Fetch: name;
                        // Bye: the worker's last words (FarewellFn)
  // Done, Finished, when tracing: the worker's events since its last report
  // (trace_event.hpp); otherwise empty, a count of 0 on the wire.
  std::vector<TraceEvent> trace;

  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& kind& chunk& partial& trace;
  }
};

}  // namespace rf
