// A backup is one consistent snapshot: while a writer moves money between two accounts (and logs
// each transfer in another table, in the same transaction) for the whole length of the dump, the
// restored accounts still hold the same total and agree with the restored transfer log.
// Tables sort as accounts, filler, transfers: the filler sits between the two related tables, and
// another session holds it (LOCK TABLES ... WRITE) until the writer has committed 20 transfers, so the
// dump, its snapshot taken, waits there while the writer runs: how many commits fall within the dump
// no longer depends on how fast the dump or the disk's fsync is (a 0.3 s dump against commits slowed
// by a loaded disk saw fewer than 20).
#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "ifnbackup/backup.hpp"
#include "sql/text.hpp"
#include "test_support.hpp"

namespace ifnbackup::test {
namespace {

constexpr long k_total = 2000;

long as_long(const std::optional<std::string>& value) {
  return value ? std::stol(*value) : -1;
}

TEST(BackupConsistency, TransfersDuringTheDumpRestoreToOneSnapshot) {
  IFNBACKUP_REQUIRE_SERVER(server);
  ScratchDatabase source(server, "consistency_src");
  const auto setup = mariadb_client(server, source.name(), R"(
CREATE TABLE a_accounts (id INT PRIMARY KEY, balance BIGINT NOT NULL) ENGINE=InnoDB;
INSERT INTO a_accounts VALUES (1, 1000), (2, 1000);
CREATE TABLE m_filler (id INT PRIMARY KEY, h CHAR(32) NOT NULL, pad VARCHAR(64) NOT NULL) ENGINE=InnoDB;
INSERT INTO m_filler SELECT seq, MD5(seq), REPEAT(CHAR(65 + seq % 26), 40) FROM seq_1_to_200000;
CREATE TABLE z_transfers (id INT AUTO_INCREMENT PRIMARY KEY, from_id INT NOT NULL, to_id INT NOT NULL,
                          amount BIGINT NOT NULL) ENGINE=InnoDB;
)");
  ASSERT_EQ(setup.exit_code, 0) << setup.err;

  // Opened here: connecting from two threads at once is not safe in Connector/C.
  auto writer_connection = connect(server, source.name());
  std::atomic<bool> stop{false};
  std::atomic<long> commits{0};
  std::string writer_error;
  std::thread writer([&] {
    try {
      for (long i = 0; !stop.load(); ++i) {
        const int from = i % 2 == 0 ? 1 : 2;
        const int to = 3 - from;
        const long amount = 1 + i % 7;
        writer_connection->execute("START TRANSACTION");
        writer_connection->execute(
            fmt::format("UPDATE a_accounts SET balance = balance - {} WHERE id = {}", amount, from));
        writer_connection->execute(
            fmt::format("UPDATE a_accounts SET balance = balance + {} WHERE id = {}", amount, to));
        writer_connection->execute(
            fmt::format("INSERT INTO z_transfers (from_id, to_id, amount) VALUES ({}, {}, {})", from, to, amount));
        writer_connection->execute("COMMIT");
        commits.fetch_add(1);
      }
    } catch (const std::exception& error) {
      writer_error = error.what();
    }
  });
  // Let the writer get going before the snapshot.
  while (commits.load() < 5 && writer_error.empty()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }

  // Opened before the dump's thread starts, as the writer's: the holder of m_filler and a watcher.
  auto holder = connect(server, source.name());
  holder->execute("LOCK TABLES m_filler WRITE");
  auto watcher = connect(server, "");
  const std::string waiting = fmt::format(
      "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = {} AND INFO LIKE '%m_filler%' AND STATE LIKE "
      "'Waiting for table metadata lock%' AND INFO NOT LIKE '%PROCESSLIST%'",
      sql::quote_string(source.name()));

  TempDir work;
  BackupOptions options;
  options.connection = connection_options(server, source.name());
  options.backup_dir = work.path() / "backups";
  const long before = commits.load();
  BackupResult result;
  std::string backup_error;
  std::atomic<bool> backup_ended{false};
  std::thread dump([&] {
    try {
      result = run_backup(options);
    } catch (const std::exception& error) {
      backup_error = error.what();
    }
    backup_ended = true;
  });
  bool held = false;
  for (int i = 0; i < 1200 && !held && !backup_ended; ++i) {
    held = watcher->query_value(waiting).value_or("0") != "0";
    if (!held) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  // The dump waits for m_filler, its snapshot taken: 20 transfers committed meanwhile (at most a minute).
  const long at_hold = commits.load();
  for (int i = 0; i < 12000 && held && commits.load() < at_hold + 20 && writer_error.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  holder->execute("UNLOCK TABLES");
  dump.join();
  const long after = commits.load();
  stop.store(true);
  writer.join();
  ASSERT_TRUE(backup_error.empty()) << backup_error;
  ASSERT_TRUE(writer_error.empty()) << "writer: " << writer_error;
  EXPECT_TRUE(held) << "the dump was never seen waiting for m_filler, its snapshot taken";
  EXPECT_GE(after - before, 20) << "the writer must really run during the dump: only " << (after - before)
                                << " commits in " << result.duration.count() << " ms";

  ScratchDatabase target(server, "consistency_dst");
  const auto restored = load_file(server, target.name(), result.file);
  ASSERT_EQ(restored.exit_code, 0) << restored.err;

  auto check = connect(server, target.name());
  EXPECT_EQ(as_long(check->query_value("SELECT SUM(balance) FROM a_accounts")), k_total);
  EXPECT_EQ(as_long(check->query_value("SELECT COUNT(*) FROM m_filler")), 200000);
  const long transfers = as_long(check->query_value("SELECT COUNT(*) FROM z_transfers"));
  // The snapshot lies between the commits seen before and after the run.
  EXPECT_GE(transfers, before);
  EXPECT_LE(transfers, after);
  // Account 1 holds exactly what the restored transfer log says it should.
  const long net_out_of_1 =
      as_long(check->query_value("SELECT COALESCE(SUM(IF(from_id = 1, amount, -amount)), 0) FROM z_transfers"));
  EXPECT_EQ(as_long(check->query_value("SELECT balance FROM a_accounts WHERE id = 1")), 1000 - net_out_of_1)
      << transfers << " transfers restored; the accounts come from another moment than the log";
  // The log has no gaps: ids 1..N, as committed.
  EXPECT_EQ(as_long(check->query_value("SELECT COALESCE(MAX(id), 0) FROM z_transfers")), transfers);
  // The manifest counted the rows of that same snapshot.
  for (const auto& table : result.tables) {
    if (table.name == "z_transfers") {
      EXPECT_EQ(static_cast<long>(table.rows), transfers);
    }
  }
}

// A statement time limit of the server (here set by the option file's init-command, as a global one
// would be) does not reach our sessions: a big table's read, the proof's or the dump's, is not killed.
TEST(BackupConsistency, AServerStatementTimeLimitDoesNotKillOurReads) {
  IFNBACKUP_REQUIRE_SERVER(server);
  if (!connect(server, "")->server().is_mariadb) {
    GTEST_SKIP() << "max_statement_time is MariaDB's";
  }
  ScratchDatabase database(server, "limit");
  TempDir dir;
  const auto limited = dir.path() / "limited.cnf";
  {
    std::ifstream in(server.defaults_file);
    std::ofstream out(limited);
    out << in.rdbuf() << "\n[client]\ninit-command=SET SESSION max_statement_time = 0.001\n";
  }
  ::chmod(limited.c_str(), 0600);
  ConnectionOptions options = connection_options(server, database.name());
  options.defaults_file = limited.string();
  auto connection = db::Connection::open(options);
  EXPECT_EQ(connection->query_value("SELECT @@max_statement_time"), std::optional<std::string>("0.000000"));
  EXPECT_EQ(connection->query_value("SELECT SUM(seq % 2) FROM seq_1_to_2000000"),
            std::optional<std::string>("1000000"));
}

}  // namespace
}  // namespace ifnbackup::test
