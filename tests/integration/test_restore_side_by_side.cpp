// Tables loaded side by side (issues 13 and 20): small tables go whole to one loading connection, several
// per turn, their deferred keys back in their CREATE TABLE (their foreign keys held until every table is in); a bigger
// table's rows go over every connection and its deferred keys beside the next tables' rows. Against the stock client on
// the same file: every table, key and constraint identical (SHOW CREATE TABLE, rows, CHECKSUM TABLE), whatever
// --threads; a failure in a turn of small tables rolls the restore back like any other.
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "ifnbackup/error.hpp"
#include "ifnbackup/verify.hpp"
#include "proof/table_reading.hpp"
#include "restore/content_proof.hpp"
#include "restore/script_loader.hpp"
#include "restore/table_sections.hpp"
#include "sql/text.hpp"
#include "test_support.hpp"

namespace ifnbackup::test {
namespace {

namespace fs = std::filesystem;

constexpr int k_small_tables = 120;
constexpr int k_keyed_tables = 30;

// Names that sort oddly (case, a space, a backquote, accents, digits after letters) among t000..t119.
const std::vector<std::string> k_odd_names = {"Zeta", "_under", "a b", "é tab", "x`y", "T000", "t1000"};

std::string small_name(int i) {
  return fmt::format("t{:03}", i);
}

// Every small table: a primary key, a unique key, a secondary key backing a foreign key to the previous
// table (t000's to the last: a cycle through all of them); one in ten also references itself. The odd
// names reference t000. Tables k000.. have keys and no foreign key. One big table (over 1 MiB of rows) references two
// small ones; a trigger on t060 and a view come between and after.
std::vector<std::string> many_tables() {
  std::vector<std::string> statements = {"SET SESSION foreign_key_checks = 0"};
  std::vector<std::string> names;
  for (int i = 0; i < k_small_tables; ++i) {
    names.push_back(small_name(i));
  }
  names.insert(names.end(), k_odd_names.begin(), k_odd_names.end());
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string name = sql::quote_identifier(names[i]);
    const std::string parent =
        sql::quote_identifier(i >= static_cast<std::size_t>(k_small_tables)
                                  ? small_name(0)
                                  : small_name(i == 0 ? k_small_tables - 1 : static_cast<int>(i) - 1));
    std::string create = fmt::format(
        "CREATE TABLE {} (id INT NOT NULL PRIMARY KEY, parent_id INT, code CHAR(6) NOT NULL, self_id INT, "
        "note VARCHAR(40), UNIQUE KEY uq_code (code), KEY ix_parent (parent_id), "
        "CONSTRAINT {} FOREIGN KEY (parent_id) REFERENCES {} (id) ON DELETE SET NULL",
        name, sql::quote_identifier(fmt::format("fk_{}", i)), parent);
    if (i % 10 == 3) {
      create += fmt::format(", KEY ix_self (self_id), CONSTRAINT {} FOREIGN KEY (self_id) REFERENCES {} (id)",
                            sql::quote_identifier(fmt::format("fk_self_{}", i)), name);
    }
    statements.push_back(create + ") ENGINE=InnoDB");
    std::string insert = fmt::format("INSERT INTO {} VALUES ", name);
    for (int r = 1; r <= 5 + static_cast<int>(i % 7); ++r) {
      insert += fmt::format("{}({}, {}, 'c{:05}', {}, {})", r == 1 ? "" : ", ", r, r, r * 7 + static_cast<int>(i),
                            r > 1 && i % 10 == 3 ? std::to_string(r - 1) : "NULL",
                            r % 3 == 0 ? "NULL" : sql::quote_string("note é " + std::to_string(r)));
    }
    statements.push_back(insert);
  }
  // Tables without foreign keys: their keys go back into their CREATE TABLE.
  for (int i = 0; i < k_keyed_tables; ++i) {
    statements.push_back(
        fmt::format("CREATE TABLE k{:03} (id INT NOT NULL PRIMARY KEY, code CHAR(6) NOT NULL, at DATETIME, n INT, "
                    "UNIQUE KEY uq_code (code), KEY ix_at_n (at, n), KEY ix_n (n)) ENGINE=InnoDB",
                    i));
    statements.push_back(
        fmt::format("INSERT INTO k{:03} VALUES (1, 'a{}', '2024-01-01 10:00:00', 3), (2, 'b', NULL, "
                    "NULL), (3, 'c', '2024-02-29 23:59:59', 3)",
                    i, i));
  }
  statements.push_back(
      "CREATE TABLE big (id INT NOT NULL PRIMARY KEY, a_id INT, b_id INT, payload VARCHAR(200) NOT NULL, "
      "KEY ix_a (a_id), KEY ix_b_payload (b_id, payload(20)), "
      "CONSTRAINT fk_big_a FOREIGN KEY (a_id) REFERENCES t000 (id), "
      "CONSTRAINT fk_big_b FOREIGN KEY (b_id) REFERENCES t119 (id) ON UPDATE CASCADE) ENGINE=InnoDB");
  statements.push_back(
      "INSERT INTO big SELECT seq, 1 + seq % 5, IF(seq % 4 = 0, NULL, 1 + seq % 5), REPEAT(CONCAT('ligne ', seq, ' "
      "'), 8) FROM seq_1_to_12000");
  statements.push_back("CREATE TRIGGER tr_t060 BEFORE INSERT ON t060 FOR EACH ROW SET NEW.note = UPPER(NEW.note)");
  statements.push_back("CREATE VIEW v_big AS SELECT a_id, COUNT(*) AS n FROM big GROUP BY a_id");
  statements.push_back("SET SESSION foreign_key_checks = 1");
  return statements;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The stock client's copy of `file` in a new database: identical to `expected`.
void expect_stock_copy_identical(const TestServer& server, const std::string& prefix, const fs::path& file,
                                 const Fingerprint& expected) {
  ScratchDatabase by_client(server, prefix);
  const auto client = load_file(server, by_client.name(), file);
  ASSERT_EQ(client.exit_code, 0) << client.err;
  auto client_connection = connect(server, by_client.name());
  expect_same_fingerprint(expected, fingerprint_database(*client_connection, by_client.name()));
}

// `ifnbackup restore --threads N --into TARGET FILE`, a success whose copy is identical to `expected`; the
// restore's log.
std::string restore_identical(const TestServer& server, const std::string& source, const fs::path& backups,
                              const fs::path& file, const char* threads, const std::string& target,
                              const Fingerprint& expected) {
  fs::remove(backups / "restore.log");
  const auto restored =
      restore_cli(server, source, backups, {"--yes", "--threads", threads, "--into", target, file.string()});
  EXPECT_EQ(restored.exit_code, 0) << restored.err;
  auto restored_connection = connect(server, target);
  expect_same_fingerprint(expected, fingerprint_database(*restored_connection, target));
  return read_text(backups / "restore.log");
}

TEST(RestoreSideBySide, ManySmallTablesWithForeignKeysAcrossThemComeBackAsTheStockClientLoadsThem) {
  IFNBACKUP_REQUIRE_SERVER(server);
  ScratchDatabase source(server, "sbs_src");
  auto connection = connect(server, source.name());
  for (const auto& statement : many_tables()) {
    connection->execute(statement);
  }
  const Fingerprint expected = fingerprint_database(*connection, source.name());
  TempDir work;
  const fs::path backups = work.path() / "backups";
  // Every table's keys after its rows (the dumper keeps a small table's in its CREATE TABLE): the file
  // of a dumper whose estimates said big, which the restore puts back into the CREATE itself.
  const fs::path file = backup_of(server, source.name(), backups, 0);

  expect_stock_copy_identical(server, "sbs_client", file, expected);

  for (const char* threads : {"1", "2", "16"}) {
    SCOPED_TRACE(fmt::format("--threads {}", threads));
    ScratchDatabase by_ifnbackup(server, "sbs_ifn");
    // The paths taken: every small table whole (and the view's placeholder, DROP TABLE IF EXISTS
    // `v_big`), with its keys in its CREATE TABLE, those with foreign keys too; the big one spread; every
    // foreign key added once no table was being dropped or created (tables_side_by_side.hpp).
    const std::string log =
        restore_identical(server, source.name(), backups, file, threads, by_ifnbackup.name(), expected);
    auto restored_connection = connect(server, by_ifnbackup.name());
    const std::string small = fmt::format(
        "{} small tables loaded whole ({} with their keys in their CREATE TABLE), "
        "1 bigger ones spread over the connections",
        k_small_tables + k_odd_names.size() + k_keyed_tables + 1, k_small_tables + k_odd_names.size() + k_keyed_tables);
    EXPECT_NE(log.find(small), std::string::npos) << log;
    EXPECT_NE(log.find(fmt::format("the foreign keys of {} tables added once no table was being dropped or created",
                                   k_small_tables + k_odd_names.size() + 1)),
              std::string::npos)
        << log;
    // Many tables: small tables' turns on 2 connections per --threads (at most 8), a big table's rows on
    // --threads of them at once.
    const std::string lanes = std::string(threads) == "1"   ? "loading rows on 2 connections (1 of them for a big"
                              : std::string(threads) == "2" ? "loading rows on 4 connections (2 of them for a big"
                                                            : "loading rows on 16 connections\n";
    EXPECT_NE(log.find(lanes), std::string::npos) << log;
    // The constraints hold, not only print: a row referencing nothing is refused, an action runs.
    const auto refused = restored_connection->run_statement("INSERT INTO t050 VALUES (99, 77, 'zz', NULL, NULL)");
    EXPECT_EQ(refused.error_number, 1452u) << refused.error;
    restored_connection->execute("DELETE FROM t010 WHERE id = 1");
    EXPECT_EQ(restored_connection->query_value("SELECT COUNT(*) FROM t011 WHERE parent_id IS NULL").value_or(""), "1");
  }
}

// Biggest table first (issue 13): a file whose biggest table is the last in name order, its rows in
// several ranges (a part), is read in the order of its section index's sizes — that table's ranges
// right after the prologue's, the objects' last —, the log says so, and every table, key, constraint,
// trigger and view comes back as the stock client loads them. A range that is not the one the index
// gives stops the load as "changed on disk", like the whole file's checksum in file order.
TEST(RestoreSideBySide, TheBiggestTableIsReadFirstAndEverythingComesBackAsTheStockClientLoadsIt) {
  IFNBACKUP_REQUIRE_SERVER(server);
  ScratchDatabase source(server, "sbs_big_src");
  auto connection = connect(server, source.name());
  connection->execute("SET SESSION foreign_key_checks = 0");
  for (int i = 0; i < 12; ++i) {
    connection->execute(fmt::format(
        "CREATE TABLE {} (id INT NOT NULL PRIMARY KEY, parent_id INT, code CHAR(6) NOT NULL, UNIQUE KEY uq_code "
        "(code), KEY ix_parent (parent_id), CONSTRAINT fk_{} FOREIGN KEY (parent_id) REFERENCES {} (id) ON DELETE "
        "CASCADE) ENGINE=InnoDB",
        small_name(i), i, small_name(i == 0 ? 11 : i - 1)));
    connection->execute(
        fmt::format("INSERT INTO {} VALUES (1, 1, 'a{}'), (2, 1, 'b{}'), (3, NULL, 'c')", small_name(i), i, i));
  }
  // A middle one (a range of its own) and the big one, last in name order: over 8 MiB of rows, so
  // its rows go on in a part; two foreign keys backed by secondary keys, one to itself.
  connection->execute(
      "CREATE TABLE middle (id INT NOT NULL PRIMARY KEY, t_id INT, note VARCHAR(100), KEY ix_t (t_id), "
      "CONSTRAINT fk_middle_t FOREIGN KEY (t_id) REFERENCES t003 (id)) ENGINE=InnoDB");
  connection->execute("INSERT INTO middle SELECT seq, 1 + seq % 3, REPEAT(CONCAT('m', seq), 6) FROM seq_1_to_20000");
  connection->execute(
      "CREATE TABLE zz_big (id INT NOT NULL PRIMARY KEY, t_id INT, up_id INT, reference CHAR(12) NOT NULL, payload "
      "VARCHAR(200) NOT NULL, UNIQUE KEY uq_reference (reference), KEY ix_t_payload (t_id, payload(10)), "
      "KEY ix_up (up_id), CONSTRAINT fk_big_t FOREIGN KEY (t_id) REFERENCES t000 (id) ON UPDATE CASCADE, "
      "CONSTRAINT fk_big_up FOREIGN KEY (up_id) REFERENCES zz_big (id) ON DELETE SET NULL) ENGINE=InnoDB");
  connection->execute(
      "INSERT INTO zz_big SELECT seq, 1 + seq % 3, IF(seq % 5 = 0, NULL, 1 + seq DIV 2), LPAD(seq, 12, 'r'), "
      "REPEAT(CONCAT('ligne ', seq, ' '), 9) FROM seq_1_to_70000");
  connection->execute(
      "CREATE TRIGGER tr_big BEFORE INSERT ON zz_big FOR EACH ROW SET NEW.payload = UPPER(NEW.payload)");
  connection->execute("CREATE VIEW v_big AS SELECT t_id, COUNT(*) AS n FROM zz_big GROUP BY t_id");
  connection->execute("SET SESSION foreign_key_checks = 1");
  const Fingerprint expected = fingerprint_database(*connection, source.name());
  TempDir work;
  const fs::path backups = work.path() / "backups";
  const fs::path file = backup_of(server, source.name(), backups);

  // The file's layout: the first table in a range of its own after the prologue's, the big table's rows
  // in a part, the objects in a range of their own after it.
  const auto index = read_section_index(file);
  ASSERT_TRUE(index.has_value());
  ASSERT_GE(index->size(), 3u);
  EXPECT_EQ((*index)[1].table, "middle");
  EXPECT_FALSE((*index)[1].with_previous);
  EXPECT_EQ((*index)[index->size() - 2].kind, SectionKind::part);
  EXPECT_EQ((*index)[index->size() - 2].table, "zz_big");
  EXPECT_EQ(index->back().kind, SectionKind::objects);
  EXPECT_FALSE(index->back().with_previous);

  expect_stock_copy_identical(server, "sbs_big_client", file, expected);

  for (const char* threads : {"1", "2", "3"}) {
    SCOPED_TRACE(fmt::format("--threads {}", threads));
    ScratchDatabase by_ifnbackup(server, "sbs_big_ifn");
    const std::string log =
        restore_identical(server, source.name(), backups, file, threads, by_ifnbackup.name(), expected);
    auto restored_connection = connect(server, by_ifnbackup.name());
    EXPECT_NE(log.find("reading the file biggest table first (section index): `zz_big` ("), std::string::npos) << log;
    // The constraints hold: a row referencing nothing is refused, an action runs.
    const auto refused = restored_connection->run_statement(
        "INSERT INTO zz_big (id, t_id, reference, payload) VALUES (900000, 77, 'x', 'y')");
    EXPECT_EQ(refused.error_number, 1452u) << refused.error;
  }

  // The loader itself: the ranges in that order, each checked against its SHA-256; one that differs
  // (as a file rewritten in place would) fails the load as changed on disk.
  const restore::LoadOrder order = restore::biggest_first(*index);
  ASSERT_GE(order.ranges.size(), 3u);
  EXPECT_EQ(order.lead, "zz_big");
  for (const bool altered : {false, true}) {
    SCOPED_TRACE(altered ? "a range's SHA-256 not the index's" : "the index's SHA-256");
    ScratchDatabase target(server, "sbs_big_ranges");
    auto target_connection = connect(server, target.name());
    auto worker = connect(server, target.name());
    restore::LoadSettings settings;
    settings.ours = true;
    settings.workers = {worker.get()};
    settings.ranges_cover_file = true;
    for (const std::size_t at : order.ranges) {
      settings.ranges.emplace_back((*index)[at].at, (*index)[at].size);
      settings.range_sha256.push_back((*index)[at].sha256);
    }
    if (altered) {
      std::string& last = settings.range_sha256.back();
      last[3] = last[3] == '0' ? '1' : '0';
      try {
        restore::load_script(*target_connection, file, settings);
        FAIL() << "a range that is not the index's was accepted";
      } catch (const Error& error) {
        EXPECT_EQ(error.code(), ErrorCode::corrupt);
        EXPECT_NE(std::string(error.what()).find("changed on disk"), std::string::npos) << error.what();
      }
    } else {
      restore::load_script(*target_connection, file, settings);
      expect_same_fingerprint(expected, fingerprint_database(*target_connection, target.name()));
    }
  }
}

// The big table read first (its ranges out of the file's order) has a constraint to a parent in another
// database, changed since the backup: its ALTER TABLE fails on a loading connection, after its rows and
// beside the other tables', and the restore is rolled back like any other failure.
TEST(RestoreSideBySide, AConstraintOfTheBigTableReadFirstThatCannotBeAddedRollsTheRestoreBack) {
  IFNBACKUP_REQUIRE_SERVER(server);
  ScratchDatabase other(server, "sbs_big_rb_other");
  ScratchDatabase database(server, "sbs_big_rb");
  const std::string parent = sql::quote_identifier(other.name()) + ".`ref`";
  auto connection = connect(server, database.name());
  for (const std::string& statement : std::vector<std::string>{
           "CREATE TABLE " + parent + " (id INT NOT NULL PRIMARY KEY) ENGINE=InnoDB",
           "INSERT INTO " + parent + " VALUES (1), (2), (3)",
           "CREATE TABLE a_small (id INT NOT NULL PRIMARY KEY, n INT, KEY ix_n (n)) ENGINE=InnoDB",
           "INSERT INTO a_small VALUES (1, 1), (2, 2)",
           "CREATE TABLE zz_big (id INT NOT NULL PRIMARY KEY, ref_id INT, payload VARCHAR(200) NOT NULL, "
           "KEY ix_ref (ref_id), CONSTRAINT fk_big_ref FOREIGN KEY (ref_id) REFERENCES " +
               parent + " (id)) ENGINE=InnoDB",
           "INSERT INTO zz_big SELECT seq, 1 + seq % 3, REPEAT(CONCAT('ligne ', seq, ' '), 9) FROM seq_1_to_70000"}) {
    connection->execute(statement);
  }
  TempDir work;
  const fs::path backups = work.path() / "backups";
  const fs::path file = backup_of(server, database.name(), backups);

  // Since the backup: the constraint dropped, rows changed, the parent's key made text.
  for (const std::string& statement : std::vector<std::string>{
           "ALTER TABLE zz_big DROP FOREIGN KEY fk_big_ref", "DELETE FROM zz_big WHERE id > 60000",
           "UPDATE a_small SET n = 7", "SET SESSION foreign_key_checks = 0", "DROP TABLE " + parent,
           "CREATE TABLE " + parent + " (id VARCHAR(10) NOT NULL PRIMARY KEY) ENGINE=InnoDB",
           "SET SESSION foreign_key_checks = 1"}) {
    connection->execute(statement);
  }
  const Fingerprint before = fingerprint_database(*connection, database.name());

  const auto result = restore_cli(server, database.name(), backups, {"--yes", "--threads", "2", file.string()});
  EXPECT_EQ(result.exit_code, static_cast<int>(ErrorCode::restore_rolled_back)) << result.err;
  EXPECT_NE(result.err.find("rolled back"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("ALTER TABLE `zz_big`"), std::string::npos) << "the failing statement is named:\n"
                                                                        << result.err;
  EXPECT_NE(result.err.find("fk_big_ref"), std::string::npos) << result.err;
  const std::string log = read_text(backups / "restore.log");
  EXPECT_NE(log.find("reading the file biggest table first (section index): `zz_big` ("), std::string::npos) << log;
  expect_same_fingerprint(before, fingerprint_database(*connection, database.name()));
}

// The parent of one small table, in another database, changed since the backup (its key is now text):
// the CREATE TABLE carrying that table's constraint fails in the middle of a turn of small tables, some
// of which loaded before it on the same connection, others beside it; the restore is rolled back.
TEST(RestoreSideBySide, AFailureInATurnOfSmallTablesRollsTheRestoreBack) {
  IFNBACKUP_REQUIRE_SERVER(server);
  ScratchDatabase other(server, "sbs_rb_other");
  ScratchDatabase database(server, "sbs_rb");
  const std::string parent = sql::quote_identifier(other.name()) + ".`ref`";
  auto connection = connect(server, database.name());
  connection->execute("CREATE TABLE " + parent + " (id INT NOT NULL PRIMARY KEY) ENGINE=InnoDB");
  connection->execute("INSERT INTO " + parent + " VALUES (1), (2)");
  for (int i = 0; i < 60; ++i) {
    connection->execute(
        fmt::format("CREATE TABLE {} (id INT NOT NULL PRIMARY KEY, n INT, KEY ix_n (n)) ENGINE=InnoDB", small_name(i)));
    connection->execute(fmt::format("INSERT INTO {} VALUES (1, {}), (2, 2)", small_name(i), i));
  }
  connection->execute(
      "CREATE TABLE t030_items (id INT NOT NULL PRIMARY KEY, ref_id INT, KEY ix_ref (ref_id), "
      "CONSTRAINT fk_items_ref FOREIGN KEY (ref_id) REFERENCES " +
      parent + " (id)) ENGINE=InnoDB");
  connection->execute("INSERT INTO t030_items VALUES (1, 1), (2, 2)");
  TempDir work;
  const fs::path backups = work.path() / "backups";
  const fs::path file = backup_of(server, database.name(), backups);

  // Since the backup: rows changed, a table dropped, the constraint gone and the parent's key made text.
  for (const std::string& statement : std::vector<std::string>{
           "UPDATE t010 SET n = 1000", "DROP TABLE t020", "ALTER TABLE t030_items DROP FOREIGN KEY fk_items_ref",
           "SET SESSION foreign_key_checks = 0", "DROP TABLE " + parent,
           "CREATE TABLE " + parent + " (id VARCHAR(10) NOT NULL PRIMARY KEY) ENGINE=InnoDB",
           "SET SESSION foreign_key_checks = 1"}) {
    connection->execute(statement);
  }
  const Fingerprint before = fingerprint_database(*connection, database.name());

  const auto result = restore_cli(server, database.name(), backups, {"--yes", "--threads", "2", file.string()});
  EXPECT_EQ(result.exit_code, static_cast<int>(ErrorCode::restore_rolled_back)) << result.err;
  EXPECT_NE(result.err.find("rolled back"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("TABLE `t030_items`"), std::string::npos) << "the failing statement is named:\n"
                                                                      << result.err;
  expect_same_fingerprint(before, fingerprint_database(*connection, database.name()));
}

// The proof of many tables in few round trips (issue 20): several SELECTs sent at once, each result read
// in its order; multi-statements off again after, whatever happened.
TEST(RestoreSideBySide, SeveralSelectsInOneRoundTripAreEachReadInOrder) {
  IFNBACKUP_REQUIRE_SERVER(server);
  auto connection = connect(server, "");
  std::vector<std::string> seen;
  connection->stream_several("SELECT 1, 'a'; SELECT 2 UNION ALL SELECT 3; SELECT 'x' FROM DUAL WHERE 0; SELECT 4",
                             [&](std::size_t index, db::ResultStream& stream) {
                               db::RowView row;
                               while (stream.next(row)) {
                                 seen.push_back(fmt::format("{}:{}", index, row.at(0)));
                                 if (index == 3) {
                                   return;  // the rest of a result left unread is skipped
                                 }
                               }
                             });
  EXPECT_EQ(seen, (std::vector<std::string>{"0:1", "1:2", "1:3", "3:4"}));
  const auto two = connection->run_statement("SELECT 1; SELECT 2");
  EXPECT_FALSE(two.ok) << "multi-statements are off again";
  EXPECT_EQ(two.error_number, 1064u) << two.error;
  EXPECT_THROW(connection->stream_several("SELECT 1; SELECT * FROM no_such_database.no_such_table",
                                          [](std::size_t, db::ResultStream&) {}),
               Error);
  EXPECT_FALSE(connection->run_statement("SELECT 1; SELECT 2").ok) << "off again after a failure too";
  EXPECT_EQ(connection->query_value("SELECT 7"), "7");
}

// The checks of many small tables read together, and a big one alone: each verdict is its own table's,
// a changed row found in the middle of a batch, a changed count without the proof.
TEST(RestoreSideBySide, TheChecksOfManyTablesJudgeEachTableAlone) {
  IFNBACKUP_REQUIRE_SERVER(server);
  ScratchDatabase database(server, "sbs_proof");
  auto connection = connect(server, database.name());
  std::vector<TableCount> expected;
  for (int i = 0; i < 150; ++i) {
    const std::string name = small_name(i);
    connection->execute(fmt::format("CREATE TABLE {} (id INT PRIMARY KEY, v VARCHAR(20), f FLOAT)", name));
    connection->execute(
        fmt::format("INSERT INTO {} VALUES (1, 'un', 1.5), (2, NULL, {}), (3, 'trois é', NULL)", name, i));
  }
  connection->execute("CREATE TABLE zbig (id INT PRIMARY KEY, v VARCHAR(40))");
  connection->execute("INSERT INTO zbig SELECT seq, MD5(seq) FROM seq_1_to_3000");
  connection->execute("CREATE TABLE zempty (id INT PRIMARY KEY)");
  auto reader = connect(server, database.name());
  proof::set_reading_session(*reader);
  for (const auto& row : connection->query("SHOW TABLES").rows) {
    const auto digest = proof::digest_table(*reader, database.name(), row[0].value_or(""));
    expected.push_back(TableCount{row[0].value_or(""), digest.rows(), digest.hex()});
  }
  connection->execute("UPDATE t077 SET v = 'deux' WHERE id = 2");
  connection->execute("DELETE FROM t140 WHERE id = 3");
  restore::ProofSettings proving;
  proving.source_server = connection->server().version;  // same server: a FLOAT column is provable
  const auto checks =
      restore::check_tables(connection_options(server, database.name()), database.name(), expected, proving);
  ASSERT_EQ(checks.size(), expected.size());
  for (std::size_t i = 0; i < checks.size(); ++i) {
    SCOPED_TRACE(checks[i].table);
    EXPECT_EQ(checks[i].table, expected[i].name);
    const bool changed = checks[i].table == "t077" || checks[i].table == "t140";
    EXPECT_EQ(checks[i].proof, changed ? ProofVerdict::different : ProofVerdict::identical);
    EXPECT_EQ(checks[i].actual, checks[i].table == "t140" ? 2u : expected[i].rows);
  }
  restore::ProofSettings counts_only;
  counts_only.prove = false;
  const auto counted =
      restore::check_tables(connection_options(server, database.name()), database.name(), expected, counts_only);
  ASSERT_EQ(counted.size(), expected.size());
  for (std::size_t i = 0; i < counted.size(); ++i) {
    SCOPED_TRACE(counted[i].table);
    EXPECT_EQ(counted[i].proof, ProofVerdict::skipped);
    EXPECT_EQ(counted[i].actual, counted[i].table == "t140" ? 2u : expected[i].rows);
  }
}

}  // namespace
}  // namespace ifnbackup::test
