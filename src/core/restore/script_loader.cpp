#include "restore/script_loader.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "ifnbackup/error.hpp"
#include "io/gzip_reader.hpp"
#include "restore/load_data.hpp"
#include "restore/sql_splitter.hpp"
#include "restore/statement_policy.hpp"
#include "restore/statement_words.hpp"
#include "restore/table_filter.hpp"
#include "util/interrupt.hpp"
#include "util/sha256.hpp"

namespace ifnbackup::restore {

namespace {

constexpr int k_warnings_logged = 20;
// A statement of the main connection (an index build, a big table's DDL) that takes this long
// is named in the log: where a long restore spends its time.
constexpr double k_slow_statement_seconds = 2.0;

void log_warnings(db::Connection& connection, std::uint64_t line) {
  try {
    for (const auto& row : connection.query("SHOW WARNINGS").rows) {
      if (row.size() >= 3) {
        spdlog::warn("line {}: {} {}: {}", line, row[0].value_or(""), row[1].value_or(""), row[2].value_or(""));
      }
    }
  } catch (const Error&) {
    // Reading warnings is best effort; the count is still reported.
  }
}

// A row INSERT of our own dumps: it depends on nothing but the table, which exists already.
bool is_row_insert(std::string_view text) {
  return text.starts_with("INSERT INTO ");
}

std::string statement_error(const std::string& file, const Statement& statement,
                            const db::Connection::StatementResult& result) {
  return fmt::format("{} line {}: error {}: {} (statement: {})", file, statement.line, result.error_number,
                     result.error, statement_excerpt(statement.text));
}

// Deadlock, lock wait timeout: the statement was rolled back whole and may run again.
bool is_retryable(unsigned error_number) {
  return error_number == 1213 || error_number == 1205;
}

// Row INSERTs of our own dumps run on `workers` extra connections while the reader goes on;
// everything else waits for them (drain) and runs on the main connection, so each table's
// DDL, deferred indexes and triggers still see all of its rows. Session settings run on every
// connection. The statements queued or running hold at most k_pool_bytes together (or one
// statement, whatever its size): memory is bounded by bytes, not by a count of statements, so
// a file of huge INSERTs holds a few of them at a time, not 2 x workers.
constexpr std::size_t k_pool_bytes = 64 * 1024 * 1024;
class InsertPool {
 public:
  InsertPool(std::vector<db::Connection*> connections, std::string file, bool load_data)
      : m_file(std::move(file)), m_load_data(load_data), m_connections(std::move(connections)) {
    try {
      for (db::Connection* connection : m_connections) {
        m_threads.emplace_back([this, connection] { work(*connection); });
      }
    } catch (const std::system_error& error) {
      stop_and_join();
      throw Error(ErrorCode::internal, fmt::format("cannot start a loading thread: {}", error.what()));
    }
  }
  ~InsertPool() { stop_and_join(); }
  InsertPool(const InsertPool&) = delete;
  InsertPool& operator=(const InsertPool&) = delete;

  // Queues a statement; waits while the queue is full. Throws the first worker error.
  void submit(Statement&& statement) {
    const std::size_t size = statement.text.size();
    std::unique_lock lock(m_mutex);
    m_changed.wait(lock, [this, size] {
      return m_error || (m_queue.size() < 2 * m_connections.size() &&
                         (m_held_bytes == 0 || m_held_bytes + size <= k_pool_bytes));
    });
    if (m_error) {
      std::rethrow_exception(m_error);
    }
    m_held_bytes += size;
    m_queue.push_back(std::move(statement));
    m_changed.notify_all();
  }

  // Waits until every queued statement has run. Throws the first worker error.
  void drain() {
    std::unique_lock lock(m_mutex);
    m_changed.wait(lock, [this] { return m_error || (m_queue.empty() && m_busy == 0); });
    if (m_error) {
      std::rethrow_exception(m_error);
    }
  }

  // Runs a session setting on every worker connection; only after drain(), when all are idle.
  void broadcast(const Statement& statement) {
    for (auto& connection : m_connections) {
      const auto result = connection->run_statement(statement.text);
      if (!result.ok) {
        throw Error(ErrorCode::server, statement_error(m_file, statement, result));
      }
    }
  }

  std::uint64_t statements() const {
    std::lock_guard lock(m_mutex);
    return m_statements;
  }
  std::uint64_t warnings() const {
    std::lock_guard lock(m_mutex);
    return m_warnings;
  }
  std::uint64_t load_data_statements() const {
    std::lock_guard lock(m_mutex);
    return m_load_data_statements;
  }

 private:
  void stop_and_join() noexcept {
    {
      std::lock_guard lock(m_mutex);
      m_stopping = true;
    }
    m_changed.notify_all();
    for (auto& thread : m_threads) {
      if (thread.joinable()) {
        thread.join();
      }
    }
    m_threads.clear();
  }

  void work(db::Connection& connection) {
    for (;;) {
      Statement statement;
      {
        std::unique_lock lock(m_mutex);
        m_changed.wait(lock, [this] { return m_stopping || m_error || !m_queue.empty(); });
        if (m_stopping || m_error) {
          return;
        }
        statement = std::move(m_queue.front());
        m_queue.pop_front();
        ++m_busy;
      }
      m_changed.notify_all();
      db::Connection::StatementResult result;
      std::exception_ptr error;
      bool as_load_data = false;
      bool short_load = false;
      try {
        for (int attempt = 1;; ++attempt) {
          result = run_rows(connection, statement, as_load_data, short_load);
          if (result.ok || short_load || !is_retryable(result.error_number) || attempt == 3) {
            break;
          }
          spdlog::warn("line {}: error {} ({}), running the statement again", statement.line, result.error_number,
                       result.error);
        }
        if (!result.ok) {
          error = std::make_exception_ptr(Error(ErrorCode::server, statement_error(m_file, statement, result)));
        } else if (result.warnings > 0 && warnings() < k_warnings_logged) {
          log_warnings(connection, statement.line);
        }
      } catch (const Error&) {
        error = std::current_exception();
      } catch (const std::exception& caught) {
        // out of memory, a library fault: an Error, so the restore still rolls back
        error = std::make_exception_ptr(
            Error(ErrorCode::internal, fmt::format("line {}: {}", statement.line, caught.what())));
      }
      {
        std::lock_guard lock(m_mutex);
        --m_busy;
        m_held_bytes -= statement.text.size();
        ++m_statements;
        m_load_data_statements += as_load_data ? 1 : 0;
        m_warnings += result.warnings;
        if (error && !m_error) {
          m_error = error;
        }
      }
      m_changed.notify_all();
    }
  }

  // The rows of one INSERT as LOAD DATA LOCAL from memory when the server takes it (the server
  // no longer parses SQL for each value), else the INSERT as it is.
  db::Connection::StatementResult run_rows(db::Connection& connection, const Statement& statement,
                                           bool& as_load_data, bool& short_load) {
    as_load_data = false;
    short_load = false;
    if (!m_load_data.load() || connection.no_backslash_escapes()) {
      return connection.run_statement(statement.text);
    }
    // One row goes as the INSERT it is: LOAD DATA gains nothing on one row, and on MariaDB 10.11
    // a table whose whole load is one LOAD DATA row, under the dump's UNIQUE_CHECKS=0 and
    // FOREIGN_KEY_CHECKS=0 (InnoDB's bulk insert into an empty table), with a VIRTUAL column, gets
    // AUTO_INCREMENT 2 from the ALTER TABLE ... ADD KEY that follows, whatever its id (the stock
    // client's INSERT keeps max(id)+1: fuzz seeds 7040 and 7055, RestoreFidelity.OneRowTable...).
    const auto load = insert_to_load_data(statement.text);
    if (!load || load->row_count < 2) {
      return connection.run_statement(statement.text);
    }
    auto result = connection.load_local(load->statement, load->rows);
    if (!result.ok) {
      // Refused (local_infile off on the server or in an option file, a proxy, a server without
      // this syntax) or failed: the statement had no effect, and the INSERT decides. When the
      // INSERT passes where LOAD DATA did not (other than a deadlock), rows go as INSERTs from now on.
      auto insert = connection.run_statement(statement.text);
      if (insert.ok && !is_retryable(result.error_number) && m_load_data.exchange(false)) {
        spdlog::warn("LOAD DATA LOCAL failed (error {}: {}) where the INSERT passes: rows are sent as INSERT "
                     "statements from now on",
                     result.error_number, result.error);
      }
      return insert;
    }
    as_load_data = true;
    if (result.affected_rows != load->row_count) {
      // LOCAL skips a row it cannot insert (a duplicate key) with a warning, where the INSERT
      // fails: fail the same way, with the server's reason (the rest of the rows are in: no retry).
      short_load = true;
      std::string reason;
      try {
        const auto warnings = connection.query("SHOW WARNINGS LIMIT 1");
        if (!warnings.rows.empty() && warnings.rows[0].size() >= 3) {
          result.error_number = static_cast<unsigned>(std::stoul(warnings.rows[0][1].value_or("0")));
          reason = ": " + warnings.rows[0][2].value_or("");
        }
      } catch (const std::exception&) {
        // the count alone still tells what went wrong
      }
      result.ok = false;
      result.error = fmt::format("{} of the statement's {} rows were loaded{}", result.affected_rows,
                                 load->row_count, reason);
    }
    return result;
  }

  std::string m_file;
  std::atomic<bool> m_load_data;
  std::uint64_t m_load_data_statements = 0;
  std::vector<db::Connection*> m_connections;
  mutable std::mutex m_mutex;
  std::condition_variable m_changed;
  std::deque<Statement> m_queue;
  unsigned m_busy = 0;
  std::size_t m_held_bytes = 0;  // text of the statements queued or running
  std::uint64_t m_statements = 0;
  std::uint64_t m_warnings = 0;
  bool m_stopping = false;
  std::exception_ptr m_error;
  std::vector<std::thread> m_threads;
};

}  // namespace

LoadStats load_script(db::Connection& connection, const std::filesystem::path& file, const LoadSettings& settings) {
  LoadStats stats;
  // The whole file, or the sections restore --tables chose, one after the other.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> parts = settings.ranges;
  std::uint64_t total = 0;
  for (const auto& part : parts) {
    total += part.second;
  }
  std::unique_ptr<io::GzipReader> reader =
      parts.empty() ? std::make_unique<io::GzipReader>(file)
                    : std::make_unique<io::GzipReader>(file, parts.front().first, parts.front().second);
  if (parts.empty()) {
    total = reader->compressed_total();
  }
  std::uint64_t done = 0;  // compressed bytes of the parts already read
  // Line numbers count the lines read: with sections only, not the file's own numbering.
  const std::string name = settings.shown_name.empty() ? file.filename().string() : settings.shown_name;
  const std::string shown = parts.empty() ? name : name + " (sections read for --tables)";
  SqlSplitter splitter(settings.max_statement_bytes);
  splitter.set_backslash_escapes(!connection.no_backslash_escapes());
  splitter.set_ansi_quotes(connection.ansi_quotes());
  // --force reports failures in script order: one connection then.
  std::unique_ptr<InsertPool> pool;
  if (!settings.workers.empty() && !settings.keep_going) {
    pool = std::make_unique<InsertPool>(settings.workers, shown, settings.load_data);
    spdlog::info("loading rows on {} connection{}", settings.workers.size(), settings.workers.size() == 1 ? "" : "s");
  }

  auto last_report = std::chrono::steady_clock::now();
  auto report = [&](bool force) {
    if (!settings.progress) {
      return;
    }
    const auto now = std::chrono::steady_clock::now();
    if (!force && now - last_report < std::chrono::milliseconds(200)) {
      return;
    }
    last_report = now;
    settings.progress(LoadProgress{settings.phase, done + reader->compressed_read(), total,
                                   stats.statements + (pool ? pool->statements() : 0)});
  };

  std::function<void()> before_first_event = settings.before_first_event;
  std::optional<TableFilter> filter;
  if (settings.only_tables) {
    filter.emplace(*settings.only_tables);
  }

  auto execute = [&](Statement&& statement) {
    if (settings.interruptible) {
      util::check_interrupted();
    }
    if (switches_database(statement.text)) {
      throw Error(ErrorCode::server,
                  fmt::format("{} line {}: the script changes database ({}); it was made for several databases "
                              "(--databases/--all-databases)",
                              shown, statement.line, statement_excerpt(statement.text)),
                  "restore single-database dumps only, or load this file with the mariadb client");
    }
    // What the statement does, read under the modes the server has now (as it will read it).
    const auto kind =
        classify_statement(statement.text, settings.ours, connection.ansi_quotes(), !connection.no_backslash_escapes());
    if (kind.kind == StatementKind::foreign && (settings.ours || !settings.allow_foreign)) {
      throw Error(ErrorCode::foreign_statement,
                  fmt::format("{} line {}: {}, which a backup may not hold (statement: {})", shown, statement.line,
                              kind.reason, statement_excerpt(statement.text)),
                  settings.ours ? "the file was altered after the backup: restore another one"
                                : "check the file; --allow-foreign-statements runs it all the same");
    }
    if ((filter && !filter->keep(statement.text)) ||
        (settings.schema_only &&
         (kind.kind == StatementKind::rows || kind.object == "EVENT" || kind.object == "DROP EVENT"))) {
      ++stats.skipped;
      report(false);
      return;
    }
    if (pool) {
      if (is_row_insert(statement.text)) {
        pool->submit(std::move(statement));
        report(false);
        return;
      }
      pool->drain();
    }
    if (kind.creates_event() && before_first_event) {
      std::exchange(before_first_event, nullptr)();
    }
    const auto started = std::chrono::steady_clock::now();
    const auto result = connection.run_statement(statement.text);
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    if (took.count() >= k_slow_statement_seconds) {
      spdlog::info("line {}: {:.1f} s: {}", statement.line, took.count(), statement_excerpt(statement.text));
    } else {
      spdlog::debug("line {}: {:.3f} s: {}", statement.line, took.count(), statement_excerpt(statement.text));
    }
    if (pool && result.ok && is_session_setting(statement.text)) {
      pool->broadcast(statement);
    }
    // A dump switches to a trigger's or routine's own sql_mode around its body: follow the server
    // on backslashes and double quotes, as the mariadb client does. Otherwise '\\' under
    // NO_BACKSLASH_ESCAPES never ends, and under ANSI_QUOTES "x\" ends where we would not: the
    // rest of the body would run as statements of its own.
    splitter.set_backslash_escapes(!connection.no_backslash_escapes());
    splitter.set_ansi_quotes(connection.ansi_quotes());
    ++stats.statements;
    if (!result.ok) {
      ++stats.failed;
      std::string message = statement_error(shown, statement, result);
      if (!settings.keep_going) {
        throw Error(ErrorCode::server, message);
      }
      spdlog::error("{}", message);
      if (stats.failures.size() < LoadStats::k_failures_kept) {
        stats.failures.push_back(LoadStats::Failure{result.error_number, std::move(message)});
      }
    }
    if (result.warnings > 0) {
      if (stats.warnings < k_warnings_logged) {
        log_warnings(connection, statement.line);
      }
      stats.warnings += result.warnings;
    }
    report(false);
  };
  // What runs is what was verified: the content is hashed again on its way to the splitter.
  util::Sha256 rehash;
  std::uint64_t rehashed = 0;
  const bool check_content = !settings.expected_sha256.empty() && parts.empty();
  for (std::size_t part = 0;; ++part) {
    reader->read_all([&](std::string_view chunk) {
      if (check_content && rehashed < settings.expected_content_bytes) {
        const auto take = static_cast<std::size_t>(
            std::min<std::uint64_t>(chunk.size(), settings.expected_content_bytes - rehashed));
        rehash.update(chunk.substr(0, take));
        rehashed += take;
      }
      splitter.feed(chunk, execute);
    });
    if (part + 1 >= parts.size()) {
      break;
    }
    done += parts[part].second;
    reader = std::make_unique<io::GzipReader>(file, parts[part + 1].first, parts[part + 1].second);
  }
  splitter.finish(execute);
  if (check_content &&
      (rehashed != settings.expected_content_bytes || util::Sha256::hex(rehash.finish()) != settings.expected_sha256)) {
    throw Error(ErrorCode::corrupt,
                fmt::format("{} changed on disk during the restore: what was loaded is not what was verified", shown),
                "someone or something writes to the backup folder; find out who before restoring again");
  }
  if (pool) {
    pool->drain();
    stats.statements += pool->statements();
    stats.warnings += pool->warnings();
    stats.load_data_statements = pool->load_data_statements();
    spdlog::info("{} of {} row statements loaded as LOAD DATA LOCAL", stats.load_data_statements,
                 pool->statements());
  }
  report(true);
  return stats;
}

}  // namespace ifnbackup::restore
