// The content proof read while the last key builds run (issue 13): once every table's rows are in, the
// proof reads beside a big table's deferred ALTER TABLE ... ADD KEY instead of after it. The build is
// held back by a transaction of the test that reads the table (the ALTER waits for its metadata lock),
// let go when the restore reports the proof: so the proof provably starts before the build ends, and
// the test does not depend on timing. A changed row is still found, a UNIQUE key the rows break still
// fails and rolls back, the held foreign keys, a trigger and an event are restored and proven.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "ifnbackup/error.hpp"
#include "ifnbackup/restore.hpp"
#include "sign/file_signature.hpp"
#include "sign/signing_key.hpp"
#include "test_support.hpp"

namespace ifnbackup::test {
namespace {

namespace fs = std::filesystem;

// `big`: over 1 MiB of rows (loaded spread, its keys built on a loading connection after them), a
// UNIQUE and a plain key deferred; `child` with a foreign key to it (held until the end); `zz_audit`
// last, with a trigger; an event.
void create_tables(db::Connection& connection) {
  connection.execute(
      "CREATE TABLE big (id INT PRIMARY KEY, a INT NOT NULL, b VARCHAR(80), UNIQUE KEY uq_a (a), KEY ix_b (b)) "
      "ENGINE=InnoDB");
  connection.execute("INSERT INTO big SELECT seq, seq * 3, REPEAT(MD5(seq), 2) FROM seq_1_to_20000");
  connection.execute(
      "CREATE TABLE child (id INT PRIMARY KEY, big_id INT, KEY ix_big (big_id), CONSTRAINT fk_big FOREIGN KEY "
      "(big_id) REFERENCES big (id)) ENGINE=InnoDB");
  connection.execute("INSERT INTO child SELECT seq, seq * 2 FROM seq_1_to_300");
  connection.execute("CREATE TABLE zz_audit (id INT PRIMARY KEY, note VARCHAR(20)) ENGINE=InnoDB");
  connection.execute("INSERT INTO zz_audit VALUES (1, 'one'), (2, 'two')");
  connection.execute(
      "CREATE TRIGGER zz_audit_bi BEFORE INSERT ON zz_audit FOR EACH ROW SET NEW.note = UPPER(NEW.note)");
  connection.execute("CREATE EVENT purge_audit ON SCHEDULE EVERY 1 DAY DISABLE DO DELETE FROM zz_audit WHERE id < 0");
}

// Holds `big`'s key build back from the moment the load is about to send it (its rows are in) until the
// restore reports its proof; `prepare` runs first, on the test's own connection (a change to the rows).
// Every look at PROCESSLIST in this file is at the test's own database (DB = DATABASE() of a connection
// to it): the suites beside it under ctest -j2 run statements of the same shapes (the other tests here
// hold an ALTER TABLE `big` too, a dump waits at a locked table with a SELECT ... FROM `t`).
class KeyBuildHold {
 public:
  KeyBuildHold(const TestServer& server, const std::string& database, std::string prepare = {})
      : m_server(server), m_database(database), m_prepare(std::move(prepare)) {}
  // Let go only once the proof's read of `big` waits behind the build (its snapshot begun): the build
  // then ends before that read, in the snapshot.
  void release_when_the_proof_waits() { m_release_when_waited = true; }
  // Let go only by release() (or the watchdog); `big` held by LOCK TABLES WRITE (the build cannot
  // even begin: a build that copies its table then copies it after the proof's snapshot began).
  void release_by_the_test() { m_release_by_test = true; }
  void release() {
    const std::lock_guard lock(m_mutex);
    release_locked();
  }
  ~KeyBuildHold() { stop(); }

  void on_progress(const LoadProgress& progress) {
    if (progress.step == RestoreStep::building_indexes && progress.subject == "big" && !m_holder && !m_done) {
      auto holder = connect(m_server, m_database);
      if (!m_prepare.empty()) {
        holder->execute(m_prepare);
      }
      if (m_release_by_test) {
        holder->execute("LOCK TABLES big WRITE");
      } else {
        holder->execute("START TRANSACTION");
        holder->query("SELECT COUNT(*) FROM big");  // its metadata lock: the ALTER waits for it
      }
      const std::lock_guard lock(m_mutex);
      m_holder = std::move(holder);
      // Without a proof beside the build, the load waits for it: let go after a while all the same.
      m_watchdog = std::thread([this] {
        std::unique_lock wait(m_mutex);
        if (!m_changed.wait_for(wait, std::chrono::seconds(10), [this] { return m_done; })) {
          release_locked();
        }
      });
    } else if (progress.step == RestoreStep::proving) {
      const std::lock_guard lock(m_mutex);
      if (m_holder) {
        m_proof_while_held = true;
        if (m_release_by_test) {
          // release()
        } else if (!m_release_when_waited) {
          release_locked();
        } else if (!m_waiter.joinable()) {
          // The build waits for the holder (not still copying rows, which a reader could pass).
          auto watcher = connect(m_server, m_database);
          for (int i = 0;
               i < 400 &&
               watcher->query_value("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND "
                                    "INFO LIKE 'ALTER TABLE `big`%' AND STATE LIKE "
                                    "'%metadata lock%'")
                       .value_or("0") == "0";
               ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
          }
          m_waiter = std::thread([this] { release_when_waited(); });
        }
      }
    }
  }
  bool proof_while_held() {
    stop();
    return m_proof_while_held;
  }

 private:
  void release_locked() {
    if (m_holder) {
      m_holder->execute("COMMIT");
      m_holder->execute("UNLOCK TABLES");
      m_holder.reset();
    }
    m_done = true;
    m_changed.notify_all();
  }
  void stop() {
    {
      const std::lock_guard lock(m_mutex);
      release_locked();
    }
    if (m_watchdog.joinable()) {
      m_watchdog.join();
    }
    if (m_waiter.joinable()) {
      m_waiter.join();
    }
  }
  void release_when_waited() {
    auto watcher = connect(m_server, m_database);
    for (int i = 0; i < 200; ++i) {
      if (watcher
              ->query_value("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND INFO LIKE "
                            "'%FORCE INDEX (PRIMARY)%' AND STATE LIKE '%metadata lock%'")
              .value_or("0") != "0") {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    const std::lock_guard lock(m_mutex);
    release_locked();
  }

  const TestServer& m_server;
  std::string m_database;
  std::string m_prepare;
  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::unique_ptr<db::Connection> m_holder;
  std::thread m_watchdog;
  std::thread m_waiter;
  bool m_release_when_waited = false;
  bool m_release_by_test = false;
  bool m_done = false;
  bool m_proof_while_held = false;
};

struct Restore {
  RestoreOptions options;
  RestoreCallbacks callbacks;
};

Restore restore_of(const TestServer& server, const std::string& database, const fs::path& backups, const fs::path& file,
                   KeyBuildHold& hold) {
  Restore restore;
  restore.callbacks.confirm = [](const RestorePlan&) { return true; };
  restore.callbacks.progress = [&hold](const LoadProgress& progress) { hold.on_progress(progress); };
  restore.options.connection = connection_options(server, database);
  restore.options.backup_dir = backups;
  restore.options.file = file.string();
  restore.options.threads = 2;
  return restore;
}

TEST(ProofBesideKeys, TheProofReadsWhileTheLastKeysAreBuilt) {
  IFNBACKUP_REQUIRE_SERVER(server);
  ScratchDatabase database(server, "pbk_same");
  auto connection = connect(server, database.name());
  create_tables(*connection);
  const Fingerprint before = fingerprint_database(*connection, database.name());
  TempDir work;
  const fs::path backups = work.path() / "backups";
  const fs::path file = backup_of(server, database.name(), backups);
  KeyBuildHold hold(server, database.name());
  auto restore = restore_of(server, database.name(), backups, file, hold);
  // The other tables cut into key ranges on both readers (tests keep tables small); `big`, being built,
  // read whole by one of them, by its primary key.
  ::setenv("IFNBACKUP_TEST_PROOF_SPLIT_ROWS", "10", 1);
  const RestoreResult result = run_restore(restore.options, restore.callbacks);
  ::unsetenv("IFNBACKUP_TEST_PROOF_SPLIT_ROWS");
  EXPECT_TRUE(hold.proof_while_held()) << "the proof did not start before big's key build ended";
  EXPECT_EQ(result.checks.size(), 3u);
  for (const auto& check : result.checks) {
    EXPECT_EQ(check.proof, ProofVerdict::identical) << check.table;
    EXPECT_EQ(check.actual, check.expected) << check.table;
  }
  // The keys, the foreign key held until the end, the trigger and the event: as they were.
  expect_same_fingerprint(before, fingerprint_database(*connection, database.name()));
}

// A restore of `database`'s own backup into it that must fail: `prepare` changes big's rows once they
// are in, before its keys are built. Its error (none: an ADD_FAILURE), and whether the proof started
// while the build was held back.
std::optional<Error> failed_restore(const TestServer& server, const std::string& database, const std::string& prepare,
                                    bool& proof_while_held) {
  TempDir work;
  const fs::path backups = work.path() / "backups";
  const fs::path file = backup_of(server, database, backups);
  KeyBuildHold hold(server, database, prepare);
  auto restore = restore_of(server, database, backups, file, hold);
  std::optional<Error> failed;
  try {
    run_restore(restore.options, restore.callbacks);
    ADD_FAILURE() << "the restore succeeded after: " << prepare;
  } catch (const Error& error) {
    failed = error;
  }
  proof_while_held = hold.proof_while_held();
  return failed;
}

TEST(ProofBesideKeys, AChangedRowIsFoundBesideTheKeyBuild) {
  IFNBACKUP_REQUIRE_SERVER(server);
  ScratchDatabase database(server, "pbk_changed");
  auto connection = connect(server, database.name());
  create_tables(*connection);
  bool proof_while_held = false;
  const auto error =
      failed_restore(server, database.name(), "UPDATE big SET b = 'changed' WHERE id = 19999", proof_while_held);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code(), ErrorCode::content_mismatch) << error->what();
  EXPECT_NE(std::string(error->what()).find("`big`"), std::string::npos) << error->what();
  EXPECT_TRUE(proof_while_held) << "the proof did not start before big's key build ended";
  // Rolled back: the row as it was.
  EXPECT_EQ(connection->query_value("SELECT b = REPEAT(MD5(19999), 2) FROM big WHERE id = 19999").value_or(""), "1");
}

TEST(ProofBesideKeys, AUniqueKeyTheRowsBreakFailsAndRollsBack) {
  IFNBACKUP_REQUIRE_SERVER(server);
  ScratchDatabase database(server, "pbk_unique");
  auto connection = connect(server, database.name());
  create_tables(*connection);
  bool proof_while_held = false;
  // A row whose `a` another has: the deferred ADD UNIQUE KEY fails while the proof reads.
  const auto error =
      failed_restore(server, database.name(), "INSERT INTO big VALUES (30000, 3, 'duplicate a')", proof_while_held);
  ASSERT_TRUE(error);
  // The build's error, rolled back (not a content mismatch, never "identical").
  EXPECT_EQ(error->code(), ErrorCode::restore_rolled_back) << error->what();
  EXPECT_NE(std::string(error->what()).find("Duplicate entry '3' for key 'uq_a'"), std::string::npos) << error->what();
  EXPECT_TRUE(proof_while_held) << "the proof did not start before big's key build ended";
  EXPECT_EQ(connection->query_value("SELECT COUNT(*) FROM big").value_or(""), "20000");
  EXPECT_EQ(connection
                ->query_value("SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = "
                              "DATABASE() AND TABLE_NAME = 'big' AND INDEX_NAME = 'uq_a'")
                .value_or(""),
            "1");
}

// The first id of a connection of PROCESSLIST, in the watcher's database, whose statement is like `info`
// and which waits for a metadata lock; 0 after `tries` polls without one.
std::string waiting_connection(db::Connection& watcher, const std::string& info, int tries = 400) {
  for (int i = 0; i < tries; ++i) {
    const auto id =
        watcher.query_value(fmt::format("SELECT ID FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND INFO "
                                        "LIKE '{}' AND STATE LIKE '%metadata lock%' "
                                        "ORDER BY ID LIMIT 1",
                                        info));
    if (id) {
      return *id;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return "0";
}

// A file whose deferred key looks built in place but is not: `ADD UNIQUE KEY u (txt)` on a TEXT column,
// its "USING HASH" blanked out (a crafted file, or one from a server with longer keys), which the server
// makes a long UNIQUE by copying the table. The build ends (released) after the proof's snapshot began
// and before it reads `big` (its two readers held on `other1` and `other2`, which have more rows, by
// another client's ALTER): the copy is newer than the snapshot (error 1412). The proof is then read
// after the load, as before: the restore does not fail where the stock client would not.
TEST(ProofBesideKeys, AKeyBuildThatCopiesItsTableIsProvenAfterTheLoad) {
  IFNBACKUP_REQUIRE_SERVER(server);
  ScratchDatabase database(server, "pbk_copy");
  auto connection = connect(server, database.name());
  connection->execute(
      "CREATE TABLE big (id INT PRIMARY KEY, txt TEXT, b VARCHAR(80), UNIQUE KEY u (txt)) ENGINE=InnoDB");
  connection->execute("INSERT INTO big SELECT seq, REPEAT(MD5(seq), 2), REPEAT(MD5(seq), 2) FROM seq_1_to_20000");
  for (const std::string other : {"other1", "other2"}) {
    connection->execute("CREATE TABLE " + other + " (id INT PRIMARY KEY) ENGINE=InnoDB");
    connection->execute("INSERT INTO " + other + " SELECT seq FROM seq_1_to_30000");
  }
  const Fingerprint before = fingerprint_database(*connection, database.name());
  TempDir work;
  const fs::path backups = work.path() / "backups";
  const fs::path ours = backup_of(server, database.name(), backups);
  // The same SQL but that key moved from its CREATE TABLE to an ALTER after its rows, without
  // "USING HASH", sealed and signed again (without its section index).
  const fs::path plain = work.path() / "crafted.sql";
  const auto edited = run_bash(
      R"sh(set -e; gunzip -c "$1" | grep -v '^-- ifnbackup-sha256: \|^-- ifnbackup-signature: \|^-- Dump completed' |
           sed -e '/^-- ifnbackup-index-begin/,/^-- ifnbackup-index-at: /d' \
               -e '/^  UNIQUE KEY `u` (`txt`) USING HASH$/d' -e 's/^  PRIMARY KEY (`id`),$/  PRIMARY KEY (`id`)/' \
               -e 's/^-- Table structure for table `other1`$/ALTER TABLE `big`\n  ADD UNIQUE KEY `u` (`txt`);\n&/' \
           > "$2"
           grep -q '^  ADD UNIQUE KEY `u` (`txt`);$' "$2")sh",
      {ours.string(), plain.string()});
  ASSERT_EQ(edited.exit_code, 0) << edited.err;
  const std::string content = read_file(plain);
  const std::string sha256 = sha256sum_of(content);
  const auto key = sign::SigningKey::load_existing({});
  ASSERT_TRUE(key);
  const std::string signature =
      sign::format_signature_line(key->public_key(), key->sign(sign::signed_message(sha256, content.size(), "")));
  const fs::path file = work.path() / "crafted.sql.gz";
  const auto sealed = run_bash(
      R"sh(set -e; { cat "$1"; printf -- '-- ifnbackup-sha256: %s bytes=%d\n%s' "$3" "$(stat -c %s "$1")" "$4"
                     echo '-- Dump completed on 2026-01-01 00:00:00'; } | gzip -c > "$2")sh",
      {plain.string(), file.string(), sha256, signature});
  ASSERT_EQ(sealed.exit_code, 0) << sealed.err;
  KeyBuildHold hold(server, database.name());
  hold.release_by_the_test();
  auto restore = restore_of(server, database.name(), backups, file, hold);
  // When the proof is about to start: other1 and other2 read in transactions of the test's, an ALTER
  // of each waiting behind; once the proof's reader waits (for one of them, or for big: beside one
  // key build on 2 threads the proof reads on one connection), big's build let go, and once it ended,
  // those ALTERs killed.
  std::vector<std::unique_ptr<db::Connection>> reading;
  std::vector<std::thread> altering;
  std::thread ordering;
  restore.callbacks.progress = [&](const LoadProgress& progress) {
    if (progress.step == RestoreStep::proving && reading.empty()) {
      auto watcher = connect(server, database.name());
      std::vector<std::string> alters;
      for (const std::string other : {"other1", "other2"}) {
        reading.push_back(connect(server, database.name()));
        reading.back()->execute("START TRANSACTION");
        reading.back()->query("SELECT COUNT(*) FROM " + other);
        altering.emplace_back([&server, &database, other] {
          auto alter = connect(server, database.name());
          (void)alter->run_statement("ALTER TABLE " + other + " COMMENT 'changed'");
        });
        alters.push_back(waiting_connection(*watcher, "ALTER TABLE " + other + "%"));
      }
      ordering = std::thread([&, alters] {
        auto orderer = connect(server, database.name());
        for (int i = 0;
             i < 400 && orderer->query_value("SELECT COUNT(*) FROM information_schema.PROCESSLIST "
                                             "WHERE DB = DATABASE() AND INFO LIKE 'SELECT %FROM `%' AND STATE LIKE "
                                             "'%metadata lock%'")
                                .value_or("0") == "0";
             ++i) {
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        hold.release();
        for (int i = 0; i < 400 && orderer->query_value("SELECT COUNT(*) FROM information_schema.PROCESSLIST "
                                                        "WHERE DB = DATABASE() AND INFO LIKE 'ALTER TABLE `big`%'")
                                           .value_or("0") != "0";
             ++i) {
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        for (std::size_t i = 0; i < alters.size(); ++i) {
          // (An ALTER that already ended, error 1094, leaves nothing to kill; a throw here would end the
          // test's process.)
          (void)orderer->run_statement("KILL QUERY " + alters[i]);
          reading[i]->execute("COMMIT");
        }
      });
    }
    hold.on_progress(progress);
  };
  std::optional<RestoreResult> result;
  try {
    result = run_restore(restore.options, restore.callbacks);
  } catch (const Error& error) {
    ADD_FAILURE() << error.what();
  }
  if (ordering.joinable()) {
    ordering.join();
  }
  for (auto& alter : altering) {
    alter.join();
  }
  EXPECT_TRUE(hold.proof_while_held()) << "the proof did not start before big's key build ended";
  ASSERT_TRUE(result);
  EXPECT_EQ(result->checks.size(), 3u);
  for (const auto& check : result->checks) {
    EXPECT_EQ(check.proof, ProofVerdict::identical) << check.table;
  }
  expect_same_fingerprint(before, fingerprint_database(*connection, database.name()));
}

// A read of the proof beside the key builds fails (a DBA's KILL QUERY of its SELECT of `other`, held
// behind another client's ALTER), while big's build waits to commit for the snapshot that read big:
// the restore fails and rolls back, it does not wait for that build (which waits for the snapshot, a
// day: lock_wait_timeout). Unstuck by the test after 60 s: a failure.
TEST(ProofBesideKeys, AFailedReadEndsTheSnapshotTheBuildsWaitFor) {
  IFNBACKUP_REQUIRE_SERVER(server);
  ScratchDatabase database(server, "pbk_killed");
  auto connection = connect(server, database.name());
  create_tables(*connection);
  connection->execute("CREATE TABLE other (id INT PRIMARY KEY, v VARCHAR(40)) ENGINE=InnoDB");
  connection->execute("INSERT INTO other SELECT seq, MD5(seq) FROM seq_1_to_5000");
  const Fingerprint before = fingerprint_database(*connection, database.name());
  TempDir work;
  const fs::path backups = work.path() / "backups";
  const fs::path file = backup_of(server, database.name(), backups);
  KeyBuildHold hold(server, database.name());
  hold.release_when_the_proof_waits();
  auto restore = restore_of(server, database.name(), backups, file, hold);
  // When the proof is about to start: `other` read in a transaction of the test's, and an ALTER of it
  // waiting behind, so that the proof's read of `other` waits; that read is killed, then that ALTER.
  std::unique_ptr<db::Connection> reading_other;
  std::thread altering;
  std::thread killing;
  std::atomic<bool> finished = false;
  std::atomic<bool> unstuck = false;
  restore.callbacks.progress = [&](const LoadProgress& progress) {
    if (progress.step == RestoreStep::proving && !reading_other) {
      reading_other = connect(server, database.name());
      reading_other->execute("START TRANSACTION");
      reading_other->query("SELECT COUNT(*) FROM other");
      altering = std::thread([&] {
        auto alter = connect(server, database.name());
        (void)alter->run_statement("ALTER TABLE other COMMENT 'changed'");
      });
      auto watcher = connect(server, database.name());
      const std::string alter = waiting_connection(*watcher, "ALTER TABLE other%");
      killing = std::thread([&, alter] {
        auto killer = connect(server, database.name());
        const std::string select = waiting_connection(*killer, "SELECT %`other`%");
        if (select != "0") {
          killer->execute("KILL QUERY " + select);
        }
        killer->execute("KILL QUERY " + alter);
        reading_other->execute("COMMIT");  // before the restore's roll-back, which drops `other`
        // The restore has 60 s to fail; then its builds are killed (its proof waited for them).
        for (int i = 0; i < 600 && !finished; ++i) {
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        if (!finished) {
          unstuck = true;
          for (const auto& row :
               killer
                   ->query("SELECT ID FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND INFO LIKE "
                           "'ALTER TABLE `big`%'")
                   .rows) {
            killer->execute("KILL " + row.at(0).value_or("0"));
          }
        }
      });
    }
    hold.on_progress(progress);
  };
  std::optional<Error> failed;
  try {
    run_restore(restore.options, restore.callbacks);
  } catch (const Error& error) {
    failed = error;
  }
  finished = true;
  if (killing.joinable()) {
    killing.join();
  }
  if (altering.joinable()) {
    altering.join();
  }
  ASSERT_TRUE(failed) << "the restore succeeded with a read of its proof killed";
  EXPECT_FALSE(unstuck) << "the restore waited for a key build that waited for its proof's snapshot";
  EXPECT_TRUE(hold.proof_while_held()) << "the proof did not start before big's key build ended";
  expect_same_fingerprint(before, fingerprint_database(*connection, database.name()));
}

}  // namespace
}  // namespace ifnbackup::test
