// The drill against a real server: a backup restored into a scratch database and proven, the source
// never touched, no safety snapshot; a restore made to differ before the proof (the tampered
// restore) fails with content_mismatch and leaves no scratch database, or keeps it with --keep for
// the next drill to drop.
#include <fmt/format.h>

#include "drill/scratch_record.hpp"
#include "ifnbackup/backup.hpp"
#include "ifnbackup/drill.hpp"
#include "ifnbackup/error.hpp"
#include "io/folder_lock.hpp"
#include "sql/text.hpp"
#include "test_support.hpp"

namespace ifnbackup::test {
namespace {

namespace fs = std::filesystem;

// Drops the drill's scratch database whatever the test did.
class ScratchGuard {
 public:
  ScratchGuard(const TestServer& server, std::string name) : m_server(server), m_name(std::move(name)) {}
  ~ScratchGuard() {
    try {
      connect(m_server, "")->execute("DROP DATABASE IF EXISTS " + sql::quote_identifier(m_name));
    } catch (const std::exception&) {
    }
  }
  ScratchGuard(const ScratchGuard&) = delete;
  ScratchGuard& operator=(const ScratchGuard&) = delete;

 private:
  TestServer m_server;
  std::string m_name;
};

bool database_exists(const TestServer& server, const std::string& database) {
  return connect(server, "")
             ->query_value(
                 fmt::format("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '{}'", database))
             .value_or("0") != "0";
}

std::string rows_of(db::Connection& connection, const std::string& database) {
  std::string rows;
  for (const auto& row : connection
                             .query(fmt::format("SELECT CONCAT_WS('|', id, HEX(raw), note) FROM {}.payouts ORDER BY id",
                                                sql::quote_identifier(database)))
                             .rows) {
    rows += row[0].value_or("<NULL>") + "\n";
  }
  return rows;
}

std::size_t files_named(const fs::path& folder, const std::string& prefix) {
  std::size_t count = 0;
  for (const auto& entry : fs::directory_iterator(folder)) {
    count += entry.path().filename().string().starts_with(prefix) ? 1 : 0;
  }
  return count;
}

struct DrillFixture {
  explicit DrillFixture(const TestServer& server)
      : source(server, "drill_src"),
        scratch(source.name() + std::string(k_drill_suffix)),
        scratch_guard(server, scratch) {
    auto connection = connect(server, source.name());
    connection->execute("CREATE TABLE payouts (id INT PRIMARY KEY, raw VARBINARY(8), note VARCHAR(20)) ENGINE=InnoDB");
    connection->execute("INSERT INTO payouts VALUES (1, 0x00FF, 'un'), (2, NULL, 'deux'), (3, 0x5C27, NULL)");
    connection->execute("CREATE TABLE merchants (id INT PRIMARY KEY, name VARCHAR(20))");
    connection->execute("INSERT INTO merchants VALUES (1, 'Awa'), (2, 'Koffi')");
    BackupOptions backup;
    backup.connection = connection_options(server, source.name());
    backup.backup_dir = backups;
    run_backup(backup);
    options.connection = connection_options(server, source.name());
    options.backup_dir = backups;
    rows_before = rows_of(*connection, source.name());
  }
  ScratchDatabase source;
  std::string scratch;  // the drill's default: <source>_drill
  ScratchGuard scratch_guard;
  std::string rows_before;  // the source's, which no drill may change
  TempDir work;
  fs::path backups = work.path() / "backups";
  DrillOptions options;
};

TEST(Drill, RestoresIntoTheScratchDatabaseProvesEveryTableAndDropsIt) {
  IFNBACKUP_REQUIRE_SERVER(server);
  DrillFixture fixture(server);
  auto source = connect(server, fixture.source.name());
  const std::string& before = fixture.rows_before;
  const std::string& scratch = fixture.scratch;

  bool saw_scratch_loaded = false;
  DrillCallbacks callbacks;
  callbacks.before_checks = [&](const std::string& target) {
    EXPECT_EQ(target, scratch);
    saw_scratch_loaded = rows_of(*connect(server, ""), target) == before;
  };
  const DrillResult result = run_drill(fixture.options, callbacks);
  EXPECT_TRUE(saw_scratch_loaded) << "the scratch database held the backup's rows before the proof";
  EXPECT_EQ(result.scratch_database, scratch);
  ASSERT_EQ(result.checks.size(), 2u);
  EXPECT_EQ(result.tables_proven, 2u);
  for (const auto& check : result.checks) {
    EXPECT_EQ(check.proof, ProofVerdict::identical) << check.table;
  }
  EXPECT_GT(result.restore_duration.count(), 0);
  EXPECT_LE(result.restore_duration, result.duration);
  EXPECT_EQ(result.rows, 5u);
  EXPECT_FALSE(result.kept);
  EXPECT_FALSE(database_exists(server, scratch)) << "dropped after the drill";
  EXPECT_EQ(files_named(fixture.backups, "pre_restore_safety_"), 0u) << "no safety snapshot";
  EXPECT_EQ(rows_of(*source, fixture.source.name()), before) << "the source is untouched";
  EXPECT_EQ(read_file(fixture.backups / drill::ScratchRecord::k_file_name), "") << "nothing left recorded";
}

TEST(Drill, ATamperedRestoreFailsWithContentMismatchAndLeavesNoScratchDatabase) {
  IFNBACKUP_REQUIRE_SERVER(server);
  DrillFixture fixture(server);
  auto source = connect(server, fixture.source.name());
  const std::string& before = fixture.rows_before;
  const std::string& scratch = fixture.scratch;

  DrillCallbacks tamper;
  tamper.before_checks = [&server](const std::string& target) {
    connect(server, target)->execute("UPDATE payouts SET note = 'changé' WHERE id = 2");  // same row count
  };
  try {
    run_drill(fixture.options, tamper);
    FAIL() << "a drill whose restore differs from the backup succeeded";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::content_mismatch) << error.what();
    EXPECT_EQ(static_cast<int>(error.code()), 18);
    const std::string message = error.what();
    EXPECT_EQ(message.rfind("drill failed: ", 0), 0u) << message;
    EXPECT_NE(message.find("`payouts`"), std::string::npos) << message;
    EXPECT_EQ(message.find("`merchants`"), std::string::npos) << "only the table that differs: " << message;
    EXPECT_NE(error.hint().find("do not count on it"), std::string::npos) << error.hint();
  }
  EXPECT_FALSE(database_exists(server, scratch)) << "the failed drill's scratch database was dropped";
  EXPECT_EQ(read_file(fixture.backups / drill::ScratchRecord::k_file_name), "");
  EXPECT_EQ(rows_of(*source, fixture.source.name()), before) << "the source is untouched";
  EXPECT_EQ(files_named(fixture.backups, "pre_restore_safety_"), 0u);

  // --keep: the same failure leaves the scratch database as the proof found it, recorded as the drill's.
  fixture.options.keep = true;
  try {
    run_drill(fixture.options, tamper);
    FAIL() << "a drill whose restore differs from the backup succeeded";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::content_mismatch) << error.what();
    EXPECT_NE(error.hint().find("is kept"), std::string::npos) << error.hint();
  }
  ASSERT_TRUE(database_exists(server, scratch));
  EXPECT_EQ(connect(server, scratch)->query_value("SELECT note FROM payouts WHERE id = 2"), "changé");
  EXPECT_NE(read_file(fixture.backups / drill::ScratchRecord::k_file_name).find("\t" + scratch + "\n"),
            std::string::npos);

  // The next drill recognises its own scratch database, drops it and proves the backup.
  fixture.options.keep = false;
  const DrillResult again = run_drill(fixture.options);
  EXPECT_TRUE(again.replaced_previous);
  EXPECT_EQ(again.tables_proven, 2u);
  EXPECT_FALSE(database_exists(server, scratch));
  EXPECT_EQ(read_file(fixture.backups / drill::ScratchRecord::k_file_name), "");
}

TEST(Drill, AnExistingDatabaseThatIsNotADrillsIsRefusedUntouched) {
  IFNBACKUP_REQUIRE_SERVER(server);
  DrillFixture fixture(server);
  ScratchDatabase someone(server, "drill_theirs");
  connect(server, someone.name())->execute("CREATE TABLE keep_me (id INT PRIMARY KEY)");
  fixture.options.into = someone.name();
  try {
    run_drill(fixture.options);
    FAIL() << "the drill took a database that is not its own";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::usage) << error.what();
    EXPECT_NE(std::string(error.what()).find("is not a drill's scratch database"), std::string::npos) << error.what();
  }
  EXPECT_EQ(connect(server, someone.name())
                ->query_value("SELECT COUNT(*) FROM information_schema.TABLES WHERE "
                              "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'keep_me'"),
            "1");
  EXPECT_EQ(files_named(fixture.backups, "pre_restore_safety_"), 0u);
}

// A drill writes nothing into the backup folder but its own record, and restores into a scratch
// database no backup reads: the nightly backup must not fail with lock_held behind it, nor the
// drill behind a backup.
TEST(Drill, ABackupRunsDuringADrillAndADrillRunsDuringABackup) {
  IFNBACKUP_REQUIRE_SERVER(server);
  DrillFixture fixture(server);
  BackupOptions backup;
  backup.connection = connection_options(server, fixture.source.name());
  backup.backup_dir = fixture.backups;

  DrillCallbacks backup_meanwhile;
  fs::path made_meanwhile;
  backup_meanwhile.before_checks = [&](const std::string&) { made_meanwhile = run_backup(backup).file; };
  const DrillResult drilled = run_drill(fixture.options, backup_meanwhile);
  EXPECT_EQ(drilled.tables_proven, 2u);
  EXPECT_TRUE(fs::exists(made_meanwhile)) << "the backup made during the drill";

  {
    io::FolderLock backup_running(fixture.backups);  // what a backup holds while it writes
    const DrillResult during = run_drill(fixture.options);
    EXPECT_EQ(during.tables_proven, 2u);
  }
  EXPECT_FALSE(database_exists(server, fixture.scratch));
  EXPECT_EQ(files_named(fixture.backups, "pre_restore_safety_"), 0u);
}

}  // namespace
}  // namespace ifnbackup::test
