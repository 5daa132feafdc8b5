#pragma once
// The loading threads of a restore: row INSERTs of our own dumps run on extra connections (as LOAD
// DATA LOCAL from memory where the server takes it) while the reader goes on; and what they share
// with the main connection (script_loader.cpp): failures worded alike, server warnings logged alike.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "db/connection.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/printable.hpp"
#include "restore/load_data.hpp"
#include "restore/sql_splitter.hpp"
#include "util/worker_pool.hpp"

namespace ifnbackup::restore {

// A statement's server warnings are logged for the first this many warnings of a load.
constexpr int k_warnings_logged = 20;

// Server warnings an operator meets on ordinary restores, said once in words instead of raw each time.
class KnownWarnings {
 public:
  // True when the warning is a known one (explained the first time, then silent).
  bool explain(std::string_view code, std::string_view message) {
    for (const auto& known : k_known) {
      if (code == known.code && message.find(known.contains) != std::string_view::npos) {
        const std::lock_guard lock(m_mutex);
        if (m_said.insert(known.code).second) {
          // The operator's language on the terminal, English in restore.log (a literal: NUL-terminated).
          log_text(spdlog::level::warn, tx(known.explanation.data()));
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
       N_("the server's event scheduler is off: the events were restored and will not run until it is on "
          "(SET GLOBAL event_scheduler = ON, and event_scheduler=ON in the server's configuration)")},
      {"1906", "generated column",
       N_("this file gives values for generated columns (an older tool wrote it): the server computes them "
          "itself and ignored the file's values, as the stock client's load does")},
  };
  std::mutex m_mutex;
  std::set<std::string_view> m_said;
};

// Logs the warnings of the statement just run (SHOW WARNINGS), the known ones explained once.
void log_warnings(db::Connection& connection, std::uint64_t line, KnownWarnings& known);
// A row INSERT of our own dumps: it depends on nothing but the table, which exists already.
bool is_row_insert(std::string_view text);
// "FILE line N: error E: message (statement: ...)"
Text statement_error(const std::string& file, const Statement& statement,
                     const db::Connection::StatementResult& result);
// Deadlock, lock wait timeout: the statement was rolled back whole and may run again.
bool is_retryable(unsigned error_number);

// Turns of statements of our own dumps run on `workers` extra connections while the reader goes on
// (tables_side_by_side.cpp: small tables whole, a big table's rows, its deferred keys), each table's turns
// counted so that what follows its rows waits for them (wait_for_table: a table's trigger); everything
// else waits for all of them (drain) and runs on the main connection, so views see every row. Session
// settings run on every connection, each before its next turn queued after them (broadcast). The statements queued or
// running hold at most k_pool_bytes together (or one statement, whatever its size), and so does the one being read with
// them, checked each k_room_step of its growth: memory is bounded by bytes, not by a count of statements, so a file of
// huge INSERTs holds one of them at a time (and up to k_room_step of the next), not 2 x workers.
constexpr std::size_t k_pool_bytes = 64 * 1024 * 1024;
constexpr std::size_t k_room_step = 1024 * 1024;
// Session settings given and not yet run by every loading connection (InsertPool::broadcast): past
// this many (about 2 MiB of them), the reader waits for the loading connections and brings them all
// up to date (ScriptLoad), so a file of many routines' or triggers' blocks, or of nothing but SETs,
// holds a bounded number of them.
constexpr std::size_t k_settings_backlog = 16 * 1024;
// A statement this long goes as the INSERT it is: its LOAD DATA text would be a second copy of it
// (hex stays hex), and what it holds is one huge row (our dumper starts a new INSERT once one passes
// 1 MiB), on which LOAD DATA gains nothing. So the loading threads' LOAD DATA texts, about as long
// as their statements, stay within k_pool_bytes too.
constexpr std::size_t k_load_data_max_bytes = 16 * 1024 * 1024;
// A statement shorter than this goes as the INSERT it is: LOAD DATA LOCAL costs a second round trip
// (the server asks for the "file"), which the rows of a short statement do not repay. Measured
// (issue 20, docs/benchmarks.md): no gain up to 1,000 rows (60 KB), 0.5 to 0.8 of the INSERT's time
// at 5,000 rows (320 KB).
constexpr std::size_t k_load_data_min_bytes = 64 * 1024;
class InsertPool {
 public:
  // `heavy_lanes`: how many of the connections may run heavy turns (a big table's rows, its key
  // builds) at once; 0: all of them.
  InsertPool(std::vector<db::Connection*> connections, std::string file, bool load_data, KnownWarnings& known,
             unsigned heavy_lanes = 0)
      : m_file(std::move(file)),
        m_load_data(load_data),
        m_connections(std::move(connections)),
        m_heavy_free(heavy_lanes == 0 ? static_cast<unsigned>(m_connections.size()) : heavy_lanes),
        m_known(known) {
    m_session_run.assign(m_connections.size(), 0);
    try {
      m_threads = std::make_unique<util::WorkerPool>(static_cast<unsigned>(m_connections.size()),
                                                     util::WorkerPool::Limits{2 * m_connections.size(), k_pool_bytes});
    } catch (const std::system_error& error) {
      throw Error(ErrorCode::internal, tx("cannot start a loading thread: {}", std::string(error.what())),
                  tx("give fewer --threads, or raise the process limit (ulimit -u)"));
    }
  }

  // Queues one connection's turn: `statements`, in their order, on whichever connection is free,
  // each table of `tables` counted as busy until the turn ends (wait_for_tables). A turn holds
  // whole small tables (their DDL, rows and deferred keys), a big table's rows, or its deferred keys.
  // A heavy turn (a big table's rows or keys: CPU on both sides) waits for one of the heavy lanes;
  // small tables' turns, whose time is the server's fsyncs per table, run on every connection.
  // `key_build`: the turn only adds keys that leave its table's rows as they are (key_builds.hpp).
  // `settings`: the turn runs under the first that many session settings given (settings_given() when
  // its statement was read); none: all those given so far. Throws the first worker error.
  void submit_turn(std::vector<Statement>&& statements, std::vector<std::string>&& tables, bool heavy = false,
                   bool key_build = false, std::optional<std::size_t> settings_upto = std::nullopt) {
    std::size_t size = 0;
    for (const auto& statement : statements) {
      size += statement.text.size();
    }
    std::size_t settings = 0;  // the session settings this turn runs under
    {
      const std::lock_guard lock(m_tables_mutex);
      const std::size_t given = m_session_base + m_session.size();
      settings = std::min(settings_upto.value_or(given), given);
      for (const auto& table : tables) {
        ++m_busy_tables[table];
      }
      ++m_turns_waiting;
      if (m_running.empty()) {
        m_running.assign(m_connections.size(), Running::none);
      }
    }
    try {
      m_threads->submit(
          [this, statements = std::move(statements), tables, heavy, key_build, settings](unsigned thread) {
            bool failed = true;
            const TurnRunning running(*this, thread, key_build ? Running::key_build : Running::other);
            HeavyLane lane(*this, heavy);
            if (!lane.taken()) {
              release(tables, true);  // another turn failed meanwhile: the pool throws its error
              return;
            }
            try {
              catch_up(thread, settings);
              for (const auto& statement : statements) {
                run(*m_connections[thread], statement, thread);
              }
              failed = false;
            } catch (...) {
              release(tables, failed);
              throw;
            }
            release(tables, failed);
          },
          size);
    } catch (...) {
      {
        const std::lock_guard lock(m_tables_mutex);
        --m_turns_waiting;
      }
      release(tables, true);
      throw;
    }
  }

  // The loading connections while key builds run (idle_beside_key_builds).
  struct BesideKeyBuilds {
    std::vector<db::Connection*> idle;  // running no turn, and none until the next submit_turn
    std::vector<std::string> tables;    // whose keys are being built
  };
  // Waits until every turn queued or running is a key build (submit_turn's `key_build`), none of
  // them waiting for a connection; nullopt when none runs then. Throws the first worker error.
  std::optional<BesideKeyBuilds> idle_beside_key_builds();

  // Waits until no turn holding `table` is queued or running. Throws the first worker error.
  void wait_for_table(const std::string& table) {
    {
      std::unique_lock lock(m_tables_mutex);
      m_tables_changed.wait(lock, [&] { return m_tables_failed || !m_busy_tables.contains(table); });
      if (!m_tables_failed) {
        return;
      }
    }
    drain();  // throws the failure
  }

  // Waits until a statement of `size` bytes, being read, fits beside those queued or running: the
  // reader holds it too, so a huge statement is not read while another one is still loading.
  // Throws the first worker error.
  void wait_for_room(std::size_t size) { m_threads->wait_for_room(size); }

  // Waits until every queued statement has run. Throws the first worker error. The session settings
  // given meanwhile wait for each connection's next turn (broadcast).
  void drain() { m_threads->wait_idle(); }

  // A session setting the main connection ran, for every loading connection: each runs the settings
  // it has not run yet before its next turn, up to the last one given before that turn was queued, so
  // a turn runs under the settings its place in the file gives it, and the reader does not wait for
  // the connections to be idle (a trigger's SET ... around its body, beside another table's index
  // build). Only a turn brings its connection up to date, never an idle connection: a foreign key held
  // back and added after the file's footer runs under the settings of its place in the file (the
  // footer's FOREIGN_KEY_CHECKS=1 would make InnoDB copy the table and refuse a row referencing
  // nothing, where the stock client added the constraint under the header's 0).
  void broadcast(const Statement& statement) {
    const std::lock_guard lock(m_tables_mutex);
    m_session.push_back(statement);
    m_most_settings_held = std::max(m_most_settings_held, m_session.size());
  }

  // How many session settings were given so far (for submit_turn's `settings_upto`).
  std::size_t settings_given() {
    const std::lock_guard lock(m_tables_mutex);
    return m_session_base + m_session.size();
  }

  // How many of them the connection furthest behind has not run (each is held until all ran it).
  std::size_t settings_behind() {
    const std::lock_guard lock(m_tables_mutex);
    return m_session_base + m_session.size() - *std::min_element(m_session_run.begin(), m_session_run.end());
  }

  // Only once drained, and no turn is to run under fewer settings than those given (no foreign key
  // held): every connection runs the settings given, and they are let go. Throws the first error.
  void catch_up_idle() {
    const std::size_t given = settings_given();
    for (std::size_t connection = 0; connection < m_connections.size(); ++connection) {
      catch_up(connection, given);
    }
  }

  // The most session settings held at once (tests).
  std::size_t most_settings_held() {
    const std::lock_guard lock(m_tables_mutex);
    return m_most_settings_held;
  }

  // Tests: called after each statement with its connection (1: the first), text, start and end; set
  // before any turn.
  void on_statement_ran(StatementTimes hook) { m_statement_ran = std::move(hook); }

  std::uint64_t statements() const { return m_statements.load(); }
  std::uint64_t warnings() const { return m_warnings.load(); }
  std::uint64_t load_data_statements() const { return m_load_data_statements.load(); }
  std::uint64_t row_statements() const { return m_row_statements.load(); }
  std::uint64_t rows() const { return m_rows.load(); }
  // The deferred keys (ALTER TABLE ... ADD) run on these connections: their time together, and
  // the longest one (its first line).
  double keys_seconds() const { return static_cast<double>(m_keys_nanoseconds.load()) / 1e9; }
  std::pair<double, std::string> slowest_keys() {
    const std::lock_guard lock(m_tables_mutex);
    return {m_slowest_keys_seconds, m_slowest_keys};
  }

 private:
  // Runs on `connection` the session settings it has not run yet, up to the first `upto` of them.
  // Called by the thread that runs its turns. A connection that ran later ones already (a turn read
  // after them) stays as it is: in our files the settings between two tables' statements are a
  // trigger's, put back after its body.
  void catch_up(std::size_t connection, std::size_t upto);

  // One of the heavy lanes, held while a heavy turn runs (nothing for a light one). Not taken when a
  // turn failed while this one waited.
  class HeavyLane {
   public:
    HeavyLane(InsertPool& pool, bool heavy) : m_pool(heavy ? &pool : nullptr) {
      if (m_pool != nullptr) {
        std::unique_lock lock(m_pool->m_tables_mutex);
        m_pool->m_tables_changed.wait(lock, [&] { return m_pool->m_tables_failed || m_pool->m_heavy_free > 0; });
        if (m_pool->m_tables_failed) {
          m_pool = nullptr;
          m_taken = false;
          return;
        }
        --m_pool->m_heavy_free;
      }
    }
    ~HeavyLane() {
      if (m_pool != nullptr) {
        {
          const std::lock_guard lock(m_pool->m_tables_mutex);
          ++m_pool->m_heavy_free;
        }
        m_pool->m_tables_changed.notify_all();
      }
    }
    HeavyLane(const HeavyLane&) = delete;
    HeavyLane& operator=(const HeavyLane&) = delete;
    bool taken() const { return m_taken; }

   private:
    InsertPool* m_pool;
    bool m_taken = true;
  };

  // What each connection runs (idle_beside_key_builds).
  enum class Running { none, key_build, other };
  // A turn on its thread, from its start to its end.
  class TurnRunning {
   public:
    TurnRunning(InsertPool& pool, unsigned thread, Running kind) : m_pool(pool), m_thread(thread) {
      {
        const std::lock_guard lock(m_pool.m_tables_mutex);
        --m_pool.m_turns_waiting;
        m_pool.m_running.at(m_thread) = kind;
      }
      m_pool.m_tables_changed.notify_all();
    }
    ~TurnRunning() {
      {
        const std::lock_guard lock(m_pool.m_tables_mutex);
        m_pool.m_running.at(m_thread) = Running::none;
      }
      m_pool.m_tables_changed.notify_all();
    }
    TurnRunning(const TurnRunning&) = delete;
    TurnRunning& operator=(const TurnRunning&) = delete;

   private:
    InsertPool& m_pool;
    unsigned m_thread;
  };

  void release(const std::vector<std::string>& tables, bool failed) {
    {
      const std::lock_guard lock(m_tables_mutex);
      for (const auto& table : tables) {
        if (const auto found = m_busy_tables.find(table); found != m_busy_tables.end() && --found->second == 0) {
          m_busy_tables.erase(found);
        }
      }
      m_tables_failed = m_tables_failed || failed;
    }
    m_tables_changed.notify_all();
  }

  // One statement on a worker's connection (rows as LOAD DATA where it pays, see run_rows); a
  // deadlock or lock wait timeout runs it again; a failure is thrown (the pool keeps the first).
  void run(db::Connection& connection, const Statement& statement, unsigned thread);

  // The rows of one INSERT as LOAD DATA LOCAL from memory when the server takes it (the server
  // no longer parses SQL for each value), else the INSERT as it is.
  db::Connection::StatementResult run_rows(db::Connection& connection, const Statement& statement, bool& as_load_data,
                                           bool& short_load);

  std::string m_file;
  std::atomic<bool> m_load_data;
  std::vector<db::Connection*> m_connections;
  std::atomic<std::uint64_t> m_statements{0};
  std::atomic<std::uint64_t> m_warnings{0};
  std::atomic<std::uint64_t> m_load_data_statements{0};
  std::atomic<std::uint64_t> m_rows{0};
  std::atomic<std::uint64_t> m_row_statements{0};
  std::atomic<std::uint64_t> m_keys_nanoseconds{0};
  // Heavy lanes not in use (HeavyLane); guarded by m_tables_mutex, waited on with m_tables_changed.
  unsigned m_heavy_free;
  // The tables of the turns queued or running, each with its count of turns.
  std::mutex m_tables_mutex;
  std::condition_variable m_tables_changed;
  std::map<std::string, unsigned, std::less<>> m_busy_tables;
  bool m_tables_failed = false;
  std::size_t m_turns_waiting = 0;  // submitted, not started on a connection
  // The session settings given (broadcast), in order, and how many of them each connection ran.
  // Those every connection ran are let go: m_session holds the given ones from m_session_base on.
  std::deque<Statement> m_session;
  std::size_t m_session_base = 0;
  std::size_t m_most_settings_held = 0;
  std::vector<std::size_t> m_session_run;
  std::vector<Running> m_running;  // by connection, once a turn was submitted
  double m_slowest_keys_seconds = 0;
  std::string m_slowest_keys;
  KnownWarnings& m_known;
  StatementTimes m_statement_ran;
  std::unique_ptr<util::WorkerPool> m_threads;  // last: stopped before what its jobs use goes
};

}  // namespace ifnbackup::restore
