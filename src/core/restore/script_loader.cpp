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
#include "ifnbackup/options.hpp"
#include "ifnbackup/printable.hpp"
#include "io/gzip_reader.hpp"
#include "restore/insert_pool.hpp"
#include "restore/key_builds.hpp"
#include "restore/shared_definitions.hpp"
#include "restore/sql_splitter.hpp"
#include "restore/statement_policy.hpp"
#include "restore/statement_words.hpp"
#include "restore/table_filter.hpp"
#include "restore/tables_side_by_side.hpp"
#include "sql/text.hpp"
#include "util/interrupt.hpp"
#include "util/sha256.hpp"
#include "util/worker_pool.hpp"

namespace ifnbackup::restore {

namespace {

// A statement of the main connection (an index build, a big table's DDL) that takes this long
// is named in the log: where a long restore spends its time.
constexpr double k_slow_statement_seconds = 2.0;

// A SET naming FOREIGN_KEY_CHECKS, in any letter case (a session setting's text).
bool names_foreign_key_checks(std::string_view text) {
  return contains_any_case(text, "FOREIGN_KEY_CHECKS");
}

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
  // What a statement does, read under the modes the server has now (as it will read it).
  StatementClass classify(const std::string& text) const;
  // The step a statement about to run on this connection belongs to (a load's own only: a roll-back
  // or a schema check is one step); reported at once when it changes.
  void enter_step(const StatementClass& kind, std::string_view text);
  // Every table read so far loaded, then their held foreign keys added (tables_side_by_side.hpp): before
  // anything runs on the main connection, and at the end.
  void finish_tables();
  // With proof_beside_keys, once: the proof while the last key builds run, when every table to prove
  // was read and only such key builds are left (LoadSettings::proof_beside_keys).
  void prove_beside_key_builds();

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
  std::uint64_t m_rows = 0;                  // loaded on this connection
  std::optional<TablesSideBySide> m_tables;  // with m_pool: the turns of the loading connections
  double m_held_keys_on_pool = 0;            // of m_pool->keys_seconds(): the held foreign keys'
  // With proof_beside_keys: the tables of its list read so far, and whether it was called.
  std::set<std::string> m_proven_read;
  bool m_proven_beside = false;
  bool m_proof_called = false;
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
    m_pool =
        std::make_unique<InsertPool>(settings.workers, m_shown, settings.load_data, m_known, settings.heavy_workers);
    m_splitter.before_growth(k_room_step, [this](std::size_t size) { m_pool->wait_for_room(size); });
    m_pool->on_statement_ran(settings.statement_ran);
    m_tables.emplace(*m_pool,
                     TablesSideBySide::MainConnection{
                         [this](const StatementClass& kind, std::string_view text) { enter_step(kind, text); },
                         [this](const Statement& statement, StatementKind kind) { run_here(statement, kind); },
                         [this](const std::string& text) { return classify(text); },
                         [this] { return !m_connection.no_backslash_escapes(); },
                         [this](const std::string& text) {
                           return adds_keys_in_place(text, m_connection.ansi_quotes(),
                                                     !m_connection.no_backslash_escapes());
                         }},
                     settings.parents_after_children);
    if (settings.heavy_workers > 0 && settings.heavy_workers < settings.workers.size()) {
      log_info("loading rows on {} connections ({} of them for a big table's rows at once)", settings.workers.size(),
               settings.heavy_workers);
    } else {
      log_info("loading rows on {} connection{}", settings.workers.size(), settings.workers.size() == 1 ? "" : "s");
    }
  }
  if (settings.only_tables) {
    m_filter.emplace(*settings.only_tables);
  }
  if (settings.schema_only && settings.shared_definitions && !m_pool) {
    m_shared.emplace();
    m_run_shared = [this](Statement&& statement) {
      const auto kind = classify(statement.text);
      run_checked(std::move(statement), kind);
    };
  }
}

StatementClass ScriptLoad::classify(const std::string& text) const {
  return classify_statement(text, m_settings.ours, m_connection.ansi_quotes(), !m_connection.no_backslash_escapes());
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
  const auto kind = classify(statement.text);
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
        if (const auto& beside = m_settings.proof_beside_keys; beside && beside->tables.contains(*table)) {
          if (m_proven_beside) {
            m_proven_beside = false;
            beside->stale();
          }
          m_proven_read.insert(*table);
        }
        m_tables->add(std::move(*table), std::move(statement), kind);
        report(false);
        return;
      }
    }
    if (m_settings.ours && is_session_setting(statement.text)) {
      // Here, and on each loading connection before its next turn (InsertPool::broadcast): what was
      // read before it is sent first, so it runs under the settings before it.
      m_tables->send_all();  // a table's constraint is held once the table ends
      if (m_tables->holding_foreign_keys() && names_foreign_key_checks(statement.text)) {
        // A held constraint runs under the settings of its place in the file, but on a connection
        // that may have run later ones for a later table's turn: the checks it was written under
        // decide whether InnoDB copies the table and checks its rows. (Our files set them in their
        // header and footer only: the footer comes after every table.)
        finish_tables();
      }
      run_checked(std::move(statement), kind);
      if (m_pool->settings_behind() > k_settings_backlog) {
        finish_tables();  // brings every connection up to date: the settings held are let go
      }
      return;
    }
    if (m_settings.ours && kind.object == "TRIGGER" && m_tables->seen(kind.table)) {
      // A table's trigger (our dumps write it right after the table): once that table's turns ended,
      // as the stock client creates it after the rows; the other tables' turns go on meanwhile.
      m_tables->send_all();
      m_pool->wait_for_table(kind.table);
      run_checked(std::move(statement), kind);
      return;
    }
    // Anything else (a view, a routine, a trigger of a table not loaded here, an event, a sequence)
    // runs here once every table before it is loaded.
    finish_tables();
  }
  run_checked(std::move(statement), kind);
}

void ScriptLoad::finish_tables() {
  m_tables->send_all();
  prove_beside_key_builds();
  m_pool->drain();
  // Nothing runs on the loading connections now, and nothing is sent until the foreign keys are in.
  const double beside = m_pool->keys_seconds();
  m_stats.phases.keys_seconds += m_tables->add_held_foreign_keys() + m_tables->take_early_keys_seconds();
  m_held_keys_on_pool += m_pool->keys_seconds() - beside;
  // No turn runs and no foreign key is held: a long backlog of settings (routines' blocks) can go.
  if (m_pool->settings_behind() > k_settings_backlog) {
    m_pool->catch_up_idle();
  }
}

void ScriptLoad::prove_beside_key_builds() {
  const auto& beside = m_settings.proof_beside_keys;
  if (!beside || m_proof_called || m_proven_read.size() < beside->tables.size()) {
    return;
  }
  // Every table to prove was read: its rows are in once the turns left are key builds.
  const auto building = m_pool->idle_beside_key_builds();
  if (!building) {
    return;  // nothing left to overlap: the proof after the load, as before
  }
  m_proof_called = true;
  const auto started = std::chrono::steady_clock::now();
  m_proven_beside = beside->prove(building->idle, building->tables);
  if (m_proven_beside) {  // else not said "beside the key builds": the proof runs after the load
    m_stats.phases.proof_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  }
  report(true);  // back to the load's step
}

void ScriptLoad::run_checked(Statement&& statement, const StatementClass& kind) {
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
  const auto ended = std::chrono::steady_clock::now();
  if (m_settings.statement_ran) {
    m_settings.statement_ran(0, statement.text, started, ended);
  }
  const std::chrono::duration<double> took = ended - started;
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
    finish_tables();
    m_stats.statements += m_pool->statements();
    m_stats.warnings += m_pool->warnings();
    m_stats.load_data_statements = m_pool->load_data_statements();
    m_stats.most_settings_held = m_pool->most_settings_held();
    log_info(
        "{} of {} row statements loaded as LOAD DATA LOCAL; {} small tables loaded whole ({} with their keys in "
        "their CREATE TABLE), {} bigger ones spread over the connections",
        m_stats.load_data_statements, m_pool->row_statements(), m_tables->small_tables(), m_tables->keys_in_create(),
        m_tables->big_tables());
    if (m_tables->foreign_keys_held() > 0 || m_tables->tables_alone() > 0) {
      log_info(
          "the foreign keys of {} tables added once no table was being dropped or created; {} tables with "
          "foreign keys in their CREATE TABLE loaded alone",
          m_tables->foreign_keys_held(), m_tables->tables_alone());
    }
    m_stats.phases.keys_beside_seconds = m_pool->keys_seconds() - m_held_keys_on_pool;
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
         "connections){}, tables and settings {:.1f} s, views, routines, triggers and events {:.1f} s{}",
         load, phases.total_seconds, phases.rows_seconds(), phases.keys_seconds, phases.keys_beside_seconds,
         phases.slowest_keys.empty() ? Text()
                                     : tx(" (longest {:.1f} s: {})", phases.slowest_keys_seconds, phases.slowest_keys),
         phases.definitions_seconds, phases.objects_seconds,
         phases.proof_seconds > 0 ? tx(", content proof {:.1f} s beside the key builds", phases.proof_seconds)
                                  : Text()));
  return m_stats;
}

}  // namespace

LoadStats load_script(db::Connection& connection, const std::filesystem::path& file, const LoadSettings& settings) {
  return ScriptLoad(connection, file, settings).run();
}

}  // namespace ifnbackup::restore
