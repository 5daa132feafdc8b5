#pragma once
// The replay's transactions committed together (binlog/replay.cpp). Through the stock client each
// transaction of mariadb-binlog's output is one COMMIT, one flush of InnoDB's log (and of this
// server's binary log): ~160 single-row transactions a second on the bench's disk. A replay runs
// into a database the restore just loaded, that nobody else uses yet and that the restore puts back
// as it was if anything fails: one transaction's durability buys nothing there. So up to
// `transactions` of them (or `bytes` of their statements) run in one server transaction, their
// BEGINs and COMMITs left out. A ROLLBACK of the binary log (a transaction that touched a
// non-transactional table) must undo its own transaction only: so a transaction joining a batch is
// held back (its statements kept, up to `defer_bytes`, plain DML and session settings only) until
// its end is read. Ended by COMMIT, it runs inside the batch; by ROLLBACK, the batch is committed
// and it runs as the client runs it (BEGIN, its statements, ROLLBACK). One that cannot wait (longer,
// or a statement that must run now: DDL, a change of sql_mode, which decides how the next statement
// is read) is begun with a SAVEPOINT, and its ROLLBACK goes back to it. A SAVEPOINT per transaction
// cost more than the COMMIT it saves (6.7 s against 6.1 s for 30,000 single-row transactions through
// the stock client, 4.4 s without either). The savepoint's name is the caller's: a random one, that
// no SAVEPOINT of the log can name (the work's `SAVEPOINT x` replaces a savepoint of the same name: a
// ROLLBACK would then keep what it undoes).
//
// The server may commit inside a transaction of the log (CREATE TABLE ... SELECT, logged in ROW
// format between START TRANSACTION and COMMIT, commits what was open): what was held is committed
// with it, and the savepoint is gone. So the caller tells the server's state after each statement
// (SERVER_STATUS_IN_TRANS): a transaction after such a commit is begun with its BEGIN, a ROLLBACK
// ends it as the client's does.
//
// The end state is the stock client's (tests/cli/test_pitr_batched.sh compares them on generated
// work): statements outside the binary log's transactions (DDL, XA, a setting of autocommit or
// completion_type, anything not a plain SET) commit what is held first and run as the client runs
// them; a statement it cannot read as BEGIN, COMMIT or ROLLBACK runs as it is, after a commit of what
// is held when it is outside a transaction. Pure text work: the caller runs what it is handed.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace ifnbackup::binlog {

enum class TransactionWord { none, begin, commit, rollback };

// BEGIN [WORK], START TRANSACTION ..., COMMIT [WORK], ROLLBACK [WORK] (not ROLLBACK TO), read as
// the server reads them (comments are nothing, any letter case); none for anything else.
TransactionWord transaction_word(std::string_view statement);

class CommitBatch {
 public:
  using Run = std::function<void(std::string_view sql)>;
  // After the last statement run: the server has a transaction open. Unset: as the batch believes.
  using InTransaction = std::function<bool()>;
  struct Limits {
    std::size_t transactions = 1000;     // of the binary log's, per COMMIT of ours
    std::size_t bytes = 16u << 20;       // of their statements' text
    std::size_t defer_bytes = 1u << 20;  // of one transaction's statements held back until its end
  };

  CommitBatch(Limits limits, std::string savepoint, Run run, InTransaction in_transaction = {})
      : m_limits(limits),
        m_savepoint(std::move(savepoint)),
        m_run(std::move(run)),
        m_in_transaction(std::move(in_transaction)) {}

  // One statement of mariadb-binlog's output: runs it, or what stands for it (nothing, a SAVEPOINT,
  // a COMMIT before it, a ROLLBACK TO SAVEPOINT), or keeps it for its transaction's end.
  void feed(std::string_view statement);
  // After the decoder's last statement: commits what is held (a transaction left unended is rolled
  // back first).
  void finish();
  // Each transaction of the log committed alone from its next one on, as the client commits it (or
  // held together again): for a database whose tables tell where transactions end (binlog/replay.cpp).
  void commit_each(bool each) noexcept { m_commit_each = each; }
  bool commits_each() const noexcept { return m_commit_each; }
  // Between the log's transactions: what was fed last is outside them.
  bool between_transactions() const noexcept { return !m_in_source; }

  std::uint64_t transactions() const noexcept { return m_transactions; }  // binary log's, ended
  std::uint64_t commits() const noexcept { return m_commits; }            // COMMITs run (ours and theirs)

 private:
  void commit_held();
  bool server_in_transaction() const { return !m_in_transaction || m_in_transaction(); }
  void run(std::string_view sql);
  // The transaction held back cannot wait any longer: its SAVEPOINT, then its statements.
  void stream_deferred();
  // Runs what was held back of the transaction (its end read, or a BEGIN inside it).
  void run_deferred();
  // What was held back, let go of: the transaction is no longer held back.
  std::vector<std::string> take_deferred();

  Limits m_limits;
  std::string m_savepoint;
  Run m_run;
  InTransaction m_in_transaction;
  bool m_commit_each = false;
  bool m_in_source = false;  // between the binary log's BEGIN and its COMMIT or ROLLBACK
  bool m_open = false;       // a server transaction of ours is open past a COMMIT left out
  std::size_t m_held = 0;    // the binary log's transactions ended inside it
  std::size_t m_bytes = 0;
  bool m_deferring = false;             // the log's transaction is held back (m_deferred), no SAVEPOINT yet
  std::vector<std::string> m_deferred;  // its statements, in order
  std::size_t m_deferred_bytes = 0;
  std::uint64_t m_transactions = 0;
  std::uint64_t m_commits = 0;
};

}  // namespace ifnbackup::binlog
