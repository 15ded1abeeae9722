// TraceWriter: the header, one line per event and the footer, each a JSON
// object with the fields trace_writer.hpp lists.
#include "rangefarm/farm/trace_writer.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace rf {
namespace {

std::vector<nlohmann::json> lines_of(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
  return out;
}

TEST(TraceWriter, WritesHeaderEventsAndFooter) {
  std::ostringstream out;
  TraceHeader h{"synthetic",     {"n0", "n\"1"}, "dynamic", 3,
                "largest-first", true,           "units",   "rangefarm synthetic --tasks 9"};
  TraceWriter w(out, h, [](Range r) { return std::optional<double>(2.5 * r.size()); });
  w.begin(9, 4);
  w.event({TraceEvent::Request, 1, {}, 0.25, 0});
  w.event({TraceEvent::Assign, 1, {4, 7}, 0.5, 0});
  w.event({TraceEvent::Chunk, 1, {4, 7}, 0.5, 1.75});
  w.end(2.0, false);
  const auto lines = lines_of(out.str());
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0]["type"], "header");
  EXPECT_EQ(lines[0]["format"], "rangefarm-trace");
  EXPECT_EQ(lines[0]["ranks"], 2);
  EXPECT_EQ(lines[0]["hosts"][1], "n\"1");
  EXPECT_EQ(lines[0]["items_total"], 9);
  EXPECT_EQ(lines[0]["items_restored"], 4);
  EXPECT_EQ(lines[0]["resumed"], true);
  EXPECT_EQ(lines[0]["order"], "largest-first");
  EXPECT_EQ(lines[1], nlohmann::json::parse(R"({"type":"request","rank":1,"t_s":0.25})"));
  EXPECT_EQ(lines[2],
            nlohmann::json::parse(R"({"type":"assign","rank":1,"t_s":0.5,"first":4,"last":6})"));
  EXPECT_EQ(lines[3],
            nlohmann::json::parse(R"({"type":"chunk","rank":1,"host":"n\"1","first":4,"last":6,)"
                                  R"("items":3,"start_s":0.5,"end_s":1.75,"cost":7.5})"));
  EXPECT_EQ(lines[4], nlohmann::json::parse(R"({"type":"end","wall_s":2.0,"stopped":false})"));
}

TEST(TraceWriter, NoCostModelMeansNull) {
  std::ostringstream out;
  TraceWriter w(out, TraceHeader{"perfect", {"h"}, "static-block", 10, "given", false, "", "x"});
  w.begin(10, 0);
  w.event({TraceEvent::Chunk, 0, {1, 11}, 0, 1});
  w.end(1, true);
  const auto lines = lines_of(out.str());
  EXPECT_TRUE(lines[0]["cost_unit"].is_null());
  EXPECT_TRUE(lines[1]["cost"].is_null());
  EXPECT_EQ(lines[2]["stopped"], true);
}

}  // namespace
}  // namespace rf
