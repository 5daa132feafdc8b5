#include "binlog/replay_plan.hpp"

#include <algorithm>
#include <ctime>
#include <map>

#include <fmt/format.h>

#include "binlog/commit_batch.hpp"
#include "binlog/event.hpp"
#include "binlog/statement_reach.hpp"
#include "ifnbackup/binlog.hpp"
#include "ifnbackup/error.hpp"
#include "io/gzip_reader.hpp"

namespace ifnbackup::binlog {

namespace {

// The statement names `database` as a database may (`shop`.`t`, not `shop2`.`t` nor a 'shop' string).
bool names(std::string_view statement, const std::string& database) {
  if (statement.find(database) == std::string_view::npos) {
    return false;
  }
  const auto reach = statement_reach(statement);
  return std::find(reach.names.begin(), reach.names.end(), database) != reach.names.end();
}

[[noreturn]] void throw_gap(const std::string& what) {
  throw Error(ErrorCode::binlog_gap, tx("the binary log archive cannot replay this span: {}", what),
              tx("choose a target the archive covers (ifnbackup binlog status shows it), or restore the backup alone; "
                 "nothing was changed"));
}

// Follows transactions (GTID ... XID/COMMIT, or a standalone statement) through the events.
class SpanWalker {
 public:
  SpanWalker(ReplayPlan& plan, std::uint32_t target, const std::string& database, const std::optional<Gtid>& until_gtid)
      : m_plan(plan), m_target(until_gtid ? UINT32_MAX : target), m_database(database), m_until_gtid(until_gtid) {}

  bool done() const noexcept { return m_done; }

  void on_event(const LogName& log, const FileEvent& event, bool checksums) {
    const bool counting = !(log.str() == m_plan.from.file && event.offset < m_plan.from.offset);
    if (counting) {
      m_plan.newest_archived = std::max(m_plan.newest_archived, event.header.timestamp);
    }
    const auto type = event.header.type;
    if (counting && !m_done && (type == k_begin_load_query_event || type == k_execute_load_query_event)) {
      m_plan.load_data = true;
    }
    if (type == k_gtid_event) {
      m_open = true;
      m_standalone = gtid_is_standalone(event.bytes);
      m_events = 1;
      m_touches = false;
      m_elsewhere = 0;
      m_is_target = m_until_gtid && parse_gtid_event(event.bytes) == m_until_gtid;
      m_names.clear();
      m_server_wide = 0;
      return;
    }
    if (!m_open) {
      return;
    }
    ++m_events;
    bool ends = type == k_xid_event || type == k_xa_prepare_event;
    if (type == k_table_map_event) {
      const auto database = parse_table_map_database(event.bytes);
      m_touches = m_touches || (database && *database == m_database);
    } else if (type == k_query_event || type == k_execute_load_query_event) {
      // A statement-format LOAD DATA (Execute_load_query) is a statement like the others: it may name a
      // table of another database (`INTO TABLE other.t`), which the replay would load there.
      if (const auto query = parse_query(event.bytes, checksums, static_cast<EventType>(type))) {
        // Read as the server reads them: `ROLLBACK TO \`sp\`` (logged when the savepoint's work touched a
        // non-transactional table) is a statement of the transaction, not its end (the span stopped
        // there: the last transaction's COMMIT was left out, and what followed was never looked at).
        const TransactionWord word = transaction_word(query->statement);
        if (word == TransactionWord::commit || word == TransactionWord::rollback) {
          ends = true;
        } else if (word != TransactionWord::begin) {
          m_touches = m_touches || query->database == m_database;
          if (counting && query->database == m_database) {
            reach(log, event, query->statement);
          }
          if (counting && query->database != m_database && names(query->statement, m_database)) {
            ++m_elsewhere;
          }
          ends = m_standalone;
        }
      }
    }
    if (!ends) {
      return;
    }
    m_open = false;
    const auto when = event.header.timestamp;
    if (!counting) {
      m_plan.backup_after_target = m_plan.backup_after_target || when > m_target || m_is_target;
      return;
    }
    if (when > m_target) {
      m_done = true;
      return;
    }
    ++m_plan.transactions;
    m_plan.events += m_events;
    m_plan.database_transactions += m_touches ? 1 : 0;
    m_plan.statements_elsewhere += m_elsewhere;
    m_plan.server_wide_statements += m_server_wide;
    for (auto& named : m_names) {
      if (std::none_of(m_plan.names.begin(), m_plan.names.end(),
                       [&named](const NamedInSpan& known) { return known.name == named.name; })) {
        m_plan.names.push_back(std::move(named));
      }
    }
    m_plan.first_event = m_plan.first_event == 0 ? when : m_plan.first_event;
    m_plan.last_event = when;
    m_plan.to = LogPosition{log.str(), event.offset + event.bytes.size()};
    if (m_is_target) {
      m_plan.reached_gtid = true;
      m_done = true;
    }
  }

 private:
  // A statement mariadb-binlog --database will print for the replay: what it reaches beyond the database.
  void reach(const LogName& log, const FileEvent& event, std::string_view statement) {
    const auto reach = statement_reach(statement);
    if (reach.server_wide) {
      ++m_server_wide;
      return;
    }
    for (const auto& name : reach.names) {
      if (std::none_of(m_names.begin(), m_names.end(), [&name](const NamedInSpan& n) { return n.name == name; })) {
        m_names.push_back(NamedInSpan{name, LogPosition{log.str(), event.offset}, event.header.timestamp,
                                      std::string(statement.substr(0, 200))});
      }
    }
  }

  ReplayPlan& m_plan;
  std::uint32_t m_target;
  const std::string& m_database;
  const std::optional<Gtid>& m_until_gtid;
  bool m_is_target = false;  // the open transaction is until_gtid's
  bool m_done = false;
  bool m_open = false;
  bool m_standalone = false;
  bool m_touches = false;
  std::uint64_t m_events = 0;
  std::uint64_t m_elsewhere = 0;     // in the open transaction
  std::vector<NamedInSpan> m_names;  // of the open transaction
  std::uint64_t m_server_wide = 0;   // in the open transaction
};

// The GTID state along the archive (MariaDB): each file's Gtid_list (the state the server started it
// with) must be where the file before it ended, and the state at the backup's binlog position the GTID
// position the backup records. A file of another server, one swapped or renamed, or one of the server's
// log before a RESET MASTER breaks it: its events are never replayed as this server's history.
class GtidChain {
 public:
  using State = std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint64_t>;  // (domain, server) -> sequence

  explicit GtidChain(const std::string& backup_gtid) {
    std::size_t at = 0;
    while (!backup_gtid.empty() && at <= backup_gtid.size()) {
      const auto comma = std::min(backup_gtid.find(',', at), backup_gtid.size());
      if (const auto gtid = parse_gtid(std::string_view(backup_gtid).substr(at, comma - at))) {
        m_backup[gtid->domain] = *gtid;
      }
      at = comma + 1;
    }
  }

  void on_event(const LogName& log, const std::optional<LogName>& previous, const FileEvent& event, bool checksums) {
    if (event.header.type == k_gtid_list_event) {
      const auto list = parse_gtid_list(event.bytes, checksums);
      if (!list) {
        return;
      }
      State started;
      for (const auto& gtid : *list) {
        started[{gtid.domain, gtid.server}] = gtid.sequence;
      }
      if (m_known && previous && started != m_state) {
        throw_mismatch(fmt::format("{} does not follow {}: it starts at GTID state {}, {} ends at {}", log.str(),
                                   previous->str(), text(started), previous->str(), text(m_state)));
      }
      m_state = std::move(started);
      m_known = true;
    } else if (event.header.type == k_gtid_event && m_known) {
      if (const auto gtid = parse_gtid_event(event.bytes)) {
        m_state[{gtid->domain, gtid->server}] = gtid->sequence;
      }
    }
  }

  // The state before the event at the backup's position.
  void check_backup(const LogPosition& from) {
    if (m_checked || !m_known || m_backup.empty()) {
      m_checked = true;
      return;
    }
    m_checked = true;
    // Each GTID the backup records is its domain's last at that position: the state holds it for its server.
    for (const auto& [domain, gtid] : m_backup) {
      const auto found = m_state.find({domain, gtid.server});
      if (found == m_state.end() || found->second != gtid.sequence) {
        throw_mismatch(
            fmt::format("at {}, where the backup was taken, the archive's file is at GTID state {}; the "
                        "backup records {}",
                        from.str(), text(m_state), text(m_backup)));
      }
    }
  }

  bool checked() const noexcept { return m_checked; }

 private:
  [[noreturn]] static void throw_mismatch(const std::string& what) {
    throw Error(ErrorCode::binlog_gap,
                tx("the binary log archive is not this server's history: {} (a file of another server, a file "
                   "swapped or renamed, or the server's log before a RESET MASTER)",
                   what),
                tx("nothing was changed; check the archive's files (ifnbackup binlog status), or restore the backup "
                   "alone"));
  }
  static std::string text(const State& state) {
    std::string out;
    for (const auto& [key, sequence] : state) {
      out += fmt::format("{}{}-{}-{}", out.empty() ? "" : ",", key.first, key.second, sequence);
    }
    return out.empty() ? std::string("(empty)") : out;
  }
  static std::string text(const std::map<std::uint32_t, Gtid>& gtids) {
    std::string out;
    for (const auto& [domain, gtid] : gtids) {
      out += (out.empty() ? "" : ",") + gtid.str();
    }
    return out;
  }

  std::map<std::uint32_t, Gtid> m_backup;
  State m_state;
  bool m_known = false;
  bool m_checked = false;
};

std::vector<std::pair<std::uint64_t, std::filesystem::path>> pieces_of(const ArchivedLog& log) {
  std::vector<std::pair<std::uint64_t, std::filesystem::path>> pieces;
  if (log.whole) {
    pieces.emplace_back(0, *log.whole);
  }
  for (const auto& chunk : log.chunks) {
    pieces.emplace_back(chunk.start, chunk.path);
  }
  return pieces;
}

}  // namespace

ReplayPlan plan_replay(const std::filesystem::path& backup_dir, const LogPosition& from, std::uint32_t target,
                       const std::string& database, const std::optional<Gtid>& until_gtid,
                       const std::string& from_gtid) {
  ReplayPlan plan;
  plan.from = from;
  plan.to = from;
  const auto scan = scan_archive(backup_dir);
  const auto from_log = parse_log_name(from.file);
  if (!from_log) {
    throw Error(ErrorCode::usage, tx("the backup's binlog position '{}' is not a binary log's", from.str()),
                tx("this backup cannot be the start of a point-in-time restore"));
  }
  const auto first =
      std::find_if(scan.logs.begin(), scan.logs.end(), [&](const ArchivedLog& log) { return log.name == *from_log; });
  if (first == scan.logs.end()) {
    throw_gap(scan.empty()
                  ? fmt::format("the archive is empty; the backup starts at {}", from.str())
                  : fmt::format("it does not hold {}, where the backup starts ({}); it holds {} to {}", from.file,
                                from.str(), scan.logs.front().name.str(), scan.logs.back().name.str()));
  }
  SpanWalker walker(plan, target, database, until_gtid);
  GtidChain chain(from_gtid);
  for (auto log = first; log != scan.logs.end() && !walker.done(); ++log) {
    if (log != first) {
      const auto& previous = *(log - 1);
      if (!previous.whole || log->name.base != previous.name.base || log->name.number != previous.name.number + 1) {
        throw_gap(fmt::format("nothing archived after {} before {}", previous.name.str(), log->name.str()));
      }
    }
    ReplayFile file;
    file.log = log->name;
    file.start = log == first ? from.offset : 4;
    EventReader reader(log->name.str(), 0);
    for (const auto& [start, path] : pieces_of(*log)) {
      if (walker.done()) {
        break;
      }
      if (start != reader.offset()) {
        throw_gap(fmt::format("{} is archived up to offset {}, then from {}", log->name.str(), reader.offset(), start));
      }
      file.pieces.push_back(path);
      io::GzipReader gzip(path);
      gzip.read_all([&](std::string_view bytes) {
        reader.feed(bytes, [&](const FileEvent& event) {
          if (walker.done()) {
            return;
          }
          if (log == first && event.offset >= from.offset && !chain.checked()) {
            chain.check_backup(from);
          }
          chain.on_event(log->name, log == first ? std::nullopt : std::optional<LogName>((log - 1)->name), event,
                         reader.checksums());
          walker.on_event(log->name, event, reader.checksums());
        });
      });
    }
    if (!walker.done()) {
      reader.finish();
    }
    if (log == first && !walker.done()) {
      chain.check_backup(from);  // nothing after the backup's position in its file
    }
    if (log == first && reader.offset() < from.offset && !walker.done()) {
      throw_gap(fmt::format("{} is archived up to offset {} only; the backup starts at {}", log->name.str(),
                            reader.offset(), from.str()));
    }
    plan.files.push_back(std::move(file));
  }
  if (until_gtid && !plan.reached_gtid && !plan.backup_after_target) {
    throw Error(ErrorCode::not_found,
                tx("the binary log archive does not reach GTID {}: it holds no such transaction after {} (the "
                   "archive ends at {}, newest event {})",
                   until_gtid->str(), from.str(), plan.files.empty() ? from.str() : plan.files.back().log.str(),
                   format_event_time(plan.newest_archived)),
                tx("check the GTID (SHOW BINLOG EVENTS, mariadb-binlog), run `ifnbackup binlog archive` to bring "
                   "the archive up to date, or give --until a time; nothing was changed"));
  }
  if (until_gtid && !plan.reached_gtid) {
    return plan;
  }
  if (!until_gtid && !walker.done() && plan.newest_archived <= target) {
    // An idle server writes nothing: the archiver's in-step mark says whether it missed anything up to the
    // target. Events carry whole seconds, so the mark must be at or after the end of the target second;
    // so must an archived event, for the same reason: a newest event of the target second itself says
    // nothing of what the server wrote later in that second (the archiver ran, or stopped, in its middle).
    const auto mark = in_step_time(scan.folder);
    const auto mark_seconds =
        mark ? std::chrono::duration_cast<std::chrono::seconds>(mark->time_since_epoch()).count() : std::int64_t{0};
    if (mark && *mark >= std::chrono::system_clock::from_time_t(static_cast<std::time_t>(target) + 1)) {
      plan.in_step_until = static_cast<std::uint32_t>(mark_seconds);
    } else {
      const std::uint32_t known =
          std::max<std::uint32_t>(plan.newest_archived, static_cast<std::uint32_t>(mark_seconds));
      throw Error(ErrorCode::not_found,
                  tx("the binary log archive does not cover {} to its end: its newest event is at {}, and the archiver "
                     "was last in step with the server at {}: what the server wrote from {} to the end of {} is not "
                     "known",
                     format_event_time(target),
                     plan.newest_archived == 0 ? std::string("(none after the backup)")
                                               : format_event_time(plan.newest_archived),
                     mark ? format_event_time(static_cast<std::uint32_t>(mark_seconds)) : std::string("(never)"),
                     format_event_time(known == 0 ? plan.newest_archived : known), format_event_time(target)),
                  tx("run `ifnbackup binlog archive` to bring it up to date, or give an earlier --until; nothing was "
                     "changed"));
    }
  }
  // Only the files up to the last transaction replayed; the last one stops there.
  const auto to_log = parse_log_name(plan.to.file);
  while (!plan.files.empty() && log_order(*to_log, plan.files.back().log)) {
    plan.files.pop_back();
  }
  if (plan.transactions == 0) {
    plan.files.clear();
  } else {
    plan.files.back().stop = plan.to.offset;
  }
  return plan;
}

}  // namespace ifnbackup::binlog
