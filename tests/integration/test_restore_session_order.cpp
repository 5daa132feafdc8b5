// The session settings of a file, as the loading connections follow them (InsertPool::broadcast: each
// connection runs the settings queued before its next turn, the main one at once). What a statement
// runs under must be what the stock client, reading the file on one connection, runs it under.
#include <fmt/format.h>

#include "ifnbackup/error.hpp"
#include "sql/text.hpp"
#include "test_support.hpp"

namespace ifnbackup::test {
namespace {

namespace fs = std::filesystem;

// The file's footer puts FOREIGN_KEY_CHECKS back (1) after the last table. A constraint held back by
// the loading connections and added at the end of the file must still be added under the header's
// FOREIGN_KEY_CHECKS=0, where the stock client adds it (in its table's ALTER TABLE, long before the
// footer): with the checks on, InnoDB copies the table and refuses a row that references nothing (a
// source loaded under FOREIGN_KEY_CHECKS=0, as any dump is) and a parent that does not exist.
TEST(RestoreSessionOrder, AConstraintHeldToTheEndIsAddedUnderTheHeadersForeignKeyChecks) {
  IFNBACKUP_REQUIRE_SERVER(server);
  ScratchDatabase source(server, "rso_fk_src");
  auto connection = connect(server, source.name());
  for (const std::string& statement :
       {"SET SESSION foreign_key_checks = 0",
        "CREATE TABLE a_parent (id INT NOT NULL PRIMARY KEY, note VARCHAR(20)) ENGINE=InnoDB",
        "CREATE TABLE b_child (id INT NOT NULL PRIMARY KEY, parent_id INT, KEY ix_parent (parent_id), "
        "CONSTRAINT fk_child_parent FOREIGN KEY (parent_id) REFERENCES a_parent (id)) ENGINE=InnoDB",
        "CREATE TABLE c_other (id INT NOT NULL PRIMARY KEY, v INT) ENGINE=InnoDB",
        "INSERT INTO a_parent VALUES (1, 'one'), (2, 'two')",
        // The last row references nothing: loaded under FOREIGN_KEY_CHECKS=0.
        "INSERT INTO b_child VALUES (1, 1), (2, 2), (3, 99)", "INSERT INTO c_other VALUES (1, 10), (2, 20)",
        "SET SESSION foreign_key_checks = 1"}) {
    connection->execute(statement);
  }
  const Fingerprint expected = fingerprint_database(*connection, source.name());
  TempDir work;
  const fs::path file = backup_of(server, source.name(), work.path() / "backups");

  ScratchDatabase by_client(server, "rso_fk_client");
  const auto client = load_file(server, by_client.name(), file);
  ASSERT_EQ(client.exit_code, 0) << client.err;
  expect_same_fingerprint(expected, fingerprint_database(*connect(server, by_client.name()), by_client.name()));

  for (const char* threads : {"2", "3"}) {
    ScratchDatabase by_ifnbackup(server, fmt::format("rso_fk_ifn{}", threads));
    const auto restored = restore_cli(server, source.name(), work.path() / "backups",
                                      {"--yes", "--threads", threads, "--into", by_ifnbackup.name(), file.string()});
    ASSERT_EQ(restored.exit_code, 0) << "--threads " << threads << "\n" << restored.err;
    expect_same_fingerprint(expected, fingerprint_database(*connect(server, by_ifnbackup.name()), by_ifnbackup.name()));
  }
}

// Many tables (more than 64: more loading lanes than --threads), each with a trigger whose block sets
// its own sql_mode (ANSI_QUOTES, NO_BACKSLASH_ESCAPES) around a body full of quotes, a big table with
// its keys deferred and a trigger, a child with a foreign key to a parent written before it, TIMESTAMP
// columns, a view and a procedure: the copy is what the stock client makes, on 1 to 4 threads.
TEST(RestoreSessionOrder, ManyTablesWithTriggerBlocksComeBackAsTheStockClientMakesThem) {
  IFNBACKUP_REQUIRE_SERVER(server);
  ScratchDatabase source(server, "rso_many_src");
  auto connection = connect(server, source.name());
  connection->execute("SET SESSION foreign_key_checks = 0");
  connection->execute("SET SESSION time_zone = '+05:00'");
  connection->execute(
      "CREATE TABLE a_big (id INT NOT NULL PRIMARY KEY, a INT NOT NULL, b VARCHAR(80), ts TIMESTAMP NULL, "
      "UNIQUE KEY uq_a (a), KEY ix_b (b)) ENGINE=InnoDB");
  connection->execute(
      "INSERT INTO a_big SELECT seq, seq * 3, REPEAT(MD5(seq), 2), FROM_UNIXTIME(1700000000 + seq) FROM "
      "seq_1_to_30000");
  connection->execute("SET SESSION sql_mode = 'ANSI_QUOTES'");
  connection->execute(
      R"(CREATE TRIGGER a_big_bu BEFORE UPDATE ON a_big FOR EACH ROW SET NEW.b = CONCAT("it's ", 'a "q" ;', NEW.b))");
  connection->execute("SET SESSION sql_mode = DEFAULT");
  for (int i = 0; i < 70; ++i) {
    const std::string t = fmt::format("t{:03}", i);
    connection->execute(
        fmt::format("CREATE TABLE {} (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, note VARCHAR(40), ts TIMESTAMP NULL) "
                    "ENGINE=InnoDB",
                    t));
    connection->execute("SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO'");
    connection->execute(
        fmt::format(R"(INSERT INTO {} VALUES (0, 'zero\tt\\', '2026-03-29 01:30:00'), (1, 'o''ne', NULL), (2, 'NULL', )"
                    R"('2026-10-25 02:30:00'))",
                    t));
    connection->execute(
        fmt::format("SET SESSION sql_mode = '{}'", i % 2 == 0 ? "ANSI_QUOTES" : "NO_BACKSLASH_ESCAPES"));
    const std::string body =
        i % 2 == 0 ? R"(CONCAT("it's;", '\';', NEW.note, """"))" : R"(CONCAT('\', ';', NEW.note, '''', "x"))";
    connection->execute(
        fmt::format("CREATE TRIGGER {0}_bi BEFORE INSERT ON {0} FOR EACH ROW SET NEW.note = {1}", t, body));
    connection->execute("SET SESSION sql_mode = DEFAULT");
  }
  connection->execute("CREATE TABLE p_parent (id INT NOT NULL PRIMARY KEY) ENGINE=InnoDB");
  connection->execute("INSERT INTO p_parent VALUES (1), (2)");
  connection->execute(
      "CREATE TABLE q_child (id INT NOT NULL PRIMARY KEY, p INT, KEY ix_p (p), CONSTRAINT fk_q_p FOREIGN KEY (p) "
      "REFERENCES p_parent (id) ON DELETE CASCADE) ENGINE=InnoDB");
  connection->execute("INSERT INTO q_child VALUES (1, 1), (2, 2), (3, 77)");
  connection->execute(R"(CREATE VIEW v_notes AS SELECT id, note FROM t000 WHERE note LIKE '%\\%')");
  connection->execute("CREATE PROCEDURE pr() SELECT 'a;b' AS x");
  connection->execute("SET SESSION foreign_key_checks = 1");
  const Fingerprint expected = fingerprint_database(*connection, source.name());
  TempDir work;
  const fs::path file = backup_of(server, source.name(), work.path() / "backups");

  ScratchDatabase by_client(server, "rso_many_client");
  const auto client = load_file(server, by_client.name(), file);
  ASSERT_EQ(client.exit_code, 0) << client.err;
  expect_same_fingerprint(expected, fingerprint_database(*connect(server, by_client.name()), by_client.name()));

  for (const char* threads : {"1", "2", "4"}) {
    SCOPED_TRACE(fmt::format("--threads {}", threads));
    ScratchDatabase by_ifnbackup(server, fmt::format("rso_many_ifn{}", threads));
    const auto restored = restore_cli(server, source.name(), work.path() / "backups",
                                      {"--yes", "--threads", threads, "--into", by_ifnbackup.name(), file.string()});
    ASSERT_EQ(restored.exit_code, 0) << restored.err;
    expect_same_fingerprint(expected, fingerprint_database(*connect(server, by_ifnbackup.name()), by_ifnbackup.name()));
  }
}

}  // namespace
}  // namespace ifnbackup::test
