// VerificationState: verify results remembered in <backup-dir>/.ifnbackup-verify.tsv, valid only for
// the file as it was verified (same size, same mtime).
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "ifnbackup/catalog.hpp"
#include "ifnbackup/disk_space.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/verification_state.hpp"
#include "unit/temp_dir_test.hpp"

namespace ifnbackup {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* k_good = "ifn_connect_backup_20261120_020000.sql.gz";
constexpr const char* k_bad = "ifn_connect_backup_20261121_020000.sql.gz";

class VerificationStateTest : public ifnbackup::test::TempDirTest {
 protected:
  // An entry as scan_backup_folder would give it, with a chosen size and mtime.
  CatalogEntry entry(const std::string& name, std::uintmax_t size, std::int64_t mtime_seconds) const {
    CatalogEntry e = catalog_entry_from_name(m_dir, name, k_default_backup_prefix);
    e.size = size;
    e.mtime = std::chrono::system_clock::time_point(std::chrono::seconds(mtime_seconds)) + 123456789ns;
    return e;
  }

  fs::path state_file() const { return m_dir / VerificationState::k_file_name; }

  void write_state(const std::string& text) const {
    std::ofstream out(state_file(), std::ios::binary | std::ios::trunc);
    out << text;
  }

  std::string read_state() const {
    std::ifstream in(state_file(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
};

VerifyResult ok_result() {
  VerifyResult result;
  result.status = VerifyStatus::ok;
  result.tables = {{"markets", 6}, {"merchants", 40}, {"transactions", 600}};
  return result;
}

VerifyResult corrupt_result(std::string reason) {
  VerifyResult result;
  result.status = VerifyStatus::corrupt;
  result.reason = std::move(reason);
  return result;
}

const auto k_verified_at = std::chrono::system_clock::time_point(std::chrono::seconds(1795652938));

TEST_F(VerificationStateTest, MissingFileIsAnEmptyState) {
  const auto state = VerificationState::load(m_dir);
  EXPECT_EQ(state.find(entry(k_good, 100, 1000)), nullptr);
  EXPECT_EQ(health_of(nullptr), Health::unknown);
  EXPECT_FALSE(fs::exists(state_file())) << "loading must not create the file";
}

TEST_F(VerificationStateTest, RoundTripThroughTheFile) {
  const CatalogEntry good = entry(k_good, 16272, 1795652900);
  const CatalogEntry bad = entry(k_bad, 8136, 1795652901);
  {
    auto state = VerificationState::load(m_dir);
    state.record(good, ok_result(), k_verified_at);
    state.record(bad, corrupt_result("incorrect data check\tat offset 8\nsecond line"), k_verified_at + 5s);
    state.save();
  }
  struct stat st {};
  ASSERT_EQ(::stat(state_file().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600U) << "the state file is private to the backup user";
  for (const auto& name : fs::directory_iterator(m_dir)) {
    EXPECT_EQ(name.path().filename(), VerificationState::k_file_name) << "temporary file left behind";
  }

  const auto loaded = VerificationState::load(m_dir);
  const VerificationRecord* g = loaded.find(good);
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->name, k_good);
  EXPECT_EQ(g->size, 16272U);
  EXPECT_EQ(g->mtime_ticks, good.mtime.time_since_epoch().count()) << "mtime kept to the tick, not rounded";
  EXPECT_EQ(g->status, VerifyStatus::ok);
  EXPECT_EQ(g->reason, "");
  EXPECT_EQ(g->tables, 3U);
  EXPECT_EQ(g->rows, 646U);
  EXPECT_EQ(g->verified_at, k_verified_at);
  EXPECT_EQ(health_of(g), Health::good);

  const VerificationRecord* b = loaded.find(bad);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->status, VerifyStatus::corrupt);
  // Tabs and newlines would break the one-line-per-file format: they become spaces.
  EXPECT_EQ(b->reason, "incorrect data check at offset 8 second line");
  EXPECT_EQ(b->tables, 0U);
  EXPECT_EQ(b->verified_at, k_verified_at + 5s);
  EXPECT_EQ(health_of(b), Health::bad);
}

TEST_F(VerificationStateTest, EveryStatusSurvivesTheRoundTrip) {
  const VerifyStatus statuses[] = {VerifyStatus::ok, VerifyStatus::ok_legacy, VerifyStatus::corrupt,
                                   VerifyStatus::incomplete};
  const Health expected[] = {Health::good, Health::good, Health::bad, Health::bad};
  auto state = VerificationState::load(m_dir);
  for (int i = 0; i < 4; ++i) {
    VerifyResult result;
    result.status = statuses[i];
    result.tables = {{"t", 1}};     // ok: a manifest with a table
    result.create_table_lines = 1;  // legacy: a CREATE TABLE and an INSERT
    result.insert_lines = 1;
    state.record(entry("ifn_connect_backup_2026112" + std::to_string(i) + "_020000.sql.gz", 10, 1000), result,
                 k_verified_at);
  }
  state.save();
  const auto loaded = VerificationState::load(m_dir);
  for (int i = 0; i < 4; ++i) {
    const auto* record =
        loaded.find(entry("ifn_connect_backup_2026112" + std::to_string(i) + "_020000.sql.gz", 10, 1000));
    ASSERT_NE(record, nullptr) << i;
    EXPECT_EQ(record->status, statuses[i]) << verify_status_name(statuses[i]);
    EXPECT_EQ(health_of(record), expected[i]) << verify_status_name(statuses[i]);
  }
}

// Issue 18: a few comment lines verify as a legacy dump; such a file, or one of ours of no table,
// is "empty": never "latest", never in the retention floor.
TEST_F(VerificationStateTest, AFileHoldingNoTableIsEmptyNotGood) {
  VerifyResult ours_no_table;
  ours_no_table.status = VerifyStatus::ok;
  VerifyResult legacy_comments;
  legacy_comments.status = VerifyStatus::ok_legacy;
  VerifyResult legacy_create_only;
  legacy_create_only.status = VerifyStatus::ok_legacy;
  legacy_create_only.create_table_lines = 3;
  VerifyResult legacy_with_rows = legacy_create_only;
  legacy_with_rows.insert_lines = 2;
  const std::vector<std::pair<VerifyResult, Health>> cases = {
      {ours_no_table, Health::empty},   {legacy_comments, Health::empty}, {legacy_create_only, Health::empty},
      {legacy_with_rows, Health::good}, {ok_result(), Health::good},
  };
  auto state = VerificationState::load(m_dir);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    state.record(entry("ifn_connect_backup_2026110" + std::to_string(i) + "_020000.sql.gz", 10, 1000), cases[i].first,
                 k_verified_at);
  }
  state.save();
  const auto loaded = VerificationState::load(m_dir);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto* record =
        loaded.find(entry("ifn_connect_backup_2026110" + std::to_string(i) + "_020000.sql.gz", 10, 1000));
    ASSERT_NE(record, nullptr) << i;
    EXPECT_EQ(record->holds_tables, cases[i].second == Health::good) << i;
    EXPECT_EQ(health_of(record), cases[i].second) << i;
  }
}

TEST_F(VerificationStateTest, LinesOfEarlierVersionsAreReadSafely) {
  // Before the holds-tables column: an ok record says from its table count; a legacy record cannot
  // say, so it is not loaded and the file is verified again.
  const CatalogEntry ours = entry(k_good, 500, 1000);
  const CatalogEntry legacy = entry(k_bad, 500, 1000);
  const CatalogEntry ours_empty = entry("ifn_connect_backup_20261122_020000.sql.gz", 500, 1000);
  const std::string ticks = std::to_string(ours.mtime.time_since_epoch().count());
  write_state(std::string(k_good) + "\t500\t" + ticks + "\tok\t1795652938\t4\t766\t\n" + std::string(k_bad) +
              "\t500\t" + ticks + "\tok_legacy\t1795652938\t0\t0\tlegacy: no content checksum\n" + ours_empty.name +
              "\t500\t" + ticks + "\tok\t1795652938\t0\t0\t\n");
  const auto state = VerificationState::load(m_dir);
  ASSERT_NE(state.find(ours), nullptr);
  EXPECT_EQ(health_of(state.find(ours)), Health::good);
  EXPECT_EQ(state.find(legacy), nullptr);
  ASSERT_NE(state.find(ours_empty), nullptr);
  EXPECT_EQ(health_of(state.find(ours_empty)), Health::empty);
}

// The backup's read-back (VerifyCheck::written) is remembered as what it is, and stays so across a
// schema check, an encrypted copy and a save; a full verification replaces it; a record of an earlier
// version, which only ever verified in full, is a full one.
TEST_F(VerificationStateTest, TheKindOfCheckIsRemembered) {
  const CatalogEntry read_back = entry(k_good, 700, 1000);
  const CatalogEntry copy = entry("ifn_connect_backup_20261120_020000.sql.gz.age", 900, 1001);
  const CatalogEntry old = entry(k_bad, 500, 1000);
  {
    const std::string ticks = std::to_string(old.mtime.time_since_epoch().count());
    write_state(std::string(k_bad) + "\t500\t" + ticks + "\tok\t1795652938\t3\t646\t\t1\t73686f70\tpassed\n");
    auto state = VerificationState::load(m_dir);
    VerifyResult written = ok_result();
    written.check = VerifyCheck::written;
    state.record(read_back, written, k_verified_at);
    state.record_schema_check(read_back, "passed");
    state.record_copy(copy, *state.find(read_back));
    state.save();
  }
  auto state = VerificationState::load(m_dir);
  ASSERT_NE(state.find(read_back), nullptr);
  EXPECT_EQ(state.find(read_back)->check, VerifyCheck::written);
  EXPECT_EQ(state.find(read_back)->schema_check, "passed");
  ASSERT_NE(state.find(copy), nullptr);
  EXPECT_EQ(state.find(copy)->check, VerifyCheck::written) << "the encrypted copy inherits what its plain file had";
  ASSERT_NE(state.find(old), nullptr);
  EXPECT_EQ(state.find(old)->check, VerifyCheck::full);
  EXPECT_EQ(state.find(old)->schema_check, "passed");

  state.record(read_back, ok_result(), k_verified_at + 60s);
  state.save();
  EXPECT_EQ(VerificationState::load(m_dir).find(read_back)->check, VerifyCheck::full);
}

// A check field edited or damaged by hand is not taken for a full verification: only "full" (or no
// field, a record of an earlier version) is one; fields after it are ignored.
TEST_F(VerificationStateTest, ACheckFieldThatDoesNotReadIsTheLighterOne) {
  const CatalogEntry garbled = entry(k_good, 700, 1000);
  const CatalogEntry longer = entry(k_bad, 500, 1000);
  const auto line = [](const CatalogEntry& file, const std::string& rest) {
    return fmt::format("{}\t{}\t{}\tok\t1795652938\t3\t646\t\t1\t73686f70\tpassed{}\n", file.name, file.size,
                       file.mtime.time_since_epoch().count(), rest);
  };
  write_state(line(garbled, "\tWRITTEN ") + line(longer, "\tfull\tsomething later"));
  const auto state = VerificationState::load(m_dir);
  ASSERT_NE(state.find(garbled), nullptr);
  EXPECT_EQ(state.find(garbled)->check, VerifyCheck::written);
  ASSERT_NE(state.find(longer), nullptr);
  EXPECT_EQ(state.find(longer)->check, VerifyCheck::full);
}

TEST_F(VerificationStateTest, TheSourceDatabaseIsRememberedWhateverItsName) {
  const CatalogEntry app = entry(k_good, 500, 1000);
  const CatalogEntry odd = entry(k_bad, 500, 1000);
  const CatalogEntry dump = entry("ifn_connect_backup_20261122_020000.sql.gz", 500, 1000);
  {
    auto state = VerificationState::load(m_dir);
    VerifyResult result = ok_result();
    result.header["database"] = "app";
    state.record(app, result, k_verified_at);
    result.header = {{"database-hex", "610a09625c"}};
    state.record(odd, result, k_verified_at);
    result.header.clear();  // a mysqldump file records none
    state.record(dump, result, k_verified_at);
    state.save();
  }
  const auto state = VerificationState::load(m_dir);
  ASSERT_NE(state.find(app), nullptr);
  EXPECT_TRUE(state.find(app)->database_known);
  EXPECT_EQ(state.find(app)->database, "app");
  EXPECT_TRUE(is_backup_of(*state.find(app), "app"));
  EXPECT_FALSE(is_backup_of(*state.find(app), "other"));
  ASSERT_NE(state.find(odd), nullptr);
  EXPECT_EQ(state.find(odd)->database, "a\n\tb\\");
  ASSERT_NE(state.find(dump), nullptr);
  EXPECT_TRUE(state.find(dump)->database_known);
  EXPECT_FALSE(state.find(dump)->database.has_value());
  EXPECT_FALSE(is_backup_of(*state.find(dump), "app")) << "a file that records no database is nobody's";
  const std::string text = read_state();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 3) << "one line per file, whatever the name holds:\n" << text;
}

TEST_F(VerificationStateTest, ARecordIsCurrentForAWeekAndWhenItKnowsTheDatabase) {
  const CatalogEntry ours = entry(k_good, 500, 1000);
  const std::string ticks = std::to_string(ours.mtime.time_since_epoch().count());
  // A line of the previous version: no database field.
  write_state(std::string(k_good) + "\t500\t" + ticks + "\tok\t1795652938\t4\t766\t\t1\n");
  auto state = VerificationState::load(m_dir);
  ASSERT_NE(state.find(ours), nullptr);
  EXPECT_FALSE(state.find(ours)->database_known);
  EXPECT_FALSE(record_is_current(state.find(ours), k_verified_at)) << "verified again to learn its database";
  EXPECT_FALSE(is_backup_of(*state.find(ours), "app"));

  VerifyResult result = ok_result();
  result.header["database"] = "app";
  state.record(ours, result, k_verified_at);
  EXPECT_TRUE(record_is_current(state.find(ours), k_verified_at + std::chrono::days(7) - 1s));
  EXPECT_FALSE(record_is_current(state.find(ours), k_verified_at + std::chrono::days(7)))
      << "a week old: verified again (bit rot keeps name, size and mtime)";
  EXPECT_FALSE(record_is_current(nullptr, k_verified_at));
}

TEST_F(VerificationStateTest, ChangedFileIsNoLongerVerified) {
  auto state = VerificationState::load(m_dir);
  state.record(entry(k_good, 16272, 1795652900), ok_result(), k_verified_at);
  state.save();
  const auto loaded = VerificationState::load(m_dir);
  EXPECT_NE(loaded.find(entry(k_good, 16272, 1795652900)), nullptr);
  EXPECT_EQ(loaded.find(entry(k_good, 16273, 1795652900)), nullptr) << "size changed";
  EXPECT_EQ(loaded.find(entry(k_good, 16272, 1795652901)), nullptr) << "mtime changed (touch)";
  CatalogEntry one_tick = entry(k_good, 16272, 1795652900);
  one_tick.mtime += std::chrono::system_clock::duration(1);
  EXPECT_EQ(loaded.find(one_tick), nullptr) << "mtime changed by one tick";
  EXPECT_EQ(loaded.find(entry(k_bad, 16272, 1795652900)), nullptr) << "another name";
}

TEST_F(VerificationStateTest, RecordReplacesTheOldResult) {
  auto state = VerificationState::load(m_dir);
  state.record(entry(k_good, 100, 1000), corrupt_result("old"), k_verified_at);
  state.record(entry(k_good, 200, 2000), ok_result(), k_verified_at + 1h);
  state.save();
  const auto loaded = VerificationState::load(m_dir);
  EXPECT_EQ(loaded.find(entry(k_good, 100, 1000)), nullptr);
  const auto* record = loaded.find(entry(k_good, 200, 2000));
  ASSERT_NE(record, nullptr);
  EXPECT_EQ(record->status, VerifyStatus::ok);
  EXPECT_EQ(record->verified_at, k_verified_at + 1h);
  // One line per file.
  const std::string text = read_state();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
}

TEST_F(VerificationStateTest, ForgetDropsTheRecord) {
  auto state = VerificationState::load(m_dir);
  state.record(entry(k_good, 100, 1000), ok_result(), k_verified_at);
  state.record(entry(k_bad, 100, 1000), ok_result(), k_verified_at);
  state.forget(k_good);
  EXPECT_EQ(state.find(entry(k_good, 100, 1000)), nullptr);
  state.save();
  const auto loaded = VerificationState::load(m_dir);
  EXPECT_EQ(loaded.find(entry(k_good, 100, 1000)), nullptr);
  EXPECT_NE(loaded.find(entry(k_bad, 100, 1000)), nullptr);
}

TEST_F(VerificationStateTest, DamagedLinesAreIgnoredTheRestIsKept) {
  // The good line's format is the one save() writes: name, size, mtime ticks, status, verified at,
  // tables, rows, reason.
  const CatalogEntry good = entry(k_good, 500, 1000);
  const std::string ticks = std::to_string(good.mtime.time_since_epoch().count());
  write_state(
      "garbage without tabs\n"
      "\n"
      "ifn_connect_backup_20261101_020000.sql.gz\tnot-a-number\t" +
      ticks +
      "\tok\t1795652938\t1\t2\t\n"
      "ifn_connect_backup_20261102_020000.sql.gz\t500\t" +
      ticks +
      "\tsplendid\t1795652938\t1\t2\t\n"
      "ifn_connect_backup_20261103_020000.sql.gz\t500\t" +
      ticks +
      "\tok\n"  // too few fields
      "ifn_connect_backup_20261104_020000.sql.gz\t500\t" +
      ticks + "\tok\t1795652938\t99999999999999999999999\t2\n" + std::string(k_good) + "\t500\t" + ticks +
      "\tok\t1795652938\t4\t766\t\n"
      "ifn_connect_backup_20261105_020000.sql.gz\t500\t" +
      ticks +
      "\tcorrupt\t1795652938\t0\t0\tbad CRC\n"
      "\x01\x02\xff binary junk\t\t\t\n"
      "ifn_connect_backup_20261106_020000.sql.gz\t500");  // last line cut short, no newline
  const auto state = VerificationState::load(m_dir);
  const auto* record = state.find(good);
  ASSERT_NE(record, nullptr);
  EXPECT_EQ(record->status, VerifyStatus::ok);
  EXPECT_EQ(record->tables, 4U);
  EXPECT_EQ(record->rows, 766U);
  const auto* after_damage = state.find(entry("ifn_connect_backup_20261105_020000.sql.gz", 500, 1000));
  ASSERT_NE(after_damage, nullptr) << "a line after damaged ones is still read";
  EXPECT_EQ(after_damage->status, VerifyStatus::corrupt);
  EXPECT_EQ(after_damage->reason, "bad CRC");
  for (const char* damaged : {"ifn_connect_backup_20261101_020000.sql.gz", "ifn_connect_backup_20261102_020000.sql.gz",
                              "ifn_connect_backup_20261103_020000.sql.gz", "ifn_connect_backup_20261104_020000.sql.gz",
                              "ifn_connect_backup_20261106_020000.sql.gz"}) {
    EXPECT_EQ(state.find(entry(damaged, 500, 1000)), nullptr) << damaged;
  }
}

TEST_F(VerificationStateTest, SaveRewritesADamagedFileCleanly) {
  write_state("junk\njunk\t1\t2\n");
  auto state = VerificationState::load(m_dir);
  state.record(entry(k_good, 100, 1000), ok_result(), k_verified_at);
  state.save();
  const std::string text = read_state();
  EXPECT_EQ(text.find("junk"), std::string::npos) << text;
  EXPECT_EQ(text.rfind(std::string(k_good) + "\t100\t", 0), 0U) << text;
}

TEST_F(VerificationStateTest, SaveIntoAMissingFolderThrowsIo) {
  auto state = VerificationState::load(m_dir / "no-such-folder");
  state.record(entry(k_good, 100, 1000), ok_result(), k_verified_at);
  try {
    state.save();
    FAIL() << "save into a missing folder succeeded";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::io) << error.what();
  }
}

TEST_F(VerificationStateTest, VerifyEntryRecordsTheVerdictOnTheRealFile) {
  const fs::path file = m_dir / k_bad;
  {
    std::ofstream out(file, std::ios::binary);
    out << "this is not gzip\n";
  }
  const auto entries = scan_backup_folder(m_dir, k_default_backup_prefix);
  ASSERT_EQ(entries.size(), 1U);
  auto state = VerificationState::load(m_dir);
  const VerifyResult result = verify_entry(entries[0], state);
  EXPECT_EQ(result.status, VerifyStatus::corrupt);
  const auto* record = state.find(entries[0]);
  ASSERT_NE(record, nullptr);
  EXPECT_EQ(record->status, VerifyStatus::corrupt);
  EXPECT_EQ(record->size, fs::file_size(file));
  EXPECT_FALSE(record->reason.empty());
  const auto age = std::chrono::system_clock::now() - record->verified_at;
  EXPECT_LT(age, 60s);
  EXPECT_GE(age, -1s);

  // Appending to the file makes the record stale once the folder is scanned again.
  {
    std::ofstream out(file, std::ios::binary | std::ios::app);
    out << "more\n";
  }
  const auto rescanned = scan_backup_folder(m_dir, k_default_backup_prefix);
  ASSERT_EQ(rescanned.size(), 1U);
  EXPECT_EQ(state.find(rescanned[0]), nullptr);
}

TEST(DiskSpace, ReportsTheFilesystem) {
  const auto space = disk_space(fs::temp_directory_path());
  ASSERT_TRUE(space.has_value());
  EXPECT_GT(space->total_bytes, 0U);
  EXPECT_LE(space->free_bytes, space->total_bytes);
  EXPECT_GE(space->free_percent(), 0.0);
  EXPECT_LE(space->free_percent(), 100.0);
  EXPECT_FALSE(disk_space("/no/such/path/for/ifnbackup").has_value());
  EXPECT_DOUBLE_EQ((DiskSpace{25, 100}.free_percent()), 25.0);
  EXPECT_DOUBLE_EQ((DiskSpace{0, 0}.free_percent()), 0.0);
}

}  // namespace
}  // namespace ifnbackup
