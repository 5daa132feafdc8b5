// What loads while a big table's keys are built (issue 13): the deferred ALTER TABLE ... ADD KEY of the
// biggest table runs on one loading connection while the other tables go on on the others. Two things
// used to wait for that build to end: a table's trigger (its SET ... around the body made every loading
// connection idle first), and a parent table written before its child in the file but read after it
// (biggest first), whose child's foreign key was added before the parent was created, as if the file had
// the parent after. The build is held back here by a transaction of the test that reads the table (the
// ALTER waits for its metadata lock) until the test sees the other tables, their rows and triggers in:
// so they provably load beside the build, without depending on timing. The copy is identical, the
// constraint of the child, its actions and the triggers included; with the stock client's own order
// where it matters (a parent written after its child), and a held session setting applied on the
// loading connections in the file's order.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "ifnbackup/restore.hpp"
#include "sql/text.hpp"
#include "test_support.hpp"

namespace ifnbackup::test {
namespace {

namespace fs = std::filesystem;

// `a_parent`: over 1 MiB of rows, written first (its own range of the file); `big`, about three times
// that, with a UNIQUE and a plain key deferred and a foreign key to `a_parent` (ON DELETE CASCADE);
// `c_after` with a trigger; `d_more`, small.
void create_tables(db::Connection& connection) {
  connection.execute(
      "CREATE TABLE a_parent (id INT PRIMARY KEY, code CHAR(32) NOT NULL, note VARCHAR(80), UNIQUE KEY uq_code "
      "(code)) ENGINE=InnoDB");
  connection.execute("INSERT INTO a_parent SELECT seq, MD5(seq), REPEAT('p', 1 + seq % 60) FROM seq_1_to_14000");
  connection.execute(
      "CREATE TRIGGER a_parent_bu BEFORE UPDATE ON a_parent FOR EACH ROW SET NEW.note = CONCAT(NEW.note, '!')");
  connection.execute(
      "CREATE TABLE big (id INT PRIMARY KEY, parent_id INT, a INT NOT NULL, b VARCHAR(80), UNIQUE KEY uq_a (a), "
      "KEY ix_b (b), KEY ix_parent (parent_id), CONSTRAINT fk_big_parent FOREIGN KEY (parent_id) REFERENCES "
      "a_parent (id) ON DELETE CASCADE) ENGINE=InnoDB");
  connection.execute("INSERT INTO big SELECT seq, 1 + seq % 14000, seq * 3, REPEAT(MD5(seq), 2) FROM seq_1_to_36000");
  connection.execute("CREATE TABLE c_after (id INT PRIMARY KEY, note VARCHAR(20)) ENGINE=InnoDB");
  connection.execute("INSERT INTO c_after SELECT seq, CONCAT('n', seq) FROM seq_1_to_50");
  connection.execute("CREATE TRIGGER c_after_bi BEFORE INSERT ON c_after FOR EACH ROW SET NEW.note = UPPER(NEW.note)");
  connection.execute("CREATE TABLE d_more (id INT PRIMARY KEY, v INT) ENGINE=InnoDB");
  connection.execute("INSERT INTO d_more SELECT seq, seq * 7 FROM seq_1_to_40");
}

// Holds `big`'s key build from the moment the load sends it (its rows are in) until the test's watcher
// sees every other table loaded and every trigger created, or 20 s passed (then: not seen).
class HoldUntilTheRestIsIn {
 public:
  HoldUntilTheRestIsIn(const TestServer& server, std::string database)
      : m_server(server), m_database(std::move(database)) {}
  ~HoldUntilTheRestIsIn() { stop(); }

  void on_progress(const LoadProgress& progress) {
    if (progress.step != RestoreStep::building_indexes || progress.subject != "big" || m_started) {
      return;
    }
    m_started = true;
    m_holder = connect(m_server, m_database);
    m_holder->execute("START TRANSACTION");
    m_holder->query("SELECT COUNT(*) FROM big");  // its metadata lock: the ALTER waits for it
    m_watcher = std::thread([this] { watch(); });
  }

  // Whether the rest was seen in while the build was held.
  bool seen_while_held() {
    stop();
    return m_seen;
  }

 private:
  void watch() {
    auto watcher = connect(m_server, m_database);
    const std::string db = sql::quote_string(m_database);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      const auto in = watcher->query_value(fmt::format(
          "SELECT (SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = {0}) = 2 "
          "AND (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = {0}) = 4 "
          "AND (SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = {0} AND INFO LIKE 'ALTER TABLE `big`%' "
          "AND STATE LIKE '%metadata lock%') = 1",
          db));
      if (in.value_or("0") == "1") {
        // The rows too (read outside the held build's table: no wait).
        const auto rows = watcher->query_value(
            "SELECT (SELECT COUNT(*) FROM a_parent) = 14000 AND (SELECT COUNT(*) FROM c_after) = 50 AND "
            "(SELECT COUNT(*) FROM d_more) = 40");
        if (rows.value_or("0") == "1") {
          m_seen = true;
          break;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    const std::lock_guard lock(m_mutex);
    release_locked();
  }
  void release_locked() {
    if (m_holder) {
      m_holder->execute("COMMIT");
      m_holder.reset();
    }
  }
  void stop() {
    if (m_watcher.joinable()) {
      m_watcher.join();
    }
    const std::lock_guard lock(m_mutex);
    release_locked();
  }

  const TestServer& m_server;
  std::string m_database;
  std::mutex m_mutex;
  std::unique_ptr<db::Connection> m_holder;
  std::thread m_watcher;
  bool m_started = false;
  bool m_seen = false;
};

TEST(RestoreBesideKeyBuild, OtherTablesAndTheirTriggersLoadWhileTheBiggestTablesKeysAreBuilt) {
  IFNBACKUP_REQUIRE_SERVER(server);
  ScratchDatabase database(server, "rbkb");
  auto connection = connect(server, database.name());
  create_tables(*connection);
  const Fingerprint before = fingerprint_database(*connection, database.name());
  TempDir work;
  const fs::path backups = work.path() / "backups";
  const fs::path file = backup_of(server, database.name(), backups);

  HoldUntilTheRestIsIn hold(server, database.name());
  RestoreOptions options;
  options.connection = connection_options(server, database.name());
  options.backup_dir = backups;
  options.file = file.string();
  options.threads = 2;
  RestoreCallbacks callbacks;
  callbacks.confirm = [](const RestorePlan&) { return true; };
  callbacks.progress = [&hold](const LoadProgress& progress) { hold.on_progress(progress); };
  // What the restore logs, kept (the order it read the file in).
  std::ostringstream logged;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(logged);
  spdlog::default_logger()->sinks().push_back(sink);
  const RestoreResult result = run_restore(options, callbacks);
  auto& sinks = spdlog::default_logger()->sinks();
  sinks.erase(std::remove(sinks.begin(), sinks.end(), sink), sinks.end());
  EXPECT_TRUE(hold.seen_while_held()) << "the other tables, their rows and triggers were not in before big's "
                                         "key build ended";
  for (const auto& check : result.checks) {
    EXPECT_EQ(check.proof, ProofVerdict::identical) << check.table;
  }
  expect_same_fingerprint(before, fingerprint_database(*connection, database.name()));
  // Biggest first: `big`, then `a_parent`, which the file has before it (no wait for the build there).
  const std::string log = logged.str();
  EXPECT_NE(log.find("reading the file biggest table first (section index): `big`"), std::string::npos) << log;
  // The constraint holds, its action runs; the triggers fire.
  EXPECT_EQ(connection->run_statement("INSERT INTO big (id, parent_id, a) VALUES (99999, 77777, -1)").error_number,
            1452u);
  connection->execute("START TRANSACTION");
  connection->execute("DELETE FROM a_parent WHERE id = 5");
  EXPECT_EQ(connection->query_value("SELECT COUNT(*) FROM big WHERE parent_id = 5").value_or(""), "0");
  connection->execute("UPDATE a_parent SET note = 'x' WHERE id = 6");
  EXPECT_EQ(connection->query_value("SELECT note FROM a_parent WHERE id = 6").value_or(""), "x!");
  connection->execute("INSERT INTO c_after VALUES (100, 'low')");
  EXPECT_EQ(connection->query_value("SELECT note FROM c_after WHERE id = 100").value_or(""), "LOW");
  connection->execute("ROLLBACK");
}

}  // namespace
}  // namespace ifnbackup::test
