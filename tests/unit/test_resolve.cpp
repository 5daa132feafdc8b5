// Which file a restore or verify argument names: "latest" and "latest-safety" (issue 18: a forged
// file dated 2099 holding only "-- Dump completed" was chosen and emptied the database), and bare
// names, looked up in the backup folder first ("./name" is the current folder).
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "ifnbackup/error.hpp"
#include "ifnbackup/manifest.hpp"
#include "ifnbackup/restore.hpp"
#include "ifnbackup/verification_state.hpp"
#include "io/parallel_gzip_writer.hpp"
#include "unit/temp_dir_test.hpp"
#include "util/sha256.hpp"

namespace ifnbackup {
namespace {

namespace fs = std::filesystem;

// A mysqldump-like file: one table and its rows.
const std::string k_dump =
    "-- MariaDB dump 10.19\n"
    "CREATE TABLE `t` (`id` int);\n"
    "INSERT INTO `t` VALUES (1);\n"
    "-- Dump completed on 2025-12-20  2:00:04\n";
const std::string k_fake = "-- Dump completed\n";

// One of our files (format 1: no signature needed to verify) of `database`, holding one table.
std::string ours_of(const std::string& database) {
  std::string content = "-- ifnbackup 0.1.0 dump of database `" + database +
                        "`\n-- ifnbackup-format: 1\n-- ifnbackup-database: " + database +
                        "\n\nCREATE TABLE `t` (`id` int);\nINSERT INTO `t` VALUES (1);\n" + format_manifest({{"t", 1}});
  content += format_checksum_line(util::Sha256::hex_of(content), content.size());
  content += format_completion_line(std::chrono::system_clock::now());
  return content;
}

class ResolveTest : public test::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    m_backups = m_dir / "backups";
    m_here = m_dir / "here";
    fs::create_directories(m_backups);
    fs::create_directories(m_here);
    m_old_cwd = fs::current_path();
    fs::current_path(m_here);
  }
  void TearDown() override {
    fs::current_path(m_old_cwd);
    TempDirTest::TearDown();
  }
  static fs::path write_gzip(const fs::path& path, const std::string& text) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    EXPECT_GE(fd, 0);
    io::ParallelGzipWriter writer(fd, 6, path.string(), 1, text.size());
    writer.write(text);
    writer.finish();
    ::close(fd);
    return path;
  }

  fs::path m_backups;
  fs::path m_here;
  fs::path m_old_cwd;
};

TEST_F(ResolveTest, LatestIsTheNewestBackupOfTheDatabaseAskedFor) {
  const fs::path app = write_gzip(m_backups / "ifn_connect_backup_20251219_020000.sql.gz", ours_of("app"));
  const fs::path other = write_gzip(m_backups / "ifn_connect_backup_20251220_020000.sql.gz", ours_of("other"));
  write_gzip(m_backups / "ifn_connect_backup_20251221_020000.sql.gz", k_dump);  // records no database
  EXPECT_EQ(resolve_backup_file("latest", m_backups, "ifn_connect_backup", "app"), app);
  EXPECT_EQ(resolve_backup_file("latest", m_backups, "ifn_connect_backup", "other"), other);
  try {
    resolve_backup_file("latest", m_backups, "ifn_connect_backup", "third");
    ADD_FAILURE() << "a backup of another database was chosen";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::not_found);
    EXPECT_NE(std::string(error.what()).find("none of database 'third' verifies good"), std::string::npos)
        << error.what();
  }
  // Without a database (verify latest), the newest good file, whoever's.
  EXPECT_EQ(resolve_backup_file("latest", m_backups), m_backups / "ifn_connect_backup_20251221_020000.sql.gz");
}

TEST_F(ResolveTest, LatestFollowsTheGivenPrefix) {
  const fs::path mine = write_gzip(m_backups / "shop_20251219_020000.sql.gz", ours_of("app"));
  write_gzip(m_backups / "ifn_connect_backup_20251220_020000.sql.gz", ours_of("app"));
  EXPECT_EQ(resolve_backup_file("latest", m_backups, "shop", "app"), mine);
}

TEST_F(ResolveTest, LatestIsTheNewestGoodBackupHoldingATableNotDatedInTheFuture) {
  const fs::path older = write_gzip(m_backups / "ifn_connect_backup_20251219_020000.sql.gz", k_dump);
  const fs::path real = write_gzip(m_backups / "ifn_connect_backup_20251220_020000.sql.gz", k_dump);
  write_gzip(m_backups / "ifn_connect_backup_20251221_020000.sql.gz", k_fake);  // no table
  write_gzip(m_backups / "ifn_connect_backup_20991231_000000.sql.gz", k_dump);  // in the future
  write_gzip(m_backups / "ifn_connect_backup_20991230_000000.sql.gz", k_fake);  // both
  EXPECT_EQ(resolve_backup_file("latest", m_backups), real);

  // The never-verified files were verified on the way and remembered.
  const auto state = VerificationState::load(m_backups);
  for (const auto& entry : scan_backup_folder(m_backups, k_default_backup_prefix)) {
    if (entry.name == "ifn_connect_backup_20251221_020000.sql.gz") {
      ASSERT_NE(state.find(entry), nullptr);
      EXPECT_EQ(health_of(state.find(entry)), Health::empty);
    }
    if (entry.path == older) {
      EXPECT_EQ(state.find(entry), nullptr) << "older files need not be read";
    }
  }
  EXPECT_EQ(resolve_backup_file("latest", m_backups), real) << "the same answer from the remembered state";
}

TEST_F(ResolveTest, LatestWithNothingUsableIsNotFound) {
  write_gzip(m_backups / "ifn_connect_backup_20991231_000000.sql.gz", k_fake);
  write_gzip(m_backups / "ifn_connect_backup_20251221_020000.sql.gz", k_fake);
  write_gzip(m_backups / "pre_restore_safety_20251221_020000.sql.gz", k_fake);
  for (const char* keyword : {"latest", "latest-safety"}) {
    try {
      resolve_backup_file(keyword, m_backups);
      ADD_FAILURE() << keyword << " resolved";
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), ErrorCode::not_found) << error.what();
      EXPECT_NE(std::string(error.what()).find("none verifies good, holds a table"), std::string::npos) << error.what();
    }
  }
}

TEST_F(ResolveTest, LatestSafetySkipsEmptyAndFutureSnapshots) {
  const fs::path real = write_gzip(m_backups / "pre_restore_safety_20251220_100000.sql.gz", k_dump);
  write_gzip(m_backups / "pre_restore_safety_20251221_100000.sql.gz", k_fake);
  write_gzip(m_backups / "pre_restore_safety_20991231_100000.sql.gz", k_dump);
  EXPECT_EQ(resolve_backup_file("latest-safety", m_backups), real);
}

TEST_F(ResolveTest, LatestSafetyTakesAnEmptySnapshotOfOurs) {
  // A restore into a database of no table wrote a snapshot of no table: undoing that restore is
  // loading it, not an older snapshot.
  const std::string body =
      "-- ifnbackup 0.1.0 dump of database `shop`\n-- ifnbackup-format: 2\n\n" + format_manifest({});
  const std::string content = body + format_checksum_line(util::Sha256::hex_of(body), body.size()) +
                              "-- Dump completed on 2025-12-21 10:00:00\n";
  write_gzip(m_backups / "pre_restore_safety_20251220_100000.sql.gz", k_dump);
  const fs::path empty = write_gzip(m_backups / "pre_restore_safety_20251221_100000.sql.gz", content);
  EXPECT_EQ(resolve_backup_file("latest-safety", m_backups), empty);
  // Never as "latest": a backup of no table is nothing to fall back on.
  write_gzip(m_backups / "ifn_connect_backup_20251221_020000.sql.gz", content);
  const fs::path real = write_gzip(m_backups / "ifn_connect_backup_20251220_020000.sql.gz", k_dump);
  EXPECT_EQ(resolve_backup_file("latest", m_backups), real);
}

TEST_F(ResolveTest, ABareNameIsLookedUpInTheBackupFolderFirst) {
  const std::string name = "ifn_connect_backup_20251220_020000.sql.gz";
  const fs::path in_folder = write_gzip(m_backups / name, k_dump);
  write_gzip(m_here / name, k_fake);  // a file of the same name where the operator stands
  EXPECT_EQ(resolve_backup_file(name, m_backups), in_folder);
  EXPECT_EQ(resolve_backup_file("./" + name, m_backups), fs::path("./" + name)) << "./name: the current folder";

  // Only in the current folder: used (the plan shows its path).
  write_gzip(m_here / "legacy.sql.gz", k_dump);
  EXPECT_EQ(resolve_backup_file("legacy.sql.gz", m_backups), fs::path("legacy.sql.gz"));
  // "backups/<name>" from elsewhere: the file of that name in the backup folder.
  EXPECT_EQ(resolve_backup_file("elsewhere/" + name, m_backups), m_backups / name);
  try {
    resolve_backup_file("absent.sql.gz", m_backups);
    ADD_FAILURE() << "absent file resolved";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::not_found);
    EXPECT_NE(std::string(error.what()).find(m_backups.string()), std::string::npos) << error.what();
  }
}

TEST_F(ResolveTest, AFileNamedLatestIsReachedAsDotSlash) {
  write_gzip(m_backups / "ifn_connect_backup_20251220_020000.sql.gz", k_dump);
  write_gzip(m_here / "latest", k_dump);
  EXPECT_EQ(resolve_backup_file("latest", m_backups), m_backups / "ifn_connect_backup_20251220_020000.sql.gz");
  EXPECT_EQ(resolve_backup_file("./latest", m_backups), fs::path("./latest"));
}

}  // namespace
}  // namespace ifnbackup
