// Foreign keys added after the rows (issue 13): the dump writes a table without its foreign keys and
// the indexes backing them, and one ALTER TABLE after its rows adds both. Every shape comes back
// identical (SHOW CREATE TABLE, rows, the constraints enforced) through the stock client and through
// `ifnbackup restore`; a constraint that cannot be added fails the restore, which is rolled back.
#include <fmt/format.h>

#include "ifnbackup/backup.hpp"
#include "ifnbackup/error.hpp"
#include "sql/text.hpp"
#include "test_support.hpp"

namespace ifnbackup::test {
namespace {

namespace fs = std::filesystem;

void execute_all(db::Connection& connection, const std::vector<std::string>& statements) {
  for (const auto& statement : statements) {
    connection.execute(statement);
  }
}

// Every shape: several foreign keys on a big table each backed by an index (one of two columns)
// beside a unique key; one to a parent's UNIQUE column; one to the table itself; one to a table
// written later; a cycle; a composite key backed by the primary key; one to another database's
// table; names that need quoting; every ON DELETE / ON UPDATE action; a CHECK constraint.
std::vector<std::string> every_shape(const std::string& other) {
  const std::string ref = sql::quote_identifier(other) + ".`ref`";
  return {
      "SET SESSION foreign_key_checks = 0",
      "CREATE TABLE merchants (id INT NOT NULL PRIMARY KEY, phone VARCHAR(20) NOT NULL, "
      "UNIQUE KEY uq_phone (phone)) ENGINE=InnoDB",
      "CREATE TABLE products (id INT NOT NULL PRIMARY KEY, code CHAR(4) NOT NULL, UNIQUE KEY uq_code (code), "
      "KEY ix_id_code (id, code)) ENGINE=InnoDB",
      "CREATE TABLE `a transactions` (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, merchant_id INT NOT NULL, "
      "product_id INT, product_code CHAR(4), reversal_of BIGINT, other_id INT, reference CHAR(8) NOT NULL, "
      "created_at DATETIME NOT NULL, UNIQUE KEY uq_reference (reference), "
      "KEY ix_merchant_created (merchant_id, created_at), KEY ix_product (product_id), "
      "KEY ix_code (product_code), KEY `ix reversal` (reversal_of), KEY ix_created (created_at), "
      "CONSTRAINT fk_transactions_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id) "
      "ON DELETE CASCADE ON UPDATE CASCADE, "
      "CONSTRAINT fk_transactions_product FOREIGN KEY (product_id) REFERENCES products (id) ON DELETE SET NULL, "
      "CONSTRAINT `fk code, (odd)` FOREIGN KEY (product_code) REFERENCES products (code) ON UPDATE NO ACTION, "
      "CONSTRAINT fk_reversal FOREIGN KEY (reversal_of) REFERENCES `a transactions` (id) ON DELETE RESTRICT, "
      "CONSTRAINT fk_other FOREIGN KEY (other_id) REFERENCES " +
          ref +
          " (id), "
          "CONSTRAINT ck_reference CHECK (reference <> '')) ENGINE=InnoDB",
      "CREATE TABLE x_cycle (id INT NOT NULL PRIMARY KEY, y_id INT, "
      "CONSTRAINT fk_x_y FOREIGN KEY (y_id) REFERENCES y_cycle (id) ON DELETE SET NULL) ENGINE=InnoDB",
      "CREATE TABLE y_cycle (id INT NOT NULL PRIMARY KEY, x_id INT, "
      "CONSTRAINT `fk_y_x é` FOREIGN KEY (x_id) REFERENCES x_cycle (id)) ENGINE=InnoDB",
      "CREATE TABLE z_lines (product_id INT NOT NULL, code CHAR(4) NOT NULL, n INT NOT NULL, "
      "PRIMARY KEY (product_id, code, n), CONSTRAINT fk_lines FOREIGN KEY (product_id, code) "
      "REFERENCES products (id, code) ON DELETE CASCADE) ENGINE=InnoDB",
      "INSERT INTO merchants VALUES (1, '+225 01'), (2, '+225 02')",
      "INSERT INTO products VALUES (1, 'p001'), (2, 'p002'), (3, 'p003')",
      // The last row references nothing: loaded under FOREIGN_KEY_CHECKS=0, as a dump is.
      "INSERT INTO `a transactions` VALUES (1, 1, 1, 'p001', NULL, 7, 'r1', '2024-01-01 10:00:00'), "
      "(2, 2, NULL, NULL, 1, NULL, 'r2', '2024-01-02 10:00:00'), "
      "(3, 1, 3, 'p003', 1, 7, 'r3', '2024-01-03 10:00:00'), (4, 9, 99, 'zzzz', 42, 99, 'r4', '2024-01-04 10:00:00')",
      "INSERT INTO x_cycle VALUES (1, 1), (2, NULL)",
      "INSERT INTO y_cycle VALUES (1, 2), (2, 1)",
      "INSERT INTO z_lines VALUES (1, 'p001', 1), (1, 'p001', 2), (3, 'p003', 1)",
      "SET SESSION foreign_key_checks = 1",
  };
}

TEST(RestoreForeignKeys, EveryShapeComesBackIdenticalThroughTheStockClientAndOurRestore) {
  IFNBACKUP_REQUIRE_SERVER(server);
  ScratchDatabase other(server, "rfk_other");
  ScratchDatabase source(server, "rfk_src");
  auto connection = connect(server, source.name());
  connection->execute(fmt::format("CREATE TABLE {}.`ref` (id INT NOT NULL PRIMARY KEY) ENGINE=InnoDB",
                                  sql::quote_identifier(other.name())));
  connection->execute(fmt::format("INSERT INTO {}.`ref` VALUES (7)", sql::quote_identifier(other.name())));
  execute_all(*connection, every_shape(other.name()));
  const Fingerprint expected = fingerprint_database(*connection, source.name());

  TempDir work;
  const fs::path file = backup_of(server, source.name(), work.path() / "backups");

  // The file: the big table created with its primary key only, every index and constraint after its rows.
  const auto dump = run_bash(R"(gunzip -c "$1")", {file.string()});
  ASSERT_EQ(dump.exit_code, 0) << dump.err;
  const std::string transactions = table_text(dump.out, "a transactions");
  const auto create_end = transactions.find(") ENGINE=InnoDB");
  const auto alter = transactions.find("\nALTER TABLE `a transactions`\n  ADD ");
  ASSERT_NE(create_end, std::string::npos) << transactions;
  ASSERT_NE(alter, std::string::npos) << transactions;
  const std::string create = transactions.substr(0, create_end);
  EXPECT_EQ(create.find("FOREIGN KEY"), std::string::npos) << create;
  EXPECT_EQ(create.find(" KEY `ix_"), std::string::npos) << create;
  EXPECT_NE(create.find("CONSTRAINT `ck_reference` CHECK"), std::string::npos) << create;
  EXPECT_LT(transactions.find("INSERT INTO `a transactions`"), alter) << transactions;
  EXPECT_NE(transactions.find("ADD CONSTRAINT `fk code, (odd)` FOREIGN KEY", alter), std::string::npos) << transactions;

  ScratchDatabase by_client(server, "rfk_client");
  const auto client = load_file(server, by_client.name(), file);
  ASSERT_EQ(client.exit_code, 0) << client.err;
  auto client_connection = connect(server, by_client.name());
  expect_same_fingerprint(expected, fingerprint_database(*client_connection, by_client.name()));

  ScratchDatabase by_ifnbackup(server, "rfk_ifn");
  const auto restored = restore_cli(server, source.name(), work.path() / "backups",
                                    {"--yes", "--threads", "2", "--into", by_ifnbackup.name(), file.string()});
  ASSERT_EQ(restored.exit_code, 0) << restored.err;
  auto restored_connection = connect(server, by_ifnbackup.name());
  expect_same_fingerprint(expected, fingerprint_database(*restored_connection, by_ifnbackup.name()));

  // The constraints are there, not only printed: the checks back on, a row referencing nothing is refused
  // and a cascade runs.
  for (auto* copy : {client_connection.get(), restored_connection.get()}) {
    const auto refused =
        copy->run_statement("INSERT INTO `a transactions` VALUES (9, 5, NULL, NULL, NULL, NULL, 'r9', NOW())");
    EXPECT_FALSE(refused.ok);
    EXPECT_EQ(refused.error_number, 1452u) << refused.error;
    copy->execute("DELETE FROM merchants WHERE id = 2");
    EXPECT_EQ(copy->query_value("SELECT COUNT(*) FROM `a transactions` WHERE merchant_id = 2").value_or(""), "0");
  }
}

// The parent in another database changed since the backup (its key is now text): the ALTER TABLE adding
// the constraint fails after the rows are in, and the restore is rolled back like any other failure.
TEST(RestoreForeignKeys, AConstraintThatCannotBeAddedRollsTheRestoreBack) {
  IFNBACKUP_REQUIRE_SERVER(server);
  ScratchDatabase other(server, "rfk_rb_other");
  ScratchDatabase database(server, "rfk_rb");
  const std::string parent = sql::quote_identifier(other.name()) + ".`ref`";
  auto connection = connect(server, database.name());
  execute_all(*connection,
              {"CREATE TABLE " + parent + " (id INT NOT NULL PRIMARY KEY) ENGINE=InnoDB",
               "INSERT INTO " + parent + " VALUES (1), (2)",
               "CREATE TABLE items (id INT NOT NULL PRIMARY KEY, ref_id INT, note VARCHAR(20), KEY ix_ref (ref_id), "
               "CONSTRAINT fk_items_ref FOREIGN KEY (ref_id) REFERENCES " +
                   parent + " (id)) ENGINE=InnoDB",
               "INSERT INTO items VALUES (1, 1, 'a'), (2, 2, 'b'), (3, NULL, 'c')"});
  TempDir work;
  const fs::path backups = work.path() / "backups";
  const fs::path file = backup_of(server, database.name(), backups);

  // Since the backup: the application dropped the constraint and changed rows; the parent's key became text.
  execute_all(*connection,
              {"ALTER TABLE items DROP FOREIGN KEY fk_items_ref", "DELETE FROM items WHERE id = 2",
               "UPDATE items SET note = 'changed'", "SET SESSION foreign_key_checks = 0", "DROP TABLE " + parent,
               "CREATE TABLE " + parent + " (id VARCHAR(10) NOT NULL PRIMARY KEY) ENGINE=InnoDB",
               "SET SESSION foreign_key_checks = 1"});
  const Fingerprint before = fingerprint_database(*connection, database.name());

  const auto result = restore_cli(server, database.name(), backups, {"--yes", file.string()});
  EXPECT_EQ(result.exit_code, static_cast<int>(ErrorCode::restore_rolled_back)) << result.err;
  EXPECT_NE(result.err.find("rolled back"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("ALTER TABLE `items`"), std::string::npos) << "the failing statement is named:\n"
                                                                       << result.err;
  EXPECT_NE(result.err.find("fk_items_ref"), std::string::npos) << result.err;
  expect_same_fingerprint(before, fingerprint_database(*connection, database.name()));
}

}  // namespace
}  // namespace ifnbackup::test
