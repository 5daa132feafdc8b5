// Row INSERTs loaded on several connections (restore of our own files): every connection gets the
// script's session settings, the statements after the rows see all of them, and a failing INSERT
// stops the load with its line.
#include <atomic>
#include <fstream>
#include <functional>
#include <thread>

#include <fmt/format.h>

#include "ifnbackup/error.hpp"
#include "restore/insert_pool.hpp"
#include "restore/script_loader.hpp"
#include "sql/text.hpp"
#include "test_support.hpp"

namespace ifnbackup::test {
namespace {

namespace fs = std::filesystem;

// A table big enough to be spread over the connections (over 1 MiB), each INSERT long enough to go as
// LOAD DATA (64 KiB): restore/tables_side_by_side.cpp and insert_pool.hpp.
constexpr int k_statements = 40;
constexpr int k_rows_per_statement = 2500;

struct Script {
  std::string text;
  int statements = 0;
  int duplicate_line = 0;  // the line of the failing INSERT, when asked for one

  void add(const std::string& statement) {
    text += statement + ";\n";
    ++statements;
  }
};

// Session settings a worker connection must follow, a trigger recording which connection inserted
// each row (and the user variable it saw), k_statements INSERTs, then a statement that must see every row.
Script make_script(bool with_duplicate) {
  Script script;
  int line = 1;
  auto add = [&](const std::string& statement) {
    script.text += statement + ";\n";
    ++script.statements;
    ++line;
  };
  add("/*!40101 SET NAMES utf8mb4 */");
  add("/*!40103 SET TIME_ZONE='+03:00' */");
  add("/*!40101 SET SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */");
  add("SET @batch = 'lot-7'");
  add("CREATE TABLE t (id INT NOT NULL AUTO_INCREMENT, ts TIMESTAMP NULL, PRIMARY KEY (id))");
  add("CREATE TABLE conns (conn BIGINT, tag VARCHAR(10))");
  // AFTER: MariaDB's LOAD DATA ignores NO_AUTO_VALUE_ON_ZERO on a table with a BEFORE INSERT
  // trigger (our dumps create triggers after the rows).
  add("CREATE TRIGGER t_conn AFTER INSERT ON t FOR EACH ROW INSERT INTO conns VALUES (CONNECTION_ID(), @batch)");
  for (int s = 0; s < k_statements; ++s) {
    std::string insert = "INSERT INTO `t` (`id`,`ts`) VALUES ";
    for (int r = 0; r < k_rows_per_statement; ++r) {
      const int id = s * k_rows_per_statement + r;  // 0 first: kept as 0 under NO_AUTO_VALUE_ON_ZERO
      insert += fmt::format("{}({},'2026-01-01 12:00:00')", r == 0 ? "" : ",", id);
    }
    if (with_duplicate && s == k_statements / 2) {
      script.duplicate_line = line;
      insert += ",(5,'2026-01-01 12:00:00')";
    }
    add(insert);
  }
  add("CREATE TABLE seen AS SELECT COUNT(*) AS n FROM t");
  return script;
}

fs::path write_script(const fs::path& dir, const Script& script) {
  const fs::path plain = dir / "script.sql";
  {
    std::ofstream out(plain, std::ios::binary);
    out << script.text;
  }
  const auto zipped = run_command({"gzip", "-f", plain.string()});
  EXPECT_EQ(zipped.exit_code, 0) << zipped.err;
  return dir / "script.sql.gz";
}

// `ours`: as a file of ours (its header, signed or --trust-unsigned) instead.
restore::LoadStats load(const TestServer& server, const std::string& database, const fs::path& file, unsigned workers,
                        bool ours = false) {
  auto main = connect(server, database);
  std::vector<std::unique_ptr<db::Connection>> connections;
  restore::LoadSettings settings;
  // The script checks the load with statements no dump writes (CREATE TABLE ... AS SELECT, a
  // trigger reading CONNECTION_ID()): the operator's --allow-foreign-statements.
  settings.allow_foreign = !ours;
  settings.ours = ours;
  for (unsigned i = 0; i < workers; ++i) {
    connections.push_back(connect(server, database));
    settings.workers.push_back(connections.back().get());
  }
  return restore::load_script(*main, file, settings);
}

std::string value(db::Connection& connection, const std::string& sql) {
  return connection.query_value(sql).value_or("<NULL>");
}

TEST(ParallelLoad, RowsGoOverEveryConnectionWithTheScriptsSessionSettings) {
  IFNBACKUP_REQUIRE_SERVER(server);
  TempDir work;
  const Script script = make_script(false);
  const fs::path file = write_script(work.path(), script);
  for (const unsigned workers : {1u, 2u, 3u}) {
    SCOPED_TRACE(fmt::format("{} worker connection(s)", workers));
    ScratchDatabase database(server, "pl_ok");
    const auto stats = load(server, database.name(), file, workers);
    EXPECT_EQ(stats.statements, static_cast<std::uint64_t>(script.statements));
    EXPECT_EQ(stats.failed, 0u);
    EXPECT_EQ(stats.load_data_statements, static_cast<std::uint64_t>(k_statements))
        << "every INSERT went as LOAD DATA LOCAL";

    auto check = connect(server, database.name());
    const int rows = k_statements * k_rows_per_statement;
    EXPECT_EQ(value(*check, "SELECT COUNT(*) FROM t"), std::to_string(rows));
    EXPECT_EQ(value(*check, "SELECT COUNT(*) FROM t WHERE id = 0"), "1") << "SQL_MODE reached every connection";
    // 12:00 at +03:00 is 09:00 UTC (1767258000): TIME_ZONE reached every connection.
    EXPECT_EQ(value(*check, "SELECT GROUP_CONCAT(DISTINCT UNIX_TIMESTAMP(ts)) FROM t"), "1767258000");
    EXPECT_EQ(value(*check, "SELECT GROUP_CONCAT(DISTINCT tag) FROM conns"), "lot-7") << "user variables too";
    EXPECT_EQ(value(*check, "SELECT n FROM seen"), std::to_string(rows))
        << "the statement after the rows saw all of them";
    // Rows came from as many connections as there are workers (the main one runs none of them).
    EXPECT_EQ(value(*check, "SELECT COUNT(DISTINCT conn) FROM conns"), std::to_string(workers));
  }
}

// Many small tables (issue 20): their turns run on every connection of the pool, while a big table's
// rows and key builds (heavy turns) run on at most `heavy_lanes` of them at once. Seen from the server: a
// reader counts, every few milliseconds, the connections inside each kind of turn.
TEST(ParallelLoad, HeavyTurnsTakeOnlyTheirLanesWhileSmallTablesUseEveryConnection) {
  IFNBACKUP_REQUIRE_SERVER(server);
  ScratchDatabase database(server, "pl_lanes");
  constexpr unsigned k_connections = 6;
  constexpr unsigned k_heavy_lanes = 2;
  std::vector<std::unique_ptr<db::Connection>> connections;
  std::vector<db::Connection*> workers;
  for (unsigned i = 0; i < k_connections; ++i) {
    connections.push_back(connect(server, database.name()));
    workers.push_back(connections.back().get());
  }
  // The most connections seen at once running `marker`, while `submit` queues turns and the pool drains.
  const auto most_at_once = [&](const std::string& marker, const std::function<void(restore::InsertPool&)>& submit) {
    restore::KnownWarnings known;
    restore::InsertPool pool(workers, "lanes.sql", false, known, k_heavy_lanes);
    std::atomic<bool> done{false};
    std::atomic<int> most{0};
    std::thread watcher([&] {
      auto observer = connect(server, database.name());
      const std::string count =
          fmt::format("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO = {}", sql::quote_string(marker));
      while (!done) {
        most = std::max(most.load(), std::stoi(observer->query_value(count).value_or("0")));
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });
    submit(pool);
    pool.drain();
    done = true;
    watcher.join();
    return most.load();
  };
  const std::string heavy = "DO SLEEP(0.5) /* a big table's rows */";
  const int heavy_most = most_at_once(heavy, [&](restore::InsertPool& pool) {
    for (unsigned i = 0; i < k_connections; ++i) {
      pool.submit_turn({restore::Statement{heavy, 1}}, {"big"}, true);
    }
  });
  EXPECT_GE(heavy_most, 1) << "the reader saw the heavy turns run";
  EXPECT_LE(heavy_most, static_cast<int>(k_heavy_lanes)) << "never more heavy turns at once than their lanes";
  const std::string light = "DO SLEEP(1.5) /* small tables */";
  const int light_most = most_at_once(light, [&](restore::InsertPool& pool) {
    for (unsigned i = 0; i < k_connections; ++i) {
      pool.submit_turn({restore::Statement{light, 1}}, {fmt::format("t{}", i)});
    }
  });
  EXPECT_GT(light_most, static_cast<int>(k_heavy_lanes)) << "small tables' turns use the other connections too";
}

// A turn that fails while a heavy turn waits for its lane: the waiting turn never runs (the load is
// being rolled back) and the pool gives the failure, instead of waiting forever or running on.
TEST(ParallelLoad, AHeavyTurnWaitingForItsLaneDoesNotRunAfterAnotherTurnFailed) {
  IFNBACKUP_REQUIRE_SERVER(server);
  ScratchDatabase database(server, "pl_lane_fail");
  std::vector<std::unique_ptr<db::Connection>> connections;
  std::vector<db::Connection*> workers;
  for (unsigned i = 0; i < 3; ++i) {
    connections.push_back(connect(server, database.name()));
    workers.push_back(connections.back().get());
  }
  {
    restore::KnownWarnings known;
    restore::InsertPool pool(workers, "lanes.sql", false, known, 1);
    pool.submit_turn({restore::Statement{"DO SLEEP(1.5)", 1}}, {"big"}, true);  // holds the one lane
    // ... once it runs: the next heavy turn must find the lane taken.
    auto observer = connect(server, database.name());
    const std::string running = "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO = 'DO SLEEP(1.5)'";
    for (int i = 0; i < 500 && value(*observer, running) == "0"; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pool.submit_turn({restore::Statement{"CREATE TABLE waited (id INT)", 2}}, {"big2"}, true);     // waits for it
    pool.submit_turn({restore::Statement{"INSERT INTO no_such_table VALUES (1)", 3}}, {"small"});  // fails
    try {
      pool.drain();
      ADD_FAILURE() << "the failing turn was not reported";
    } catch (const Error& error) {
      EXPECT_NE(std::string(error.what()).find("no_such_table"), std::string::npos) << error.what();
    }
  }
  auto check = connect(server, database.name());
  EXPECT_EQ(value(*check, fmt::format("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = {} AND "
                                      "TABLE_NAME = 'waited'",
                                      sql::quote_string(database.name()))),
            "0")
      << "the heavy turn that waited for its lane ran after the failure";
}

// A server with local_infile off gets the same rows as INSERT statements. (Other suites running
// meanwhile fall back the same way: the switch changes their speed, not their result.)
TEST(ParallelLoad, RowsGoAsInsertsWhenTheServerRefusesLocalData) {
  IFNBACKUP_REQUIRE_SERVER(server);
  TempDir work;
  const Script script = make_script(false);
  const fs::path file = write_script(work.path(), script);
  auto admin = connect(server, "");
  const std::string was = value(*admin, "SELECT @@GLOBAL.local_infile");
  admin->execute("SET GLOBAL local_infile = 0");
  ScratchDatabase database(server, "pl_noinfile");
  restore::LoadStats stats;
  try {
    stats = load(server, database.name(), file, 2);
  } catch (...) {
    admin->execute("SET GLOBAL local_infile = " + was);
    throw;
  }
  admin->execute("SET GLOBAL local_infile = " + was);
  EXPECT_EQ(stats.load_data_statements, 0u);
  auto check = connect(server, database.name());
  EXPECT_EQ(value(*check, "SELECT COUNT(*) FROM t"), std::to_string(k_statements * k_rows_per_statement));
  EXPECT_EQ(value(*check, "SELECT GROUP_CONCAT(DISTINCT UNIX_TIMESTAMP(ts)) FROM t"), "1767258000");
  EXPECT_EQ(value(*check, "SELECT COUNT(DISTINCT conn) FROM conns"), "2");
}

TEST(ParallelLoad, AFailingInsertStopsTheLoadAndNamesItsLine) {
  IFNBACKUP_REQUIRE_SERVER(server);
  TempDir work;
  const Script script = make_script(true);
  const fs::path file = write_script(work.path(), script);
  ScratchDatabase database(server, "pl_fail");
  try {
    load(server, database.name(), file, 2);
    FAIL() << "the duplicate key was not reported";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::server);
    const std::string message = error.what();
    EXPECT_NE(message.find(fmt::format("line {}:", script.duplicate_line)), std::string::npos) << message;
    EXPECT_NE(message.find("Duplicate entry '5'"), std::string::npos) << message;
    EXPECT_NE(message.find("error 1062"), std::string::npos) << message;
  }
  auto check = connect(server, database.name());
  EXPECT_EQ(value(*check, fmt::format("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '{}' "
                                      "AND TABLE_NAME = 'seen'",
                                      database.name())),
            "0")
      << "nothing after the failure ran";
}

// Our own files (issue 13): a session setting between tables no longer waits for the loading
// connections to be idle (a trigger's SET ... around its body beside another table's key build); each
// connection runs it before its next turn queued after it. So each table's rows still load under the
// settings their place in the file gives them: `t1` (spread over the connections) and `t3` at UTC,
// `t2` and `t4` (small, one turn) at +03:00 between them, whatever connection runs them.
TEST(ParallelLoad, ASessionSettingBetweenTablesReachesTheRowsAfterItAndNotThoseBefore) {
  IFNBACKUP_REQUIRE_SERVER(server);
  TempDir work;
  Script script;
  const auto add = [&](const std::string& statement) { script.add(statement); };
  auto table = [&](const std::string& name, int statements, int rows) {
    add(fmt::format("DROP TABLE IF EXISTS `{}`", name));
    add(
        fmt::format("CREATE TABLE `{}` (`id` int NOT NULL, `ts` timestamp NULL DEFAULT NULL, PRIMARY KEY (`id`)) "
                    "ENGINE=InnoDB",
                    name));
    for (int s = 0; s < statements; ++s) {
      std::string insert = fmt::format("INSERT INTO `{}` (`id`,`ts`) VALUES ", name);
      for (int r = 0; r < rows; ++r) {
        insert += fmt::format("{}({},'2026-01-01 12:00:00')", r == 0 ? "" : ",", s * rows + r);
      }
      add(insert);
    }
  };
  add("/*!40101 SET NAMES utf8mb4 */");
  add("/*!40103 SET TIME_ZONE='+00:00' */");
  add("/*!40101 SET SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */");
  table("t1", k_statements, k_rows_per_statement);
  add("/*!40103 SET TIME_ZONE='+03:00' */");
  table("t2", 1, 10);
  add("/*!40103 SET TIME_ZONE='+00:00' */");
  table("t3", k_statements, k_rows_per_statement);
  add("/*!40103 SET TIME_ZONE='+03:00' */");
  table("t4", 1, 10);
  add("/*!40103 SET TIME_ZONE='+00:00' */");
  const fs::path file = write_script(work.path(), script);
  for (const unsigned workers : {1u, 2u, 3u}) {
    SCOPED_TRACE(fmt::format("{} worker connection(s)", workers));
    ScratchDatabase database(server, "pl_set");
    auto main = connect(server, database.name());
    std::vector<std::unique_ptr<db::Connection>> connections;
    restore::LoadSettings settings;
    settings.ours = true;
    for (unsigned i = 0; i < workers; ++i) {
      connections.push_back(connect(server, database.name()));
      settings.workers.push_back(connections.back().get());
    }
    const auto stats = restore::load_script(*main, file, settings);
    EXPECT_EQ(stats.failed, 0u);
    // 12:00 at UTC is 1767268800, at +03:00 1767258000.
    for (const auto& [name, expected] : std::vector<std::pair<std::string, std::string>>{
             {"t1", "1767268800"}, {"t2", "1767258000"}, {"t3", "1767268800"}, {"t4", "1767258000"}}) {
      EXPECT_EQ(value(*main, fmt::format("SELECT GROUP_CONCAT(DISTINCT UNIX_TIMESTAMP(ts)) FROM {}", name)), expected)
          << name;
    }
    EXPECT_EQ(value(*main, "SELECT COUNT(*) FROM t1 WHERE id = 0"), "1") << "SQL_MODE reached every connection";
    EXPECT_EQ(value(*main, "SELECT COUNT(*) FROM t3"), std::to_string(k_statements * k_rows_per_statement));
  }
}

// The session settings queued for the loading connections (broadcast) are let go once every connection
// ran them, and the reader brings them all up to date past k_settings_backlog: a file of many routines'
// or triggers' blocks, or of nothing but SETs (signed, or --trust-unsigned), holds a bounded number of
// them, not one copy of each SET of the file. The rows after them still load under the last ones.
TEST(ParallelLoad, TheSessionSettingsHeldForTheLoadingConnectionsAreBounded) {
  IFNBACKUP_REQUIRE_SERVER(server);
  TempDir work;
  Script script;
  auto table = [&](const std::string& name) {
    script.add(fmt::format(
        "CREATE TABLE `{}` (`id` int NOT NULL, `ts` timestamp NULL DEFAULT NULL, PRIMARY KEY (`id`))", name));
    script.add(
        fmt::format("INSERT INTO `{}` (`id`,`ts`) VALUES (1,'2026-01-01 12:00:00'),(2,'2026-01-01 12:00:00')", name));
  };
  script.add("/*!40101 SET NAMES utf8mb4 */");
  script.add("/*!40103 SET TIME_ZONE='+00:00' */");
  table("t1");
  const std::size_t sets = restore::k_settings_backlog + restore::k_settings_backlog / 4;
  for (std::size_t i = 0; i < sets; ++i) {
    script.add(fmt::format("/*!40101 SET @ifn_test_{} = {} */", i % 7, i));
  }
  script.add("/*!40103 SET TIME_ZONE='+03:00' */");
  table("t2");
  const fs::path file = write_script(work.path(), script);
  ScratchDatabase database(server, "pl_bound");
  const auto stats = load(server, database.name(), file, 2, true);
  auto main = connect(server, database.name());
  EXPECT_EQ(stats.failed, 0u);
  EXPECT_LE(stats.most_settings_held, restore::k_settings_backlog + 1) << "of " << sets + 3 << " settings";
  // 12:00 at UTC is 1767268800, at +03:00 1767258000.
  EXPECT_EQ(value(*main, "SELECT GROUP_CONCAT(DISTINCT UNIX_TIMESTAMP(ts)) FROM t1"), "1767268800");
  EXPECT_EQ(value(*main, "SELECT GROUP_CONCAT(DISTINCT UNIX_TIMESTAMP(ts)) FROM t2"), "1767258000");
}

// A file of ours (signed, or --trust-unsigned) that turns FOREIGN_KEY_CHECKS back on between two tables,
// after a child's constraint that its rows break: the stock client added the constraint under the
// checks off. The loading connection that ran the next table's turn has run that SET already: the held
// constraint is added before it (as with any other setting, it would run under the checks on, copying
// the table and refusing the row that references nothing).
TEST(ParallelLoad, AHeldConstraintIsAddedUnderTheForeignKeyChecksOfItsPlace) {
  IFNBACKUP_REQUIRE_SERVER(server);
  TempDir work;
  Script script;
  script.add("/*!40101 SET NAMES utf8mb4 */");
  script.add("/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */");
  script.add("CREATE TABLE `a_parent` (`id` int NOT NULL, PRIMARY KEY (`id`)) ENGINE=InnoDB");
  script.add("INSERT INTO `a_parent` (`id`) VALUES (1),(2)");
  script.add("CREATE TABLE `b_child` (`id` int NOT NULL, `p` int DEFAULT NULL, PRIMARY KEY (`id`)) ENGINE=InnoDB");
  script.add("INSERT INTO `b_child` (`id`,`p`) VALUES (1,1),(2,99)");
  script.add(
      "ALTER TABLE `b_child`\n  ADD KEY `ix_p` (`p`),\n  ADD CONSTRAINT `fk_b_a` FOREIGN KEY (`p`) REFERENCES "
      "`a_parent` (`id`)");
  script.add("/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */");
  script.add("CREATE TABLE `c_more` (`id` int NOT NULL, PRIMARY KEY (`id`)) ENGINE=InnoDB");
  script.add("INSERT INTO `c_more` (`id`) VALUES (1),(2),(3)");
  const fs::path file = write_script(work.path(), script);
  ScratchDatabase by_client(server, "pl_fkc_client");
  const auto client = load_file(server, by_client.name(), file);
  ASSERT_EQ(client.exit_code, 0) << client.err;
  for (const unsigned workers : {1u, 2u}) {
    SCOPED_TRACE(fmt::format("{} worker connection(s)", workers));
    ScratchDatabase database(server, "pl_fkc");
    ASSERT_NO_THROW(load(server, database.name(), file, workers, true));
    auto main = connect(server, database.name());
    EXPECT_EQ(value(*main,
                    "SELECT COUNT(*) FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA "
                    "= DATABASE() AND CONSTRAINT_NAME = 'fk_b_a'"),
              "1");
    EXPECT_EQ(value(*main, "SELECT COUNT(*) FROM b_child"), "2");
    EXPECT_EQ(value(*main, "SELECT COUNT(*) FROM c_more"), "3");
  }
}

}  // namespace
}  // namespace ifnbackup::test
