#include "rangefarm/farm/trace_writer.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "rangefarm/common/fmt_util.hpp"

namespace rf {
namespace {

constexpr auto kFlushEvery = std::chrono::milliseconds(100);

std::string number_or_null(std::optional<double> x) {
  if (!x || !std::isfinite(*x)) return "null";
  return strprintf("%.12g", *x);
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

void TraceWriter::event(const TraceEvent& e) {
  const auto r = static_cast<std::size_t>(e.rank);
  switch (e.kind) {
    case TraceEvent::Chunk:
      line(strprintf(R"({"type":"chunk","rank":%d,"host":%s,"first":%llu,"last":%llu,"items":%llu,)"
                     R"("start_s":%.6f,"end_s":%.6f,"cost":%s})",
                     e.rank, r < quoted_hosts_.size() ? quoted_hosts_[r].c_str() : "null",
                     ull(e.items.lo), ull(e.items.hi - 1), ull(e.items.size()), e.t_s, e.end_s,
                     number_or_null(cost_ ? cost_(e.items) : std::nullopt).c_str()));
      break;
    case TraceEvent::Request:
      line(strprintf(R"({"type":"request","rank":%d,"t_s":%.6f})", e.rank, e.t_s));
      break;
    case TraceEvent::Assign:
      line(strprintf(R"({"type":"assign","rank":%d,"t_s":%.6f,"first":%llu,"last":%llu})", e.rank,
                     e.t_s, ull(e.items.lo), ull(e.items.hi - 1)));
      break;
    default:
      break;
  }
}

void TraceWriter::end(double wall_s, bool stopped) {
  line(strprintf(R"({"type":"end","wall_s":%.6f,"stopped":%s})", wall_s,
                 stopped ? "true" : "false"));
  out_.flush();
}

// Written at once, flushed now and then: a flush is a system call, and with
// chunks of microseconds rank 0 would spend its time in them.
void TraceWriter::line(const std::string& text) {
  out_ << text << '\n';
  const auto now = std::chrono::steady_clock::now();
  if (now < next_flush_) return;
  out_.flush();
  next_flush_ = now + kFlushEvery;
}

}  // namespace rf
