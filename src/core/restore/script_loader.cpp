#include "restore/script_loader.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <system_error>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "ifnbackup/error.hpp"
#include "ifnbackup/options.hpp"
#include "ifnbackup/printable.hpp"
#include "io/gzip_reader.hpp"
#include "restore/insert_pool.hpp"
#include "restore/shared_definitions.hpp"
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

// A statement of the main connection (an index build, a big table's DDL) that takes this long
// is named in the log: where a long restore spends its time.
constexpr double k_slow_statement_seconds = 2.0;

// Tables loaded side by side (our own files, with loading connections; issues 13 and 20). A table
// whose statements — DROP, CREATE, rows, deferred keys — together stay within k_small_table_bytes
// is small: it goes whole to one connection, in one turn with the small tables next to it (up to
// k_turn_tables of them, k_turn_bytes together), its statements as they are (no LOAD DATA for
// short INSERTs, k_load_data_min_bytes), while the other connections load other tables. A bigger
// table has its DDL run here, its rows spread over every loading connection, then its deferred
// keys sent to one of them as soon as its rows are in, so that its index build runs beside the
// next tables' rows. Where these sizes come from: docs/benchmarks.md (measured break-even).
constexpr std::size_t k_small_table_bytes = 1024 * 1024;
// A small table within k_keys_in_create_bytes (ifnbackup/options.hpp, shared with the dumper), without
// foreign keys, has its deferred keys put back into its CREATE TABLE (create_with_keys): one DDL
// instead of two (a file whose dumper deferred them anyway: its estimate was stale, or set to 0).
constexpr std::size_t k_turn_bytes = 1024 * 1024;
constexpr std::size_t k_turn_tables = 32;

// One load_script: the file's parts read in order, cut into statements, each checked and run
// here or on the pool.
class ScriptLoad {
 public:
  ScriptLoad(db::Connection& connection, const std::filesystem::path& file, const LoadSettings& settings);
  LoadStats run();

 private:
  void execute(Statement&& statement);
  // What execute does once a statement is let through: run here, timed, reported.
  void run_checked(Statement&& statement, const StatementClass& kind);
  // Runs a statement on the main connection: timed (its time added to its phase), its failure
  // thrown (or logged with keep_going), its warnings counted.
  void run_here(const Statement& statement, StatementKind kind);
  void report(bool force);
  Error changed_on_disk() const;
  // Tables side by side: a statement of a table's own part, its table named.
  void add_to_table(std::string table, Statement&& statement, const StatementClass& kind);
  void run_big_table(Statement&& statement, const StatementClass& kind);
  // The table being read is complete: a small one joins the turn being gathered.
  void end_table();
  void send_turn();
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
  std::optional<SharedDefinitions> m_shared;
  SharedDefinitions::Run m_run_shared;
  LoadStats m_stats;
  RestoreStep m_step;
  std::string m_subject;
  std::uint64_t m_rows = 0;  // loaded on this connection
  // The table being read: its statements held while it may still be small.
  struct TableRead {
    std::string name;
    std::vector<Statement> statements;
    std::size_t bytes = 0;
    bool big = false;
  };
  std::optional<TableRead> m_table;
  // Small tables gathered for one connection's turn.
  std::vector<Statement> m_turn;
  std::vector<std::string> m_turn_tables;
  std::size_t m_turn_bytes = 0;
  std::uint64_t m_small_tables = 0;
  std::uint64_t m_big_tables = 0;
  std::uint64_t m_keys_in_create = 0;
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
  m_shown = m_parts.empty()              ? name
            : settings.ranges_cover_file ? name + " (sections read biggest table first)"
                                         : name + " (sections read for --tables)";
  m_splitter.expect_largest(std::min(settings.largest_statement, settings.max_statement_bytes));
  m_splitter.set_backslash_escapes(!connection.no_backslash_escapes());
  m_splitter.set_ansi_quotes(connection.ansi_quotes());
  // --force reports failures in script order: one connection then.
  if (!settings.workers.empty() && !settings.keep_going) {
    m_pool = std::make_unique<InsertPool>(settings.workers, m_shown, settings.load_data, m_known);
    m_splitter.before_growth(k_room_step, [this](std::size_t size) { m_pool->wait_for_room(size); });
    log_info("loading rows on {} connection{}", settings.workers.size(), settings.workers.size() == 1 ? "" : "s");
  }
  if (settings.only_tables) {
    m_filter.emplace(*settings.only_tables);
  }
  if (settings.schema_only && settings.shared_definitions && !m_pool) {
    m_shared.emplace();
    m_run_shared = [this](Statement&& statement) {
      const auto kind = classify_statement(statement.text, m_settings.ours, m_connection.ansi_quotes(),
                                           !m_connection.no_backslash_escapes());
      run_checked(std::move(statement), kind);
    };
  }
}

Error ScriptLoad::changed_on_disk() const {
  return Error(ErrorCode::corrupt,
               tx("{} changed on disk during the restore: what was loaded is not what was verified", m_shown),
               tx("someone or something writes to the backup folder; find out who before restoring again"));
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
                tx("{} line {}: the script changes database ({}); it was made for several databases "
                   "(--databases/--all-databases)",
                   m_shown, statement.line, statement_excerpt(statement.text)),
                tx("restore single-database dumps only, or load this file with the mariadb client"));
  }
  // What the statement does, read under the modes the server has now (as it will read it).
  const auto kind = classify_statement(statement.text, m_settings.ours, m_connection.ansi_quotes(),
                                       !m_connection.no_backslash_escapes());
  if (kind.kind == StatementKind::foreign && (m_settings.ours || !m_settings.allow_foreign)) {
    throw Error(ErrorCode::foreign_statement,
                tx("{} line {}: {}, which a backup may not hold (statement: {})", m_shown, statement.line, kind.reason,
                   statement_excerpt(statement.text)),
                m_settings.ours ? tx("the file was altered after the backup: restore another one")
                                : tx("check the file; --allow-foreign-statements runs it all the same"));
  }
  if ((m_filter && !m_filter->keep(statement.text)) ||
      (m_settings.schema_only &&
       (kind.kind == StatementKind::rows || kind.object == "EVENT" || kind.object == "DROP EVENT"))) {
    ++m_stats.skipped;
    report(false);
    return;
  }
  if (m_shared) {
    m_shared->feed(std::move(statement), m_run_shared);
    return;
  }
  if (m_pool) {
    if (kind.kind == StatementKind::schema || kind.kind == StatementKind::rows) {
      if (auto table = statement_table(statement.text)) {
        add_to_table(std::move(*table), std::move(statement), kind);
        report(false);
        return;
      }
    }
    // Anything else (a session setting, a view, a routine, a trigger, a sequence) runs here once
    // every table before it is loaded.
    end_table();
    send_turn();
    m_pool->drain();
  }
  run_checked(std::move(statement), kind);
}

void ScriptLoad::run_checked(Statement&& statement, const StatementClass& kind) {
  if (kind.creates_event() && m_before_first_event) {
    std::exchange(m_before_first_event, nullptr)();
  }
  enter_step(kind, statement.text);
  run_here(statement, kind.kind);
  report(false);
}

void ScriptLoad::add_to_table(std::string table, Statement&& statement, const StatementClass& kind) {
  if (m_table && m_table->name != table) {
    end_table();
  }
  if (!m_table) {
    enter_step(kind, statement.text);  // rows again, after another table's index build was shown
    // The same name again (a view's placeholder, a file with a table twice): after its earlier turns.
    m_pool->wait_for_table(table);
    m_table.emplace(TableRead{std::move(table), {}, 0, false});
  }
  if (!m_table->big && m_table->bytes + statement.text.size() <= k_small_table_bytes) {
    m_table->bytes += statement.text.size();
    m_table->statements.push_back(std::move(statement));
    return;
  }
  if (!m_table->big) {
    m_table->big = true;
    ++m_big_tables;
    auto held = std::exchange(m_table->statements, {});
    for (auto& earlier : held) {
      const auto earlier_kind = classify_statement(earlier.text, m_settings.ours, m_connection.ansi_quotes(),
                                                   !m_connection.no_backslash_escapes());
      run_big_table(std::move(earlier), earlier_kind);
    }
  }
  run_big_table(std::move(statement), kind);
}

// One statement as a turn, moved: an initializer list would copy it (its elements are const), and a
// row statement may be hundreds of MiB (tests/cli/test_memory_bounds.sh).
std::vector<Statement> alone(Statement&& statement) {
  std::vector<Statement> turn;
  turn.push_back(std::move(statement));
  return turn;
}

void ScriptLoad::run_big_table(Statement&& statement, const StatementClass& kind) {
  if (is_row_insert(statement.text)) {
    m_pool->submit_turn(alone(std::move(statement)), {m_table->name});
    return;
  }
  m_pool->wait_for_table(m_table->name);  // its rows are in
  if (statement.text.starts_with("ALTER TABLE ")) {
    // Its deferred keys: built on a loading connection while the next tables load on the others
    // (shown until the next table starts).
    enter_step(kind, statement.text);
    m_pool->submit_turn(alone(std::move(statement)), {m_table->name});
    return;
  }
  enter_step(kind, statement.text);
  run_here(statement, kind.kind);
}

void ScriptLoad::end_table() {
  if (!m_table) {
    return;
  }
  if (!m_table->big) {
    ++m_small_tables;
    auto& statements = m_table->statements;
    // Not a table with foreign keys: their ALTER TABLE failing says which constraint could not be
    // added (a CREATE TABLE failing says only "errno 150").
    if (m_table->bytes <= k_keys_in_create_bytes && statements.size() >= 2 &&
        statements.back().text.starts_with("ALTER TABLE ") &&
        statements.back().text.find(" FOREIGN KEY (") == std::string::npos) {
      const auto create = std::find_if(statements.begin(), statements.end(), [](const Statement& statement) {
        return statement.text.starts_with("CREATE TABLE ");
      });
      if (create != statements.end()) {
        if (auto merged = create_with_keys(create->text, statements.back().text)) {
          create->text = std::move(*merged);
          statements.pop_back();
          ++m_keys_in_create;
        }
      }
    }
    m_turn_bytes += m_table->bytes;
    std::move(m_table->statements.begin(), m_table->statements.end(), std::back_inserter(m_turn));
    m_turn_tables.push_back(std::move(m_table->name));
    if (m_turn_tables.size() >= k_turn_tables || m_turn_bytes >= k_turn_bytes) {
      send_turn();
    }
  }
  m_table.reset();
}

void ScriptLoad::send_turn() {
  if (!m_turn.empty()) {
    m_pool->submit_turn(std::exchange(m_turn, {}), std::exchange(m_turn_tables, {}));
  }
  m_turn_tables.clear();
  m_turn_bytes = 0;
}

void ScriptLoad::run_here(const Statement& statement, StatementKind kind) {
  const auto started = std::chrono::steady_clock::now();
  const auto result = m_connection.run_statement(statement.text);
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
  if (took.count() >= k_slow_statement_seconds) {
    log_info("line {}: {:.1f} s: {}", statement.line, took.count(), statement_excerpt(statement.text));
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
    Text message = statement_error(m_shown, statement, result);
    if (!m_settings.keep_going) {
      throw Error(ErrorCode::server, message);
    }
    log_text(spdlog::level::err, message);
    if (m_stats.failures.size() < LoadStats::k_failures_kept) {
      m_stats.failures.push_back(LoadStats::Failure{result.error_number, std::move(message.english)});
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
  const bool check_ranges = !m_settings.range_sha256.empty();
  for (std::size_t part = 0;; ++part) {
    m_reader->read_all([&](std::string_view chunk) {
      if ((check_content && rehashed < expected_bytes) || check_ranges) {
        const auto take =
            check_ranges ? chunk.size()
                         : static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), expected_bytes - rehashed));
        rehash.update(chunk.substr(0, take));
        rehashed += take;
      }
      m_splitter.feed(chunk, execute);
    });
    if (check_ranges) {
      if (util::Sha256::hex(rehash.finish()) != m_settings.range_sha256.at(part)) {
        throw changed_on_disk();
      }
      rehash.reset();
    }
    if (part + 1 >= m_parts.size()) {
      break;
    }
    m_done += m_parts[part].second;
    m_reader = std::make_unique<io::GzipReader>(m_file, m_parts[part + 1].first, m_parts[part + 1].second);
  }
  m_splitter.finish(execute);
  if (m_shared) {
    m_shared->finish(m_run_shared);
    m_stats.tables_held_back = m_shared->tables_held_back();
    spdlog::debug(
        "schema check: {} tables held back (each of the same definition as one checked), {} run because "
        "a later statement named them",
        m_shared->tables_held_back(), m_shared->tables_run_when_named());
  }
  if (check_content &&
      (rehashed != expected_bytes || util::Sha256::hex(rehash.finish()) != m_settings.expected_sha256)) {
    throw changed_on_disk();
  }
  if (m_pool) {
    end_table();
    send_turn();
    m_pool->drain();
    m_stats.statements += m_pool->statements();
    m_stats.warnings += m_pool->warnings();
    m_stats.load_data_statements = m_pool->load_data_statements();
    log_info(
        "{} of {} row statements loaded as LOAD DATA LOCAL; {} small tables loaded whole ({} with their keys in "
        "their CREATE TABLE), {} bigger ones spread over the connections",
        m_stats.load_data_statements, m_pool->row_statements(), m_small_tables, m_keys_in_create, m_big_tables);
    m_stats.phases.keys_beside_seconds = m_pool->keys_seconds();
    auto [slowest, text] = m_pool->slowest_keys();
    if (slowest > m_stats.phases.slowest_keys_seconds) {
      m_stats.phases.slowest_keys_seconds = slowest;
      m_stats.phases.slowest_keys = std::move(text);
    }
  }
  report(true);
  auto& phases = m_stats.phases;
  phases.total_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  // "restore phases:", as scripts/bench reads it.
  // The log file keeps English; the terminal has the operator's language.
  const Text load = m_settings.step == RestoreStep::checking_schema ? tx("schema check")
                    : m_settings.step == RestoreStep::rolling_back  ? tx("rollback")
                                                                    : tx("restore");
  log_text(
      m_settings.step == RestoreStep::checking_schema ? spdlog::level::debug : spdlog::level::info,
      tx("{} phases: {:.1f} s: rows {:.1f} s, indexes and foreign keys {:.1f} s (+ {:.1f} s on the loading "
         "connections){}, tables and settings {:.1f} s, views, routines, triggers and events {:.1f} s",
         load, phases.total_seconds, phases.rows_seconds(), phases.keys_seconds, phases.keys_beside_seconds,
         phases.slowest_keys.empty() ? Text()
                                     : tx(" (longest {:.1f} s: {})", phases.slowest_keys_seconds, phases.slowest_keys),
         phases.definitions_seconds, phases.objects_seconds));
  return m_stats;
}

}  // namespace

LoadStats load_script(db::Connection& connection, const std::filesystem::path& file, const LoadSettings& settings) {
  return ScriptLoad(connection, file, settings).run();
}

}  // namespace ifnbackup::restore
