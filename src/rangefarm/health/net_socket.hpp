// Plain TCP for the health links (health_link.hpp): a listening socket on
// an ephemeral port, a connect with a deadline, and the IPv4 addresses a
// peer may use to reach this host. POSIX sockets only: no MPI here, so a
// dead peer shows as an end of file the moment the kernel closes its
// sockets, whatever MPI is doing.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace rf::net {

// A file descriptor closed when the owner goes.
class Socket {
 public:
  Socket() = default;
  explicit Socket(int fd) : fd_(fd) {}
  Socket(Socket&& other) noexcept : fd_(other.release()) {}
  Socket& operator=(Socket&& other) noexcept;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket();

  [[nodiscard]] int fd() const { return fd_; }
  [[nodiscard]] bool open() const { return fd_ >= 0; }
  int release();
  void close();

 private:
  int fd_ = -1;
};

// Listens on every address of this host, on a port the kernel picks.
struct Listener {
  Socket socket;
  int port = 0;
};
Listener listen_any();

// Connects to address:port, giving up after `timeout`; nothing on failure,
// with the reason in *why.
std::optional<Socket> connect_to(const std::string& address, int port,
                                 std::chrono::milliseconds timeout, std::string* why);

// This host's IPv4 addresses on the interfaces that `include` allows: a
// comma-separated list of interface names (lo, eth0) or CIDR blocks
// (127.0.0.0/8), as Open MPI's *_if_include takes; empty means every
// interface that is up except loopback. Loopback addresses come last.
std::vector<std::string> host_addresses(const std::string& include);

// Writes all of data (false if the peer is gone); never raises SIGPIPE.
bool send_all(int fd, const void* data, std::size_t size);
// Reads exactly size bytes, waiting at most `timeout` (false otherwise).
bool recv_exact(int fd, void* data, std::size_t size, std::chrono::milliseconds timeout);

}  // namespace rf::net
