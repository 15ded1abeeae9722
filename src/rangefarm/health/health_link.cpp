#include "rangefarm/health/health_link.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/mpi/collectives.hpp>
#include <boost/mpi/nonblocking.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <random>
#include <thread>

#include "rangefarm/common/stop_request.hpp"
#include "rangefarm/farm/checkpoint.hpp"
#include "rangefarm/farm/stats.hpp"
#include "rangefarm/farm/wait_backoff.hpp"
#include "rangefarm/health/launcher.hpp"
#include "rangefarm/health/loss_notice.hpp"
#include "rangefarm/health/net_socket.hpp"
#include "rangefarm/health/start_watch.hpp"

namespace rf {
namespace {

namespace mpi = boost::mpi;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// The bytes on a link.
constexpr char kHeartbeat = 'H';
constexpr char kBye = 'B';   // a clean end: do not count me as lost
constexpr char kQuit = 'Q';  // the run has failed and was named: exit quietly
constexpr char kStop = 'S';  // a stop signal reached a rank: stop too

constexpr auto kBeatEvery = milliseconds(1000);
constexpr auto kLook = milliseconds(100);  // the thread's poll interval
// After a first loss, how long to wait for others that went with it.
constexpr auto kGrace = milliseconds(300);
// A rank that saw rank 0 go waits this long for the deputy's Quit.
constexpr auto kDeputyWait = milliseconds(2000);
constexpr auto kConnectTimeout = milliseconds(3000);
// A rank that exits on a Quit takes the journal lock first (no torn
// record), but waits for it no longer than this.
constexpr auto kQuitLockWait = milliseconds(1000);
// Under srun, how long the speaker waits for scancel of its step.
constexpr auto kStepEndWait = milliseconds(5000);
// confirm_not_declared_lost: a watcher heard from within this is current.
constexpr auto kWatcherCurrent = milliseconds(1000);

// The first exchange's tags, on the run's communicator before any farm
// message exists.
constexpr int kHelloTag = 7301;
constexpr int kAnswerTag = 7302;

// What a connecting rank says first; the cookie (rank 0's, random) keeps a
// stray connection from counting as a rank.
struct Hello {
  std::uint64_t cookie = 0;
  std::int32_t rank = 0;
};

struct Endpoint {
  std::vector<std::string> addresses;
  int port = 0;

  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& addresses& port;
  }
};

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

std::string interfaces() {
  return env_or("RANGEFARM_HEALTH_IF", env_or("OMPI_MCA_oob_tcp_if_include", ""));
}

milliseconds heartbeat_timeout() {
  const double s = std::atof(env_or("RANGEFARM_HEARTBEAT_TIMEOUT", "30").c_str());
  return milliseconds(static_cast<long>(1000 * (s > 0 ? s : 30)));
}

// The lowest rank on a host other than rank 0's (it outlives a lost rank-0
// node), else rank 1.
int deputy_of(const std::vector<PeerProcess>& all) {
  for (const PeerProcess& p : all) {
    if (p.host != all.front().host) return p.rank;
  }
  return 1;
}

// Rank 0's answer to a worker's report in the first exchange.
struct StartAnswer {
  bool ok = true;  // false: the start failed and rank 0 has said so
  std::vector<PeerProcess> peers;

  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& ok& peers;
  }
};

std::int64_t ns_of(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

// Polls the requests (MPI_Test, which does not block) with a sleeping
// backoff until all are done, or until give_up() says to stop waiting.
template <class GiveUp>
bool wait_polled(std::vector<mpi::request>& requests, GiveUp give_up) {
  WaitBackoff backoff(std::chrono::microseconds(50), std::chrono::microseconds(20000));
  std::vector<char> done(requests.size(), 0);
  std::size_t left = requests.size();
  while (left > 0) {
    bool any = false;
    for (std::size_t i = 0; i < requests.size(); ++i) {
      if (done[i] == 0 && requests[i].test()) {
        done[i] = 1;
        --left;
        any = true;
      }
    }
    if (left == 0) break;
    if (give_up()) return false;
    if (any) {
      backoff.reset();
    } else {
      backoff.pause();
    }
  }
  return true;
}

// Who is where, polled: every worker reports to rank 0, which answers each
// with the whole table once all have. A rank that never reports is named by
// rank 0 at the StartWatch's deadline, after it has told the others.
std::vector<PeerProcess> first_exchange(const mpi::communicator& comm, const PeerProcess& me,
                                        StartWatch* start) {
  const int size = comm.size();
  if (comm.rank() != 0) {
    StartAnswer answer;
    std::vector<mpi::request> both{comm.isend(0, kHelloTag, me), comm.irecv(0, kAnswerTag, answer)};
    wait_polled(both, [] { return false; });  // the StartWatch's thread ends a wait too long
    if (!answer.ok) {
      if (start != nullptr) start->leave_quietly();
      std::_Exit(kStartFailedExit);
    }
    if (start != nullptr) start->answered();
    return answer.peers;
  }
  std::vector<PeerProcess> all(static_cast<std::size_t>(size));
  all[0] = me;
  if (start != nullptr) start->reported(0);
  std::vector<mpi::request> hellos;
  for (int r = 1; r < size; ++r) hellos.push_back(comm.irecv(r, kHelloTag, all[r]));
  std::vector<char> heard(static_cast<std::size_t>(size), 0);
  const auto note = [&] {  // a completed report has been read into all[r]
    for (int r = 1; r < size; ++r) {
      if (heard[r] == 0 && all[r].pid != 0) {
        heard[r] = 1;
        if (start != nullptr) start->reported(r);
      }
    }
  };
  const bool everyone = wait_polled(hellos, [&] {
    note();
    return start != nullptr && (start->expired() || stop_requested());
  });
  note();
  std::vector<mpi::request> answers;
  StartAnswer answer{everyone, everyone ? all : std::vector<PeerProcess>{}};
  for (int r = 1; r < size; ++r) {
    if (heard[r] != 0) answers.push_back(comm.isend(r, kAnswerTag, answer));
  }
  if (!everyone) {
    // Tell those who reported (for a stop, briefly: mpirun's SIGKILL comes
    // a second after its SIGTERM), then say the line.
    const auto until = Clock::now() + milliseconds(stop_requested() ? 200 : 1000);
    wait_polled(answers, [&] { return Clock::now() >= until; });
    start->give_up();
  }
  wait_polled(answers, [] { return false; });
  return all;
}

std::optional<net::Socket> connect_endpoint(const Endpoint& to, bool same_host, const Hello& hello,
                                            std::string* why) {
  std::vector<std::string> tries = to.addresses;
  if (same_host) tries.insert(tries.begin(), "127.0.0.1");
  if (tries.empty()) *why = "no address on the interfaces allowed (RANGEFARM_HEALTH_IF)";
  for (const std::string& address : tries) {
    std::optional<net::Socket> s = net::connect_to(address, to.port, kConnectTimeout, why);
    if (s && net::send_all(s->fd(), &hello, sizeof hello)) return s;
  }
  return std::nullopt;
}

}  // namespace

struct HealthLink::Watch {
  struct Link {
    int rank = 0;
    net::Socket socket;
    Clock::time_point heard;
    bool bye = false;
    bool lost = false;
    bool silent = false;  // lost by silence: the process may live, frozen
  };

  std::vector<PeerProcess> peers;
  int me = 0;
  int deputy = 1;
  std::vector<Link> links;
  std::array<int, 2> wake{-1, -1};  // a pipe: a byte ends the thread
  std::thread thread;
  milliseconds timeout = heartbeat_timeout();
  std::optional<Clock::time_point> first_loss;
  bool stop_sent = false;
  // For confirm_not_declared_lost, on the main thread: when the watcher
  // last looked at its links, until when it suspects that the others have
  // named this process lost (after a freeze), and whether it waits for the
  // journal lock to speak.
  std::atomic<std::int64_t> looked_ns{0};
  std::atomic<std::int64_t> suspect_until_ns{0};
  std::atomic<bool> speaking{false};
  std::atomic<bool> zero_done{false};  // rank 0 said Bye: the run is over

  void start(const mpi::communicator& comm);
  void accept_links(net::Listener& listener, int expected, std::uint64_t cookie);
  void run();
  void read(Link& link, Clock::time_point now);
  void decide(Clock::time_point now);
  [[noreturn]] void speak(const std::vector<PeerProcess>& lost, bool as_deputy);
  void say_to_all(char byte, bool to_silent = false);
  // Bye on every link, from any thread (it reads no flag the watcher writes).
  void say_bye() const;
  Link* link_to(int rank);
};

namespace {

// The one HealthLink of the process, for confirm_not_declared_lost.
std::atomic<HealthLink::Watch*> g_watch{nullptr};

// Named lost by rank 0 or the deputy: exit quietly, but not in the middle
// of a journal record (the lock is held by a writer for microseconds; by
// confirm_not_declared_lost for longer, and then no record is half written).
[[noreturn]] void quit_quietly() {
  const auto until = Clock::now() + kQuitLockWait;
  while (!journal_write_mutex().try_lock() && Clock::now() < until) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  std::_Exit(kRankLostExit);
}

}  // namespace

void HealthLink::Watch::start(const mpi::communicator& comm) {
  me = comm.rank();
  deputy = deputy_of(peers);
  std::uint64_t cookie = std::random_device{}() * 0x9e3779b97f4a7c15ULL + std::random_device{}();
  mpi::broadcast(comm, cookie, 0);
  const std::string allowed = interfaces();
  std::optional<net::Listener> listener;
  Endpoint mine;
  if (me == 0 || me == deputy) {
    listener = net::listen_any();
    mine = {net::host_addresses(allowed), listener->port};
  }
  Endpoint to_zero = mine;
  Endpoint to_deputy = mine;
  mpi::broadcast(comm, to_zero, 0);
  mpi::broadcast(comm, to_deputy, deputy);

  // Connect: every worker to rank 0, every worker but the deputy to it.
  const Hello hello{cookie, me};
  std::string why;
  std::vector<int> made{0, 0};  // to rank 0, to the deputy
  const auto link = [&](int rank, const Endpoint& to) {
    std::optional<net::Socket> s =
        connect_endpoint(to, peers[rank].host == peers[me].host, hello, &why);
    if (s) links.push_back({rank, std::move(*s), Clock::now()});
    return s ? 1 : 0;
  };
  if (me != 0) made[0] = link(0, to_zero);
  if (me != 0 && me != deputy) made[1] = link(deputy, to_deputy);
  std::vector<std::vector<int>> all_made;
  mpi::all_gather(comm, made, all_made);
  std::vector<std::string> reasons;
  mpi::gather(comm, why, reasons, 0);

  int expected = 0;
  for (int r = 0; r < comm.size(); ++r) expected += all_made[r][me == 0 ? 0 : 1];
  if (listener) accept_links(*listener, me == 0 || me == deputy ? expected : 0, cookie);
  if (me == 0) {
    for (int r = 1; r < comm.size(); ++r) {
      if (all_made[r][0] != 0) continue;
      std::fprintf(stderr,
                   "rangefarm: warning: rank %d on %s cannot reach rank 0 on %s for the health "
                   "link (%s): if it is lost, the run may hang instead of naming it\n",
                   r, peers[r].host.c_str(), peers[0].host.c_str(), reasons[r].c_str());
    }
  }
  if (::pipe2(wake.data(), O_CLOEXEC) != 0) return;
  thread = std::thread([this] { run(); });
}

void HealthLink::Watch::accept_links(net::Listener& listener, int expected, std::uint64_t cookie) {
  const auto deadline = Clock::now() + 2 * kConnectTimeout;
  while (expected > 0 && Clock::now() < deadline) {
    pollfd p{listener.socket.fd(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(kConnectTimeout.count())) != 1) break;
    net::Socket s(::accept4(listener.socket.fd(), nullptr, nullptr, SOCK_CLOEXEC));
    Hello hello;
    if (!s.open() || !net::recv_exact(s.fd(), &hello, sizeof hello, kConnectTimeout) ||
        hello.cookie != cookie || hello.rank <= 0 || hello.rank >= static_cast<int>(peers.size())) {
      continue;
    }
    links.push_back({hello.rank, std::move(s), Clock::now()});
    --expected;
  }
}

void HealthLink::Watch::say_bye() const {
  for (const Link& l : links) ::send(l.socket.fd(), &kBye, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
}

HealthLink::Watch::Link* HealthLink::Watch::link_to(int rank) {
  for (Link& l : links) {
    if (l.rank == rank) return &l;
  }
  return nullptr;
}

void HealthLink::Watch::say_to_all(char byte, bool to_silent) {
  for (Link& l : links) {
    if ((!l.lost || (to_silent && l.silent)) && !l.bye) {
      ::send(l.socket.fd(), &byte, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    }
  }
}

void HealthLink::Watch::read(Link& link, Clock::time_point now) {
  std::array<char, 64> bytes{};
  const ssize_t n = ::recv(link.socket.fd(), bytes.data(), bytes.size(), MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
  if (n <= 0) {  // end of file or a reset: the process is gone
    if (!link.bye) link.lost = true;
    if (link.lost && !first_loss) first_loss = now;
    return;
  }
  link.heard = now;
  for (ssize_t i = 0; i < n; ++i) {
    if (bytes[i] == kBye) {
      link.bye = true;
      if (link.rank == 0) zero_done.store(true);
    }
    if (bytes[i] == kStop) request_stop();  // passed on by run()
    if (bytes[i] == kQuit) quit_quietly();  // named by rank 0 or the deputy
  }
}

void HealthLink::Watch::run() {
  auto next_beat = Clock::now() + kBeatEvery;
  auto last = Clock::now();
  // A loop this late means this process (or at least this thread) was
  // stopped long enough that a peer may have counted it silent.
  const auto frozen = timeout / 2;
  std::vector<pollfd> fds;
  std::vector<Link*> of;
  while (true) {
    fds.assign(1, pollfd{wake[0], POLLIN, 0});
    of.assign(1, nullptr);
    for (Link& l : links) {
      if (l.lost || l.bye) continue;
      fds.push_back({l.socket.fd(), POLLIN, 0});
      of.push_back(&l);
    }
    ::poll(fds.data(), fds.size(), static_cast<int>(kLook.count()));
    if (fds[0].revents != 0) return;  // the destructor: a clean end
    const auto now = Clock::now();
    if (now - last >= frozen) {
      // Wait for the others' word (a Quit, read below or soon) before
      // deciding anything or letting a journal record out; and judge no
      // peer's silence across our own.
      suspect_until_ns.store(ns_of(now + kDeputyWait + kGrace));
      for (Link& l : links) l.heard = now;
    }
    last = now;
    for (std::size_t i = 1; i < fds.size(); ++i) {
      if (fds[i].revents != 0) read(*of[i], now);
    }
    looked_ns.store(ns_of(now));
    for (Link& l : links) {
      if (l.lost || l.bye || now - l.heard <= timeout) continue;
      l.lost = true;  // silent too long: a node gone without closing anything
      l.silent = true;
      if (!first_loss) first_loss = now;
    }
    if (stop_requested() && !stop_sent) {  // a signal here, or a Stop read above
      say_to_all(kStop);
      stop_sent = true;
    }
    if (now >= next_beat) {
      say_to_all(kHeartbeat);
      next_beat = now + kBeatEvery;
    }
    const bool suspect = ns_of(now) < suspect_until_ns.load();
    if (first_loss && now >= *first_loss + kGrace && !suspect) decide(now);
  }
}

// Rank 0 names every lost worker. A worker acts only when rank 0 is lost:
// the deputy names it (and the workers it saw go with it); the others wait
// for the deputy's Quit, and leave quietly if it never comes.
void HealthLink::Watch::decide(Clock::time_point now) {
  std::vector<PeerProcess> lost;
  for (const Link& l : links) {
    if (l.lost) lost.push_back(peers[static_cast<std::size_t>(l.rank)]);
  }
  std::sort(lost.begin(), lost.end(),
            [](const PeerProcess& a, const PeerProcess& b) { return a.rank < b.rank; });
  if (me == 0) speak(lost, false);
  const Link* zero = link_to(0);
  if (zero == nullptr || !zero->lost) return;
  if (me == deputy) speak(lost, true);
  if (now >= *first_loss + kDeputyWait) std::_Exit(kRankLostExit);
}

void HealthLink::Watch::speak(const std::vector<PeerProcess>& lost, bool as_deputy) {
  // A silent rank may only be frozen: it reads this when it wakes.
  say_to_all(kQuit, true);
  // Held until the exit: no journal record can be half written by it.
  speaking.store(true);
  journal_write_mutex().lock();
  std::optional<std::uint64_t> safe;
  if (as_deputy) {
    safe = journaled_items_in_file();
  } else {
    safe = journaled_items_noted();
  }
  const std::string line =
      loss_line(lost, as_deputy ? &peers[static_cast<std::size_t>(me)] : nullptr, safe);
  // One write, so that a launcher's output forwarding never splits it.
  [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
  // srun waits for every task: one frozen for good would hold the job to
  // its time limit, and a dead node's until Slurm declares the node down
  // (SlurmdTimeout, often minutes). Ending the step frees it at once.
  end_own_srun_step(kStepEndWait);
  std::_Exit(kRankLostExit);
}

HealthLink::HealthLink(const mpi::communicator& comm, StartWatch* start)
    : watch_(std::make_unique<Watch>()) {
  const PeerProcess me{comm.rank(), host_name(), static_cast<int>(::getpid())};
  if (comm.size() == 1) {
    watch_->peers = {me};
  } else {
    watch_->peers = first_exchange(comm, me, start);
    watch_->start(comm);
  }
  if (watch_->thread.joinable()) g_watch.store(watch_.get());
  if (start != nullptr) start->finished();
}

HealthLink::~HealthLink() {
  g_watch.store(nullptr);
  // The end of a run: this rank is done, so its loss from now on costs
  // nothing (Bye). But rank 0 may still be writing the results: a worker
  // stays, its links still watched, until rank 0 has said Bye too, so that
  // a rank 0 lost now is still named by the deputy (before, the workers
  // waited in MPI_Finalize, where nothing watched, and mpirun -q ended such
  // a run with 137 and no line). No MPI here: a worker lost after its Bye
  // holds nobody.
  watch_->say_bye();
  if (watch_->thread.joinable() && watch_->me != 0 && watch_->link_to(0) != nullptr) {
    WaitBackoff backoff(std::chrono::microseconds(20), std::chrono::microseconds(500));
    while (!watch_->zero_done.load()) backoff.pause();
  }
  if (watch_->thread.joinable()) {
    const char byte = 1;
    [[maybe_unused]] const ssize_t n = ::write(watch_->wake[1], &byte, 1);
    watch_->thread.join();
  }
  for (int fd : watch_->wake) {
    if (fd >= 0) ::close(fd);
  }
}

const std::vector<PeerProcess>& HealthLink::peers() const {
  return watch_->peers;
}

void HealthLink::leave() const {
  watch_->say_bye();
}

void confirm_not_declared_lost() {
  HealthLink::Watch* w = g_watch.load();
  if (w == nullptr) return;
  const std::int64_t entered = ns_of(Clock::now());
  // Bounded: a watcher that never looks again (it cannot, short of a bug)
  // must not hang the run.
  const auto until = Clock::now() + 2 * (kDeputyWait + kGrace) + w->timeout;
  while (Clock::now() < until) {
    const std::int64_t now = ns_of(Clock::now());
    const std::int64_t looked = w->looked_ns.load();
    const bool current =
        looked >= entered ||
        now - looked <
            std::chrono::duration_cast<std::chrono::nanoseconds>(kWatcherCurrent).count();
    if (w->speaking.load() || (current && now >= w->suspect_until_ns.load())) return;
    std::this_thread::sleep_for(milliseconds(5));
  }
}

}  // namespace rf
