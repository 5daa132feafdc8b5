#include "restore/script_loader.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <system_error>
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
#include "sql/text.hpp"
#include "util/interrupt.hpp"
#include "util/sha256.hpp"
#include "util/worker_pool.hpp"

namespace ifnbackup::restore {

namespace {

constexpr int k_warnings_logged = 20;
// A statement of the main connection (an index build, a big table's DDL) that takes this long
// is named in the log: where a long restore spends its time.
constexpr double k_slow_statement_seconds = 2.0;

// Server warnings an operator meets on ordinary restores, said once in words instead of raw each time.
class KnownWarnings {
 public:
  // True when the warning is a known one (explained the first time, then silent).
  bool explain(std::string_view code, std::string_view message) {
    for (const auto& known : k_known) {
      if (code == known.code && message.find(known.contains) != std::string_view::npos) {
        const std::lock_guard lock(m_mutex);
        if (m_said.insert(known.code).second) {
          spdlog::warn("{}", known.explanation);
        }
        return true;
      }
    }
    return false;
  }

 private:
  struct Known {
    std::string_view code;
    std::string_view contains;
    std::string_view explanation;
  };
  static constexpr Known k_known[] = {
      {"1105", "Event scheduler is switched off",
       "the server's event scheduler is off: the events were restored and will not run until it is on "
       "(SET GLOBAL event_scheduler = ON, and event_scheduler=ON in the server's configuration)"},
      {"1906", "generated column",
       "this file gives values for generated columns (an older tool wrote it): the server computes them itself "
       "and ignored the file's values, as the stock client's load does"},
  };
  std::mutex m_mutex;
  std::set<std::string_view> m_said;
};

void log_warnings(db::Connection& connection, std::uint64_t line, KnownWarnings& known) {
  try {
    for (const auto& row : connection.query("SHOW WARNINGS").rows) {
      if (row.size() >= 3 && !known.explain(row[1].value_or(""), row[2].value_or(""))) {
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
// statement, whatever its size), and so does the one being read with them, checked each
// k_room_step of its growth: memory is bounded by bytes, not by a count of statements, so a file
// of huge INSERTs holds one of them at a time (and up to k_room_step of the next), not 2 x workers.
constexpr std::size_t k_pool_bytes = 64 * 1024 * 1024;
constexpr std::size_t k_room_step = 1024 * 1024;
// A statement this long goes as the INSERT it is: its LOAD DATA text would be a second copy of it
// (hex stays hex), and what it holds is one huge row (our dumper starts a new INSERT once one passes
// 1 MiB), on which LOAD DATA gains nothing. So the loading threads' LOAD DATA texts, about as long
// as their statements, stay within k_pool_bytes too.
constexpr std::size_t k_load_data_max_bytes = 16 * 1024 * 1024;
class InsertPool {
 public:
  InsertPool(std::vector<db::Connection*> connections, std::string file, bool load_data, KnownWarnings& known)
      : m_file(std::move(file)), m_load_data(load_data), m_connections(std::move(connections)), m_known(known) {
    try {
      m_threads = std::make_unique<util::WorkerPool>(static_cast<unsigned>(m_connections.size()),
                                                     util::WorkerPool::Limits{2 * m_connections.size(), k_pool_bytes});
    } catch (const std::system_error& error) {
      throw Error(ErrorCode::internal, fmt::format("cannot start a loading thread: {}", error.what()));
    }
  }

  // Queues a statement; waits while the queue is full. Throws the first worker error.
  void submit(Statement&& statement) {
    const std::size_t size = statement.text.size();
    m_threads->submit(
        [this, statement = std::move(statement)](unsigned thread) { run(*m_connections[thread], statement); }, size);
  }

  // Waits until a statement of `size` bytes, being read, fits beside those queued or running: the
  // reader holds it too, so a huge statement is not read while another one is still loading.
  // Throws the first worker error.
  void wait_for_room(std::size_t size) { m_threads->wait_for_room(size); }

  // Waits until every queued statement has run. Throws the first worker error.
  void drain() { m_threads->wait_idle(); }

  // Runs a session setting on every worker connection; only after drain(), when all are idle.
  void broadcast(const Statement& statement) {
    for (auto& connection : m_connections) {
      const auto result = connection->run_statement(statement.text);
      if (!result.ok) {
        throw Error(ErrorCode::server, statement_error(m_file, statement, result));
      }
    }
  }

  std::uint64_t statements() const { return m_statements.load(); }
  std::uint64_t warnings() const { return m_warnings.load(); }
  std::uint64_t load_data_statements() const { return m_load_data_statements.load(); }
  std::uint64_t rows() const { return m_rows.load(); }

 private:
  // One row statement on a worker's connection; a failure is thrown (the pool keeps the first).
  void run(db::Connection& connection, const Statement& statement) {
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
        log_warnings(connection, statement.line, m_known);
      }
    } catch (const Error&) {
      error = std::current_exception();
    } catch (const std::exception& caught) {
      // out of memory, a library fault: an Error, so the restore still rolls back
      error = std::make_exception_ptr(
          Error(ErrorCode::internal, fmt::format("line {}: {}", statement.line, caught.what())));
    }
    ++m_statements;
    m_load_data_statements += as_load_data ? 1 : 0;
    m_warnings += result.warnings;
    m_rows += result.ok ? result.affected_rows : 0;
    if (error) {
      std::rethrow_exception(error);
    }
  }

  // The rows of one INSERT as LOAD DATA LOCAL from memory when the server takes it (the server
  // no longer parses SQL for each value), else the INSERT as it is.
  db::Connection::StatementResult run_rows(db::Connection& connection, const Statement& statement, bool& as_load_data,
                                           bool& short_load) {
    as_load_data = false;
    short_load = false;
    if (!m_load_data.load() || connection.no_backslash_escapes() || statement.text.size() > k_load_data_max_bytes) {
      return connection.run_statement(statement.text);
    }
    // One row goes as the INSERT it is: LOAD DATA gains nothing on one row, and on MariaDB 10.11
    // a table whose whole load is one LOAD DATA row, under the dump's UNIQUE_CHECKS=0 and
    // FOREIGN_KEY_CHECKS=0 (InnoDB's bulk insert into an empty table), with a VIRTUAL column, gets
    // AUTO_INCREMENT 2 from the ALTER TABLE ... ADD KEY that follows, whatever its id (the stock
    // client's INSERT keeps max(id)+1: fuzz seeds 7040 and 7055, RestoreFidelity.OneRowTable...).
    const auto load = insert_to_load_data(statement.text, 2);
    if (!load) {
      return connection.run_statement(statement.text);
    }
    auto result = connection.load_local(load->statement, load->rows);
    if (!result.ok) {
      // Refused (local_infile off on the server or in an option file, a proxy, a server without
      // this syntax) or failed: the statement had no effect, and the INSERT decides. When the
      // INSERT passes where LOAD DATA did not (other than a deadlock), rows go as INSERTs from now on.
      auto insert = connection.run_statement(statement.text);
      if (insert.ok && !is_retryable(result.error_number) && m_load_data.exchange(false)) {
        spdlog::warn(
            "LOAD DATA LOCAL failed (error {}: {}) where the INSERT passes: rows are sent as INSERT "
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
      result.error =
          fmt::format("{} of the statement's {} rows were loaded{}", result.affected_rows, load->row_count, reason);
    }
    return result;
  }

  std::string m_file;
  std::atomic<bool> m_load_data;
  std::vector<db::Connection*> m_connections;
  std::atomic<std::uint64_t> m_statements{0};
  std::atomic<std::uint64_t> m_warnings{0};
  std::atomic<std::uint64_t> m_load_data_statements{0};
  std::atomic<std::uint64_t> m_rows{0};
  KnownWarnings& m_known;
  std::unique_ptr<util::WorkerPool> m_threads;  // last: stopped before what its jobs use goes
};

// One load_script: the file's parts read in order, cut into statements, each checked and run
// here or on the pool.
class ScriptLoad {
 public:
  ScriptLoad(db::Connection& connection, const std::filesystem::path& file, const LoadSettings& settings);
  LoadStats run();

 private:
  void execute(Statement&& statement);
  // Runs a statement on the main connection: timed (its time added to its phase), its failure
  // thrown (or logged with keep_going), its warnings counted.
  void run_here(const Statement& statement, StatementKind kind);
  void report(bool force);
  // The step a statement about to run on this connection belongs to (a load's own only: a roll-back
  // or a schema check is one step); reported at once when it changes.
  void enter_step(const StatementClass& kind, std::string_view text);

  db::Connection& m_connection;
  const std::filesystem::path& m_file;
  const LoadSettings& m_settings;
  // The whole file, or the sections restore --tables chose, one after the other.
  const std::vector<std::pair<std::uint64_t, std::uint64_t>>& m_parts;
  std::uint64_t m_total = 0;
  std::uint64_t m_done = 0;  // compressed bytes of the parts already read
  std::unique_ptr<io::GzipReader> m_reader;
  std::string m_shown;
  SqlSplitter m_splitter;
  KnownWarnings m_known;  // before m_pool, whose threads use it
  std::unique_ptr<InsertPool> m_pool;
  std::chrono::steady_clock::time_point m_last_report = std::chrono::steady_clock::now();
  std::function<void()> m_before_first_event;
  std::optional<TableFilter> m_filter;
  LoadStats m_stats;
  RestoreStep m_step;
  std::string m_subject;
  std::uint64_t m_rows = 0;  // loaded on this connection
};

ScriptLoad::ScriptLoad(db::Connection& connection, const std::filesystem::path& file, const LoadSettings& settings)
    : m_connection(connection),
      m_file(file),
      m_settings(settings),
      m_parts(settings.ranges),
      m_splitter(settings.max_statement_bytes),
      m_before_first_event(settings.before_first_event),
      m_step(settings.step) {
  for (const auto& part : m_parts) {
    m_total += part.second;
  }
  m_reader = m_parts.empty() ? std::make_unique<io::GzipReader>(file)
                             : std::make_unique<io::GzipReader>(file, m_parts.front().first, m_parts.front().second);
  if (m_parts.empty()) {
    m_total = m_reader->compressed_total();
  }
  // Line numbers count the lines read: with sections only, not the file's own numbering.
  const std::string name = settings.shown_name.empty() ? file.filename().string() : settings.shown_name;
  m_shown = m_parts.empty() ? name : name + " (sections read for --tables)";
  m_splitter.expect_largest(std::min(settings.largest_statement, settings.max_statement_bytes));
  m_splitter.set_backslash_escapes(!connection.no_backslash_escapes());
  m_splitter.set_ansi_quotes(connection.ansi_quotes());
  // --force reports failures in script order: one connection then.
  if (!settings.workers.empty() && !settings.keep_going) {
    m_pool = std::make_unique<InsertPool>(settings.workers, m_shown, settings.load_data, m_known);
    m_splitter.before_growth(k_room_step, [this](std::size_t size) { m_pool->wait_for_room(size); });
    spdlog::info("loading rows on {} connection{}", settings.workers.size(), settings.workers.size() == 1 ? "" : "s");
  }
  if (settings.only_tables) {
    m_filter.emplace(*settings.only_tables);
  }
}

void ScriptLoad::report(bool force) {
  if (!m_settings.progress) {
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  if (!force && now - m_last_report < std::chrono::milliseconds(200)) {
    return;
  }
  m_last_report = now;
  LoadProgress progress;
  progress.step = m_step;
  progress.subject = m_subject;
  progress.done = m_done + m_reader->compressed_read();
  progress.total = m_total;
  progress.statements = m_stats.statements + (m_pool ? m_pool->statements() : 0);
  progress.rows = m_rows + (m_pool ? m_pool->rows() : 0);
  m_settings.progress(progress);
}

void ScriptLoad::enter_step(const StatementClass& kind, std::string_view text) {
  // A session setting belongs to whatever runs around it.
  if (m_settings.step != RestoreStep::loading_rows || kind.kind == StatementKind::session) {
    return;
  }
  RestoreStep step = RestoreStep::loading_rows;
  std::string subject;
  std::string_view rest = unwrap_version_comment(text);
  if (kind.kind == StatementKind::object) {
    step = RestoreStep::restoring_objects;
  } else if (kind.kind == StatementKind::schema && take_words(rest, {"ALTER", "TABLE"})) {
    // Our deferred keys (or a mysqldump file's ALTER TABLE `t` ADD ...): the server builds indexes.
    std::size_t at = 0;
    auto name = sql::parse_quoted_identifier(rest, at);
    std::string_view after = rest.substr(at);
    while (!after.empty() && std::isspace(static_cast<unsigned char>(after.front()))) {
      after.remove_prefix(1);
    }
    if (name && take_word(after, "ADD")) {
      step = RestoreStep::building_indexes;
      subject = std::move(*name);
    }
  }
  if (step != m_step || subject != m_subject) {
    m_step = step;
    m_subject = std::move(subject);
    report(true);
  }
}

void ScriptLoad::execute(Statement&& statement) {
  if (m_settings.interruptible) {
    util::check_interrupted();
  }
  if (switches_database(statement.text)) {
    throw Error(ErrorCode::server,
                fmt::format("{} line {}: the script changes database ({}); it was made for several databases "
                            "(--databases/--all-databases)",
                            m_shown, statement.line, statement_excerpt(statement.text)),
                "restore single-database dumps only, or load this file with the mariadb client");
  }
  // What the statement does, read under the modes the server has now (as it will read it).
  const auto kind = classify_statement(statement.text, m_settings.ours, m_connection.ansi_quotes(),
                                       !m_connection.no_backslash_escapes());
  if (kind.kind == StatementKind::foreign && (m_settings.ours || !m_settings.allow_foreign)) {
    throw Error(ErrorCode::foreign_statement,
                fmt::format("{} line {}: {}, which a backup may not hold (statement: {})", m_shown, statement.line,
                            kind.reason, statement_excerpt(statement.text)),
                m_settings.ours ? "the file was altered after the backup: restore another one"
                                : "check the file; --allow-foreign-statements runs it all the same");
  }
  if ((m_filter && !m_filter->keep(statement.text)) ||
      (m_settings.schema_only &&
       (kind.kind == StatementKind::rows || kind.object == "EVENT" || kind.object == "DROP EVENT"))) {
    ++m_stats.skipped;
    report(false);
    return;
  }
  if (m_pool) {
    if (is_row_insert(statement.text)) {
      m_pool->submit(std::move(statement));
      report(false);
      return;
    }
    m_pool->drain();
  }
  if (kind.creates_event() && m_before_first_event) {
    std::exchange(m_before_first_event, nullptr)();
  }
  enter_step(kind, statement.text);
  run_here(statement, kind.kind);
  report(false);
}

void ScriptLoad::run_here(const Statement& statement, StatementKind kind) {
  const auto started = std::chrono::steady_clock::now();
  const auto result = m_connection.run_statement(statement.text);
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
  if (took.count() >= k_slow_statement_seconds) {
    spdlog::info("line {}: {:.1f} s: {}", statement.line, took.count(), statement_excerpt(statement.text));
  } else {
    spdlog::debug("line {}: {:.3f} s: {}", statement.line, took.count(), statement_excerpt(statement.text));
  }
  auto& phases = m_stats.phases;
  if (kind == StatementKind::schema && statement.text.starts_with("ALTER TABLE ")) {
    phases.keys_seconds += took.count();
    if (took.count() > phases.slowest_keys_seconds) {
      phases.slowest_keys_seconds = took.count();
      phases.slowest_keys = statement_excerpt(statement.text.substr(0, statement.text.find('\n')));
    }
  } else if (kind == StatementKind::object) {
    phases.objects_seconds += took.count();
  } else if (kind != StatementKind::rows) {
    phases.definitions_seconds += took.count();
  }
  if (m_pool && result.ok && is_session_setting(statement.text)) {
    m_pool->broadcast(statement);
  }
  // A dump switches to a trigger's or routine's own sql_mode around its body: follow the server
  // on backslashes and double quotes, as the mariadb client does. Otherwise '\\' under
  // NO_BACKSLASH_ESCAPES never ends, and under ANSI_QUOTES "x\" ends where we would not: the
  // rest of the body would run as statements of its own.
  m_splitter.set_backslash_escapes(!m_connection.no_backslash_escapes());
  m_splitter.set_ansi_quotes(m_connection.ansi_quotes());
  ++m_stats.statements;
  m_rows += result.ok && is_row_insert(statement.text) ? result.affected_rows : 0;
  if (!result.ok) {
    ++m_stats.failed;
    std::string message = statement_error(m_shown, statement, result);
    if (!m_settings.keep_going) {
      throw Error(ErrorCode::server, message);
    }
    spdlog::error("{}", message);
    if (m_stats.failures.size() < LoadStats::k_failures_kept) {
      m_stats.failures.push_back(LoadStats::Failure{result.error_number, std::move(message)});
    }
  }
  if (result.warnings > 0) {
    if (m_stats.warnings < k_warnings_logged) {
      log_warnings(m_connection, statement.line, m_known);
    }
    m_stats.warnings += result.warnings;
  }
}

LoadStats ScriptLoad::run() {
  const auto started = std::chrono::steady_clock::now();
  const StatementSink execute = [this](Statement&& statement) { this->execute(std::move(statement)); };
  // What runs is what was verified: the content is hashed again on its way to the splitter.
  util::Sha256 rehash;
  std::uint64_t rehashed = 0;
  const bool check_content = !m_settings.expected_sha256.empty() && m_parts.empty();
  const std::uint64_t expected_bytes = m_settings.expected_content_bytes;
  for (std::size_t part = 0;; ++part) {
    m_reader->read_all([&](std::string_view chunk) {
      if (check_content && rehashed < expected_bytes) {
        const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), expected_bytes - rehashed));
        rehash.update(chunk.substr(0, take));
        rehashed += take;
      }
      m_splitter.feed(chunk, execute);
    });
    if (part + 1 >= m_parts.size()) {
      break;
    }
    m_done += m_parts[part].second;
    m_reader = std::make_unique<io::GzipReader>(m_file, m_parts[part + 1].first, m_parts[part + 1].second);
  }
  m_splitter.finish(execute);
  if (check_content &&
      (rehashed != expected_bytes || util::Sha256::hex(rehash.finish()) != m_settings.expected_sha256)) {
    throw Error(ErrorCode::corrupt,
                fmt::format("{} changed on disk during the restore: what was loaded is not what was verified", m_shown),
                "someone or something writes to the backup folder; find out who before restoring again");
  }
  if (m_pool) {
    m_pool->drain();
    m_stats.statements += m_pool->statements();
    m_stats.warnings += m_pool->warnings();
    m_stats.load_data_statements = m_pool->load_data_statements();
    spdlog::info("{} of {} row statements loaded as LOAD DATA LOCAL", m_stats.load_data_statements,
                 m_pool->statements());
  }
  report(true);
  auto& phases = m_stats.phases;
  phases.total_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  // "restore phases:", as scripts/bench reads it.
  const char* load = m_settings.step == RestoreStep::checking_schema ? "schema check"
                     : m_settings.step == RestoreStep::rolling_back  ? "rollback"
                                                                     : "restore";
  spdlog::log(m_settings.step == RestoreStep::checking_schema ? spdlog::level::debug : spdlog::level::info,
              "{} phases: {:.1f} s: rows {:.1f} s, indexes and foreign keys {:.1f} s{}, tables and settings {:.1f} s, "
              "views, routines, triggers and events {:.1f} s",
              load, phases.total_seconds, phases.rows_seconds(), phases.keys_seconds,
              phases.slowest_keys.empty()
                  ? std::string()
                  : fmt::format(" (longest {:.1f} s: {})", phases.slowest_keys_seconds, phases.slowest_keys),
              phases.definitions_seconds, phases.objects_seconds);
  return m_stats;
}

}  // namespace

LoadStats load_script(db::Connection& connection, const std::filesystem::path& file, const LoadSettings& settings) {
  return ScriptLoad(connection, file, settings).run();
}

}  // namespace ifnbackup::restore
