// The content proof read on several connections of one snapshot (issue 13): big tables cut into
// ranges of their clustered integer key, medium ones whole side by side. Every row counted once (the
// key's extremes, a row on each boundary), a change in the first, a middle or the last range found,
// keys that cannot be cut read whole; and through run_restore, with the load's own connections as
// readers.
#include <cstdlib>
#include <functional>
#include <limits>

#include <fmt/format.h>

#include "ifnbackup/error.hpp"
#include "ifnbackup/restore.hpp"
#include "proof/table_reading.hpp"
#include "restore/content_proof.hpp"
#include "test_support.hpp"

namespace ifnbackup::test {
namespace {

namespace fs = std::filesystem;

// Tables of every kind of key, each above the split threshold the tests give (10 rows).
void create_tables(db::Connection& connection) {
  connection.execute("CREATE TABLE dense (id INT PRIMARY KEY, v VARCHAR(40))");
  connection.execute("INSERT INTO dense SELECT seq, MD5(seq) FROM seq_1_to_200");
  // BIGINT's extremes, and a cluster around 0 where the ranges' middle boundary falls.
  connection.execute("CREATE TABLE signed_extremes (id BIGINT PRIMARY KEY, v INT)");
  connection.execute("INSERT INTO signed_extremes SELECT CAST(seq AS SIGNED) - 60, seq FROM seq_0_to_120");
  connection.execute(fmt::format("INSERT INTO signed_extremes VALUES ({}, 1), ({}, 2), ({}, 3), ({}, 4)",
                                 std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::min() + 1,
                                 std::numeric_limits<std::int64_t>::max() - 1,
                                 std::numeric_limits<std::int64_t>::max()));
  connection.execute("CREATE TABLE unsigned_extremes (id BIGINT UNSIGNED PRIMARY KEY, v INT)");
  connection.execute("INSERT INTO unsigned_extremes SELECT seq, seq FROM seq_0_to_50");
  connection.execute(
      "INSERT INTO unsigned_extremes VALUES (9223372036854775807, 1), (9223372036854775808, 2), "
      "(9223372036854775809, 3), (18446744073709551614, 4), (18446744073709551615, 5)");
  // Cut on the first column of the key; the second repeats.
  connection.execute("CREATE TABLE composite (a INT NOT NULL, b VARCHAR(10) NOT NULL, n INT, PRIMARY KEY (a, b))");
  connection.execute(
      "INSERT INTO composite SELECT CAST(seq DIV 2 AS SIGNED) - 20, IF(seq % 2, 'x', 'y'), seq FROM seq_1_to_80");
  // A unique key of NOT NULL columns and no primary key: InnoDB stores the rows in it.
  connection.execute("CREATE TABLE unique_key (u SMALLINT NOT NULL, v TEXT, UNIQUE KEY (u))");
  connection.execute(
      "INSERT INTO unique_key SELECT CAST(seq * 7 AS SIGNED) - 300, REPEAT('é', seq % 5) FROM seq_1_to_60");
  // Read whole: a string key, no key at all, one row, an empty table.
  connection.execute("CREATE TABLE string_key (k VARCHAR(20) PRIMARY KEY, v INT)");
  connection.execute("INSERT INTO string_key SELECT CONCAT('k', seq), seq FROM seq_1_to_50");
  connection.execute("CREATE TABLE no_key (v INT, w VARCHAR(10))");
  connection.execute("INSERT INTO no_key SELECT seq % 7, 'same' FROM seq_1_to_50");
  connection.execute("CREATE TABLE one_row (id INT PRIMARY KEY, v INT)");
  connection.execute("INSERT INTO one_row VALUES (5, 5)");
  connection.execute("CREATE TABLE small (id INT PRIMARY KEY)");
  connection.execute("INSERT INTO small VALUES (1), (2)");
}

std::vector<TableCount> expected_of(const TestServer& server, const std::string& database) {
  auto reader = connect(server, database);
  proof::set_reading_session(*reader);
  std::vector<TableCount> expected;
  for (const auto& row : reader->query("SHOW TABLES").rows) {
    const auto digest = proof::digest_table(*reader, database, row[0].value_or(""));
    // The backup's count decides which tables are cut: all but `small` (counted as 2 rows).
    expected.push_back(TableCount{row[0].value_or(""), digest.rows(), digest.hex()});
  }
  return expected;
}

// check_tables on a snapshot started now and two more readers in it; `meanwhile` runs once they are
// started, given the helpers.
std::vector<TableCheck> check_in_ranges(const TestServer& server, const std::string& database,
                                        const std::vector<TableCount>& expected,
                                        restore::ProofSettings::Reading& reading,
                                        const std::function<void(const std::vector<db::Connection*>&)>& meanwhile = {},
                                        const std::function<void()>& before_helpers = {}) {
  auto snapshot = connect(server, database);
  restore::start_proof_snapshot(*snapshot, database);
  if (before_helpers) {
    before_helpers();
  }
  std::vector<std::unique_ptr<db::Connection>> helpers;
  restore::ProofSettings settings;
  settings.source_server = snapshot->server().version;
  settings.snapshot = snapshot.get();
  for (int i = 0; i < 2; ++i) {
    helpers.push_back(connect(server, database));
    restore::start_proof_helper(*helpers.back());
    settings.helpers.push_back(helpers.back().get());
  }
  settings.split_rows = 10;
  settings.reading = &reading;
  if (meanwhile) {
    meanwhile(settings.helpers);
  }
  return restore::check_tables(connection_options(server, database), database, expected, settings);
}

void expect_all_identical(const std::vector<TableCheck>& checks, const std::vector<TableCount>& expected) {
  ASSERT_EQ(checks.size(), expected.size());
  for (std::size_t i = 0; i < checks.size(); ++i) {
    SCOPED_TRACE(checks[i].table);
    EXPECT_EQ(checks[i].proof, ProofVerdict::identical);
    EXPECT_EQ(checks[i].actual, expected[i].rows);
  }
}

TEST(ProofRanges, BigTablesAreProvenIdenticalInKeyRanges) {
  IFNBACKUP_REQUIRE_SERVER(server);
  ScratchDatabase database(server, "pr_same");
  create_tables(*connect(server, database.name()));
  const auto expected = expected_of(server, database.name());
  restore::ProofSettings::Reading reading;
  const auto checks = check_in_ranges(server, database.name(), expected, reading);
  EXPECT_EQ(reading.readers, 3u);
  // dense, signed_extremes, unsigned_extremes, composite, unique_key: 12 ranges each (3 readers x 4).
  EXPECT_EQ(reading.split_tables, 5u);
  EXPECT_EQ(reading.ranges, 60u);
  expect_all_identical(checks, expected);
}

// Every reader reads the snapshot: a change made once they started is seen by none (a reader outside
// it would see `dense` changed); a helper whose transaction ended (a DDL on it) is left out.
TEST(ProofRanges, EveryReaderReadsTheSnapshot) {
  IFNBACKUP_REQUIRE_SERVER(server);
  ScratchDatabase database(server, "pr_snap");
  auto connection = connect(server, database.name());
  create_tables(*connection);
  const auto expected = expected_of(server, database.name());
  restore::ProofSettings::Reading reading;
  const auto checks = check_in_ranges(server, database.name(), expected, reading, [&](const auto& helpers) {
    connection->execute("UPDATE dense SET v = 'later'");
    connection->execute("DELETE FROM signed_extremes WHERE id > 0");
    helpers.at(1)->execute("CREATE TABLE helper_ended (id INT)");  // commits the helper's transaction
  });
  EXPECT_EQ(reading.readers, 2u) << "the helper out of the snapshot reads nothing";
  EXPECT_EQ(reading.split_tables, 5u);
  expect_all_identical(checks, expected);
}

// Another client commits between the snapshot's start and the helpers': they would read a later
// state than the main reader. Here the table is wrong at the snapshot (row 1) and the write mends
// row 1 while it breaks row 200: ranges read partly before and partly after it could add up to the
// recorded digest. The helpers began at another binary log position: no table is cut, each is read
// whole in one state: DIFFERENT.
TEST(ProofRanges, AHelperBegunAfterAnotherClientsWriteIsLeftOut) {
  IFNBACKUP_REQUIRE_SERVER(server);
  ScratchDatabase database(server, "pr_skew");
  auto connection = connect(server, database.name());
  create_tables(*connection);
  if (connection->query_value("SELECT @@log_bin").value_or("0") != "1") {
    GTEST_SKIP() << "the server writes no binary log: its position cannot tell the snapshots apart";
  }
  const auto expected = expected_of(server, database.name());
  connection->execute("UPDATE dense SET v = 'wrong' WHERE id = 1");
  restore::ProofSettings::Reading reading;
  const auto checks = check_in_ranges(server, database.name(), expected, reading, {}, [&] {
    connection->execute("START TRANSACTION");
    connection->execute("UPDATE dense SET v = MD5(1) WHERE id = 1");
    connection->execute("UPDATE dense SET v = 'wrong' WHERE id = 200");
    connection->execute("COMMIT");
  });
  EXPECT_EQ(reading.split_tables, 0u) << "no table read across two snapshots";
  for (const auto& check : checks) {
    if (check.table == "dense") {
      EXPECT_EQ(check.proof, ProofVerdict::different);
    }
  }
}

// A change behind the restore's back in the first, a middle and the last range, a row missing on a
// boundary, an extra row past the maximum, a table emptied: each DIFFERENT, the others identical.
TEST(ProofRanges, AChangeInAnyRangeIsFound) {
  IFNBACKUP_REQUIRE_SERVER(server);
  ScratchDatabase database(server, "pr_diff");
  auto connection = connect(server, database.name());
  create_tables(*connection);
  const auto expected = expected_of(server, database.name());
  struct Change {
    std::string table;
    std::string change;
    std::string undo;
    std::uint64_t rows;
  };
  // dense: 1..200 in 12 ranges, boundaries 17, 34, 51, ...; signed_extremes' first and last ranges
  // hold only the extremes.
  const std::vector<Change> changes = {
      {"dense", "UPDATE dense SET v = 'x' WHERE id = 1", "UPDATE dense SET v = MD5(1) WHERE id = 1", 200},
      {"dense", "UPDATE dense SET v = 'x' WHERE id = 101", "UPDATE dense SET v = MD5(101) WHERE id = 101", 200},
      {"dense", "UPDATE dense SET v = 'x' WHERE id = 200", "UPDATE dense SET v = MD5(200) WHERE id = 200", 200},
      {"dense", "DELETE FROM dense WHERE id = 34", "INSERT INTO dense VALUES (34, MD5(34))", 199},
      {"dense", "INSERT INTO dense VALUES (201, MD5(201))", "DELETE FROM dense WHERE id = 201", 201},
      {"signed_extremes", "UPDATE signed_extremes SET v = 0 WHERE id = -9223372036854775808",
       "UPDATE signed_extremes SET v = 1 WHERE id = -9223372036854775808", 125},
      {"signed_extremes", "UPDATE signed_extremes SET v = 0 WHERE id = 9223372036854775807",
       "UPDATE signed_extremes SET v = 4 WHERE id = 9223372036854775807", 125},
      {"unsigned_extremes", "UPDATE unsigned_extremes SET v = 0 WHERE id = 18446744073709551615",
       "UPDATE unsigned_extremes SET v = 5 WHERE id = 18446744073709551615", 56},
      {"composite", "UPDATE composite SET n = 0 WHERE a = 20 AND b = 'y'",
       "UPDATE composite SET n = 80 WHERE a = 20 AND b = 'y'", 80},
      {"unique_key", "DELETE FROM unique_key WHERE u = -293", "INSERT INTO unique_key VALUES (-293, 'é')", 59},
      {"dense", "CREATE TABLE dense_copy AS SELECT * FROM dense", "DROP TABLE dense_copy",
       200},  // no change to dense: a control
  };
  for (const auto& change : changes) {
    SCOPED_TRACE(change.change);
    connection->execute(change.change);
    const bool control = change.change.starts_with("CREATE");
    restore::ProofSettings::Reading reading;
    const auto checks = check_in_ranges(server, database.name(), expected, reading);
    EXPECT_EQ(reading.split_tables, 5u);
    for (std::size_t i = 0; i < checks.size(); ++i) {
      SCOPED_TRACE(checks[i].table);
      const bool changed = !control && checks[i].table == change.table;
      EXPECT_EQ(checks[i].proof, changed ? ProofVerdict::different : ProofVerdict::identical);
      EXPECT_EQ(checks[i].actual, changed ? change.rows : expected[i].rows);
    }
    connection->execute(change.undo);
  }
  connection->execute("DELETE FROM dense");
  restore::ProofSettings::Reading reading;
  const auto emptied = check_in_ranges(server, database.name(), expected, reading);
  for (const auto& check : emptied) {
    if (check.table == "dense") {
      EXPECT_EQ(check.proof, ProofVerdict::different);
      EXPECT_EQ(check.actual, 0u);
    }
  }
}

// Through run_restore: the load's own connections read beside the proof's (--threads 3: two of
// them), a big table in ranges; a row changed behind the restore's back in its last range fails it.
TEST(ProofRanges, ARestoreProvesOnTheLoadsConnections) {
  IFNBACKUP_REQUIRE_SERVER(server);
  ScratchDatabase database(server, "pr_restore");
  create_tables(*connect(server, database.name()));
  TempDir work;
  const fs::path backups = work.path() / "backups";
  const fs::path file = backup_of(server, database.name(), backups);
  ::setenv("IFNBACKUP_TEST_PROOF_SPLIT_ROWS", "10", 1);
  RestoreCallbacks callbacks;
  callbacks.confirm = [](const RestorePlan&) { return true; };
  RestoreOptions options;
  options.connection = connection_options(server, database.name());
  options.backup_dir = backups;
  options.file = file.string();
  options.threads = 3;
  const RestoreResult result = run_restore(options, callbacks);
  EXPECT_EQ(result.checks.size(), 9u);
  for (const auto& check : result.checks) {
    EXPECT_EQ(check.proof, ProofVerdict::identical) << check.table;
    EXPECT_EQ(check.actual, check.expected) << check.table;
  }
  callbacks.before_checks = [&server](const std::string& target) {
    connect(server, target)->execute("UPDATE dense SET v = 'tampered' WHERE id = 199");
  };
  try {
    run_restore(options, callbacks);
    ADD_FAILURE() << "a restore whose content differs from the backup's succeeded";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::content_mismatch) << error.what();
    EXPECT_NE(std::string(error.what()).find("`dense`"), std::string::npos) << error.what();
  }
  ::unsetenv("IFNBACKUP_TEST_PROOF_SPLIT_ROWS");
}

}  // namespace
}  // namespace ifnbackup::test
