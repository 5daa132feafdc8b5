#include <algorithm>
#include <chrono>
#include <fstream>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "ifnbackup/catalog.hpp"
#include "ifnbackup/error.hpp"
#include "unit/temp_dir_test.hpp"

namespace ifnbackup {
namespace {

using namespace std::chrono_literals;
constexpr std::string_view k_prefix = k_default_backup_prefix;

struct ValidName {
  std::string name;
  std::string prefix;
  BackupKind kind;
  BackupKind final_kind;
  LocalDateTime local;
};

void PrintTo(const ValidName& c, std::ostream* os) {
  *os << c.name;
}

class ParseValidName : public ::testing::TestWithParam<ValidName> {};

TEST_P(ParseValidName, RecognisesKindAndLocalTime) {
  const ValidName& c = GetParam();
  const auto parsed = parse_backup_name(c.name, c.prefix);
  ASSERT_TRUE(parsed.has_value()) << c.name;
  EXPECT_EQ(parsed->kind, c.kind) << c.name;
  EXPECT_EQ(parsed->final_kind, c.final_kind) << c.name;
  EXPECT_EQ(parsed->local, c.local) << c.name;
}

INSTANTIATE_TEST_SUITE_P(
    Names, ParseValidName,
    ::testing::Values(
        ValidName{"ifn_connect_backup_20251224_020000.sql.gz",
                  "ifn_connect_backup",
                  BackupKind::backup,
                  BackupKind::backup,
                  {2025, 12, 24, 2, 0, 0}},
        ValidName{"ifn_connect_backup_20251231_235959.sql.gz",
                  "ifn_connect_backup",
                  BackupKind::backup,
                  BackupKind::backup,
                  {2025, 12, 31, 23, 59, 59}},
        ValidName{"ifn_connect_backup_20240229_000000.sql.gz",
                  "ifn_connect_backup",
                  BackupKind::backup,
                  BackupKind::backup,
                  {2024, 2, 29, 0, 0, 0}},  // leap day
        ValidName{"ifn_connect_backup_20000229_120000.sql.gz",
                  "ifn_connect_backup",
                  BackupKind::backup,
                  BackupKind::backup,
                  {2000, 2, 29, 12, 0, 0}},  // divisible by 400: leap
        ValidName{"pre_restore_safety_20251224_153012.sql.gz",
                  "ifn_connect_backup",
                  BackupKind::safety_snapshot,
                  BackupKind::safety_snapshot,
                  {2025, 12, 24, 15, 30, 12}},
        ValidName{"ifn_connect_backup_20251224_020000.sql.gz.partial",
                  "ifn_connect_backup",
                  BackupKind::partial,
                  BackupKind::backup,
                  {2025, 12, 24, 2, 0, 0}},
        ValidName{"pre_restore_safety_20251224_020000.sql.gz.partial",
                  "ifn_connect_backup",
                  BackupKind::partial,
                  BackupKind::safety_snapshot,
                  {2025, 12, 24, 2, 0, 0}},
        ValidName{"shop_20260101_000001.sql.gz", "shop", BackupKind::backup, BackupKind::backup, {2026, 1, 1, 0, 0, 1}},
        // The safety prefix is ours whatever the configured backup prefix.
        ValidName{"pre_restore_safety_20260101_000001.sql.gz",
                  "shop",
                  BackupKind::safety_snapshot,
                  BackupKind::safety_snapshot,
                  {2026, 1, 1, 0, 0, 1}}));

class ParseForeignName : public ::testing::TestWithParam<std::string> {};

TEST_P(ParseForeignName, IsNotOurs) {
  EXPECT_FALSE(parse_backup_name(GetParam(), k_prefix).has_value()) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(
    Names, ParseForeignName,
    ::testing::Values("ifn_connect_backup_20251224_020000.sql.gz.bak",
                      "ifn_connect_backup_2025122_020000.sql.gz",    // 7-digit date
                      "ifn_connect_backup_20251224_02000.sql.gz",    // 5-digit time
                      "ifn_connect_backup_202512240_020000.sql.gz",  // 9-digit date
                      "copy of ifn_connect_backup_20251224_020000.sql.gz", "ifn_connect_backup_20251224_020000.sql.gz ",
                      "ifn_connect_backup_20251224_020000 (1).sql.gz", "ifn_connect_backup__20251224_020000.sql.gz",
                      "ifn_connect_backup_20251224-020000.sql.gz",
                      "ifn_connect_backup_20250230_020000.sql.gz",  // February 30
                      "ifn_connect_backup_20250229_020000.sql.gz",  // 2025 is not a leap year
                      "ifn_connect_backup_21000229_020000.sql.gz",  // 2100 is not a leap year
                      "ifn_connect_backup_19691231_235959.sql.gz",  // before any run of ours
                      "ifn_connect_backup_20251324_020000.sql.gz",  // month 13
                      "ifn_connect_backup_20250001_020000.sql.gz",  // month 0
                      "ifn_connect_backup_20251200_020000.sql.gz",  // day 0
                      "ifn_connect_backup_20250431_020000.sql.gz",  // April 31
                      "ifn_connect_backup_20251224_240000.sql.gz",  // hour 24
                      "ifn_connect_backup_20251224_026000.sql.gz",  // minute 60
                      "ifn_connect_backup_20251224_020060.sql.gz",  // second 60
                      "ifn_connect_backup_+0251224_020000.sql.gz", "ifn_connect_backup_2025 224_020000.sql.gz",
                      "ifn_connect_backup_20251224_020000.sql", "ifn_connect_backup_20251224_020000.SQL.GZ",
                      "ifn_connect_backup_20251224_020000.sql.gz.partial.partial",
                      "ifn_connect_backup_20251224_020000.partial", "IFN_CONNECT_BACKUP_20251224_020000.sql.gz",
                      "other_backup_20251224_020000.sql.gz", "connect_backup_20251224_020000.sql.gz",
                      "x_ifn_connect_backup_20251224_020000.sql.gz", "_20251224_020000.sql.gz",
                      "20251224_020000.sql.gz", ".sql.gz", "notes.txt", ""));

TEST(ParseBackupName, EmptyPrefixMatchesNoBackup) {
  EXPECT_FALSE(parse_backup_name("_20251224_020000.sql.gz", "").has_value());
  const auto safety = parse_backup_name("pre_restore_safety_20251224_020000.sql.gz", "");
  ASSERT_TRUE(safety.has_value());
  EXPECT_EQ(safety->kind, BackupKind::safety_snapshot);
}

TEST(ParseBackupName, TimestampIsTheNamesLocalTime) {
  const auto earlier = parse_backup_name("ifn_connect_backup_20250615_020000.sql.gz", k_prefix);
  const auto later = parse_backup_name("ifn_connect_backup_20250615_031507.sql.gz", k_prefix);
  ASSERT_TRUE(earlier && later);
  EXPECT_EQ(later->timestamp - earlier->timestamp, 1h + 15min + 7s);
  const std::time_t t = std::chrono::system_clock::to_time_t(earlier->timestamp);
  std::tm tm{};
  ASSERT_NE(localtime_r(&t, &tm), nullptr);
  EXPECT_EQ(tm.tm_year + 1900, 2025);
  EXPECT_EQ(tm.tm_mon + 1, 6);
  EXPECT_EQ(tm.tm_mday, 15);
  EXPECT_EQ(tm.tm_hour, 2);
  EXPECT_EQ(tm.tm_min, 0);
}

// A name dated past what a time_point holds (after 2262) wrapped round to a date long past, where it
// sorted after every real backup and looked old enough to remove.
TEST(ParseBackupName, ANameBeyondTheClocksRangeIsTheFarthestFuture) {
  const auto far = parse_backup_name("ifn_connect_backup_99991231_235959.sql.gz", k_prefix);
  const auto real = parse_backup_name("ifn_connect_backup_20251224_020000.sql.gz", k_prefix);
  ASSERT_TRUE(far && real);
  EXPECT_EQ(far->timestamp, std::chrono::system_clock::time_point::max());
  EXPECT_GT(far->timestamp, real->timestamp);
  EXPECT_TRUE(dated_in_future(far->timestamp, real->timestamp));
}

TEST(DatedInFuture, AllowsTheToleranceOnly) {
  const auto now = std::chrono::system_clock::now();
  EXPECT_FALSE(dated_in_future(now - 24h, now));
  EXPECT_FALSE(dated_in_future(now, now));
  EXPECT_FALSE(dated_in_future(now + k_future_tolerance, now));  // a DST hour read the later way
  EXPECT_TRUE(dated_in_future(now + k_future_tolerance + 1s, now));
  EXPECT_TRUE(dated_in_future(std::chrono::system_clock::time_point::max(), now));
}

TEST(FormatBackupName, RoundTripsThroughParse) {
  for (const std::string name :
       {"ifn_connect_backup_20251224_020000.sql.gz", "ifn_connect_backup_20240229_235959.sql.gz",
        "ifn_connect_backup_20260101_000000.sql.gz"}) {
    const auto parsed = parse_backup_name(name, k_prefix);
    ASSERT_TRUE(parsed.has_value()) << name;
    EXPECT_EQ(format_backup_name(k_prefix, parsed->timestamp), name);
  }
}

TEST(FormatBackupName, TruncatesFractionsOfASecond) {
  const auto parsed = parse_backup_name("shop_20250615_101010.sql.gz", "shop");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(format_backup_name("shop", parsed->timestamp + 999ms), "shop_20250615_101010.sql.gz");
  EXPECT_EQ(format_backup_name("pre_restore_safety", parsed->timestamp + 1s),
            "pre_restore_safety_20250615_101011.sql.gz");
}

TEST(NewestFirst, OursByNameTimeThenForeignByName) {
  std::vector<CatalogEntry> entries{
      catalog_entry_from_name("/b", "zz.txt", k_prefix),
      catalog_entry_from_name("/b", "ifn_connect_backup_20251220_020000.sql.gz", k_prefix),
      catalog_entry_from_name("/b", "aa.txt", k_prefix),
      catalog_entry_from_name("/b", "pre_restore_safety_20251224_020000.sql.gz", k_prefix),
      catalog_entry_from_name("/b", "ifn_connect_backup_20251224_020000.sql.gz", k_prefix),
  };
  std::sort(entries.begin(), entries.end(), newest_first);
  std::vector<std::string> names;
  for (const auto& e : entries) {
    names.push_back(e.name);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"ifn_connect_backup_20251224_020000.sql.gz",
                                             "pre_restore_safety_20251224_020000.sql.gz",
                                             "ifn_connect_backup_20251220_020000.sql.gz", "aa.txt", "zz.txt"}));
  EXPECT_EQ(entries[0].path, std::filesystem::path("/b/ifn_connect_backup_20251224_020000.sql.gz"));
}

// A fresh folder under the system temp dir, removed at the end of the test.
class ScanFolder : public ifnbackup::test::TempDirTest {
 protected:
  void write(const std::string& name, const std::string& content) {
    std::ofstream out(m_dir / name, std::ios::binary);
    out << content;
  }
  const CatalogEntry* find(const std::vector<CatalogEntry>& entries, const std::string& name) {
    for (const auto& e : entries) {
      if (e.name == name) {
        return &e;
      }
    }
    return nullptr;
  }
};

TEST_F(ScanFolder, ClassifiesEveryEntryWithoutFollowingSymlinks) {
  write("ifn_connect_backup_20251223_020000.sql.gz", std::string(100, 'a'));
  write("ifn_connect_backup_20251224_020000.sql.gz", std::string(250, 'b'));
  write("pre_restore_safety_20251224_103000.sql.gz", std::string(10, 'c'));
  write("ifn_connect_backup_20251225_020000.sql.gz.partial", std::string(7, 'd'));
  write("notes.txt", "hello");
  write("ifn_connect_backup_20251224_020000.sql.gz.bak", "old");
  // Named like backups, but a symlink (to a real backup, and a dangling one) and a folder.
  std::filesystem::create_symlink(m_dir / "ifn_connect_backup_20251224_020000.sql.gz",
                                  m_dir / "ifn_connect_backup_20251226_020000.sql.gz");
  std::filesystem::create_symlink(m_dir / "missing", m_dir / "ifn_connect_backup_20251227_020000.sql.gz");
  std::filesystem::create_directory(m_dir / "ifn_connect_backup_20251228_020000.sql.gz");
  write("ifn_connect_backup_20251228_020000.sql.gz/inner_20251228_020000.sql.gz", "x");
  // An mtime far from the name's time: the catalog dates by the name.
  const std::chrono::sys_seconds old_mtime = std::chrono::sys_days{std::chrono::year{2020} / 1 / 2} + 3h + 4s;
  std::filesystem::last_write_time(m_dir / "ifn_connect_backup_20251223_020000.sql.gz",
                                   std::chrono::file_clock::from_sys(old_mtime));

  const auto entries = scan_backup_folder(m_dir, k_prefix);

  std::vector<std::string> names;
  for (const auto& e : entries) {
    names.push_back(e.name);
  }
  EXPECT_EQ(names, (std::vector<std::string>{
                       "ifn_connect_backup_20251225_020000.sql.gz.partial",
                       "pre_restore_safety_20251224_103000.sql.gz",
                       "ifn_connect_backup_20251224_020000.sql.gz",
                       "ifn_connect_backup_20251223_020000.sql.gz",
                       "ifn_connect_backup_20251224_020000.sql.gz.bak",
                       "ifn_connect_backup_20251226_020000.sql.gz",  // symlink
                       "ifn_connect_backup_20251227_020000.sql.gz",  // dangling symlink
                       "ifn_connect_backup_20251228_020000.sql.gz",  // folder (not entered)
                       "notes.txt",
                   }));

  const CatalogEntry* newest = find(entries, "ifn_connect_backup_20251224_020000.sql.gz");
  ASSERT_NE(newest, nullptr);
  EXPECT_EQ(newest->kind, BackupKind::backup);
  EXPECT_EQ(newest->size, 250u);
  EXPECT_EQ(newest->path, m_dir / "ifn_connect_backup_20251224_020000.sql.gz");
  EXPECT_EQ(newest->local, (LocalDateTime{2025, 12, 24, 2, 0, 0}));
  EXPECT_LT(std::chrono::system_clock::now() - newest->mtime, std::chrono::minutes(10));

  const CatalogEntry* older = find(entries, "ifn_connect_backup_20251223_020000.sql.gz");
  ASSERT_NE(older, nullptr);
  EXPECT_EQ(older->timestamp, parse_backup_name(older->name, k_prefix)->timestamp);
  EXPECT_EQ(older->local, (LocalDateTime{2025, 12, 23, 2, 0, 0}));
  EXPECT_EQ(older->mtime, old_mtime);

  const CatalogEntry* partial = find(entries, "ifn_connect_backup_20251225_020000.sql.gz.partial");
  ASSERT_NE(partial, nullptr);
  EXPECT_EQ(partial->kind, BackupKind::partial);
  EXPECT_EQ(partial->final_kind, BackupKind::backup);
  EXPECT_EQ(partial->size, 7u);

  EXPECT_EQ(find(entries, "pre_restore_safety_20251224_103000.sql.gz")->kind, BackupKind::safety_snapshot);
  for (const std::string name :
       {"notes.txt", "ifn_connect_backup_20251224_020000.sql.gz.bak", "ifn_connect_backup_20251226_020000.sql.gz",
        "ifn_connect_backup_20251227_020000.sql.gz", "ifn_connect_backup_20251228_020000.sql.gz"}) {
    const CatalogEntry* e = find(entries, name);
    ASSERT_NE(e, nullptr) << name;
    EXPECT_EQ(e->kind, BackupKind::foreign) << name;
    EXPECT_EQ(e->timestamp, std::chrono::system_clock::time_point{}) << name;
  }
  // The symlink's own size (the length of its target path), not the 250 bytes it points to.
  const CatalogEntry* link = find(entries, "ifn_connect_backup_20251226_020000.sql.gz");
  EXPECT_EQ(link->size, (m_dir / "ifn_connect_backup_20251224_020000.sql.gz").string().size());
}

TEST_F(ScanFolder, EmptyFolderGivesNothing) {
  EXPECT_TRUE(scan_backup_folder(m_dir, k_prefix).empty());
}

TEST_F(ScanFolder, MissingFolderIsAnIoError) {
  try {
    scan_backup_folder(m_dir / "nope", k_prefix);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::io);
    EXPECT_NE(std::string(e.what()).find("nope"), std::string::npos) << e.what();
  }
}

TEST(BackupKindName, IsStable) {
  EXPECT_STREQ(backup_kind_name(BackupKind::backup), "backup");
  EXPECT_STREQ(backup_kind_name(BackupKind::safety_snapshot), "safety_snapshot");
  EXPECT_STREQ(backup_kind_name(BackupKind::partial), "partial");
  EXPECT_STREQ(backup_kind_name(BackupKind::foreign), "foreign");
}

// --prefix (issue 14): a prefix that cannot name backups of its own is a usage error; the safety
// snapshots' prefix above all (its backups would be rotated as safety snapshots).
TEST(BackupPrefix, RefusesPrefixesThatCannotNameBackupsOfTheirOwn) {
  const std::vector<std::string> bad = {"",
                                        "a/b",
                                        ".x",
                                        "..",
                                        "-x",
                                        "tab\there",
                                        "del\x7f",
                                        std::string(k_safety_snapshot_prefix),
                                        std::string(k_max_prefix_bytes + 1, 'p')};
  for (const auto& prefix : bad) {
    try {
      check_backup_prefix(prefix);
      ADD_FAILURE() << "accepted: '" << prefix << "'";
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), ErrorCode::usage) << prefix;
      EXPECT_FALSE(error.hint().empty()) << prefix;
    }
  }
  const std::vector<std::string> good = {
      std::string(k_default_backup_prefix), "nightly", "nightly_x", "my backup", "\xc3\xa9t\xc3\xa9", "a*", "x.y",
      std::string(k_max_prefix_bytes, 'p')};
  for (const auto& prefix : good) {
    EXPECT_NO_THROW(check_backup_prefix(prefix)) << prefix;
  }
}

}  // namespace
}  // namespace ifnbackup
