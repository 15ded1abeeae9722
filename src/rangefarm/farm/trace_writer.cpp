#include "rangefarm/farm/trace_writer.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>

namespace rf {
namespace {

constexpr auto kFlushEvery = std::chrono::milliseconds(100);

// Into buf (at least 32 chars): the number, or null.
const char* number_or_null(std::optional<double> x, char* buf) {
  if (!x || !std::isfinite(*x)) return "null";
  std::snprintf(buf, 32, "%.12g", *x);
  return buf;
}

unsigned long long ull(std::uint64_t x) {
  return static_cast<unsigned long long>(x);
}

}  // namespace

TraceWriter::TraceWriter(std::ostream& out, TraceHeader header, ChunkCostFn cost)
    : out_(out), header_(std::move(header)), cost_(std::move(cost)) {
  for (const std::string& h : header_.hosts) quoted_hosts_.push_back(nlohmann::json(h).dump());
}

void TraceWriter::begin(std::uint64_t items_total, std::uint64_t items_restored) {
  const nlohmann::json h = {
      {"type", "header"},
      {"format", "rangefarm-trace"},
      {"version", 1},
      {"subcommand", header_.subcommand},
      {"ranks", header_.hosts.size()},
      {"hosts", header_.hosts},
      {"schedule", header_.schedule},
      {"chunk", header_.chunk},
      {"order", header_.order},
      {"items_total", items_total},
      {"items_restored", items_restored},
      {"resumed", header_.resumed},
      {"cost_unit",
       header_.cost_unit.empty() ? nlohmann::json(nullptr) : nlohmann::json(header_.cost_unit)},
      {"command", header_.command}};
  line(h.dump());
}

// One snprintf per record into a reused buffer (strprintf formats twice):
// with chunks of microseconds rank 0 writes a record every few microseconds.
template <class... Args>
void TraceWriter::format(const char* fmt, Args... args) {
  int n = std::snprintf(buf_.data(), buf_.size(), fmt, args...);
  if (n >= static_cast<int>(buf_.size())) {  // a very long host name
    buf_.resize(static_cast<std::size_t>(n) + 1);
    n = std::snprintf(buf_.data(), buf_.size(), fmt, args...);
  }
  line(std::string_view(buf_.data(), static_cast<std::size_t>(std::max(n, 0))));
}

void TraceWriter::event(const TraceEvent& e) {
  const auto r = static_cast<std::size_t>(e.rank);
  char cost[32];
  switch (e.kind) {
    case TraceEvent::Chunk:
      format(R"({"type":"chunk","rank":%d,"host":%s,"first":%llu,"last":%llu,"items":%llu,)"
             R"("start_s":%.6f,"end_s":%.6f,"cost":%s})",
             e.rank, r < quoted_hosts_.size() ? quoted_hosts_[r].c_str() : "null", ull(e.items.lo),
             ull(e.items.hi - 1), ull(e.items.size()), e.t_s, e.end_s,
             number_or_null(cost_ ? cost_(e.items) : std::nullopt, cost));
      break;
    case TraceEvent::Request:
      format(R"({"type":"request","rank":%d,"t_s":%.6f})", e.rank, e.t_s);
      break;
    case TraceEvent::Assign:
      format(R"({"type":"assign","rank":%d,"t_s":%.6f,"first":%llu,"last":%llu})", e.rank, e.t_s,
             ull(e.items.lo), ull(e.items.hi - 1));
      break;
    default:
      break;
  }
}

void TraceWriter::end(double wall_s, bool stopped) {
  format(R"({"type":"end","wall_s":%.6f,"stopped":%s})", wall_s, stopped ? "true" : "false");
  out_.flush();
}

// Written at once, flushed now and then: a flush is a system call, and with
// chunks of microseconds rank 0 would spend its time in them.
void TraceWriter::line(std::string_view text) {
  out_ << text << '\n';
  dirty_ = true;
  tick();
}

void TraceWriter::tick() {
  if (!dirty_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now < next_flush_) return;
  out_.flush();
  dirty_ = false;
  next_flush_ = now + kFlushEvery;
}

}  // namespace rf
