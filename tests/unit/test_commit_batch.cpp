// The replay's commit batching (binlog/commit_batch.hpp): what it hands the server for the statements
// mariadb-binlog writes. The end state against the stock client: tests/cli/test_pitr_batched.sh.
#include "binlog/commit_batch.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace ifnbackup::binlog {
namespace {

struct Recorder {
  std::vector<std::string> ran;
  CommitBatch batch;
  explicit Recorder(CommitBatch::Limits limits = {})
      : batch(limits, "ifnbackup_replay_batch", [this](std::string_view sql) { ran.emplace_back(sql); }) {}
  void feed(std::initializer_list<std::string_view> statements) {
    for (const auto statement : statements) {
      batch.feed(statement);
    }
  }
};

const std::string k_savepoint = "SAVEPOINT ifnbackup_replay_batch";
const std::string k_back = "ROLLBACK TO SAVEPOINT ifnbackup_replay_batch";

TEST(TransactionWord, ReadsTheWordsAsTheServerDoes) {
  EXPECT_EQ(transaction_word("START TRANSACTION\n"), TransactionWord::begin);
  EXPECT_EQ(transaction_word("BEGIN"), TransactionWord::begin);
  EXPECT_EQ(transaction_word("begin work"), TransactionWord::begin);
  EXPECT_EQ(transaction_word("\nCOMMIT"), TransactionWord::commit);
  EXPECT_EQ(transaction_word("COMMIT/*!*/"), TransactionWord::commit);
  EXPECT_EQ(transaction_word("ROLLBACK /* added by mysqlbinlog */"), TransactionWord::rollback);
  EXPECT_EQ(transaction_word("Rollback Work"), TransactionWord::rollback);
  EXPECT_EQ(transaction_word("ROLLBACK TO SAVEPOINT a"), TransactionWord::none);
  EXPECT_EQ(transaction_word("ROLLBACK AND CHAIN"), TransactionWord::none);
  EXPECT_EQ(transaction_word("COMMIT AND CHAIN"), TransactionWord::none);
  EXPECT_EQ(transaction_word("BEGIN NOT ATOMIC SELECT 1; END"), TransactionWord::none);
  EXPECT_EQ(transaction_word("START TRANSACTION WITH CONSISTENT SNAPSHOT"), TransactionWord::none);
  EXPECT_EQ(transaction_word("INSERT INTO t VALUES (1)"), TransactionWord::none);
  EXPECT_EQ(transaction_word("'COMMIT'"), TransactionWord::none);
  EXPECT_EQ(transaction_word(""), TransactionWord::none);
}

TEST(CommitBatch, TransactionsShareOneCommitTheirBeginsAndCommitsLeftOut) {
  Recorder r;
  r.feed({"SET TIMESTAMP=1", "START TRANSACTION", "INSERT INTO t VALUES (1)", "COMMIT", "SET TIMESTAMP=2",
          "START TRANSACTION", "SET INSERT_ID=7", "INSERT INTO t VALUES (2)", "COMMIT"});
  r.batch.finish();
  EXPECT_EQ(r.ran,
            (std::vector<std::string>{"SET TIMESTAMP=1", "START TRANSACTION", "INSERT INTO t VALUES (1)",
                                      "SET TIMESTAMP=2", "SET INSERT_ID=7", "INSERT INTO t VALUES (2)", "COMMIT"}));
  EXPECT_EQ(r.batch.transactions(), 2u);
  EXPECT_EQ(r.batch.commits(), 1u);
}

TEST(CommitBatch, ARollbackOfATransactionHeldBackCommitsTheBatchThenRunsAsTheClientRunsIt) {
  Recorder r;  // held back until its end is read: undone alone, its MyISAM row kept
  r.feed({"BEGIN", "INSERT INTO t VALUES (1)", "COMMIT", "BEGIN", "INSERT INTO t VALUES (2)",
          "INSERT INTO m VALUES (2)", "ROLLBACK", "BEGIN", "INSERT INTO t VALUES (3)", "COMMIT"});
  r.batch.finish();
  EXPECT_EQ(r.ran, (std::vector<std::string>{"BEGIN", "INSERT INTO t VALUES (1)", "COMMIT", "BEGIN",
                                             "INSERT INTO t VALUES (2)", "INSERT INTO m VALUES (2)", "ROLLBACK",
                                             "BEGIN", "INSERT INTO t VALUES (3)", "COMMIT"}));
  EXPECT_EQ(r.batch.transactions(), 3u);
}

TEST(CommitBatch, ATransactionThatCannotWaitIsBegunWithASavepointItsRollbackGoesBackToIt) {
  Recorder longer(CommitBatch::Limits{1000, 16u << 20, 30});  // past 30 bytes held back
  longer.feed({"BEGIN", "INSERT INTO t VALUES (1)", "COMMIT", "BEGIN", "INSERT INTO t VALUES (2)",
               "INSERT INTO m VALUES (2)", "ROLLBACK"});
  longer.batch.finish();
  EXPECT_EQ(longer.ran,
            (std::vector<std::string>{"BEGIN", "INSERT INTO t VALUES (1)", k_savepoint, "INSERT INTO t VALUES (2)",
                                      "INSERT INTO m VALUES (2)", k_back, "COMMIT"}));
  for (const std::string_view now :  // a statement that must run when read
       {"SET @@session.sql_mode=1411383296", "CREATE TEMPORARY TABLE x (a INT)", "SAVEPOINT a", "XA END 'x'"}) {
    SCOPED_TRACE(now);
    Recorder r;
    r.feed({"BEGIN", "INSERT INTO t VALUES (1)", "COMMIT", "BEGIN", "INSERT INTO t VALUES (2)", now,
            "INSERT INTO m VALUES (2)", "ROLLBACK"});
    EXPECT_EQ(r.ran,
              (std::vector<std::string>{"BEGIN", "INSERT INTO t VALUES (1)", k_savepoint, "INSERT INTO t VALUES (2)",
                                        std::string(now), "INSERT INTO m VALUES (2)", k_back}));
  }
}

TEST(CommitBatch, ARollbackOfTheFirstTransactionIsTheClientsRollback) {
  Recorder r;
  r.feed({"BEGIN", "INSERT INTO t VALUES (1)", "ROLLBACK", "BEGIN", "INSERT INTO t VALUES (2)", "COMMIT"});
  r.batch.finish();
  EXPECT_EQ(r.ran, (std::vector<std::string>{"BEGIN", "INSERT INTO t VALUES (1)", "ROLLBACK", "BEGIN",
                                             "INSERT INTO t VALUES (2)", "COMMIT"}));
}

TEST(CommitBatch, WhatIsNotASessionSettingCommitsWhatIsHeldFirst) {
  for (const std::string_view barrier :
       {"ALTER TABLE t ADD COLUMN c INT", "XA START X'31',X'',1", "SET @@session.autocommit=1",
        "SET @@session.foreign_key_checks=1, @@session.autocommit=0",
        "SET SESSION TRANSACTION ISOLATION LEVEL SERIALIZABLE", "SET sql_log_bin=0", "SET @@session.skip_replication=1",
        "SET GLOBAL read_only=1", "SET @@session.completion_type=1", "/*M!100001 SET @@session.gtid_seq_no=5*/",
        "INSERT INTO m VALUES (9)", "SET CHARACTER SET utf8mb4"}) {
    SCOPED_TRACE(barrier);
    Recorder r;
    r.feed({"BEGIN", "INSERT INTO t VALUES (1)", "COMMIT", barrier});
    EXPECT_EQ(r.ran, (std::vector<std::string>{"BEGIN", "INSERT INTO t VALUES (1)", "COMMIT", std::string(barrier)}));
  }
}

TEST(CommitBatch, TheSessionStateMariadbBinlogWritesKeepsTheBatchOpen) {
  for (const std::string_view setting :
       {"SET TIMESTAMP=1796150607", "SET @@session.pseudo_thread_id=6", "SET @@session.sql_mode=1411383296",
        "SET @@session.auto_increment_increment=1, @@session.auto_increment_offset=1", "SET NAMES utf8mb4",
        "SET @@session.character_set_client=utf8mb3,@@session.collation_connection=33,@@session.collation_server=45",
        "SET @@session.lc_time_names=0", "SET @@session.collation_database=DEFAULT", "SET @@session.time_zone='SYSTEM'",
        "SET INSERT_ID=5", "SET @`a`:=_utf8mb4 0x61 COLLATE `utf8mb4_general_ci`", "SET @b=CONCAT('x', 'y'), @c=2",
        "/*M!100101 SET @@session.skip_parallel_replication=0*/"}) {
    SCOPED_TRACE(setting);
    Recorder r;
    r.feed({"BEGIN", "INSERT INTO t VALUES (1)", "COMMIT", setting, "BEGIN", "INSERT INTO t VALUES (2)", "COMMIT"});
    r.batch.finish();
    EXPECT_EQ(r.ran, (std::vector<std::string>{"BEGIN", "INSERT INTO t VALUES (1)", std::string(setting),
                                               "INSERT INTO t VALUES (2)", "COMMIT"}));
  }
}

TEST(CommitBatch, CommitsWhenItHoldsItsLimitOfTransactionsOrBytes) {
  Recorder by_count(CommitBatch::Limits{2, 1u << 20});
  for (int i = 0; i < 5; ++i) {
    by_count.feed({"BEGIN", "INSERT INTO t VALUES (1)", "COMMIT"});
  }
  by_count.batch.finish();
  EXPECT_EQ(by_count.batch.commits(), 3u);  // 2 + 2 + 1
  EXPECT_EQ(std::count(by_count.ran.begin(), by_count.ran.end(), "BEGIN"), 3);
  EXPECT_EQ(std::count(by_count.ran.begin(), by_count.ran.end(), k_savepoint), 0);

  Recorder by_bytes(CommitBatch::Limits{1000, 40});
  for (int i = 0; i < 4; ++i) {
    by_bytes.feed({"BEGIN", "INSERT INTO t VALUES (1)", "COMMIT"});  // 24 bytes of statements
  }
  by_bytes.batch.finish();
  EXPECT_EQ(by_bytes.batch.commits(), 2u);  // every second transaction passes 40 bytes
}

TEST(CommitBatch, ATransactionLeftUnendedIsRolledBackAndWhatWasHeldCommitted) {
  Recorder r;
  r.feed({"BEGIN", "INSERT INTO t VALUES (1)", "COMMIT", "BEGIN", "INSERT INTO t VALUES (2)"});
  r.batch.finish();
  EXPECT_EQ(r.ran, (std::vector<std::string>{"BEGIN", "INSERT INTO t VALUES (1)", "COMMIT", "BEGIN",
                                             "INSERT INTO t VALUES (2)", "ROLLBACK"}));
  Recorder last;  // mariadb-binlog's own closing ROLLBACK after a complete transaction undoes nothing
  last.feed({"BEGIN", "INSERT INTO t VALUES (1)", "COMMIT", "ROLLBACK /* added by mysqlbinlog */"});
  last.batch.finish();
  EXPECT_EQ(last.ran, (std::vector<std::string>{"BEGIN", "INSERT INTO t VALUES (1)", "COMMIT",
                                                "ROLLBACK /* added by mysqlbinlog */"}));
}

TEST(CommitBatch, ABeginInsideATransactionRunsAsTheClientRunsIt) {
  Recorder r;  // the server commits everything open at a BEGIN: so does the batch
  r.feed({"BEGIN", "INSERT INTO t VALUES (1)", "COMMIT", "BEGIN", "INSERT INTO t VALUES (2)", "BEGIN",
          "INSERT INTO t VALUES (3)", "COMMIT"});
  r.batch.finish();
  EXPECT_EQ(r.ran, (std::vector<std::string>{"BEGIN", "INSERT INTO t VALUES (1)", "INSERT INTO t VALUES (2)", "BEGIN",
                                             "INSERT INTO t VALUES (3)", "COMMIT"}));
}

// The server's transaction state as MariaDB keeps it (SERVER_STATUS_IN_TRANS), for the statements
// these tests run: BEGIN opens, COMMIT and ROLLBACK close, a CREATE TABLE commits (an implicit commit)
// and ROLLBACK TO a savepoint the server lost fails.
struct Server {
  std::vector<std::string> ran;
  bool autocommit = true;
  bool open = false;
  bool savepoint = false;
  bool failed = false;
  CommitBatch batch;
  Server()
      : batch(
            CommitBatch::Limits{}, "sp", [this](std::string_view sql) { run(std::string(sql)); },
            [this] { return open; }) {}
  void run(const std::string& sql) {
    ran.push_back(sql);
    if (sql == "BEGIN" || sql == "START TRANSACTION") {
      open = true;
      savepoint = false;
    } else if (sql == "COMMIT" || sql == "ROLLBACK") {
      open = savepoint = false;
    } else if (sql == "SAVEPOINT sp") {
      savepoint = open;
    } else if (sql == "ROLLBACK TO SAVEPOINT sp") {
      failed = failed || !savepoint;
    } else if (sql.starts_with("CREATE TABLE")) {
      open = savepoint = false;
    } else if (sql.starts_with("INSERT") && !autocommit) {
      open = true;
    }
  }
  void feed(std::initializer_list<std::string_view> statements) {
    for (const auto statement : statements) {
      batch.feed(statement);
    }
  }
};

TEST(CommitBatch, AnImplicitCommitInsideATransactionOfTheLogEndsTheBatch) {
  // CREATE TABLE ... SELECT in ROW format: START TRANSACTION, CREATE TABLE (which commits), its rows
  // (under autocommit), COMMIT. A later transaction is begun with its BEGIN, not a savepoint of a
  // transaction the server no longer has.
  Server s;
  s.feed({"BEGIN", "INSERT INTO t VALUES (1)", "COMMIT", "START TRANSACTION", "CREATE TABLE c (a INT)", "BINLOG 'rows'",
          "COMMIT", "BEGIN", "INSERT INTO t VALUES (2)", "INSERT INTO m VALUES (2)", "ROLLBACK", "BEGIN",
          "INSERT INTO t VALUES (3)", "COMMIT"});
  s.batch.finish();
  EXPECT_FALSE(s.failed);
  EXPECT_EQ(s.ran,
            (std::vector<std::string>{"BEGIN", "INSERT INTO t VALUES (1)", "SAVEPOINT sp", "CREATE TABLE c (a INT)",
                                      "BINLOG 'rows'", "BEGIN", "INSERT INTO t VALUES (2)", "INSERT INTO m VALUES (2)",
                                      "ROLLBACK", "BEGIN", "INSERT INTO t VALUES (3)", "COMMIT"}));
  EXPECT_EQ(s.batch.transactions(), 4u);
}

TEST(CommitBatch, ARollbackAfterAnImplicitCommitIsTheClientsRollback) {
  for (const bool autocommit : {true, false}) {
    SCOPED_TRACE(autocommit);
    Server s;  // the savepoint went with the implicit commit: ROLLBACK undoes what is open since, as the client's
    s.autocommit = autocommit;
    s.feed({"BEGIN", "INSERT INTO t VALUES (1)", "COMMIT", "BEGIN", "CREATE TABLE c (a INT)",
            "INSERT INTO t VALUES (2)", "ROLLBACK", "BEGIN", "INSERT INTO t VALUES (3)", "COMMIT"});
    s.batch.finish();
    EXPECT_FALSE(s.failed);
    EXPECT_EQ(s.ran, (std::vector<std::string>{"BEGIN", "INSERT INTO t VALUES (1)", "SAVEPOINT sp",
                                               "CREATE TABLE c (a INT)", "INSERT INTO t VALUES (2)", "ROLLBACK",
                                               "BEGIN", "INSERT INTO t VALUES (3)", "COMMIT"}));
  }
}

TEST(CommitBatch, CommittingEachTransactionAloneIsTheClientsWay) {
  Recorder r;  // a database whose tables tell where transactions end (binlog/replay.cpp)
  r.feed({"BEGIN", "INSERT INTO t VALUES (1)", "COMMIT"});
  r.batch.commit_each(true);
  r.feed({"BEGIN", "INSERT INTO t VALUES (2)", "COMMIT", "BEGIN", "INSERT INTO m VALUES (3)", "ROLLBACK"});
  r.batch.finish();
  EXPECT_EQ(r.ran, (std::vector<std::string>{"BEGIN", "INSERT INTO t VALUES (1)", "INSERT INTO t VALUES (2)", "COMMIT",
                                             "BEGIN", "INSERT INTO m VALUES (3)", "ROLLBACK"}));
  EXPECT_EQ(r.batch.commits(), 1u);
}

TEST(CommitBatch, TheSavepointIsTheCallersName) {
  std::vector<std::string> ran;
  CommitBatch batch(CommitBatch::Limits{}, "ifnbackup_replay_0123456789abcdef",
                    [&ran](std::string_view sql) { ran.emplace_back(sql); });
  for (const std::string_view statement : {"BEGIN", "COMMIT", "BEGIN", "SET @@session.sql_mode=0", "ROLLBACK"}) {
    batch.feed(statement);
  }
  EXPECT_EQ(
      ran, (std::vector<std::string>{"BEGIN", "SAVEPOINT ifnbackup_replay_0123456789abcdef", "SET @@session.sql_mode=0",
                                     "ROLLBACK TO SAVEPOINT ifnbackup_replay_0123456789abcdef"}));
}

}  // namespace
}  // namespace ifnbackup::binlog
