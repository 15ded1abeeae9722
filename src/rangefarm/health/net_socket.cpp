#include "rangefarm/health/net_socket.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <stdexcept>

namespace rf::net {
namespace {

std::string errno_text(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

void set_blocking(int fd, bool blocking) {
  const int flags = ::fcntl(fd, F_GETFL, 0);
  ::fcntl(fd, F_SETFL, blocking ? (flags & ~O_NONBLOCK) : (flags | O_NONBLOCK));
}

std::vector<std::string> split(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream in(list);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

// a.b.c.d/bits contains address (host order)?
bool in_block(const std::string& block, std::uint32_t address) {
  const std::size_t slash = block.find('/');
  in_addr base{};
  if (::inet_pton(AF_INET, block.substr(0, slash).c_str(), &base) != 1) return false;
  const int bits = slash == std::string::npos ? 32 : std::atoi(block.c_str() + slash + 1);
  if (bits <= 0) return true;
  const std::uint32_t mask = bits >= 32 ? ~0u : ~((1u << (32 - bits)) - 1);
  return (ntohl(base.s_addr) & mask) == (address & mask);
}

bool allowed(const std::vector<std::string>& include, const ifaddrs& ifa, std::uint32_t address) {
  if (include.empty()) return (ifa.ifa_flags & IFF_LOOPBACK) == 0;
  for (const std::string& item : include) {
    if (item.find_first_of("./") != std::string::npos ? in_block(item, address)
                                                      : item == ifa.ifa_name) {
      return true;
    }
  }
  return false;
}

}  // namespace

Socket& Socket::operator=(Socket&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = other.release();
  }
  return *this;
}

Socket::~Socket() {
  close();
}

int Socket::release() {
  const int fd = fd_;
  fd_ = -1;
  return fd;
}

void Socket::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Listener listen_any() {
  Socket s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!s.open()) throw std::runtime_error(errno_text("health link: socket"));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_ANY);
  address.sin_port = 0;
  if (::bind(s.fd(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(s.fd(), SOMAXCONN) != 0) {
    throw std::runtime_error(errno_text("health link: bind/listen"));
  }
  socklen_t size = sizeof address;
  ::getsockname(s.fd(), reinterpret_cast<sockaddr*>(&address), &size);
  return {std::move(s), ntohs(address.sin_port)};
}

std::optional<Socket> connect_to(const std::string& address, int port,
                                 std::chrono::milliseconds timeout, std::string* why) {
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::inet_pton(AF_INET, address.c_str(), &to.sin_addr) != 1) {
    *why = "bad address " + address;
    return std::nullopt;
  }
  Socket s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!s.open()) {
    *why = errno_text("socket");
    return std::nullopt;
  }
  set_blocking(s.fd(), false);
  int rc = ::connect(s.fd(), reinterpret_cast<sockaddr*>(&to), sizeof to);
  if (rc != 0 && errno == EINPROGRESS) {
    pollfd p{s.fd(), POLLOUT, 0};
    rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
    int error = 0;
    socklen_t size = sizeof error;
    if (rc == 1) ::getsockopt(s.fd(), SOL_SOCKET, SO_ERROR, &error, &size);
    if (rc != 1 || error != 0) {
      errno = rc == 0 ? ETIMEDOUT : error;
      rc = -1;
    } else {
      rc = 0;
    }
  }
  if (rc != 0) {
    *why = errno_text(address + ":" + std::to_string(port));
    return std::nullopt;
  }
  set_blocking(s.fd(), true);
  const int one = 1;
  ::setsockopt(s.fd(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return s;
}

std::vector<std::string> host_addresses(const std::string& include) {
  const std::vector<std::string> wanted = split(include);
  std::vector<std::string> out;
  std::vector<std::string> loopback;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return out;
  for (const ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
    if (i->ifa_addr == nullptr || i->ifa_addr->sa_family != AF_INET) continue;
    if ((i->ifa_flags & IFF_UP) == 0) continue;
    const in_addr a = reinterpret_cast<const sockaddr_in*>(i->ifa_addr)->sin_addr;
    if (!allowed(wanted, *i, ntohl(a.s_addr))) continue;
    std::array<char, INET_ADDRSTRLEN> text{};
    ::inet_ntop(AF_INET, &a, text.data(), text.size());
    ((i->ifa_flags & IFF_LOOPBACK) != 0 ? loopback : out).emplace_back(text.data());
  }
  ::freeifaddrs(list);
  out.insert(out.end(), loopback.begin(), loopback.end());
  return out;
}

bool send_all(int fd, const void* data, std::size_t size) {
  const char* at = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::send(fd, at, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    at += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

bool recv_exact(int fd, void* data, std::size_t size, std::chrono::milliseconds timeout) {
  char* at = static_cast<char*>(data);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (size > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) != 1) return false;
    const ssize_t n = ::recv(fd, at, size, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    at += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace rf::net
