#include "fuzz_round_trip.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>

#include <fmt/format.h>

#include "fuzz_compare.hpp"
#include "sql/text.hpp"

namespace ifnbackup::test::fuzz {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t k_shown_errors = 1500;  // characters of a failing command's stderr in a report

std::string tail(const std::string& text) {
  return text.size() > k_shown_errors ? "..." + text.substr(text.size() - k_shown_errors) : text;
}

std::string excerpt(const std::string& text) {
  std::string out = text.substr(0, 300);
  return text.size() > 300 ? out + "..." : out;
}

// The client's "ERROR ..." line (it prints the failing statement between dashes first), or the first.
std::string error_line(const std::string& text) {
  const auto at = text.find("ERROR ");
  const std::string from = at == std::string::npos ? text : text.substr(at);
  return excerpt(from.substr(0, from.find('\n')));
}

// The five databases of a round, dropped at the end unless they are kept for a look.
class RoundDatabases {
 public:
  RoundDatabases(const TestServer& server, bool keep) : m_server(server), m_keep(keep) {
    static std::atomic<int> counter{0};
    const std::string base = fmt::format("fz_{}_{}", ::getpid(), counter++);
    source = base + "_source";
    stock = base + "_stock";
    restored = base + "_ifnbackup";
    snapshot_stock = base + "_snapstock";
    dumped = base + "_mdump";
    drop();
    auto connection = connect(m_server, "");
    connection->execute("CREATE DATABASE " + sql::quote_identifier(source));
    connection->execute("CREATE DATABASE " + sql::quote_identifier(stock));
    connection->execute("CREATE DATABASE " + sql::quote_identifier(snapshot_stock));
    connection->execute("CREATE DATABASE " + sql::quote_identifier(dumped));
  }
  ~RoundDatabases() {
    if (!m_keep) {
      try {
        drop();
      } catch (const std::exception&) {
        // a server gone away: nothing left to drop
      }
    }
  }
  RoundDatabases(const RoundDatabases&) = delete;
  RoundDatabases& operator=(const RoundDatabases&) = delete;

  std::string source;
  std::string stock;
  std::string restored;        // created by ifnbackup restore --into
  std::string snapshot_stock;  // the stock client's load of the safety snapshot
  std::string dumped;          // the source through mariadb-dump | mariadb: the third opinion

 private:
  void drop() {
    auto connection = connect(m_server, "");
    for (const auto* name : {&source, &stock, &restored, &snapshot_stock, &dumped}) {
      connection->execute("DROP DATABASE IF EXISTS " + sql::quote_identifier(*name));
    }
  }
  TestServer m_server;
  bool m_keep;
};

// The newest *.sql.gz of `dir`: a backup, or a restore's safety snapshot.
fs::path newest_in(const fs::path& dir, bool safety_snapshot) {
  fs::path found;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with(".sql.gz") && name.starts_with("pre_restore_safety") == safety_snapshot &&
        (found.empty() || name > found.filename().string())) {
      found = entry.path();
    }
  }
  return found;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

const auto k_every_object = [](const std::string&) { return true; };

class Round {
 public:
  Round(const TestServer& server, const FuzzDatabase& database, const RoundTripSettings& settings)
      : m_server(server), m_database(database), m_settings(settings), m_names(server, !settings.keep_dir.empty()) {
    m_work = settings.keep_dir.empty() ? m_scratch.path() : settings.keep_dir / database.name;
    m_backups = m_work / "backups";
    fs::create_directories(m_backups);
    fs::permissions(m_backups, fs::perms::owner_all);
    if (!settings.keep_dir.empty()) {
      std::ofstream(m_work / "setup.sql", std::ios::binary) << setup_script(database);
    }
  }

  RoundTripReport run() {
    if (load_source() && back_up() && restore_both()) {
      compare();
      compare_with_mariadb_dump();
      if (m_settings.snapshot_round) {
        snapshot_round();
      }
    }
    return finish();
  }

 private:
  void fail(std::string failure) { m_report.failures.push_back(std::move(failure)); }

  // One statement per mysql_real_query: the server stores each body as written.
  bool load_source() {
    auto connection = connect(m_server, m_names.source);
    for (std::size_t i = 0; i < m_database.statements.size(); ++i) {
      const auto result = connection->run_statement(m_database.statements[i]);
      if (!result.ok) {
        fail(fmt::format("the generator's statement {} failed (a generator fault): error {}: {}\n      {}", i + 1,
                         result.error_number, result.error, excerpt(m_database.statements[i])));
        return false;
      }
    }
    return true;
  }

  // Exact size estimates (a table's pages), so that where its keys go follows its size.
  void analyze_source() {
    auto connection = connect(m_server, m_names.source);
    const auto tables = connection->query(
        fmt::format("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = {} AND TABLE_TYPE = "
                    "'BASE TABLE' AND ENGINE = 'InnoDB'",
                    sql::quote_string(m_names.source)));
    for (const auto& row : tables.rows) {
      if (!row.empty() && row[0]) {
        connection->query("ANALYZE TABLE " + sql::quote_identifier(*row[0]));
      }
    }
  }

  bool back_up() {
    if (m_settings.keys_in_create_bytes > 0) {
      analyze_source();
    }
    const auto backup =
        run_command({"env", fmt::format("IFNBACKUP_TEST_KEYS_IN_CREATE_BYTES={}", m_settings.keys_in_create_bytes),
                     m_settings.binary, "--defaults-file", m_server.defaults_file, "--database", m_names.source,
                     "--backup-dir", m_backups.string(), "backup"});
    m_file = backup.exit_code == 0 ? newest_in(m_backups, false) : fs::path();
    if (m_file.empty()) {
      fail(fmt::format("ifnbackup backup failed (exit {}):\n{}", backup.exit_code, tail(backup.err)));
      return false;
    }
    // How many tables had their keys added after their rows, of how many.
    const auto text = run_bash(R"(gunzip -c "$1")", {m_file.string()}).out;
    const auto count = [&text](std::string_view line) {
      std::size_t n = 0;
      for (auto at = text.find(line); at != std::string::npos; at = text.find(line, at + 1)) {
        ++n;
      }
      return n;
    };
    m_file_note = fmt::format("{}, {} bytes, keys after the rows of {} of {} tables (threshold {})",
                              m_file.filename().string(), fs::file_size(m_file), count("\nALTER TABLE `"),
                              count("\nCREATE TABLE `"), m_settings.keys_in_create_bytes);
    return true;
  }

  CommandResult restore(const fs::path& file) {
    return run_command({m_settings.binary, "--defaults-file", m_server.defaults_file, "--database", m_names.source,
                        "--backup-dir", m_backups.string(), "--threads", std::to_string(m_settings.restore_threads),
                        "restore", file.string(), "--into", m_names.restored, "--yes"});
  }

  bool restore_both() {
    const auto stock = run_bash(R"(gunzip -c "$1" | mariadb --defaults-file="$2" "$3")",
                                {m_file.string(), m_server.defaults_file, m_names.stock});
    if (stock.exit_code != 0) {
      fail(fmt::format("the stock client could not restore the backup (exit {}): a dumper fault:\n{}", stock.exit_code,
                       tail(stock.err)));
    }
    const auto ours = restore(m_file);
    if (ours.exit_code != 0) {
      fail(fmt::format("ifnbackup restore failed (exit {}) where the stock client {}:\n{}", ours.exit_code,
                       stock.exit_code == 0 ? "succeeded" : "failed too", tail(ours.err)));
    }
    return stock.exit_code == 0 && ours.exit_code == 0;
  }

  void compare() {
    auto reader = connect(m_server, "");
    const DatabaseState source = read_database_state(*reader, m_names.source);
    m_stock = read_database_state(*reader, m_names.stock);
    const DatabaseState restored = read_database_state(*reader, m_names.restored);
    for (auto& difference : compare_states(m_stock, "stock client", restored, "ifnbackup restore", k_every_object)) {
      fail("ifnbackup restore differs from the stock client: " + difference);
    }
    // The stock client rewrites some bodies (it drops comments): those cannot match the source.
    const auto faithful = [&](const std::string& object) { return !m_database.rewritten_by_client.contains(object); };
    for (auto& difference : compare_states(source, "source", m_stock, "stock client", faithful)) {
      fail("the stock client's restore differs from the source (the backup is not faithful): " + difference);
    }
    // Of an object whose body the client rewrites, everything but the body is still the source's.
    for (auto& difference : compare_states(only(source, rewritten_metadata()), "source",
                                           only(m_stock, rewritten_metadata()), "stock client", k_every_object)) {
      fail("the stock client's restore differs from the source (the backup is not faithful): " + difference);
    }
  }

  bool rewritten(const std::string& key) const { return m_database.rewritten_by_client.contains(object_of(key)); }
  static bool is_body_text(const std::string& key) {
    const std::string property = property_of(key);
    return property == "create" || property == "body";
  }
  std::function<bool(const std::string&)> rewritten_metadata() const {
    return [this](const std::string& key) { return rewritten(key) && !is_body_text(key); };
  }

  // The third opinion (issue 19): the source through `mariadb-dump | mariadb`. Where the stock client
  // rewrites a body (it drops comments), our file's copy cannot match the source; where it does not
  // match the source either, it must match what mariadb-dump's file makes of the same object through
  // the same client: the character sets around the body, a body ending in a comment, the delimiter. Where mariadb-dump
  // itself cannot load its dump, or loses what ours keeps (a CYCLE sequence's round, a view ordered by its
  // dependencies), the summary says so: mariadb-dump's limits are not our faults, and ours is held to the source above.
  void compare_with_mariadb_dump() {
    const auto dumped = run_bash(
        R"(set -o pipefail; timeout 5 mariadb-dump --defaults-file="$1" --single-transaction --routines --events \
             --triggers --hex-blob --default-character-set=utf8mb4 --skip-dump-date "$2" |
           mariadb --defaults-file="$1" "$3")",
        {m_server.defaults_file, m_names.source, m_names.dumped});
    if (dumped.exit_code == 124) {
      // mariadb-dump 10.11 spins forever, without a word to the server, on some events (seeds 5, 10
      // and 20 of the CI list; in the one looked at, the body holds a line "DELIMITER ;;"): its own
      // fault. A dump of these small databases takes well under a second.
      m_mariadb_dump_note = "; mariadb-dump did not finish in 5 s";
      return;
    }
    if (dumped.exit_code != 0) {
      m_mariadb_dump_note =
          fmt::format("; mariadb-dump's own file did not load (exit {}: {})", dumped.exit_code, error_line(dumped.err));
      return;
    }
    auto reader = connect(m_server, "");
    const DatabaseState source = read_database_state(*reader, m_names.source);
    const DatabaseState third = read_database_state(*reader, m_names.dumped);
    const auto shared = compare_states(source, "source", third, "mariadb-dump | mariadb", [&](const std::string& o) {
      return !m_database.rewritten_by_client.contains(o);
    });
    // mariadb-dump is a witness for an object only where it kept everything but the body as the
    // source has it: it doubles the backslashes of a COMMENT under NO_BACKSLASH_ESCAPES (seed 7423).
    std::set<std::string> mangled;
    for (const auto& difference : compare_states(only(source, rewritten_metadata()), "source",
                                                 only(third, rewritten_metadata()), "mariadb-dump", k_every_object)) {
      mangled.insert(difference.substr(0, difference.find(':')));
    }
    const auto witnessed = [&](const std::string& key) {
      return rewritten(key) && is_body_text(key) && !mangled.contains(object_of(key));
    };
    for (auto& difference : compare_states(only(third, witnessed), "mariadb-dump | mariadb", only(m_stock, witnessed),
                                           "stock client", k_every_object)) {
      fail("the body of an object the stock client rewrites differs from mariadb-dump's copy: " + difference);
    }
    if (!shared.empty() || !mangled.empty()) {
      m_mariadb_dump_note = fmt::format("; mariadb-dump differs from the source in {} place(s) where ours does not",
                                        shared.size() + mangled.size());
    }
  }

  // The file again over the restored copy (its safety snapshot taken first, by our dumper), then that
  // snapshot loaded back as a roll-back would: the copy must be what the stock client makes of the same
  // snapshot, and, for every object the client loads unchanged, what it made of the backup.
  void snapshot_round() {
    const auto again = restore(m_file);
    const fs::path snapshot = newest_in(m_backups, true);
    if (again.exit_code != 0 || snapshot.empty()) {
      fail(fmt::format("restoring the file over its restored copy failed (exit {}{}):\n{}", again.exit_code,
                       snapshot.empty() ? ", no safety snapshot" : "", tail(again.err)));
      return;
    }
    const auto back = restore(snapshot);
    if (back.exit_code != 0) {
      fail(fmt::format("restoring the safety snapshot {} failed (exit {}):\n{}", snapshot.filename().string(),
                       back.exit_code, tail(back.err)));
      return;
    }
    const auto stock = run_bash(R"(gunzip -c "$1" | mariadb --defaults-file="$2" "$3")",
                                {snapshot.string(), m_server.defaults_file, m_names.snapshot_stock});
    if (stock.exit_code != 0) {
      fail(fmt::format("the stock client could not load the safety snapshot {} (exit {}):\n{}",
                       snapshot.filename().string(), stock.exit_code, tail(stock.err)));
      return;
    }
    auto reader = connect(m_server, "");
    const DatabaseState restored = read_database_state(*reader, m_names.restored);
    const DatabaseState snapshot_stock = read_database_state(*reader, m_names.snapshot_stock);
    for (auto& difference : compare_states(snapshot_stock, "stock client's load of the snapshot", restored,
                                           "its safety snapshot restored", k_every_object)) {
      fail("after restoring the copy's safety snapshot: " + difference);
    }
    const auto faithful = [&](const std::string& object) { return !m_database.rewritten_by_client.contains(object); };
    for (auto& difference :
         compare_states(m_stock, "stock client", restored, "its safety snapshot restored", faithful)) {
      fail("after restoring the copy's safety snapshot: " + difference);
    }
  }

  RoundTripReport finish() {
    const std::string reproduce =
        m_database.name.starts_with("seed ")
            ? fmt::format("scripts/fuzz-restore --start {} --seeds 1 --keep DIR", m_database.seed)
            : fmt::format("the named case '{}' (IFNBACKUP_FUZZ_KEEP=DIR keeps its files)", m_database.name);
    m_report.summary =
        fmt::format("{} [{}; restore --threads {}{}{}; {:.1f} s]{}\n  reproduce: {}", m_database.summary(),
                    m_file_note.empty() ? "no backup" : m_file_note, m_settings.restore_threads,
                    m_settings.snapshot_round ? ", snapshot round" : "", m_mariadb_dump_note, seconds_since(m_started),
                    m_report.failures.empty() ? "" : " FAILED", reproduce);
    if (!m_settings.keep_dir.empty()) {
      m_report.summary += fmt::format("\n  kept: {} (setup.sql, backups/), databases {}, {}, {}, {}", m_work.string(),
                                      m_names.source, m_names.stock, m_names.restored, m_names.dumped);
    }
    return std::move(m_report);
  }

  const TestServer& m_server;
  const FuzzDatabase& m_database;
  const RoundTripSettings& m_settings;
  const std::chrono::steady_clock::time_point m_started = std::chrono::steady_clock::now();
  RoundDatabases m_names;
  TempDir m_scratch;
  fs::path m_work;
  fs::path m_backups;
  fs::path m_file;
  std::string m_file_note;
  std::string m_mariadb_dump_note;
  DatabaseState m_stock;
  RoundTripReport m_report;
};

}  // namespace

RoundTripSettings settings_for(std::uint64_t seed) {
  RoundTripSettings settings;
  const char* binary = std::getenv("IFNBACKUP_FUZZ_BIN");
  settings.binary = binary != nullptr && *binary != '\0' ? binary : IFNBACKUP_BIN;
  settings.restore_threads = static_cast<unsigned>(1 + seed % 3);
  settings.snapshot_round = seed % 3 == 0;
  // Above one InnoDB page (16 KiB): a table of a few rows keeps its keys, one of hundreds defers them.
  settings.keys_in_create_bytes = seed % 2 == 0 ? 32 * 1024 : 0;
  if (const char* keep = std::getenv("IFNBACKUP_FUZZ_KEEP"); keep != nullptr && *keep != '\0') {
    settings.keep_dir = keep;
  }
  return settings;
}

std::string RoundTripReport::text() const {
  std::string out = summary;
  for (const auto& failure : failures) {
    out += "\n  - " + failure;
  }
  return out;
}

RoundTripReport round_trip(const TestServer& server, const FuzzDatabase& database, const RoundTripSettings& settings) {
  return Round(server, database, settings).run();
}

}  // namespace ifnbackup::test::fuzz
