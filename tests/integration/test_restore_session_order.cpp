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
    expect_same_fingerprint(expected,
                            fingerprint_database(*connect(server, by_ifnbackup.name()), by_ifnbackup.name()));
  }
}

}  // namespace
}  // namespace ifnbackup::test
