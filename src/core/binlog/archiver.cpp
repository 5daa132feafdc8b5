// ifnbackup binlog archive: the server's binary log, read as a replica reads it, written into the
// archive (binlog/archive.hpp) as it arrives. Each event is placed by the offset its header gives
// in the server's file: what is archived is the file byte for byte, and an event that does not
// start where the archive ends is a gap, never skipped over.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "binlog/archive.hpp"
#include "binlog/archive_writer.hpp"
#include "binlog/event.hpp"
#include "db/binlog_stream.hpp"
#include "db/connection.hpp"
#include "ifnbackup/binlog.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/i18n.hpp"
#include "ifnbackup/printable.hpp"
#include "io/atomic_file.hpp"
#include "io/folder_lock.hpp"
#include "util/interrupt.hpp"

namespace ifnbackup {

namespace {

using Clock = std::chrono::steady_clock;

constexpr unsigned k_heartbeat_seconds = 1;
// A chunk is closed at this size too, whatever its age: memory and the work lost to a crash stay small.
constexpr std::uint64_t k_chunk_max_bytes = 64ULL << 20;
constexpr std::chrono::seconds k_max_reconnect_wait{30};
// ER_SLAVE_SAME_ID: another replica (another archiver, of another folder) announced the same server id.
constexpr unsigned k_same_replica_id = 4052;

// The server's binary logs, oldest first (SHOW BINARY LOGS); empty when the account may not list them.
std::vector<std::string> server_logs(db::Connection& connection) {
  std::vector<std::string> logs;
  try {
    for (const auto& row : connection.query("SHOW BINARY LOGS").rows) {
      if (!row.empty() && row[0]) {
        logs.push_back(*row[0]);
      }
    }
  } catch (const Error& error) {
    spdlog::debug("SHOW BINARY LOGS: {}", error.what());
  }
  return logs;
}

void check_server(db::Connection& connection) {
  if (connection.server().is_tidb) {
    throw Error(ErrorCode::usage,
                tx("{} is TiDB: ifnbackup archives the binary log of MariaDB and MySQL only", connection.description()),
                tx("TiDB has its own log backup: use BR (br log start) or TiCDC; see docs/pitr.md"));
  }
  const auto log_bin = connection.query_value("SELECT @@GLOBAL.log_bin");
  if (!log_bin || (*log_bin != "1" && *log_bin != "ON")) {
    throw Error(ErrorCode::usage, tx("the binary log is off on {}", connection.description()),
                tx("set log_bin (and server_id) in the server's configuration and restart it; see docs/pitr.md"));
  }
}

[[noreturn]] void throw_gap(const std::string& archived_to, const std::string& missing,
                            const std::vector<std::string>& on_server) {
  throw Error(ErrorCode::binlog_gap,
              tx("binary log gap: the archive ends at {} but the server no longer has {} (its oldest "
                 "file is {}): the events between are lost to the archive",
                 archived_to, missing, on_server.empty() ? std::string("unknown") : on_server.front()),
              tx("take a full backup now (restores to a time after it will work), then run `ifnbackup binlog archive "
                 "--accept-gap` to go on from the server's oldest file; keep the server's logs longer "
                 "(binlog_expire_logs_seconds) than the archiver may be stopped"));
}

// One connection's worth of archiving: from `from` to the end (or until the connection fails).
class Archiver {
 public:
  Archiver(const BinlogArchiveOptions& options, const std::filesystem::path& folder, BinlogArchiveResult& result)
      : m_options(options), m_folder(folder), m_result(result) {}

  void run(db::Connection& connection, const binlog::LogPosition& from) {
    m_log = *binlog::parse_log_name(from.file);
    m_expected = from.offset;
    for (const auto& log : binlog::scan_archive(m_folder.parent_path()).logs) {
      if (log.name == m_log && from.offset > 4) {
        m_archived_header = binlog::archived_header_event(log);
      }
    }
    m_result.position = from.str();
    m_log_newest = newest_so_far(from);
    // The events before the first Format_description (the stream's own rotate) carry the checksum
    // the stream asks for: the server's. Read now: once the stream is open, the connection is its.
    m_checksum = connection.query_value("SELECT @@GLOBAL.binlog_checksum").value_or("") == "CRC32";
    db::BinlogStream stream(connection, from.file, from.offset, m_options.follow, k_heartbeat_seconds,
                            m_options.replica_id);
    try {
      while (auto event = stream.next()) {
        take(*event);
        close_chunk_if_due();
      }
    } catch (...) {
      commit_chunk();
      throw;
    }
    commit_chunk();
  }

 private:
  void take(std::string_view event) {
    const auto header = binlog::parse_header(event);
    if (!header || header->length != event.size()) {
      throw Error(ErrorCode::server,
                  tx("the server sent a malformed binary log event after {}:{}", m_log.str(), m_expected),
                  tx("check the server's error log; run the archiver again"));
    }
    if (header->type == binlog::k_heartbeat_event) {
      // The server has nothing more: once the open chunk is closed, the archive holds all it wrote.
      if (!m_chunk) {
        binlog::mark_in_step(m_folder);
      }
      return;
    }
    if (header->type == binlog::k_format_description_event) {
      m_checksum = binlog::format_description_checksum(event) == binlog::k_checksum_crc32;
      check_same_file(event);
    }
    if (m_checksum && !binlog::checksum_matches(event)) {
      throw Error(ErrorCode::server,
                  tx("an event of {} at offset {} fails its CRC-32 as received", m_log.str(), header->start()),
                  tx("nothing after it was archived; run the archiver again (a damaged server log needs the DBA)"));
    }
    if (header->type == binlog::k_rotate_event && !header->in_file()) {
      switch_log(event);
      return;
    }
    if (!header->in_file() || header->next_pos <= m_expected) {
      return;  // made up for the stream, or already archived (the file's header, sent again on resuming)
    }
    if (header->start() != m_expected) {
      throw Error(ErrorCode::binlog_gap,
                  tx("binary log gap in {}: the archive ends at offset {} but the server sent the event "
                     "at {}",
                     m_log.str(), m_expected, header->start()),
                  tx("nothing was skipped: the archive ends before the gap; see docs/pitr.md"));
    }
    if (!m_chunk) {
      m_chunk.emplace(m_folder, m_log, m_expected == 4 ? 0 : m_expected, m_options.compress_level);
      m_chunk_newest = 0;
    }
    m_chunk->append(event);
    m_chunk_newest = std::max(m_chunk_newest, header->timestamp);
    if (m_log_newest) {
      m_log_newest = std::max(*m_log_newest, header->timestamp);
    }
    m_expected = header->next_pos;
    ++m_result.events;
    m_result.bytes += event.size();
    m_result.newest_event = std::max(m_result.newest_event, header->timestamp);
    m_result.position = fmt::format("{}:{}", m_log.str(), m_expected);
  }

  // Resuming inside a file the archive holds the beginning of: the server's file of that name must be
  // the same file (RESET MASTER starts the names over; another server's archive has the same names).
  // Its events would otherwise be placed after, or dropped as already in, another file's.
  void check_same_file(std::string_view event) {
    if (!m_archived_header) {
      return;
    }
    const auto archived = std::move(*m_archived_header);
    m_archived_header.reset();
    if (!binlog::same_file_header(archived, event, m_checksum)) {
      throw Error(ErrorCode::binlog_gap,
                  tx("{} on the server is not the file the archive holds under that name (their first events "
                     "differ): the server's binary log was started over (RESET MASTER, a new data directory) or "
                     "the archive in {} is another server's",
                     m_log.str(), m_folder.string()),
                  tx("nothing was archived from it; rename {} (restores to a time before the reset need it back in "
                     "place), take a full backup, then run `ifnbackup binlog archive` again",
                     m_folder.string()));
    }
  }

  // The server moves on to another file (or names the one asked for, at the start of the stream).
  void switch_log(std::string_view event) {
    const auto target = binlog::parse_rotate(event, m_checksum);
    const auto name = target ? binlog::parse_log_name(target->file) : std::nullopt;
    if (!name) {
      throw Error(ErrorCode::server, tx("the server sent a rotate event without a usable file name"),
                  tx("check the server's log_bin name; see docs/pitr.md"));
    }
    if (*name == m_log) {
      return;
    }
    commit_chunk();
    if (m_expected > 4 || std::filesystem::exists(m_folder / binlog::chunk_file_name(m_log, 0))) {
      const auto whole = binlog::join_chunks(m_folder, m_log);
      ++m_result.whole_files;
      report(tx("binlog archive: {} archived whole", m_log.str()));
      std::error_code error;
      const auto size = std::filesystem::file_size(whole, error);
      if (m_log_newest && !error) {
        binlog::write_newest_note(m_folder, {whole.filename().string(), size, "end", *m_log_newest, m_log_newest});
      } else {
        binlog::remove_newest_note(m_folder);  // its events before this run are not known here: status reads it
      }
    }
    m_log_newest = 0;
    if (name->base != m_log.base || name->number != m_log.number + 1) {
      throw_gap(fmt::format("{}:end", m_log.str()), m_log.next().str(), {target->file});
    }
    m_log = *name;
    m_archived_header.reset();
    m_expected = target->position;
    m_result.position = fmt::format("{}:{}", m_log.str(), m_expected);
  }

  void close_chunk_if_due() {
    if (m_chunk &&
        (Clock::now() - m_chunk->opened() >= m_options.chunk_seconds || m_chunk->bytes() >= k_chunk_max_bytes)) {
      commit_chunk();
    }
  }

  void commit_chunk() {
    if (!m_chunk) {
      return;
    }
    const auto start = m_chunk->start();
    m_chunk->commit();
    m_chunk.reset();
    ++m_result.chunks;
    const auto name = binlog::chunk_file_name(m_log, start);
    std::error_code error;
    const auto size = std::filesystem::file_size(m_folder / name, error);
    if (!error) {
      binlog::write_newest_note(m_folder, {name, size, std::to_string(m_expected), m_chunk_newest, m_log_newest});
    }
    report(tx("binlog archive: {} archived from {} to {}", m_log.str(), start, m_expected));
  }

  void report(const Text& line) {
    spdlog::debug("{}", line.english);
    if (m_options.on_progress) {
      m_options.on_progress(line);
    }
  }

  const BinlogArchiveOptions& m_options;
  std::filesystem::path m_folder;
  BinlogArchiveResult& m_result;
  binlog::LogName m_log;
  // The newest event of the log being archived, when known from its start (or from the note of the
  // chunk this run resumes after): the whole file's newest event, noted when it is joined.
  std::optional<std::uint32_t> newest_so_far(const binlog::LogPosition& from) const {
    if (from.offset <= 4) {
      return 0;
    }
    const auto note = binlog::read_newest_note(m_folder);
    const auto named = note ? binlog::parse_archive_name(note->file) : std::nullopt;
    if (!named || !(named->log == m_log) || !named->chunk_start || note->end != std::to_string(from.offset)) {
      return std::nullopt;
    }
    return note->log_newest;
  }

  std::uint64_t m_expected = 0;
  bool m_checksum = false;
  std::optional<std::string> m_archived_header;  // of m_log, when resuming inside it
  std::optional<binlog::ChunkWriter> m_chunk;
  std::uint32_t m_chunk_newest = 0;
  std::optional<std::uint32_t> m_log_newest;
};

// The server's files are named before the archive's end (RESET MASTER, a new data directory, another
// server): what it writes next would take names the archive holds, for other events. Refused, even with
// --accept-gap, which goes on from the server's oldest file.
void check_not_started_over(const binlog::ArchiveScan& scan, const std::optional<binlog::LogPosition>& resume,
                            const std::vector<std::string>& logs, const std::filesystem::path& backup_dir) {
  if (!resume || logs.empty()) {
    return;
  }
  const auto at = binlog::parse_log_name(resume->file);
  const auto newest = binlog::parse_log_name(logs.back());
  const auto oldest = binlog::parse_log_name(logs.front());
  if (!at || !newest || !oldest || newest->base != at->base) {
    return;
  }
  const bool behind = binlog::log_order(*newest, *at);
  const bool taken = std::any_of(scan.logs.begin(), scan.logs.end(), [&](const binlog::ArchivedLog& log) {
    return log.name.base == oldest->base && !binlog::log_order(log.name, *oldest) && log.name != *at;
  });
  if (behind || (taken && std::find(logs.begin(), logs.end(), resume->file) == logs.end())) {
    throw Error(ErrorCode::binlog_gap,
                tx("the server's binary log was started over: its files are {} to {}, but the archive already "
                   "holds files of those names, up to {} (RESET MASTER, a new data directory, or the archive in {} "
                   "is another server's)",
                   logs.front(), logs.back(), resume->str(), binlog::archive_folder(backup_dir).string()),
                tx("rename {} (restores to a time before the reset need it back in place), take a full backup, then "
                   "run `ifnbackup binlog archive` again (--accept-gap cannot help: the names are taken)",
                   binlog::archive_folder(backup_dir).string()));
  }
}

// Where this run starts: where the archive ends, or the server's oldest file for an empty archive.
binlog::LogPosition start_position(const BinlogArchiveOptions& options, db::Connection& connection,
                                   const std::filesystem::path& backup_dir) {
  const auto scan = binlog::scan_archive(backup_dir);
  const auto logs = server_logs(connection);
  const auto resume = binlog::resume_position(scan);
  check_not_started_over(scan, resume, logs, options.backup_dir);
  if (resume && (logs.empty() || std::find(logs.begin(), logs.end(), resume->file) != logs.end())) {
    return *resume;
  }
  if (logs.empty()) {
    throw Error(ErrorCode::server, tx("cannot list the binary logs of {} (SHOW BINARY LOGS)", connection.description()),
                tx("grant the account BINLOG MONITOR (MariaDB) or REPLICATION CLIENT (MySQL); see ifnbackup doctor"));
  }
  if (resume && !options.accept_gap) {
    throw_gap(scan.logs.back().whole ? scan.logs.back().name.str() + ":end" : resume->str(), resume->file, logs);
  }
  if (resume) {
    log_warn(
        "binlog archive: {} is gone from the server; going on from {} (--accept-gap): the archive has a "
        "gap there",
        resume->file, logs.front());
  }
  return binlog::LogPosition{logs.front(), 4};
}

}  // namespace

BinlogArchiveResult run_binlog_archive(const BinlogArchiveOptions& options) {
  util::install_interrupt_handlers();
  io::ensure_private_folder(options.backup_dir);
  const auto folder = binlog::archive_folder(options.backup_dir);
  io::ensure_private_folder(folder);
  const io::FolderLock lock(folder, binlog::k_archive_lock);
  for (const auto& partial : binlog::scan_archive(options.backup_dir).partials) {
    // Left by a run that was killed: never renamed, so never part of the archive.
    std::error_code error;
    std::filesystem::remove(partial, error);
  }
  BinlogArchiveResult result;
  auto wait = std::chrono::seconds(1);
  for (;;) {
    try {
      auto connection = db::Connection::open(options.connection, false);
      check_server(*connection);
      const util::InterruptWatcher watcher([&connection] { connection->cancel(); });
      Archiver archiver(options, folder, result);
      archiver.run(*connection, start_position(options, *connection, options.backup_dir));
      binlog::mark_in_step(folder);  // caught up with the server's last event
      return result;
    } catch (const Error& error) {
      if (error.code() == ErrorCode::interrupted || util::interrupt_requested()) {
        if (options.follow) {
          result.stopped_by_signal = true;
          return result;
        }
        throw Error(ErrorCode::interrupted,
                    tx("binlog archive interrupted (SIGINT or SIGTERM); archived up to {}", result.position),
                    tx("run it again: it goes on from there"));
      }
      if (error.server_error() == 1236) {
        // ER_MASTER_FATAL_ERROR_READING_BINLOG: the file asked for is gone (purged) or unreadable.
        throw Error(ErrorCode::binlog_gap,
                    tx("binary log gap: the server cannot send the events after {}: {}", result.position, error.what()),
                    tx("take a full backup now, then run `ifnbackup binlog archive --accept-gap`; see docs/pitr.md"));
      }
      if (error.server_error() == k_same_replica_id) {
        throw Error(ErrorCode::server,
                    tx("binlog archive: the server already has a replica or archiver connected with server id {}: "
                       "{}",
                       options.replica_id, error.message()),
                    tx("give each archiver of this server its own --replica-id (SHOW SLAVE HOSTS and SHOW "
                       "PROCESSLIST show who is connected); two archivers of one folder are kept apart by its "
                       "lock instead"));
      }
      const bool lost = error.code() == ErrorCode::connection ||
                        (error.code() == ErrorCode::server && db::connection_lost(error.server_error()));
      if (!options.follow || !lost) {
        throw;
      }
      log_warn("binlog archive: {}; connecting again in {} s", error.message(), wait.count());
      for (auto waited = std::chrono::seconds(0); waited < wait && !util::interrupt_requested(); ++waited) {
        std::this_thread::sleep_for(std::chrono::seconds(1));
      }
      wait = std::min(wait * 2, k_max_reconnect_wait);
      ++result.reconnections;
    }
  }
}

}  // namespace ifnbackup
