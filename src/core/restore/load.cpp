// The load: the file into the target database, on the main connection and, for our own files,
// row INSERTs on more (restore/script_loader).
#include <algorithm>
#include <iterator>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "ifnbackup/error.hpp"
#include "ifnbackup/printable.hpp"
#include "restore/content_proof.hpp"
#include "restore/phases.hpp"
#include "restore/table_sections.hpp"
#include "restore/tables_side_by_side.hpp"
#include "restore/target_database.hpp"
#include "sql/text.hpp"
#include "util/interrupt.hpp"
#include "util/sha256.hpp"

namespace ifnbackup::restore {

std::unique_ptr<db::Connection> open_writer(const ConnectionOptions& connection, bool select_database, bool no_binlog) {
  auto opened = db::Connection::open(connection, select_database);
  if (no_binlog) {
    opened->execute(k_no_binlog);
  }
  // The main connection waits while the workers load a big table, and they wait while it builds
  // indexes: the server must not close an idle one (wait_timeout is often minutes behind proxies).
  opened->execute("SET SESSION wait_timeout = 31536000");
  return opened;
}

namespace {

std::optional<unsigned long long> number_of(const std::optional<std::string>& text) {
  try {
    return text ? std::optional<unsigned long long>(std::stoull(*text)) : std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

unsigned connection_room(db::Connection& connection, unsigned wanted) {
  if (wanted == 0) {
    return 0;
  }
  unsigned room = wanted;
  std::string reason;
  try {
    // The server's: max_connections less those connected now (this restore's open ones with them).
    const auto most = number_of(connection.query_value("SELECT @@GLOBAL.max_connections"));
    const auto status = connection.query("SHOW GLOBAL STATUS LIKE 'Threads_connected'");
    const auto connected =
        status.rows.empty() || status.rows[0].size() < 2 ? std::nullopt : number_of(status.rows[0][1]);
    if (most && connected) {
      const unsigned long long half = (*most > *connected ? *most - *connected : 0) / 2;
      if (half < room) {
        room = static_cast<unsigned>(half);
        reason = fmt::format("max_connections {}, {} connected", *most, *connected);
      }
    }
    // The account's (MAX_USER_CONNECTIONS, or the global max_user_connections): the session's value.
    // Its connections now: those the process list shows of its user (it shows one's own to anyone).
    const auto account = number_of(connection.query_value("SELECT @@SESSION.max_user_connections"));
    if (account && *account > 0) {
      const auto used = number_of(connection.query_value(
          "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = SUBSTRING_INDEX(USER(), '@', 1)"));
      const unsigned long long half = (*account > used.value_or(1) ? *account - used.value_or(1) : 0) / 2;
      if (half < room) {
        room = static_cast<unsigned>(half);
        reason = fmt::format("this account's max_user_connections {}, {} of them open", *account, used.value_or(1));
      }
    }
  } catch (const Error& error) {
    spdlog::debug("the server's connection limits could not be read ({}): connections are opened until refused",
                  error.what());
    return wanted;
  }
  if (room < wanted) {
    log_info("leaving room for other clients: {} loading connection{} instead of {} (at most half of those free: {})",
             room, room == 1 ? "" : "s", wanted, reason);
  }
  return room;
}

// Every connection is opened before anything is dropped, so a server that refuses more of them
// costs speed (fewer workers), never a roll-back. At most half of the connections the server (and the
// account) has free are taken: other clients still connect.
LoadStats load_into(const ConnectionOptions& connection, const std::string& database, const std::filesystem::path& file,
                    LoadSettings settings, bool no_binlog, unsigned workers, const std::string& collation,
                    ProofReader* proof_reader, bool* target_changed, unsigned proof_helpers) {
  auto target = open_writer(connection, false, no_binlog);
  if (proof_reader != nullptr) {
    proof_reader->connection = open_writer(connection, false, false);  // it only reads; idle until the rows are in
    proof_reader->helpers_wanted = proof_helpers;
  }
  workers = connection_room(*target, workers);
  std::vector<std::unique_ptr<db::Connection>> extra;
  for (unsigned i = 0; i < workers; ++i) {
    try {
      extra.push_back(open_writer(connection, false, no_binlog));
    } catch (const Error& error) {
      if (settings.heavy_workers > 0 && extra.size() >= settings.heavy_workers) {
        // the extra lanes of small tables only: --threads connections are open
        spdlog::info("the server refused another connection ({}): small tables load on {}", error.what(), extra.size());
      } else {
        log_warn("the server refused another connection ({}): rows load on {}", error.message(),
                 extra.empty() ? tx("the main one") : Text(std::to_string(extra.size())));
      }
      break;
    }
  }
  if (target_changed != nullptr) {
    *target_changed = true;
  }
  if (settings.only_tables) {
    // Some tables only: the others stay. The chosen ones go before the load, all at once, as a whole
    // restore's DROP DATABASE empties the target: no DROP of an existing table beside the load's turns.
    create_database(*target, database, collation, true);
    drop_tables(*target, database, {settings.only_tables->begin(), settings.only_tables->end()});
  } else {
    recreate_database(*target, database, collation);
  }
  const std::string use = fmt::format("USE {}", sql::quote_identifier(database));
  target->execute(use);
  // A statement the server would refuse as too large is refused before it is held whole: memory
  // stays bounded by the server's own limit, not by the file (an unterminated quote in a 1 MB gzip
  // can inflate to gigabytes).
  if (const auto packet = target->query_value("SELECT @@max_allowed_packet")) {
    try {
      settings.max_statement_bytes = std::min<std::size_t>(settings.max_statement_bytes, std::stoull(*packet));
    } catch (const std::exception&) {
      // keep the client's own limit
    }
  }
  settings.workers.clear();
  for (auto& worker : extra) {
    worker->execute(use);
    settings.workers.push_back(worker.get());
  }
  if (proof_reader != nullptr) {
    // Owned by the proof from here (the load still uses them): they read beside its own connection.
    const auto handed = static_cast<std::ptrdiff_t>(std::min<std::size_t>(proof_helpers, extra.size()));
    std::move(extra.begin(), extra.begin() + handed, std::back_inserter(proof_reader->helpers));
    extra.erase(extra.begin(), extra.begin() + handed);
  }
  if (!settings.interruptible) {
    return load_script(*target, file, settings);
  }
  // SIGINT/SIGTERM make every connection's blocked call fail at once (a worker may wait on a lock).
  util::InterruptWatcher watcher([&target, loading = settings.workers] {
    target->cancel();
    for (db::Connection* worker : loading) {
      worker->cancel();
    }
  });
  try {
    return load_script(*target, file, settings);
  } catch (const Error& error) {
    // A connection cancelled by the watcher fails its statement ("lost connection"): the load
    // stopped because it was asked to, and says so (exit 8, not a failed statement's 13).
    if (error.code() != ErrorCode::interrupted && util::interrupt_requested()) {
      throw Error(ErrorCode::interrupted, tx("interrupted during the load ({})", error.message()));
    }
    throw;
  }
}

namespace {

// More lanes for small tables (load_restore): from this many tables, k_lanes_per_thread connections
// per --threads, at most k_most_lanes. Measured (docs/benchmarks.md, issue 20): 200 tables of 10
// rows under a heavy load, 2 connections 10.0 s, 4 6.5 s, 8 4.9 s, 16 5.3 s; but 2,000 tables on a
// quieter 2-core machine, 3-4 connections 6-16 s against 9-27 s for 8, which made the server burn
// 1.5-2x the CPU (contention, not work): 2 per thread.
constexpr std::size_t k_many_tables = 64;
constexpr unsigned k_lanes_per_thread = 2;
constexpr unsigned k_most_lanes = 8;

// A whole file with a section index, loaded tables side by side: its ranges read biggest table first
// (table_sections.hpp), each checked against the SHA-256 of the index the verification proved, instead
// of the whole content's. Any doubt (an index not the verified one, a range without its SHA-256: files
// before format 4) leaves the file order, whose whole content is hashed again as it loads.
void read_biggest_first(const RestorePlan& plan, const std::filesystem::path& pinned, LoadSettings& settings) {
  if (plan.verification.index_sha256.empty()) {
    return;
  }
  std::optional<std::vector<Section>> index;
  try {
    index = read_section_index(pinned);
  } catch (const Error& error) {
    spdlog::info("the file read in its order: its section index cannot be read again ({})", error.what());
    return;
  }
  if (!index || util::Sha256::hex_of(format_index(*index)) != plan.verification.index_sha256) {
    spdlog::info("the file read in its order: its section index is not the one verified");
    return;
  }
  const LoadOrder order = biggest_first(*index, plan.verification.parents_after_children);
  if (order.lead.empty()) {
    return;  // one range, or a prologue and the objects only: nothing to reorder
  }
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
  std::vector<std::string> sha256;
  for (const std::size_t at : order.ranges) {
    const Section& section = (*index)[at];
    if (section.sha256.empty()) {
      return;
    }
    ranges.emplace_back(section.at, section.size);
    sha256.push_back(section.sha256);
  }
  settings.ranges = std::move(ranges);
  settings.range_sha256 = std::move(sha256);
  settings.ranges_cover_file = true;
  settings.parents_after_children = plan.verification.parents_after_children;
  settings.expected_sha256.clear();
  settings.expected_content_bytes = 0;
  spdlog::info("reading the file biggest table first (section index): {} ({:.1f} MiB of SQL) first, {} ranges",
               sql::quote_identifier(order.lead), static_cast<double>(order.lead_bytes) / (1024.0 * 1024.0),
               settings.ranges.size());
}

// No more lanes than turns to run: when the section index says every table is small (each goes
// whole to one connection, k_small_table_bytes), one per table at most.
unsigned useful_lanes(const RestorePlan& plan, const std::filesystem::path& pinned, unsigned lanes) {
  if (lanes <= 1) {
    return lanes;
  }
  std::optional<std::vector<Section>> index;
  if (!plan.sections.empty()) {
    index = plan.sections;
  } else {
    try {
      index = read_section_index(pinned);
    } catch (const Error&) {
      return lanes;  // read_biggest_first says why
    }
  }
  if (!index) {
    return lanes;
  }
  std::map<std::string, std::uint64_t> bytes;
  for (const Section& section : *index) {
    if (section.kind == SectionKind::table || section.kind == SectionKind::part) {
      bytes[section.table] += section.bytes;
    }
  }
  if (std::any_of(bytes.begin(), bytes.end(), [](const auto& table) { return table.second > k_small_table_bytes; })) {
    return lanes;
  }
  const auto useful = static_cast<unsigned>(std::max<std::size_t>(1, bytes.size()));
  if (useful < lanes) {
    spdlog::info("{} loading connection{} for {} small table{}: no more", useful, useful == 1 ? "" : "s", bytes.size(),
                 bytes.size() == 1 ? "" : "s");
  }
  return std::min(lanes, useful);
}

}  // namespace

LoadStats load_backup(const RestorePlan& plan, const RestoreOptions& options, const RestoreCallbacks& callbacks,
                      const std::filesystem::path& pinned, ProofReader& proof, bool& target_changed) {
  if (options.no_binlog) {
    log_info("binary logging is off for this restore's sessions (--no-binlog): replicas do not get it");
  }
  LoadSettings settings;
  settings.keep_going = options.force;
  settings.progress = callbacks.progress;
  settings.ours = plan.verification.status == VerifyStatus::ok;
  settings.largest_statement = plan.verification.largest_statement;
  settings.shown_name = plan.file.filename().string();
  if (plan.sections.empty()) {
    settings.expected_sha256 = plan.verification.sha256;
    settings.expected_content_bytes = plan.verification.content_bytes;
  }
  settings.allow_foreign = options.allow_foreign_statements;
  if (!plan.tables.empty()) {
    settings.only_tables = std::set<std::string>(plan.tables.begin(), plan.tables.end());
  }
  for (const Section& section : plan.sections) {
    settings.ranges.emplace_back(section.at, section.size);
    // --tables: verify measured no statement of these ranges; none is longer than its range.
    if (plan.verification.largest_statement == 0) {
      settings.largest_statement = std::max<std::size_t>(settings.largest_statement, section.bytes);
    }
  }
  // Our own files only: their INSERTs depend on nothing but their table (a mysqldump file may
  // LOCK TABLES or turn autocommit off around them); --force runs everything on the main connection.
  const unsigned workers =
      plan.verification.status == VerifyStatus::ok && !options.force ? std::max(1u, options.threads) : 0;
  // Many tables: a small table's time is the server's (its file created, a dozen fsyncs), not CPU,
  // so more connections overlap more of it. Small tables' turns get more lanes than --threads;
  // a big table's rows and key builds still use --threads at once (insert_pool.hpp).
  unsigned lanes = workers;
  const std::size_t tables = plan.tables.empty() ? plan.verification.tables.size() : plan.tables.size();
  if (workers > 0 && tables >= k_many_tables) {
    lanes = std::max(workers, std::min(k_most_lanes, k_lanes_per_thread * workers));
    settings.heavy_workers = workers;
  }
  lanes = std::min(lanes, useful_lanes(plan, pinned, lanes));
  if (plan.sections.empty() && workers > 0 && !options.force) {
    read_biggest_first(plan, pinned, settings);
  }
  // The proof reads the tables as the load left them, before any event restored with them ran.
  const bool proving =
      !options.no_proof && std::any_of(plan.verification.tables.begin(), plan.verification.tables.end(),
                                       [](const TableCount& table) { return !table.digest.empty(); });
  if (proving) {
    settings.before_first_event = [&] {
      if (!proof.checks) {
        start_proof_snapshots(proof, plan.target_database);
        proof.started = true;
      }
    };
  }
  // With loading connections, the proof reads while the last key builds run, once every table's
  // rows are in (LoadSettings::proof_beside_keys): the rows are what the load leaves, and the
  // builds, adding keys in place, change none of them.
  if (proving && workers > 0 && !options.force) {
    LoadSettings::ProofBesideKeys beside;
    for (const TableCount& table : plan.verification.tables) {
      if (plan.tables.empty() || std::find(plan.tables.begin(), plan.tables.end(), table.name) != plan.tables.end()) {
        beside.tables.insert(table.name);
      }
    }
    beside.prove = [&](const std::vector<db::Connection*>& idle, const std::vector<std::string>& building) {
      return prove_beside_key_builds(plan, options, callbacks, proof, idle, building);
    };
    beside.stale = [&] {
      log_info("content proof read again after the load: the file names a proven table after its key builds");
      proof.checks.reset();
      proof.started = false;
    };
    settings.proof_beside_keys = std::move(beside);
  }
  try {
    return load_into(options.connection, plan.target_database, pinned, settings, options.no_binlog, lanes,
                     plan.database_collation, proving ? &proof : nullptr, &target_changed,
                     std::max(1u, options.threads) - 1);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& unexpected) {
    // out of memory, a thread that cannot start: still a failed load, rolled back
    throw Error(ErrorCode::internal, tx("the load stopped: {}", unexpected.what()));
  }
}

}  // namespace ifnbackup::restore
