// Where the dumper writes a table's secondary keys (issues 13 and 20): a table the server estimates
// small keeps them in its CREATE TABLE (one DDL for the stock client), a bigger one, or one with a
// foreign key, has them added by an ALTER TABLE after its rows. The estimate comes from the server's
// statistics and may be wrong: a table whose statistics say small but which holds many rows, and the
// opposite, only change where their keys go. Every copy — by the stock client and by our restore, with
// the default threshold and with every table deferred — is identical to the source (SHOW CREATE TABLE,
// rows, CHECKSUM TABLE).
#include <fmt/format.h>

#include "sql/text.hpp"
#include "test_support.hpp"

namespace ifnbackup::test {
namespace {

namespace fs = std::filesystem;

bool keys_after_rows(const std::string& dump, const std::string& table) {
  const std::string text = table_text(dump, table);
  const auto alter = text.find("\nALTER TABLE `" + table + "`\n  ADD ");
  return alter != std::string::npos && text.find("INSERT INTO `" + table + "`") < alter;
}

// Plants InnoDB statistics for `table` (its persistent ones, reloaded by renaming the table there and
// back): what information_schema.TABLES then says of its size, whatever it holds.
void plant_statistics(const TestServer& server, const std::string& database, const std::string& table,
                      std::uint64_t rows, std::uint64_t pages) {
  const std::string qdb = sql::quote_identifier(database);
  const std::string qtable = qdb + "." + sql::quote_identifier(table);
  const std::string renamed = qdb + "." + sql::quote_identifier(table + "_renamed");
  const auto planted =
      run_bash(R"(mariadb --defaults-file="$1" -e "$2")",
               {server.root_defaults_file,
                fmt::format("ALTER TABLE {0} STATS_PERSISTENT=1 STATS_AUTO_RECALC=0; "
                            "UPDATE mysql.innodb_table_stats SET n_rows = {1}, "
                            "clustered_index_size = {2} WHERE database_name = {3} AND "
                            "table_name = {4}; RENAME TABLE {0} TO {5}, {5} TO {0}",
                            qtable, rows, pages, sql::quote_string(database), sql::quote_string(table), renamed)});
  ASSERT_EQ(planted.exit_code, 0) << planted.err;
}

std::string estimate_of(db::Connection& connection, const std::string& database, const std::string& table) {
  return connection
      .query_value(fmt::format("SELECT CONCAT(DATA_LENGTH, ' bytes, ', TABLE_ROWS, ' rows') FROM "
                               "information_schema.TABLES WHERE TABLE_SCHEMA = {} AND TABLE_NAME = {}",
                               sql::quote_string(database), sql::quote_string(table)))
      .value_or("none");
}

TEST(KeysInCreateTable, SmallTablesKeepTheirKeysAndAWrongEstimateOnlyMovesThem) {
  IFNBACKUP_REQUIRE_SERVER(server);
  ScratchDatabase source(server, "kic_src");
  auto connection = connect(server, source.name());
  const std::string keyed =
      "(id INT NOT NULL PRIMARY KEY, code CHAR(12) NOT NULL, n INT, note VARCHAR(60), "
      "UNIQUE KEY uq_code (code), KEY ix_n_note (n, note(10)), KEY ix_note (note)) ENGINE=InnoDB";
  const std::string rows =
      "SELECT seq, CONCAT('c', seq), seq % 97, IF(seq % 5 = 0, NULL, CONCAT('note é ', seq)) "
      "FROM seq_1_to_";
  for (const std::string& statement : std::vector<std::string>{
           "CREATE TABLE small " + keyed, "INSERT INTO small " + rows + "10",
           // A foreign key: its ALTER TABLE stays, whatever the size (a constraint that cannot be added is named).
           "CREATE TABLE small_child (id INT NOT NULL PRIMARY KEY, small_id INT, KEY ix_small (small_id), "
           "CONSTRAINT fk_child_small FOREIGN KEY (small_id) REFERENCES small (id) ON DELETE CASCADE) ENGINE=InnoDB",
           "INSERT INTO small_child VALUES (1, 1), (2, 2), (3, NULL)", "CREATE TABLE big " + keyed,
           "INSERT INTO big " + rows + "20000", "CREATE TABLE big_says_small " + keyed,
           "INSERT INTO big_says_small " + rows + "20000", "CREATE TABLE small_says_big " + keyed,
           "INSERT INTO small_says_big " + rows + "5", "ANALYZE TABLE small, small_child, big"}) {
    connection->query(statement);
  }
  plant_statistics(server, source.name(), "big_says_small", 10, 1);
  plant_statistics(server, source.name(), "small_says_big", 1000000, 10000);
  // What the dumper reads: the planted estimates, the others' true ones.
  EXPECT_EQ(estimate_of(*connection, source.name(), "big_says_small"), "16384 bytes, 10 rows");
  EXPECT_EQ(estimate_of(*connection, source.name(), "small_says_big"), "163840000 bytes, 1000000 rows");
  EXPECT_EQ(estimate_of(*connection, source.name(), "small").substr(0, 12), "16384 bytes,");
  const Fingerprint expected = fingerprint_database(*connection, source.name());

  for (const std::size_t threshold : {k_keys_in_create_bytes, std::size_t{0}}) {
    SCOPED_TRACE(fmt::format("keys in the CREATE TABLE below {} bytes", threshold));
    TempDir work;
    const fs::path backups = work.path() / "backups";
    const fs::path file = backup_of(server, source.name(), backups, threshold);
    const auto dump = run_bash(R"(gunzip -c "$1")", {file.string()});
    ASSERT_EQ(dump.exit_code, 0) << dump.err;

    const bool deferring_all = threshold == 0;
    EXPECT_EQ(keys_after_rows(dump.out, "small"), deferring_all) << table_text(dump.out, "small");
    EXPECT_EQ(keys_after_rows(dump.out, "big_says_small"), deferring_all) << "its estimate said small";
    EXPECT_TRUE(keys_after_rows(dump.out, "small_child")) << "a foreign key keeps its ALTER TABLE";
    EXPECT_TRUE(keys_after_rows(dump.out, "big"));
    EXPECT_TRUE(keys_after_rows(dump.out, "small_says_big")) << "its estimate said big";
    if (!deferring_all) {
      // Written whole, as SHOW CREATE TABLE gives it.
      const auto shown = connection->query("SHOW CREATE TABLE small");
      ASSERT_FALSE(shown.rows.empty());
      EXPECT_NE(table_text(dump.out, "small").find(*shown.rows[0][1] + ";\n"), std::string::npos)
          << table_text(dump.out, "small");
    }

    ScratchDatabase by_client(server, "kic_client");
    const auto client = load_file(server, by_client.name(), file);
    ASSERT_EQ(client.exit_code, 0) << client.err;
    auto client_connection = connect(server, by_client.name());
    expect_same_fingerprint(expected, fingerprint_database(*client_connection, by_client.name()));

    for (const char* threads : {"1", "2"}) {
      SCOPED_TRACE(fmt::format("--threads {}", threads));
      ScratchDatabase by_ifnbackup(server, "kic_ifn");
      const auto restored = restore_cli(server, source.name(), backups,
                                        {"--yes", "--threads", threads, "--into", by_ifnbackup.name(), file.string()});
      ASSERT_EQ(restored.exit_code, 0) << restored.err;
      auto restored_connection = connect(server, by_ifnbackup.name());
      expect_same_fingerprint(expected, fingerprint_database(*restored_connection, by_ifnbackup.name()));
      // The constraint holds, not only prints.
      const auto refused = restored_connection->run_statement("INSERT INTO small_child VALUES (9, 999)");
      EXPECT_EQ(refused.error_number, 1452u) << refused.error;
    }
  }
}

}  // namespace
}  // namespace ifnbackup::test
