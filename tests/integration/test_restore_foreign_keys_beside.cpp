// Foreign keys of tables loaded side by side (tables_side_by_side.hpp): MariaDB 10.11 crashes (signal 11 in
// ALTER TABLE) when a connection adds a constraint referencing a table another connection drops and creates,
// and refuses such DROPs or constraints at random beside it (errors 1205, 1825). So no constraint is added
// while a table is dropped or created on another connection: each statement's start and end on each
// connection say so; a database of many children of a few parents restored in place, whole or some
// tables, is what the stock client makes of the same file; a constraint that cannot be added rolls back.
#include <chrono>
#include <mutex>

#include <fmt/format.h>

#include "ifnbackup/error.hpp"
#include "restore/script_loader.hpp"
#include "sql/text.hpp"
#include "test_support.hpp"

namespace ifnbackup::test {
namespace {

namespace fs = std::filesystem;

constexpr int k_parents = 6;
constexpr int k_children = 90;

std::string parent_name(int i) {
  return fmt::format("p{:02}", i * 15);  // among the children in name order: p00, p15, p30...
}

// Parents referencing parents (p00 itself), children each referencing two parents (one of them with an
// action), every fifth one itself too, c000 and c001 each other (a cycle), c002 a parent in `other`; and
// one child without a primary key.
std::vector<std::string> family(const std::string& other) {
  std::vector<std::string> statements = {"SET SESSION foreign_key_checks = 0"};
  for (int i = 0; i < k_parents; ++i) {
    statements.push_back(fmt::format(
        "CREATE TABLE {} (id INT NOT NULL PRIMARY KEY, up_id INT, code CHAR(8) NOT NULL, UNIQUE KEY uq_code (code), "
        "KEY ix_up (up_id), CONSTRAINT fk_{}_up FOREIGN KEY (up_id) REFERENCES {} (id) ON DELETE SET NULL) "
        "ENGINE=InnoDB",
        parent_name(i), parent_name(i), parent_name(i == 0 ? 0 : i - 1)));
    statements.push_back(fmt::format(
        "INSERT INTO {} SELECT seq, IF(seq > 1, seq - 1, NULL), CONCAT('c', seq) FROM seq_1_to_30", parent_name(i)));
  }
  for (int i = 0; i < k_children; ++i) {
    const std::string name = fmt::format("c{:03}", i);
    std::string create = fmt::format(
        "CREATE TABLE {0} (id INT NOT NULL PRIMARY KEY, a_id INT, b_id CHAR(8), other_id INT, note VARCHAR(20), "
        "KEY ix_a (a_id), KEY ix_b_note (b_id, note), KEY ix_other (other_id), "
        "CONSTRAINT fk_{0}_a FOREIGN KEY (a_id) REFERENCES {1} (id) ON DELETE CASCADE, "
        "CONSTRAINT fk_{0}_b FOREIGN KEY (b_id) REFERENCES {2} (code) ON UPDATE CASCADE",
        name, parent_name(i % k_parents), parent_name((i * 7 + 3) % k_parents));
    if (i % 5 == 0) {
      create += fmt::format(", CONSTRAINT fk_{0}_self FOREIGN KEY (other_id) REFERENCES {0} (id)", name);
    } else if (i == 1) {
      create += ", CONSTRAINT fk_c001_cycle FOREIGN KEY (other_id) REFERENCES c000 (id)";
    } else if (i == 2) {
      create += fmt::format(", CONSTRAINT fk_c002_other FOREIGN KEY (other_id) REFERENCES {}.`ref` (id)",
                            sql::quote_identifier(other));
    }
    statements.push_back(create + ") ENGINE=InnoDB");
    statements.push_back(
        fmt::format("INSERT INTO {} SELECT seq, 1 + seq % 30, IF(seq % 3 = 0, NULL, CONCAT('c', 1 + seq % 20)), "
                    "IF(seq % 4 = 0, 1, NULL), CONCAT('n', seq) FROM seq_1_to_12",
                    name));
  }
  statements.push_back("ALTER TABLE c000 ADD CONSTRAINT fk_c000_cycle FOREIGN KEY (other_id) REFERENCES c001 (id)");
  // No primary key: the dumper leaves its keys and foreign key in its CREATE TABLE, which loads alone.
  statements.push_back(
      "CREATE TABLE cz_nopk (a_id INT, note VARCHAR(20), KEY ix_a (a_id), CONSTRAINT fk_cz_nopk FOREIGN KEY (a_id) "
      "REFERENCES p15 (id) ON DELETE CASCADE) ENGINE=InnoDB");
  statements.push_back("INSERT INTO cz_nopk SELECT 1 + seq % 30, CONCAT('z', seq) FROM seq_1_to_10");
  statements.push_back("SET SESSION foreign_key_checks = 1");
  return statements;
}

struct Family {
  ScratchDatabase other;
  ScratchDatabase source;
  Fingerprint expected;
  TempDir work;
  fs::path backups;
  fs::path file;
};

std::unique_ptr<Family> make_family(const TestServer& server, const std::string& prefix) {
  auto made = std::unique_ptr<Family>(
      new Family{ScratchDatabase(server, prefix + "_other"), ScratchDatabase(server, prefix), {}, {}, {}, {}});
  auto connection = connect(server, made->source.name());
  const std::string ref = sql::quote_identifier(made->other.name()) + ".`ref`";
  connection->execute("CREATE TABLE " + ref + " (id INT NOT NULL PRIMARY KEY) ENGINE=InnoDB");
  connection->execute("INSERT INTO " + ref + " VALUES (1), (2)");
  for (const auto& statement : family(made->other.name())) {
    connection->execute(statement);
  }
  made->expected = fingerprint_database(*connection, made->source.name());
  made->backups = made->work.path() / "backups";
  made->file = backup_of(server, made->source.name(), made->backups);
  return made;
}

// Many children of a few parents restored in place at --threads 4 (8 loading connections), whole and
// parents with some children (--tables: their DROPs are real): identical to the stock client's copy of the
// same file; every constraint added after the tables, as the log says, and holding.
TEST(RestoreForeignKeysBeside, ManyChildrenOfFewParentsRestoredInPlaceAreWhatTheStockClientMakes) {
  IFNBACKUP_REQUIRE_SERVER(server);
  const auto family = make_family(server, "rfk");
  {
    ScratchDatabase by_client(server, "rfk_client");
    const auto client = load_file(server, by_client.name(), family->file);
    ASSERT_EQ(client.exit_code, 0) << client.err;
    auto client_connection = connect(server, by_client.name());
    expect_same_fingerprint(family->expected, fingerprint_database(*client_connection, by_client.name()));
  }
  auto connection = connect(server, family->source.name());
  std::string tables = "cz_nopk,";
  for (int i = 0; i < k_parents; ++i) {
    tables += parent_name(i) + ",";
  }
  for (int i = 0; i < k_children; i += 2) {
    tables += fmt::format("c{:03},", i);
  }
  tables.pop_back();
  for (const bool some : {false, true}) {
    SCOPED_TRACE(some ? "--tables: the parents and every other child" : "the whole database");
    // Since the backup: rows gone, a constraint dropped, a parent dropped (its children's constraints
    // reference nothing), in the tables restored.
    for (const std::string& statement : std::vector<std::string>{
             "SET SESSION foreign_key_checks = 0", "DELETE FROM c010", "ALTER TABLE c020 DROP FOREIGN KEY fk_c020_a",
             "DROP TABLE p30", "UPDATE p15 SET code = CONCAT(code, 'x')", "SET SESSION foreign_key_checks = 1"}) {
      connection->execute(statement);
    }
    fs::remove(family->backups / "restore.log");
    std::vector<std::string> args = {"--yes", "--threads", "4"};
    if (some) {
      args.insert(args.end(), {"--tables", tables});
    }
    args.push_back(family->file.string());
    const auto restored = restore_cli(server, family->source.name(), family->backups, args);
    ASSERT_EQ(restored.exit_code, 0) << restored.err;
    expect_same_fingerprint(family->expected, fingerprint_database(*connection, family->source.name()));
    const std::string log = read_file(family->backups / "restore.log");
    const std::size_t children = some ? k_children / 2 : k_children;
    EXPECT_NE(log.find(fmt::format("the foreign keys of {} tables added once no table was being dropped or created; "
                                   "1 tables with foreign keys in their CREATE TABLE loaded alone",
                                   k_parents + children)),
              std::string::npos)
        << log;
    // A small table with foreign keys has its plain keys in its CREATE TABLE, like one without.
    EXPECT_NE(log.find(fmt::format("{} small tables loaded whole ({} with their keys in their CREATE TABLE)",
                                   k_parents + children + 1, k_parents + children)),
              std::string::npos)
        << log;
    EXPECT_NE(log.find("indexes and foreign keys"), std::string::npos) << log;
    // The constraints hold: a row referencing nothing is refused, an action runs.
    EXPECT_EQ(connection->run_statement("INSERT INTO c040 (id, a_id) VALUES (999, 777)").error_number, 1452u);
    connection->execute("START TRANSACTION");
    connection->execute("UPDATE p45 SET code = 'zz' WHERE id = 3");  // ON UPDATE CASCADE in c000, c006...
    EXPECT_EQ(connection->query_value("SELECT COUNT(*) FROM c000 WHERE b_id = 'zz'").value_or(""), "1");
    connection->execute("ROLLBACK");
  }
}

// The order itself: a load over existing tables (its DROPs real) on 8 loading connections, each statement's
// start and end recorded on its connection. No statement adding a foreign key runs while a DROP TABLE or
// CREATE TABLE runs on another connection.
TEST(RestoreForeignKeysBeside, NoConstraintIsAddedWhileAnotherConnectionDropsOrCreatesATable) {
  IFNBACKUP_REQUIRE_SERVER(server);
  const auto family = make_family(server, "rfk_order");
  auto target = connect(server, family->source.name());
  std::vector<std::unique_ptr<db::Connection>> workers;
  restore::LoadSettings settings;
  settings.ours = true;
  for (int i = 0; i < 8; ++i) {
    workers.push_back(connect(server, family->source.name()));
    settings.workers.push_back(workers.back().get());
  }
  struct Ran {
    std::size_t connection;
    std::string text;
    std::chrono::steady_clock::time_point started;
    std::chrono::steady_clock::time_point ended;
  };
  std::mutex mutex;
  std::vector<Ran> ran;
  settings.statement_ran = [&](std::size_t connection, const std::string& text,
                               std::chrono::steady_clock::time_point started,
                               std::chrono::steady_clock::time_point ended) {
    const std::lock_guard lock(mutex);
    ran.push_back(Ran{connection, text.substr(0, 200), started, ended});
  };
  restore::load_script(*target, family->file, settings);
  expect_same_fingerprint(family->expected, fingerprint_database(*target, family->source.name()));

  std::vector<const Ran*> adds;
  std::vector<const Ran*> ddl;
  for (const auto& statement : ran) {
    if (statement.text.find("FOREIGN KEY") != std::string::npos) {
      adds.push_back(&statement);  // an ALTER TABLE, or cz_nopk's CREATE TABLE
    }
    if (statement.text.starts_with("DROP TABLE") || statement.text.starts_with("CREATE TABLE")) {
      ddl.push_back(&statement);
    }
  }
  EXPECT_GE(adds.size(), static_cast<std::size_t>(k_parents + k_children));
  EXPECT_GE(ddl.size(), static_cast<std::size_t>(2 * (k_parents + k_children)));
  std::size_t overlaps = 0;
  for (const Ran* add : adds) {
    for (const Ran* other : ddl) {
      if (other != add && other->connection != add->connection && other->started < add->ended &&
          add->started < other->ended) {
        if (++overlaps <= 3) {
          ADD_FAILURE() << "on connection " << add->connection << ": " << add->text << "\nbeside, on connection "
                        << other->connection << ": " << other->text;
        }
      }
    }
  }
  EXPECT_EQ(overlaps, 0u);
}

// A held constraint that cannot be added (its parent in another database changed since the backup, its
// key now text) fails after every table loaded: the restore is rolled back, the statement named.
TEST(RestoreForeignKeysBeside, AHeldConstraintThatCannotBeAddedRollsTheRestoreBack) {
  IFNBACKUP_REQUIRE_SERVER(server);
  const auto family = make_family(server, "rfk_rb");
  auto connection = connect(server, family->source.name());
  const std::string ref = sql::quote_identifier(family->other.name()) + ".`ref`";
  for (const std::string& statement : std::vector<std::string>{
           "SET SESSION foreign_key_checks = 0", "DELETE FROM c050", "ALTER TABLE c002 DROP FOREIGN KEY fk_c002_other",
           "DROP TABLE " + ref, "CREATE TABLE " + ref + " (id VARCHAR(10) NOT NULL PRIMARY KEY) ENGINE=InnoDB",
           "SET SESSION foreign_key_checks = 1"}) {
    connection->execute(statement);
  }
  const Fingerprint before = fingerprint_database(*connection, family->source.name());
  const auto result =
      restore_cli(server, family->source.name(), family->backups, {"--yes", "--threads", "4", family->file.string()});
  EXPECT_EQ(result.exit_code, static_cast<int>(ErrorCode::restore_rolled_back)) << result.err;
  EXPECT_NE(result.err.find("rolled back"), std::string::npos) << result.err;
  // The statement held: the table's constraints alone, its keys already in its CREATE TABLE.
  EXPECT_NE(result.err.find("ALTER TABLE `c002`   ADD CONSTRAINT `fk_c002_a`"), std::string::npos) << result.err;
  expect_same_fingerprint(before, fingerprint_database(*connection, family->source.name()));
}

}  // namespace
}  // namespace ifnbackup::test
