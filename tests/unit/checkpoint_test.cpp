// The journal (checkpoint.hpp), the holes a resumed run leaves
// (range_list.hpp), and the saved Lucas-Lehmer state: each against what it
// must give back, on real files in a temporary folder.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <thread>

#include "rangefarm/common/stop_request.hpp"
#include "rangefarm/farm/checkpoint.hpp"
#include "rangefarm/farm/progress.hpp"
#include "rangefarm/farm/range_list.hpp"
#include "rangefarm/work/lucas_lehmer.hpp"
#include "temp_dir.hpp"

namespace rf {
namespace {

namespace fs = std::filesystem;

const nlohmann::json kIdentity = {{"workload", "perfect"}, {"from", 1}, {"to", 100}};

TEST(RangeList, SubtractLeavesTheHoles) {
  EXPECT_EQ(subtract({1, 101}, {}), (std::vector<Range>{{1, 101}}));
  EXPECT_EQ(subtract({1, 101}, {{1, 101}}), std::vector<Range>{});
  EXPECT_EQ(subtract({1, 101}, {{50, 60}, {1, 10}, {90, 101}}),
            (std::vector<Range>{{10, 50}, {60, 90}}));
  // Overlapping, out-of-order and out-of-range records are harmless.
  EXPECT_EQ(subtract({10, 20}, {{0, 12}, {11, 13}, {19, 30}, {40, 50}}),
            (std::vector<Range>{{13, 19}}));
  EXPECT_EQ(subtract({5, 5}, {}), std::vector<Range>{});
}

TEST(RangeList, MapAgreesWithWalkingItemByItem) {
  const RangeList list({{3, 7}, {10, 11}, {20, 30}});
  std::vector<std::uint64_t> items;
  for (Range r : list.ranges()) {
    for (auto i = r.lo; i < r.hi; ++i) items.push_back(i);
  }
  ASSERT_EQ(list.size(), items.size());
  for (std::uint64_t lo = 0; lo <= items.size(); ++lo) {
    for (std::uint64_t hi = lo; hi <= items.size(); ++hi) {
      std::vector<std::uint64_t> got;
      for (Range r : list.map({lo, hi})) {
        ASSERT_FALSE(r.empty());
        for (auto i = r.lo; i < r.hi; ++i) got.push_back(i);
      }
      EXPECT_EQ(got, std::vector<std::uint64_t>(items.begin() + lo, items.begin() + hi));
    }
  }
}

TEST(RangeList, RefusesOverlaps) {
  EXPECT_THROW(RangeList({{1, 5}, {4, 8}}), std::invalid_argument);
  EXPECT_THROW(RangeList({{1, 1}}), std::invalid_argument);
}

TEST(Journal, RecordsComeBackInOrder) {
  TempDir dir;
  const std::string path = dir.file("j");
  {
    Journal j = Journal::create(path, kIdentity);
    j.append({1, 11}, "a b c\n");
    j.append({21, 31}, "with \"quotes\" and \\ backslash");
  }
  std::vector<JournalRecord> records;
  const Journal j = Journal::resume(path, kIdentity, records);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].chunk, (Range{1, 11}));
  EXPECT_EQ(records[0].partial, "a b c\n");
  EXPECT_EQ(records[1].chunk, (Range{21, 31}));
  EXPECT_EQ(records[1].partial, "with \"quotes\" and \\ backslash");
  EXPECT_EQ(j.dropped_torn_records(), 0u);
}

TEST(Journal, CreateNeverReplacesAJournal) {
  TempDir dir;
  const std::string path = dir.file("j");
  { Journal::create(path, kIdentity).append({1, 2}, "x"); }
  const std::string before = read_all(path);
  EXPECT_THROW(Journal::create(path, kIdentity), JournalError);
  EXPECT_EQ(read_all(path), before);
}

TEST(Journal, EveryTornTailIsDroppedAndCutOff) {
  TempDir dir;
  const std::string path = dir.file("j");
  { Journal::create(path, kIdentity).append({1, 11}, "first"); }
  const std::size_t whole = read_all(path).size();
  {
    std::vector<JournalRecord> first;
    Journal::resume(path, kIdentity, first).append({11, 21}, "second");
  }
  const std::string full = read_all(path);
  // Cut the last record at every byte: the first record always survives,
  // the second never half-survives, and the file is repaired.
  for (std::size_t size = whole; size < full.size(); ++size) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << full.substr(0, size);
    std::vector<JournalRecord> records;
    {
      Journal j = Journal::resume(path, kIdentity, records);
      EXPECT_EQ(j.dropped_torn_records(), size > whole ? 1u : 0u) << size;
      j.append({11, 21}, "again");
    }
    ASSERT_EQ(records.size(), 1u) << "cut at " << size;
    EXPECT_EQ(records[0].partial, "first");
    std::vector<JournalRecord> after;
    Journal::resume(path, kIdentity, after);
    ASSERT_EQ(after.size(), 2u) << "cut at " << size;
    EXPECT_EQ(after[1].partial, "again");
  }
}

TEST(Journal, ACorruptLineBeforeTheLastIsRefused) {
  TempDir dir;
  const std::string path = dir.file("j");
  {
    Journal j = Journal::create(path, kIdentity);
    j.append({1, 11}, "first");
    j.append({11, 21}, "second");
  }
  std::string text = read_all(path);
  text[text.find("first") - 3] = '#';  // inside record 1, not the last
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  std::vector<JournalRecord> records;
  try {
    Journal::resume(path, kIdentity, records);
    FAIL() << "a corrupt journal was accepted";
  } catch (const JournalError& e) {
    EXPECT_NE(std::string(e.what()).find("corrupt at line 2"), std::string::npos) << e.what();
  }
  EXPECT_EQ(read_all(path), text);  // left as it was
}

TEST(Journal, AnotherRunsJournalIsRefusedNamingTheParameter) {
  TempDir dir;
  const std::string path = dir.file("j");
  { Journal::create(path, kIdentity); }
  nlohmann::json other = kIdentity;
  other["to"] = 1000;
  std::vector<JournalRecord> records;
  try {
    Journal::resume(path, other, records);
    FAIL() << "another run's journal was accepted";
  } catch (const JournalError& e) {
    EXPECT_NE(std::string(e.what()).find("to 100 there, 1000 here"), std::string::npos) << e.what();
  }
}

TEST(Journal, MissingOrForeignFilesAreRefused) {
  TempDir dir;
  std::vector<JournalRecord> records;
  EXPECT_THROW(Journal::resume(dir.file("none"), kIdentity, records), JournalError);
  std::ofstream(dir.file("json")) << "{\"some\":\"json\"}\n";
  EXPECT_THROW(Journal::resume(dir.file("json"), kIdentity, records), JournalError);
  // Half of another run's header: nothing to use, refused.
  std::ofstream(dir.file("other")) << R"({"rangefarm_journal":1,"run":{"from":2)";
  EXPECT_THROW(Journal::resume(dir.file("other"), kIdentity, records), JournalError);
}

TEST(Journal, AnEmptyOrTornHeaderOfThisRunStartsAfresh) {
  TempDir dir;
  const std::string path = dir.file("j");
  { Journal::create(path, kIdentity); }
  const std::string header = read_all(path);
  for (std::size_t cut : {std::size_t{0}, std::size_t{1}, header.size() / 2, header.size() - 1}) {
    std::ofstream(path, std::ios::trunc) << header.substr(0, cut);
    std::vector<JournalRecord> records{{{1, 2}, "x", 2, {}}};
    const Journal j = Journal::resume(path, kIdentity, records);
    EXPECT_TRUE(j.restarted()) << cut;
    EXPECT_TRUE(records.empty()) << cut;
    EXPECT_EQ(read_all(path), header) << cut;
  }
}

const nlohmann::json kOrdered = {{"workload", "synthetic"}, {"tasks", 10}, {"items", "tasks"}};

TEST(Journal, RecordsNamingTheirItemsComeBack) {
  TempDir dir;
  const std::string path = dir.file("j");
  {
    Journal j = Journal::create(path, kOrdered);
    j.append_items({{3, 5}, {9, 10}}, "p");
  }
  std::vector<JournalRecord> records;
  const Journal j = Journal::resume(path, kOrdered, records);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].items, (std::vector<Range>{{3, 5}, {9, 10}}));
  EXPECT_EQ(records[0].partial, "p");
  EXPECT_EQ(j.legacy_order(), "");
  EXPECT_EQ(journal_items(path), 3u);
  // A changed id fails the checksum.
  std::string text = read_all(path);
  text.replace(text.find("[9,10]"), 6, "[8,10]");
  std::ofstream(path, std::ios::trunc) << text << "{}\n";
  EXPECT_THROW(Journal::resume(path, kOrdered, records), JournalError);
}

TEST(Journal, AnOldJournalOfPositionsGivesItsItemOrder) {
  TempDir dir;
  const std::string path = dir.file("j");
  nlohmann::json old = kOrdered;
  old.erase("items");
  old["item_order"] = "largest-first";
  { Journal::create(path, old).append({0, 2}, "p"); }
  std::vector<JournalRecord> records;
  const Journal j = Journal::resume(path, kOrdered, records);
  EXPECT_EQ(j.legacy_order(), "largest-first");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].chunk, (Range{0, 2}));
  // Another parameter still differs: refused.
  nlohmann::json other = kOrdered;
  other["tasks"] = 11;
  EXPECT_THROW(Journal::resume(path, other, records), JournalError);
}

TEST(Journal, AChangedByteInARecordFailsItsChecksum) {
  TempDir dir;
  const std::string path = dir.file("j");
  {
    Journal j = Journal::create(path, kIdentity);
    j.append({1, 11}, "0 0 7 1 2 1 0 6");
    j.append({11, 21}, "second");
  }
  std::string text = read_all(path);
  text[text.find("7 1 2")] = '8';  // still valid JSON, still a record
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  std::vector<JournalRecord> records;
  try {
    Journal::resume(path, kIdentity, records);
    FAIL() << "a changed record was accepted";
  } catch (const JournalError& e) {
    EXPECT_NE(std::string(e.what()).find("line 2 (its checksum does not match)"), std::string::npos)
        << e.what();
  }
}

TEST(Journal, ItemsLeftRefusesRecordsThisRunCannotHaveWritten) {
  const auto left = [](std::vector<JournalRecord> records) {
    return items_left({1, 101}, records, "j");
  };
  EXPECT_EQ(left({{{1, 11}, "", 2}, {{51, 61}, "", 3}}), (std::vector<Range>{{11, 51}, {61, 101}}));
  EXPECT_THROW(left({{{1, 11}, "", 2}, {{5, 15}, "", 3}}), JournalError);  // overlap
  EXPECT_THROW(left({{{1, 11}, "", 2}, {{1, 11}, "", 3}}), JournalError);  // repeated
  EXPECT_THROW(left({{{90, 120}, "", 2}}), JournalError);                  // outside
  EXPECT_THROW(left({{{20, 10}, "", 2}}), JournalError);                   // lo > hi
  try {
    left({{{1, 11}, "", 2}, {{5, 15}, "", 7}});
  } catch (const JournalError& e) {
    EXPECT_NE(
        std::string(e.what()).find("'j' is corrupt at line 7 (items [5, 15) overlaps line 2)"),
        std::string::npos)
        << e.what();
  }
}

// A test stopped at a yield and resumed from its saved state gives the same
// verdict and Res64 as one run straight through.
TEST(LucasLehmerState, StoppedAndResumedEqualsStraightThrough) {
  TempDir dir;
  FolderStore folder(dir.file(""));
  const StateSaves saves{&folder, 3600};
  for (std::uint64_t p : {4423u, 4441u}) {  // prime, composite
    const LucasLehmerResult straight = lucas_lehmer(p, [] {});
    int yields = 0;
    const Yield stop_midway = [&] {
      if (++yields == 20) request_stop();
    };
    EXPECT_THROW(lucas_lehmer(p, stop_midway, saves), Interrupted);
    clear_stop_request();
    const auto saved = load_lucas_lehmer_state(folder, p);
    ASSERT_TRUE(saved.has_value());
    EXPECT_EQ(saved->iterations, 20u * 64u);
    const LucasLehmerResult resumed = lucas_lehmer(
        p, [] {}, saves);
    EXPECT_EQ(resumed.resumed_at, 20u * 64u);
    EXPECT_EQ(resumed.prime, straight.prime) << p;
    EXPECT_EQ(resumed.res64, straight.res64) << p;
  }
}

TEST(LucasLehmerState, AStateOfAnotherExponentOrTornIsIgnored) {
  TempDir dir;
  FolderStore d(dir.file(""));
  save_lucas_lehmer_state(d, {4423, 100, mpz_class(12345)});
  EXPECT_FALSE(load_lucas_lehmer_state(d, 4441).has_value());
  ASSERT_TRUE(load_lucas_lehmer_state(d, 4423).has_value());
  const std::string path = d.path(lucas_lehmer_state_name(4423));
  const std::string text = read_all(path);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text.substr(0, text.size() - 1);
  EXPECT_FALSE(load_lucas_lehmer_state(d, 4423).has_value());
}

}  // namespace
}  // namespace rf

namespace rf {
namespace {

std::string progress_output(Progress::Style style) {
  std::FILE* f = std::tmpfile();
  {
    Progress progress(style, 1000, 200, f);
    progress.add(100);  // within the first interval: nothing yet
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    progress.add(200);  // the terminal line is due after a second
  }
  std::rewind(f);
  std::string text;
  for (int c = std::fgetc(f); c != EOF; c = std::fgetc(f)) text.push_back(static_cast<char>(c));
  std::fclose(f);
  return text;
}

TEST(Progress, TerminalLineSaysPercentRateAndEta) {
  const std::string text = progress_output(Progress::Style::Terminal);
  // 200 restored + 300 computed of 1000; restored items are not in the rate.
  EXPECT_NE(text.find("\rrangefarm:  50.0% done, 500 of 1000 items"), std::string::npos) << text;
  EXPECT_NE(text.find("items/s, ETA "), std::string::npos) << text;
  EXPECT_EQ(text.find('\n'), std::string::npos) << "a terminal line is redrawn, never ended";
  EXPECT_TRUE(text.ends_with("\r\033[K")) << "finish() clears the line";
}

TEST(Progress, BatchStyleIsQuietForItsFirst30Seconds) {
  EXPECT_EQ(progress_output(Progress::Style::Batch), "");
  EXPECT_EQ(progress_output(Progress::Style::Off), "");
}

}  // namespace
}  // namespace rf

// Issue 23: a journal that two runs wrote at once, --repair, the end record
// of a completed run, and the refusals that say what a journal is not.
namespace rf {
namespace {

std::string refusal_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const JournalError& e) {
    return e.what();
  }
  return "";
}

// The journal's lines (the header first), for building damaged ones.
std::vector<std::string> lines_of(const std::string& path) {
  std::vector<std::string> lines;
  std::istringstream in(read_all(path));
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

void write_lines(const std::string& path, const std::vector<std::string>& lines) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  for (const std::string& line : lines) out << line << '\n';
}

// A journal of three records: lines 2-4 hold [1, 11), [11, 21), [21, 26).
std::vector<std::string> three_records(const std::string& path) {
  {
    Journal j = Journal::create(path, kIdentity);
    j.append({1, 11}, "a");
    j.append({11, 21}, "b");
    j.append({21, 26}, "c");
  }
  return lines_of(path);
}

// Two runs of one command, the second started while the first ran, as in
// issue 23: both journal the same chunks, interleaved.
TEST(JournalRepair, CopiesOfRecordsAreRefusedThenRepaired) {
  TempDir dir;
  const std::string path = dir.file("j");
  const auto l = three_records(path);
  write_lines(path, {l[0], l[1], l[2], l[1], l[3], l[2], l[3]});
  const std::string damaged = read_all(path);
  std::vector<JournalRecord> records;
  const std::string why = refusal_of([&] { Journal::resume(path, kIdentity, records); });
  EXPECT_NE(why.find("'" + path +
                     "' is corrupt at line 4 (it repeats line 2); if two runs wrote to it at "
                     "once, add --repair to keep its distinct records"),
            std::string::npos)
      << why;
  EXPECT_EQ(read_all(path), damaged);

  const Journal j = Journal::resume(path, kIdentity, records, {OnHeldLock::Refuse, true});
  ASSERT_TRUE(j.repaired().has_value());
  const RepairSummary& r = *j.repaired();
  EXPECT_EQ(r.records, 6u);
  EXPECT_EQ(r.kept, 3u);
  EXPECT_EQ(r.duplicates, 3u);
  EXPECT_EQ(r.overlapping + r.unreadable, 0u);
  EXPECT_EQ(r.kept_as, path + ".damaged");
  EXPECT_EQ(read_all(path + ".damaged"), damaged);
  EXPECT_EQ(lines_of(path), (std::vector<std::string>{l[0], l[1], l[2], l[3]}));
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[2].chunk, (Range{21, 26}));
}

// Records over shared items that are not copies (a resume with another
// chunk size, or two results for the same items) are never merged: every
// record of such a cluster is dropped, its items computed again. Even an
// exact split ([1, 11) against [1, 6) and [6, 11)) goes: nothing tells
// which side is right.
TEST(JournalRepair, OverlappingDifferentRecordsAreAllDropped) {
  TempDir dir;
  const std::string path = dir.file("j");
  {
    Journal j = Journal::create(path, kIdentity);
    j.append({1, 11}, "a");
    j.append({11, 21}, "b");
    j.append({1, 6}, "a1");
    j.append({6, 11}, "a2");
    j.append({21, 31}, "c");
    j.append({21, 31}, "c other");  // the same items, another result
    j.append({31, 41}, "d");
  }
  std::vector<JournalRecord> records;
  EXPECT_NE(refusal_of([&] {
              Journal::resume(path, kIdentity, records);
            }).find("is corrupt at line 4 (items [1, 6) overlaps line 2); if two runs"),
            std::string::npos);
  const Journal j = Journal::resume(path, kIdentity, records, {OnHeldLock::Refuse, true});
  const RepairSummary& r = *j.repaired();
  EXPECT_EQ(r.records, 7u);
  EXPECT_EQ(r.kept, 2u);
  EXPECT_EQ(r.overlapping, 5u);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].chunk, (Range{11, 21}));
  EXPECT_EQ(records[1].chunk, (Range{31, 41}));
  EXPECT_EQ(items_left({1, 101}, records, path),
            (std::vector<Range>{{1, 11}, {21, 31}, {41, 101}}));
}

TEST(JournalRepair, RecordsNamingItemsOverlapByTheirIds) {
  TempDir dir;
  const std::string path = dir.file("j");
  {
    Journal j = Journal::create(path, kOrdered);
    j.append_items({{3, 5}, {9, 10}}, "p");
    j.append_items({{5, 6}}, "q");
    j.append_items({{9, 10}}, "r");  // item 9 again, in another record
    j.append_items({{5, 6}}, "q");   // a copy
  }
  std::vector<JournalRecord> records;
  EXPECT_NE(refusal_of([&] {
              Journal::resume(path, kOrdered, records);
            }).find("is corrupt at line 5 (it repeats line 3)"),
            std::string::npos);
  const Journal j = Journal::resume(path, kOrdered, records, {OnHeldLock::Refuse, true});
  EXPECT_EQ(j.repaired()->duplicates, 1u);
  EXPECT_EQ(j.repaired()->overlapping, 2u);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].partial, "q");
}

// A line that is no intact record (a torn record that the other run's line
// followed, a changed byte) is dropped too: it could only be recomputed.
TEST(JournalRepair, UnreadableLinesAreDroppedAndACleanJournalIsLeftAlone) {
  TempDir dir;
  const std::string path = dir.file("j");
  const auto l = three_records(path);
  const std::string clean = read_all(path);
  std::vector<JournalRecord> records;
  {
    const Journal j = Journal::resume(path, kIdentity, records, {OnHeldLock::Refuse, true});
    EXPECT_TRUE(j.repaired()->kept_as.empty());
  }
  EXPECT_EQ(read_all(path), clean);
  EXPECT_FALSE(fs::exists(path + ".damaged"));

  std::string changed = l[2];
  changed[changed.find("\"b\"") + 1] = 'x';  // fails its checksum
  write_lines(path, {l[0], l[1], l[2].substr(0, 20) + l[3], changed});
  EXPECT_NE(refusal_of([&] {
              Journal::resume(path, kIdentity, records);
            }).find("add --repair to drop what cannot be used"),
            std::string::npos);
  const Journal j = Journal::resume(path, kIdentity, records, {OnHeldLock::Refuse, true});
  EXPECT_EQ(j.repaired()->unreadable, 2u);
  EXPECT_EQ(j.repaired()->kept, 1u);
  EXPECT_EQ(records.size(), 1u);
}

// A completed run's end record comes back on --resume; a plain re-run is
// told to resume to see it; nothing may follow it.
TEST(JournalEnd, AFinishedJournalGivesBackItsReport) {
  TempDir dir;
  const std::string path = dir.file("j");
  const nlohmann::json end = {{"report", {{"result", 42}}}, {"text", "forty-two\n"}};
  {
    Journal j = Journal::create(path, kIdentity);
    j.append({1, 101}, "all");
    j.finish(end);
  }
  EXPECT_EQ(journal_items(path), 100u);
  std::vector<JournalRecord> records;
  {
    const Journal j = Journal::resume(path, kIdentity, records);
    ASSERT_TRUE(j.finished().has_value());
    EXPECT_EQ(*j.finished(), end);
    EXPECT_EQ(records.size(), 1u);
  }
  EXPECT_EQ(refusal_of([&] { Journal::create(path, kIdentity); }),
            "--checkpoint: '" + path +
                "' holds this run, finished: add --resume to print its result, or remove the "
                "file to run it again");
  // A second run's record after the end: the journal of two runs at once.
  {
    std::vector<std::string> l = lines_of(path);
    l.push_back(l[1]);
    write_lines(path + "2", l);
  }
  EXPECT_NE(refusal_of([&] {
              Journal::resume(path + "2", kIdentity, records);
            }).find("is corrupt at line 4 (a record after the run's end record); if two runs"),
            std::string::npos);
}

// --repair of a finished journal with nothing wrong keeps its report; with
// copies in it, the report goes too (the resume makes a new one).
TEST(JournalEnd, RepairKeepsTheReportOfASoundJournal) {
  TempDir dir;
  const std::string path = dir.file("j");
  {
    Journal j = Journal::create(path, kIdentity);
    j.append({1, 101}, "all");
    j.finish({{"text", "done\n"}});
  }
  std::vector<JournalRecord> records;
  {
    const Journal j = Journal::resume(path, kIdentity, records, {OnHeldLock::Refuse, true});
    EXPECT_TRUE(j.repaired()->kept_as.empty());
    EXPECT_TRUE(j.finished().has_value());
  }
  auto l = lines_of(path);
  write_lines(path, {l[0], l[1], l[1], l[2]});
  const Journal j = Journal::resume(path, kIdentity, records, {OnHeldLock::Refuse, true});
  EXPECT_EQ(j.repaired()->duplicates, 1u);
  EXPECT_FALSE(j.finished().has_value());
  EXPECT_EQ(lines_of(path), (std::vector<std::string>{l[0], l[1]}));
}

TEST(JournalIdentity, AnotherWorkloadIsNamedFirst) {
  TempDir dir;
  const std::string path = dir.file("j");
  { Journal::create(path, kIdentity); }
  const nlohmann::json mersenne = {
      {"workload", "mersenne"}, {"from", 2}, {"to", 100}, {"items", "exponents"}};
  std::vector<JournalRecord> records;
  EXPECT_NE(refusal_of([&] {
              Journal::resume(path, mersenne, records);
            }).find("belongs to another run (perfect there, mersenne here)"),
            std::string::npos);
  EXPECT_EQ(refusal_of([&] { Journal::create(path, mersenne); }),
            "--checkpoint: '" + path +
                "' already exists and belongs to another run (perfect there, mersenne here); use "
                "another file, or remove that one");
  // A string parameter is named bare, as it was typed.
  nlohmann::json trial = kIdentity;
  trial["method"] = "trial";
  EXPECT_NE(refusal_of([&] {
              Journal::resume(path, trial, records);
            }).find("(method null there, trial here)"),
            std::string::npos);
}

// A device, a FIFO or a folder is no journal: one line, and nothing waits
// on a FIFO for a writer that never comes.
TEST(JournalIdentity, OnlyARegularFileIsAJournal) {
  TempDir dir;
  ASSERT_EQ(::mkfifo(dir.file("fifo").c_str(), 0644), 0);
  fs::create_directory(dir.file("folder"));
  std::vector<JournalRecord> records;
  for (const auto& [path, kind] :
       std::vector<std::pair<std::string, std::string>>{{"/dev/null", "a character device"},
                                                        {dir.file("fifo"), "a FIFO"},
                                                        {dir.file("folder"), "a directory"}}) {
    const std::string want = "--checkpoint: '" + path + "' is " + kind +
                             ", not a journal file; name a regular file (or one to be created)";
    EXPECT_EQ(refusal_of([&] { Journal::create(path, kIdentity); }), want);
    EXPECT_EQ(refusal_of([&] { Journal::resume(path, kIdentity, records); }), want);
  }
  EXPECT_FALSE(fs::exists("/dev/null.lock"));
}

}  // namespace
}  // namespace rf
