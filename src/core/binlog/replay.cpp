#include "binlog/replay.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <random>
#include <span>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "binlog/commit_batch.hpp"
#include "binlog/local_load_dir.hpp"
#include "binlog/statement_reach.hpp"
#include "db/connection.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/printable.hpp"
#include "io/file_io.hpp"
#include "io/gzip_reader.hpp"
#include "restore/sql_splitter.hpp"
#include "restore/statement_words.hpp"
#include "sql/text.hpp"
#include "util/interrupt.hpp"

extern char** environ;

namespace ifnbackup::binlog {

namespace {

constexpr const char* k_decoder = "mariadb-binlog";

// What mariadb-binlog writes to give each transaction its original GTID and server id: left out,
// so the replayed changes are new transactions of this server (never a GTID it already logged).
bool original_identity(std::string_view statement) {
  return statement.starts_with("/*M!100001 SET @@session.gtid_seq_no=") ||
         statement.starts_with("/*M!100001 SET @@session.gtid_domain_id=") ||
         statement.starts_with("/*M!100001 SET @@session.server_id=");
}

// A table of `database` whose rows tell where the transactions that wrote them ended, or none: a
// table versioned by transaction (InnoDB writes one history row for all the changes of a row in one
// transaction, so two of the log's transactions in one of ours would keep one where the client's
// replay keeps two) or an InnoDB FULLTEXT index (MATCH does not see what the open transaction wrote,
// so a statement of the log would miss the rows of the transactions held before it).
struct BoundTable {
  std::string name;
  bool versioned = false;  // else it has a FULLTEXT index
};
std::optional<BoundTable> transaction_bound_table(db::Connection& connection, const std::string& database) {
  const std::string name = sql::quote_string(database);
  const auto found = connection.query(fmt::format(
      "SELECT TABLE_NAME, 1 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = {0} AND DATA_TYPE = 'bigint' AND "
      "GENERATION_EXPRESSION = 'ROW START' UNION ALL SELECT s.TABLE_NAME, 0 FROM information_schema.STATISTICS s JOIN "
      "information_schema.TABLES t ON t.TABLE_SCHEMA = s.TABLE_SCHEMA AND t.TABLE_NAME = s.TABLE_NAME WHERE "
      "s.TABLE_SCHEMA = {0} AND s.INDEX_TYPE = 'FULLTEXT' AND t.ENGINE = 'InnoDB' LIMIT 1",
      name));
  if (found.rows.empty() || !found.rows[0][0]) {
    return std::nullopt;
  }
  return BoundTable{*found.rows[0][0], found.rows[0][1] == std::optional<std::string>("1")};
}

// The replay's binary log cache holds what it writes between two COMMITs of ours; the server refuses a
// transaction past max_binlog_cache_size (error 1197). The log's transactions fit it one at a time
// (the server logged each), not a thousand together: below this, each is committed alone.
constexpr std::uint64_t k_cache_to_hold_transactions = std::uint64_t{1} << 30;

// The session's max_binlog_cache_size when it writes the binary log and that limit is below
// k_cache_to_hold_transactions; else nothing.
std::optional<std::uint64_t> binlog_cache_limit(db::Connection& connection) {
  const auto limit =
      connection.query_value("SELECT IF(@@log_bin AND @@sql_log_bin, @@max_binlog_cache_size, 0)").value_or("0");
  const std::uint64_t bytes = std::strtoull(limit.c_str(), nullptr, 10);
  if (bytes == 0 || bytes >= k_cache_to_hold_transactions) {
    return std::nullopt;
  }
  return bytes;
}

// Whether `database` has such a table; says which, and why each transaction is then committed alone.
bool bound_table_said(db::Connection& connection, const std::string& database, const std::string& what) {
  const auto table = transaction_bound_table(connection, database);
  if (table && table->versioned) {
    log_info(
        "replaying {}: table {} keeps a history by transaction: each transaction of the binary log is "
        "committed alone, as the stock client commits it",
        what, table->name);
  } else if (table) {
    log_info(
        "replaying {}: table {} has an InnoDB FULLTEXT index (MATCH sees committed rows only): each "
        "transaction of the binary log is committed alone, as the stock client commits it",
        what, table->name);
  }
  return table.has_value();
}

// A statement that may have made such a table (DDL; the caller asks only of one that committed).
bool may_make_tables(std::string_view statement) {
  return restore::contains_any_case(statement, "CREATE") || restore::contains_any_case(statement, "ALTER") ||
         restore::contains_any_case(statement, "RENAME");
}

struct Pipe {
  int read = -1;
  int write = -1;
  Pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      io::throw_io_error(errno, "making a pipe to mariadb-binlog");
    }
    read = fds[0];
    write = fds[1];
  }
  ~Pipe() {
    close_read();
    close_write();
  }
  void close_read() {
    if (read >= 0) {
      ::close(read);
      read = -1;
    }
  }
  void close_write() {
    if (write >= 0) {
      ::close(write);
      write = -1;
    }
  }
};

// The file's pieces as the archive holds them now: the archiver (a service beside the restore) joins
// the chunks of a file into its whole file when the server moves on, and removes them, between the
// plan and the replay (a long load leaves it all the time to). The whole file starts with the same
// bytes (the chunks' gzip members, concatenated), and the decoder stops at the planned position.
ReplayFile current_pieces(const ReplayFile& file) {
  std::error_code error;
  const bool all_there = std::all_of(file.pieces.begin(), file.pieces.end(),
                                     [&error](const auto& piece) { return std::filesystem::exists(piece, error); });
  if (all_there || file.pieces.empty()) {
    return file;
  }
  const auto whole = file.pieces.front().parent_path() / whole_file_name(file.log);
  if (!std::filesystem::exists(whole, error)) {
    return file;  // the feeder names the missing piece
  }
  log_info("{}: its chunks were joined into {} since the plan; replaying from it", file.log.str(),
           whole.filename().string());
  ReplayFile joined = file;
  joined.pieces = {whole};
  return joined;
}

// One mariadb-binlog over one server file: its bytes in, its SQL out.
class Decoder {
 public:
  Decoder(const ReplayFile& file, const ReplayTarget& target, const LocalLoadDir* local_load) {
    std::vector<std::string> args{k_decoder, "--no-defaults", "--skip-annotate-row-events"};
    if (local_load != nullptr) {
      args.push_back("--local-load=" + local_load->path());
    }
    if (target.target_database != target.source_database) {
      args.push_back(fmt::format("--rewrite-db={}->{}", target.source_database, target.target_database));
    }
    // Filtered by the source's name, rewritten or not: Debian 12's mariadb-binlog (10.11) matches
    // --database against the name in the event, before the rewrite (filtering by the rewritten name
    // printed no row and no statement: drill --until and restore --until --into replayed nothing).
    args.push_back("--database=" + target.source_database);
    args.push_back(fmt::format("--start-position={}", file.start));
    if (file.stop != 0) {
      args.push_back(fmt::format("--stop-position={}", file.stop));
    }
    args.push_back("-");
    std::vector<char*> argv;
    for (auto& arg : args) {
      argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, m_in.read, 0);
    posix_spawn_file_actions_adddup2(&actions, m_out.write, 1);
    posix_spawn_file_actions_adddup2(&actions, m_err.write, 2);
    const int rc = ::posix_spawnp(&m_pid, k_decoder, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
      throw Error(ErrorCode::restore_failed, tx("cannot run {}: {}", k_decoder, std::strerror(rc)),
                  tx("install the mariadb-client package (it provides mariadb-binlog); the restored backup is loaded, "
                     "the events are not"));
    }
    m_in.close_read();
    m_out.close_write();
    m_err.close_write();
    m_feeder = std::thread([this, pieces = file.pieces] { feed(pieces); });
    m_errors = std::thread([this] { collect_errors(); });
  }

  ~Decoder() {
    m_in.close_write();
    m_out.close_read();
    if (m_feeder.joinable()) {
      m_feeder.join();
    }
    if (m_errors.joinable()) {
      m_errors.join();
    }
    if (m_pid > 0) {
      int status = 0;
      ::waitpid(m_pid, &status, 0);
    }
  }

  // Reads its SQL; 0 at the end.
  std::size_t read(std::span<char> out) {
    for (;;) {
      const ssize_t n = ::read(m_out.read, out.data(), out.size());
      if (n >= 0) {
        return static_cast<std::size_t>(n);
      }
      if (errno != EINTR) {
        io::throw_io_error(errno, "reading mariadb-binlog's output");
      }
    }
  }

  // Waits for it; throws its failure.
  void finish(const std::string& what) {
    m_feeder.join();
    m_errors.join();
    int status = 0;
    ::waitpid(m_pid, &status, 0);
    m_pid = -1;
    if (!m_feed_error.empty()) {
      throw Error(ErrorCode::restore_failed, tx("replaying {}: {}", what, m_feed_error),
                  tx("the archived file could not be read; the database was put back as it was"));
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      throw Error(ErrorCode::restore_failed,
                  tx("replaying {}: mariadb-binlog failed (status {}): {}", what, status, m_error_text),
                  tx("the database was put back as it was; see docs/pitr.md"));
    }
  }

 private:
  void feed(const std::vector<std::filesystem::path>& pieces) {
    try {
      for (const auto& piece : pieces) {
        io::GzipReader gzip(piece);
        gzip.read_all([this](std::string_view bytes) { io::write_fully(m_in.write, bytes, "mariadb-binlog's input"); });
      }
    } catch (const Error& error) {
      // A decoder that stopped early (its --stop-position reached) closes its input: not a failure.
      if (error.code() != ErrorCode::io) {
        m_feed_error = error.what();
      }
    }
    m_in.close_write();
  }

  void collect_errors() {
    std::array<char, 4096> buffer{};
    for (;;) {
      const ssize_t n = ::read(m_err.read, buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        break;
      }
      if (m_error_text.size() < 4096) {
        m_error_text.append(buffer.data(), static_cast<std::size_t>(n));
      }
    }
  }

  Pipe m_in;
  Pipe m_out;
  Pipe m_err;
  pid_t m_pid = -1;
  std::thread m_feeder;
  std::thread m_errors;
  std::string m_feed_error;
  std::string m_error_text;
};

}  // namespace

ReplayResult replay(const ReplayPlan& plan, const ReplayTarget& target) {
  const auto started = std::chrono::steady_clock::now();
  ReplayResult result;
  if (plan.files.empty()) {
    return result;
  }
  auto connection = db::Connection::open(target.connection, false);
  if (target.no_binlog) {
    connection->execute("SET SESSION sql_log_bin = 0");
  }
  const util::InterruptWatcher watcher([&connection] { connection->cancel(); });
  const auto cache_limit = binlog_cache_limit(*connection);
  if (cache_limit) {
    log_info(
        "the replay writes the binary log and its max_binlog_cache_size is {} bytes: each transaction of the "
        "binary log is committed alone, as the stock client commits it (--no-binlog, or a max_binlog_cache_size "
        "of 1 GiB or more, lets the replay commit them together)",
        *cache_limit);
  }
  std::vector<char> buffer(1 << 20);
  // The batch's savepoint: a name no SAVEPOINT of the log can hold, written before this replay drew it.
  // Made only for a span with a statement-format LOAD DATA: any other replay needs no TMPDIR.
  std::optional<LocalLoadDir> local_load;
  if (plan.load_data) {
    local_load.emplace();
  }
  const std::string savepoint = fmt::format("ifnbackup_replay_{:016x}", std::mt19937_64(std::random_device{}())());
  // A table that tells where transactions end: looked at once, then after each DDL of the replay.
  bool bound = bound_table_said(*connection, target.target_database, "the binary log");
  for (const auto& file : plan.files) {
    const std::string what = fmt::format("{} from {} to {}", file.log.str(), file.start,
                                         file.stop == 0 ? std::string("its end") : std::to_string(file.stop));
    Decoder decoder(current_pieces(file), target, local_load ? &*local_load : nullptr);
    restore::SqlSplitter splitter;
    splitter.set_backslash_escapes(!connection->no_backslash_escapes());
    splitter.set_ansi_quotes(connection->ansi_quotes());
    std::uint64_t line = 0;  // of the statement being run, in mariadb-binlog's output
    CommitBatch batch(
        CommitBatch::Limits{}, savepoint,
        [&](std::string_view sql) {
          // A statement-format LOAD DATA of the log: its file, as mariadb-binlog wrote it in our folder.
          const auto local = local_load ? local_load->file_of(sql) : std::nullopt;
          const auto outcome = local ? connection->load_local(sql, *local) : connection->run_statement(sql);
          if (!outcome.ok) {
            throw Error(ErrorCode::restore_failed,
                        tx("replaying {}: the server refused the statement at line {} of mariadb-binlog's "
                           "output: {} (error {}): {}",
                           what, line, outcome.error, outcome.error_number, sql.substr(0, 200)),
                        tx("the database is put back as it was; see docs/pitr.md (privileges: BINLOG REPLAY)"));
          }
          splitter.set_backslash_escapes(!connection->no_backslash_escapes());
          splitter.set_ansi_quotes(connection->ansi_quotes());
        },
        [&connection] { return connection->in_transaction(); });
    const auto check_tables = [&] {
      bound = bound_table_said(*connection, target.target_database, what);
      batch.commit_each(cache_limit.has_value() || bound);
    };
    batch.commit_each(cache_limit.has_value() || bound);
    const auto run = [&](restore::Statement&& statement) {
      util::check_interrupted();
      // Account and server statements (the plan counted them): a database's restore leaves them be.
      if (original_identity(statement.text) || server_wide_statement(statement.text)) {
        return;
      }
      // `/*!\C utf8mb4 */`: the stock client's charset command (mysql.cc com_charset), which
      // mariadb-binlog writes before a statement of another character set: the client's SET NAMES.
      std::string_view text = statement.text;
      if (text.starts_with("/*!\\C ") && text.ends_with("*/")) {
        text.remove_prefix(6);
        text.remove_suffix(2);
        while (!text.empty() && text.back() == ' ') {
          text.remove_suffix(1);
        }
        if (text.empty() || text.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string_view::npos) {
          throw Error(ErrorCode::restore_failed,
                      tx("replaying {}: an unknown charset command: {}", what, statement.text.substr(0, 80)),
                      tx("the database is put back as it was; see docs/pitr.md"));
        }
        statement.text = fmt::format("SET NAMES {}", text);
      }
      line = statement.line;
      batch.feed(statement.text);
      ++result.statements;
      // DDL runs between the log's transactions, or inside one and commits it (CREATE TABLE ... SELECT).
      if (!batch.commits_each() && (batch.between_transactions() || !connection->in_transaction()) &&
          may_make_tables(statement.text)) {
        check_tables();
      }
    };
    while (const std::size_t n = decoder.read(buffer)) {
      splitter.feed(std::string_view(buffer.data(), n), run);
    }
    splitter.finish(run);
    batch.finish();
    decoder.finish(what);
    result.transactions += batch.transactions();
    result.commits += batch.commits();
    log_info("replayed {}: {} transactions of the binary log in {} commits", what, batch.transactions(),
             batch.commits());
  }
  result.duration = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  return result;
}

}  // namespace ifnbackup::binlog
