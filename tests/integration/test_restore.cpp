// ifnbackup restore through the built binary, against the real server: the corpus repaired after damage
// (OUI on stdin, then --yes) with its safety snapshot holding the damaged state, a mariadb-dump file
// loaded like the stock client does, --into, a database that no longer exists, and a load that fails
// half way (rolled back, --no-rollback, --force). Files refused before anything is touched, the
// answers that abort and the log are in tests/cli/test_restore_cli.sh.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <regex>

#include <fmt/format.h>

#include "ifnbackup/backup.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/verify.hpp"
#include "sql/text.hpp"
#include "test_support.hpp"

namespace ifnbackup::test {
namespace {

namespace fs = std::filesystem;

unsigned mode_of(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

// fingerprint_database() takes NEXTVAL of each sequence, which moves it: a database fingerprinted and
// then snapshotted (the damaged one here) no longer matches its snapshot. Here a sequence is compared by
// next_not_cached_value, read before anything advances it: what a dump writes and a restore gives back.
Fingerprint stable_fingerprint(const TestServer& server, const std::string& database) {
  auto connection = connect(server, database);
  std::map<std::string, std::string> next_values;
  const auto sequences = connection->query(fmt::format(
      "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = '{}' AND TABLE_TYPE = 'SEQUENCE'",
      database));
  for (const auto& row : sequences.rows) {
    const std::string name = row[0].value_or("");
    next_values["sequence " + name + " next_not_cached_value"] =
        connection
            ->query_value(fmt::format("SELECT next_not_cached_value FROM {}.{}", sql::quote_identifier(database),
                                      sql::quote_identifier(name)))
            .value_or("<NULL>");
  }
  Fingerprint print = fingerprint_database(*connection, database);
  std::erase_if(print, [](const auto& entry) { return entry.first.ends_with(" nextval"); });
  print.insert(next_values.begin(), next_values.end());
  return print;
}

// Files in `dir` whose name starts with pre_restore_safety (.partial included), sorted.
std::vector<fs::path> safety_files(const fs::path& dir) {
  std::vector<fs::path> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().filename().string().starts_with("pre_restore_safety")) {
      found.push_back(entry.path());
    }
  }
  std::sort(found.begin(), found.end());
  return found;
}

std::string query_one(const TestServer& server, const std::string& database, const std::string& sql) {
  const auto result = mariadb_client(server, database, sql);
  EXPECT_EQ(result.exit_code, 0) << sql << ": " << result.err;
  std::string out = result.out;
  while (!out.empty() && out.back() == '\n') {
    out.pop_back();
  }
  return out;
}

void execute(const TestServer& server, const std::string& database, const std::string& sql) {
  const auto result = mariadb_client(server, database, sql);
  ASSERT_EQ(result.exit_code, 0) << sql << ": " << result.err;
}

// How many objects named `name` the database holds, of any kind (table, view, routine).
int objects_named(const TestServer& server, const std::string& database, const std::string& name) {
  const std::string count =
      query_one(server, "",
                fmt::format("SELECT (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '{0}' AND "
                            "TABLE_NAME = '{1}') + (SELECT COUNT(*) FROM information_schema.ROUTINES WHERE "
                            "ROUTINE_SCHEMA = '{0}' AND ROUTINE_NAME = '{1}')",
                            database, name));
  return std::stoi(count);
}

bool database_exists(const TestServer& server, const std::string& database) {
  return query_one(
             server, "",
             fmt::format("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '{}'", database)) == "1";
}

// A database name nobody has created yet, dropped (if a test created it) when destroyed.
class FreshDatabaseName {
 public:
  FreshDatabaseName(const TestServer& server, const std::string& prefix) : m_server(server) {
    static int counter = 0;
    m_name = fmt::format("{}_{}_{}", prefix, ::getpid(), counter++);
    mariadb_client(server, "", fmt::format("DROP DATABASE IF EXISTS `{}`", m_name));
  }
  ~FreshDatabaseName() { mariadb_client(m_server, "", fmt::format("DROP DATABASE IF EXISTS `{}`", m_name)); }
  FreshDatabaseName(const FreshDatabaseName&) = delete;
  FreshDatabaseName& operator=(const FreshDatabaseName&) = delete;
  const std::string& name() const { return m_name; }

 private:
  TestServer m_server;
  std::string m_name;
};

// Rows deleted and changed, a table dropped, an extra table, view and procedure.
void damage_corpus(const TestServer& server, const std::string& database) {
  execute(server, database,
          "DELETE FROM many_rows WHERE id % 7 = 0;"
          "UPDATE text_values SET v = 'abîmé', c = 'x' WHERE id = 1;"
          "UPDATE int_limits SET i = 42;"
          "DROP TABLE decimal_values;"
          "CREATE TABLE extra_table (id INT PRIMARY KEY, note VARCHAR(20));"
          "INSERT INTO extra_table VALUES (1, 'should vanish');"
          "CREATE VIEW extra_view AS SELECT id FROM many_rows WHERE id < 10;"
          "CREATE PROCEDURE extra_procedure() SELECT 'should vanish';");
}

// tests/data/bad_statement.sql sealed as a valid ifnbackup file: checksum line and completion marker
// appended (computed by sha256sum and stat, not by our code), then gzipped. Format 1, unsigned: its
// restores need --trust-unsigned.
fs::path sealed_bad_statement_file(const fs::path& dir) {
  const fs::path out = dir / "bad_statement.sql.gz";
  const auto sealed =
      run_bash(R"sh({ cat "$1"; printf -- '-- ifnbackup-sha256: %s bytes=%d\n' "$(sha256sum < "$1" | cut -c1-64)" )sh"
               R"sh("$(stat -c %s "$1")"; echo '-- Dump completed on 2026-01-01 00:00:00'; } | gzip -c > "$2")sh",
               {(data_dir() / "bad_statement.sql").string(), out.string()});
  EXPECT_EQ(sealed.exit_code, 0) << sealed.err;
  return out;
}

TEST(Restore, CorpusRepairedAfterDamageWithOuiThenYes) {
  IFNBACKUP_REQUIRE_SERVER(server);
  ScratchDatabase target(server, "rs_corpus");
  const auto loaded = load_file(server, target.name(), data_dir() / "corpus.sql");
  ASSERT_EQ(loaded.exit_code, 0) << loaded.err;
  TempDir work;
  const fs::path backups = work.path() / "backups";
  const fs::path file = backup_of(server, target.name(), backups);
  const Fingerprint original = stable_fingerprint(server, target.name());
  ASSERT_EQ(original.at("table many_rows rows"), "30000");
  ASSERT_EQ(original.count("sequence invoice_seq next_not_cached_value"), 1u);

  damage_corpus(server, target.name());
  const Fingerprint damaged = stable_fingerprint(server, target.name());
  ASSERT_NE(damaged, original);
  ASSERT_EQ(objects_named(server, target.name(), "extra_procedure"), 1);

  // echo OUI | ifnbackup restore FILE
  const auto with_oui = restore_cli(server, target.name(), backups, {file.string()}, "OUI\n");
  ASSERT_EQ(with_oui.exit_code, 0) << with_oui.err;
  EXPECT_NE(with_oui.err.find("Type OUI"), std::string::npos) << "the question was asked:\n" << with_oui.err;
  EXPECT_NE(with_oui.err.find("restore complete"), std::string::npos) << with_oui.err;
  {
    SCOPED_TRACE("after the restore confirmed by OUI");
    expect_same_fingerprint(original, stable_fingerprint(server, target.name()));
  }
  for (const char* extra : {"extra_table", "extra_view", "extra_procedure"}) {
    EXPECT_EQ(objects_named(server, target.name(), extra), 0) << extra << " survived the restore";
  }

  const auto snapshots = safety_files(backups);
  ASSERT_EQ(snapshots.size(), 1u);
  const fs::path snapshot = snapshots.front();
  EXPECT_TRUE(std::regex_match(snapshot.filename().string(), std::regex(R"(pre_restore_safety_\d{8}_\d{6}\.sql\.gz)")))
      << snapshot;
  EXPECT_EQ(mode_of(snapshot), 0600u);
  EXPECT_EQ(run_command({"gzip", "-t", snapshot.string()}).exit_code, 0) << "gzip -t " << snapshot;
  EXPECT_NE(with_oui.err.find(snapshot.filename().string()), std::string::npos) << "the output names the snapshot";

  // Damaged again, then --yes: no question asked, same result, a second snapshot.
  execute(server, target.name(), "DELETE FROM audit_log; CREATE TABLE extra_table (id INT)");
  const auto with_yes = restore_cli(server, target.name(), backups, {"--yes", file.string()});
  ASSERT_EQ(with_yes.exit_code, 0) << with_yes.err;
  EXPECT_EQ(with_yes.err.find("Type OUI"), std::string::npos) << "--yes must not ask";
  {
    SCOPED_TRACE("after the restore confirmed by --yes");
    expect_same_fingerprint(original, stable_fingerprint(server, target.name()));
  }
  EXPECT_EQ(objects_named(server, target.name(), "extra_table"), 0);
  EXPECT_EQ(safety_files(backups).size(), 2u);

  // The first snapshot holds the damaged state: restored elsewhere, it gives the damaged fingerprint.
  FreshDatabaseName scratch(server, "rs_snapshot");
  const auto from_snapshot =
      restore_cli(server, target.name(), backups, {"--yes", "--into", scratch.name(), snapshot.string()});
  ASSERT_EQ(from_snapshot.exit_code, 0) << from_snapshot.err;
  {
    SCOPED_TRACE("the first safety snapshot, restored into " + scratch.name());
    expect_same_fingerprint(damaged, stable_fingerprint(server, scratch.name()));
  }
  EXPECT_EQ(query_one(server, scratch.name(), "SELECT note FROM extra_table"), "should vanish");
}

TEST(Restore, MariadbDumpFileGivesWhatTheStockClientGives) {
  IFNBACKUP_REQUIRE_SERVER(server);
  ScratchDatabase source(server, "rs_md_src");
  const auto loaded = load_file(server, source.name(), data_dir() / "corpus.sql");
  ASSERT_EQ(loaded.exit_code, 0) << loaded.err;
  TempDir work;
  const fs::path dump = work.path() / "corpus_mariadb_dump.sql.gz";
  const auto dumped = run_bash(
      R"(mariadb-dump --defaults-file="$1" --single-transaction --routines --triggers --events "$2" | gzip > "$3")",
      {server.defaults_file, source.name(), dump.string()});
  ASSERT_EQ(dumped.exit_code, 0) << dumped.err;

  ScratchDatabase by_client(server, "rs_md_client");
  const auto client = load_file(server, by_client.name(), dump);
  ASSERT_EQ(client.exit_code, 0) << "gunzip -c | mariadb: " << client.err;

  FreshDatabaseName by_ifnbackup(server, "rs_md_ifn");
  const auto restored = restore_cli(server, source.name(), work.path() / "backups",
                                    {"--yes", "--into", by_ifnbackup.name(), dump.string()});
  ASSERT_EQ(restored.exit_code, 0) << restored.err;
  EXPECT_NE(restored.err.find("mysqldump file, no manifest"), std::string::npos)
      << "the plan says the file has no checksum:\n"
      << restored.err;

  // Both loaded fresh from the same file: even NEXTVAL must agree.
  auto connection = connect(server, by_client.name());
  const Fingerprint expected = fingerprint_database(*connection, by_client.name());
  const Fingerprint actual = fingerprint_database(*connection, by_ifnbackup.name());
  EXPECT_EQ(expected.at("table many_rows rows"), "30000");
  std::size_t objects = 0;
  for (const auto& [key, value] : expected) {
    objects += key.starts_with("view ") || key.starts_with("trigger ") || key.starts_with("routine ") ||
               key.starts_with("event ") || key.starts_with("sequence ");
  }
  EXPECT_GE(objects, 9u) << "views, triggers, routines, the event and the sequence are compared too";
  expect_same_fingerprint(expected, actual);
}

// A small database (tests/data/sample.sql: tables, a trigger, a view), backed up.
struct SampleSetup {
  explicit SampleSetup(const TestServer& server, const std::string& prefix) : database(server, prefix) {
    const auto loaded = load_file(server, database.name(), data_dir() / "sample.sql");
    EXPECT_EQ(loaded.exit_code, 0) << loaded.err;
    backups = work.path() / "backups";
    file = backup_of(server, database.name(), backups);
  }
  ScratchDatabase database;
  TempDir work;
  fs::path backups;
  fs::path file;
};

TEST(Restore, IntoLeavesTheConfiguredDatabaseUnchanged) {
  IFNBACKUP_REQUIRE_SERVER(server);
  SampleSetup sample(server, "rs_into");
  const Fingerprint at_backup = stable_fingerprint(server, sample.database.name());
  execute(server, sample.database.name(), "DELETE FROM transactions WHERE id > 300; DROP VIEW merchant_daily_totals");
  const Fingerprint configured_before = stable_fingerprint(server, sample.database.name());
  ASSERT_NE(configured_before, at_backup);

  FreshDatabaseName other(server, "rs_into_other");
  const auto result = restore_cli(server, sample.database.name(), sample.backups,
                                  {"--yes", "--into", other.name(), sample.file.string()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  ASSERT_TRUE(database_exists(server, other.name()));
  {
    SCOPED_TRACE("the configured database, untouched");
    expect_same_fingerprint(configured_before, stable_fingerprint(server, sample.database.name()));
  }
  {
    SCOPED_TRACE("the --into database, created and loaded");
    expect_same_fingerprint(at_backup, stable_fingerprint(server, other.name()));
  }
  EXPECT_TRUE(safety_files(sample.backups).empty()) << "--into a new database: nothing to snapshot";
}

// "Perte totale": the configured database is gone; the restore recreates it, with no snapshot.
TEST(Restore, DatabaseThatNoLongerExistsIsCreated) {
  IFNBACKUP_REQUIRE_SERVER(server);
  SampleSetup sample(server, "rs_lost");
  const Fingerprint at_backup = stable_fingerprint(server, sample.database.name());
  execute(server, "", fmt::format("DROP DATABASE `{}`", sample.database.name()));
  ASSERT_FALSE(database_exists(server, sample.database.name()));

  const auto result = restore_cli(server, sample.database.name(), sample.backups, {sample.file.string()}, "OUI\n");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("does not exist: it will be created"), std::string::npos)
      << "the plan says it will be created:\n"
      << result.err;
  EXPECT_NE(result.err.find("nothing to snapshot"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("safety snapshot: none (nothing to replace existed)"), std::string::npos) << result.err;
  EXPECT_TRUE(safety_files(sample.backups).empty());
  expect_same_fingerprint(at_backup, stable_fingerprint(server, sample.database.name()));
}

TEST(Restore, FailedLoadIsRolledBack) {
  IFNBACKUP_REQUIRE_SERVER(server);
  SampleSetup sample(server, "rs_rollback");
  const Fingerprint before = stable_fingerprint(server, sample.database.name());
  const fs::path bad = sealed_bad_statement_file(sample.work.path());

  const auto result =
      restore_cli(server, sample.database.name(), sample.backups, {"--yes", "--trust-unsigned", bad.string()});
  EXPECT_EQ(result.exit_code, static_cast<int>(ErrorCode::restore_rolled_back)) << result.err;
  EXPECT_NE(result.err.find("rolled back"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("no_such_table"), std::string::npos) << "the failing statement is named:\n" << result.err;
  expect_same_fingerprint(before, stable_fingerprint(server, sample.database.name()));
  EXPECT_EQ(objects_named(server, sample.database.name(), "loaded_before"), 0);
  EXPECT_EQ(safety_files(sample.backups).size(), 1u) << "the snapshot used for the roll-back is kept";
}

// Nothing to snapshot: rolling back means leaving the database absent, as it was.
TEST(Restore, FailedLoadIntoAMissingDatabaseLeavesItAbsent) {
  IFNBACKUP_REQUIRE_SERVER(server);
  TempDir work;
  const fs::path bad = sealed_bad_statement_file(work.path());
  FreshDatabaseName missing(server, "rs_absent");

  const auto result =
      restore_cli(server, missing.name(), work.path() / "backups", {"--yes", "--trust-unsigned", bad.string()});
  EXPECT_EQ(result.exit_code, static_cast<int>(ErrorCode::restore_rolled_back)) << result.err;
  EXPECT_NE(result.err.find("rolled back"), std::string::npos) << result.err;
  EXPECT_FALSE(database_exists(server, missing.name())) << "the half-loaded database was left behind";
  EXPECT_TRUE(safety_files(work.path() / "backups").empty());
}

TEST(Restore, FailedLoadWithNoRollbackIsLeftAsItIs) {
  IFNBACKUP_REQUIRE_SERVER(server);
  SampleSetup sample(server, "rs_norollback");
  const Fingerprint before = stable_fingerprint(server, sample.database.name());
  const fs::path bad = sealed_bad_statement_file(sample.work.path());

  const auto result = restore_cli(server, sample.database.name(), sample.backups,
                                  {"--yes", "--trust-unsigned", "--no-rollback", bad.string()});
  EXPECT_EQ(result.exit_code, static_cast<int>(ErrorCode::restore_failed)) << result.err;
  EXPECT_NE(result.err.find("NOT rolled back"), std::string::npos) << result.err;
  const auto snapshots = safety_files(sample.backups);
  ASSERT_EQ(snapshots.size(), 1u);
  EXPECT_NE(result.err.find(snapshots.front().filename().string()), std::string::npos)
      << "the hint names the snapshot to go back to:\n"
      << result.err;
  EXPECT_NE(stable_fingerprint(server, sample.database.name()), before);
  EXPECT_EQ(query_one(server, sample.database.name(), "SELECT GROUP_CONCAT(id ORDER BY id) FROM loaded_before"),
            "1,2,3");
  EXPECT_EQ(objects_named(server, sample.database.name(), "loaded_after"), 0) << "the load stopped at the error";
  EXPECT_EQ(objects_named(server, sample.database.name(), "merchants"), 0) << "the old content is gone";
}

TEST(Restore, FailedStatementWithForceLoadsTheRest) {
  IFNBACKUP_REQUIRE_SERVER(server);
  SampleSetup sample(server, "rs_force");
  const fs::path bad = sealed_bad_statement_file(sample.work.path());

  const auto result = restore_cli(server, sample.database.name(), sample.backups,
                                  {"--yes", "--trust-unsigned", "--force", bad.string()});
  EXPECT_EQ(result.exit_code, static_cast<int>(ErrorCode::restore_failed)) << result.err;
  EXPECT_NE(result.err.find("1 FAILED"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("no_such_table"), std::string::npos) << result.err;
  EXPECT_EQ(query_one(server, sample.database.name(), "SELECT GROUP_CONCAT(id ORDER BY id) FROM loaded_before"),
            "1,2,3");
  EXPECT_EQ(query_one(server, sample.database.name(), "SELECT GROUP_CONCAT(label ORDER BY id) FROM loaded_after"),
            "dix,vingt")
      << "the table after the bad statement was loaded";
  EXPECT_EQ(objects_named(server, sample.database.name(), "merchants"), 0);
}

// CHECKSUM TABLE ... EXTENDED of one table: its rows, whatever their order.
std::string checksum_of(const TestServer& server, const std::string& database, const std::string& table) {
  const std::string line = query_one(server, database, "CHECKSUM TABLE " + table + " EXTENDED");
  return line.substr(line.find('\t') + 1);
}

// restore --tables: the chosen tables and their trigger come back; the rest stays as it is now.
TEST(Restore, TablesReplacesOnlyTheChosenTables) {
  IFNBACKUP_REQUIRE_SERVER(server);
  SampleSetup sample(server, "rs_tables");
  const std::string& db = sample.database.name();
  const std::string merchants_at_backup = checksum_of(server, db, "merchants");
  const std::string transactions_at_backup = checksum_of(server, db, "transactions");
  execute(server, db,
          "UPDATE merchants SET full_name = 'changé' WHERE id = 1;"
          "DELETE FROM transactions WHERE id > 100;"
          "DROP TRIGGER trg_transactions_balance;"
          "UPDATE markets SET name = CONCAT(name, ' (nouveau)');"
          "CREATE TABLE extra_table (id INT PRIMARY KEY);");
  const std::string markets_now = checksum_of(server, db, "markets");
  ASSERT_NE(checksum_of(server, db, "transactions"), transactions_at_backup);

  const auto result =
      restore_cli(server, db, sample.backups, {"--yes", "--tables", "merchants,transactions", sample.file.string()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("merchants, transactions (only; the other tables stay as they are)"), std::string::npos)
      << result.err;
  EXPECT_EQ(checksum_of(server, db, "merchants"), merchants_at_backup);
  EXPECT_EQ(checksum_of(server, db, "transactions"), transactions_at_backup);
  EXPECT_EQ(query_one(server, db,
                      fmt::format("SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = '{}' "
                                  "AND TRIGGER_NAME = 'trg_transactions_balance'",
                                  db)),
            "1")
      << "the chosen table's trigger is back";
  EXPECT_EQ(checksum_of(server, db, "markets"), markets_now) << "a table not chosen keeps its current rows";
  EXPECT_EQ(objects_named(server, db, "extra_table"), 1) << "a table the backup does not have stays";
  EXPECT_EQ(objects_named(server, db, "merchant_daily_totals"), 1) << "the view stays";
  const auto snapshots = safety_files(sample.backups);
  ASSERT_EQ(snapshots.size(), 1u) << "a safety snapshot was written first";
  const VerifyResult snapshot = verify_backup_file(snapshots.front());
  ASSERT_EQ(snapshot.status, VerifyStatus::ok) << snapshot.reason;
  EXPECT_EQ(snapshot.header.at("scope"), "tables");
  ASSERT_EQ(snapshot.tables.size(), 2u) << "it holds the tables replaced, not the whole database";
  EXPECT_EQ(snapshot.tables[0].name, "merchants");
  EXPECT_EQ(snapshot.tables[1].name, "transactions");
  EXPECT_EQ(result.out.find("markets"), std::string::npos) << "only the chosen tables are counted:\n" << result.out;
}

TEST(Restore, TablesTheBackupLacksOrAMysqldumpFileAreRefusedFirst) {
  IFNBACKUP_REQUIRE_SERVER(server);
  SampleSetup sample(server, "rs_tables_bad");
  const std::string& db = sample.database.name();
  execute(server, db, "DELETE FROM transactions WHERE id > 100");
  const Fingerprint before = stable_fingerprint(server, db);

  const auto unknown =
      restore_cli(server, db, sample.backups, {"--yes", "--tables", "merchants,no_such_table", sample.file.string()});
  EXPECT_EQ(unknown.exit_code, static_cast<int>(ErrorCode::usage)) << unknown.err;
  EXPECT_NE(unknown.err.find("table 'no_such_table' is not in"), std::string::npos) << unknown.err;
  EXPECT_NE(unknown.err.find("merchants, products, transactions"), std::string::npos)
      << "the hint lists the backup's tables:\n"
      << unknown.err;

  const fs::path dump = sample.work.path() / "sample_mariadb_dump.sql.gz";
  const auto dumped = run_bash(R"(mariadb-dump --defaults-file="$1" --single-transaction "$2" | gzip > "$3")",
                               {server.defaults_file, db, dump.string()});
  ASSERT_EQ(dumped.exit_code, 0) << dumped.err;
  const auto legacy = restore_cli(server, db, sample.backups, {"--yes", "--tables", "merchants", dump.string()});
  EXPECT_EQ(legacy.exit_code, static_cast<int>(ErrorCode::usage)) << legacy.err;
  EXPECT_NE(legacy.err.find("needs a file written by ifnbackup"), std::string::npos) << legacy.err;

  expect_same_fingerprint(before, stable_fingerprint(server, db));
  EXPECT_TRUE(safety_files(sample.backups).empty()) << "refused before the snapshot";
}

// restore --tables snapshots the chosen tables that exist and, when the load fails, puts them
// back and drops those it created; a snapshot of some tables, restored without --tables later,
// replaces those tables only.
TEST(Restore, TablesSnapshotIsOfThoseTablesAndRollsThemBack) {
  IFNBACKUP_REQUIRE_SERVER(server);
  SampleSetup sample(server, "rs_tables_rb");
  const std::string& db = sample.database.name();
  // The backup's trigger on transactions has a name a trigger of markets (not chosen) now holds:
  // the load fails at that CREATE TRIGGER, after merchants and products were loaded.
  execute(server, db, "UPDATE merchants SET full_name = 'changé' WHERE id = 1");
  execute(server, db, "DELETE FROM transactions WHERE id > 100");
  execute(server, db, "DROP TRIGGER trg_transactions_balance");
  execute(server, db, "CREATE TRIGGER trg_transactions_balance BEFORE UPDATE ON markets FOR EACH ROW SET @x = 1");
  execute(server, db, "SET foreign_key_checks = 0; DROP TABLE products");
  const std::string merchants_now = checksum_of(server, db, "merchants");
  const std::string transactions_now = checksum_of(server, db, "transactions");
  const std::string markets_now = checksum_of(server, db, "markets");

  const auto failed = restore_cli(server, db, sample.backups,
                                  {"--yes", "--tables", "merchants,products,transactions", sample.file.string()});
  EXPECT_EQ(failed.exit_code, static_cast<int>(ErrorCode::restore_rolled_back)) << failed.err;
  EXPECT_NE(failed.err.find("the chosen tables of"), std::string::npos) << failed.err;
  EXPECT_NE(failed.err.find("(sections read for --tables) line "), std::string::npos)
      << "the failing line is counted in what was read, and says so:\n"
      << failed.err;
  EXPECT_EQ(checksum_of(server, db, "merchants"), merchants_now) << "merchants is back as it was";
  EXPECT_EQ(checksum_of(server, db, "transactions"), transactions_now);
  EXPECT_EQ(checksum_of(server, db, "markets"), markets_now);
  EXPECT_EQ(objects_named(server, db, "products"), 0) << "the table the load created is gone again";
  EXPECT_EQ(query_one(server, db,
                      fmt::format("SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = '{}' AND "
                                  "TRIGGER_NAME = 'trg_transactions_balance' AND EVENT_OBJECT_TABLE = 'markets'",
                                  db)),
            "1")
      << "markets' trigger is untouched";
  auto snapshots = safety_files(sample.backups);
  ASSERT_EQ(snapshots.size(), 1u);
  const VerifyResult first = verify_backup_file(snapshots.front());
  ASSERT_EQ(first.tables.size(), 2u) << "the snapshot holds the chosen tables that existed";
  EXPECT_EQ(first.tables[0].name, "merchants");
  EXPECT_EQ(first.tables[1].name, "transactions");

  // Without the clash the load succeeds; its snapshot again holds merchants and transactions.
  execute(server, db, "DROP TRIGGER trg_transactions_balance");
  const auto restored = restore_cli(server, db, sample.backups,
                                    {"--yes", "--tables", "merchants,products,transactions", sample.file.string()});
  ASSERT_EQ(restored.exit_code, 0) << restored.err;
  ASSERT_NE(checksum_of(server, db, "merchants"), merchants_now);
  const std::string products_restored = checksum_of(server, db, "products");

  // latest-safety, no --tables: merchants and transactions go back, nothing else moves.
  const auto back = restore_cli(server, db, sample.backups, {"--yes", "latest-safety"});
  ASSERT_EQ(back.exit_code, 0) << back.err;
  EXPECT_NE(back.err.find("this file holds only these tables"), std::string::npos) << back.err;
  EXPECT_EQ(checksum_of(server, db, "merchants"), merchants_now);
  EXPECT_EQ(checksum_of(server, db, "transactions"), transactions_now);
  EXPECT_EQ(checksum_of(server, db, "products"), products_restored) << "not in that snapshot: untouched";
  EXPECT_EQ(checksum_of(server, db, "markets"), markets_now);
}

// A chosen name that is a sequence (DROP TABLE would remove it) or a view in the target is refused
// before anything; a system-versioned table is a table: it is in the snapshot.
TEST(Restore, TablesRefusesSequencesAndViewsAndSnapshotsVersionedTables) {
  IFNBACKUP_REQUIRE_SERVER(server);
  SampleSetup sample(server, "rs_tables_kinds");
  const std::string& db = sample.database.name();
  execute(server, db, "DROP TABLE transactions");
  execute(server, db, "CREATE SEQUENCE transactions");
  const auto sequence =
      restore_cli(server, db, sample.backups, {"--yes", "--tables", "merchants,transactions", sample.file.string()});
  EXPECT_EQ(sequence.exit_code, static_cast<int>(ErrorCode::usage)) << sequence.err;
  EXPECT_NE(sequence.err.find("'transactions' is a SEQUENCE"), std::string::npos) << sequence.err;
  EXPECT_EQ(query_one(server, db, "SELECT NEXTVAL(transactions)"), "1") << "the sequence is untouched";
  EXPECT_TRUE(safety_files(sample.backups).empty()) << "refused before the snapshot";

  execute(server, db, "SET foreign_key_checks = 0; DROP TABLE products");
  execute(server, db, "CREATE VIEW products AS SELECT 1 AS id");
  const auto view = restore_cli(server, db, sample.backups, {"--yes", "--tables", "products", sample.file.string()});
  EXPECT_EQ(view.exit_code, static_cast<int>(ErrorCode::usage)) << view.err;
  EXPECT_NE(view.err.find("'products' is a VIEW"), std::string::npos) << view.err;

  execute(server, db, "ALTER TABLE markets ADD SYSTEM VERSIONING");
  const auto versioned =
      restore_cli(server, db, sample.backups, {"--yes", "--tables", "markets", sample.file.string()});
  ASSERT_EQ(versioned.exit_code, 0) << versioned.err;
  const auto snapshots = safety_files(sample.backups);
  ASSERT_EQ(snapshots.size(), 1u);
  const VerifyResult snapshot = verify_backup_file(snapshots.front());
  ASSERT_EQ(snapshot.tables.size(), 1u) << "the versioned table was snapshotted";
  EXPECT_EQ(snapshot.tables[0].name, "markets");
}

}  // namespace
}  // namespace ifnbackup::test
