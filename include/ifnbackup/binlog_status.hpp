#pragma once
// What the binary log archive holds (docs/pitr.md), as `binlog status`, status, check and metrics show
// it. Plain facts: read by ifnbackup/binlog.hpp's functions, judged by ifnbackup/status.hpp's.
#include <cstdint>
#include <string>
#include <vector>

namespace ifnbackup {

// A server log the archive holds whole, and when it became whole (its file's mtime, UTC seconds).
struct ArchivedWholeLog {
  std::string name;  // "binlog.000042"
  std::uint32_t completed = 0;
};

struct BinlogArchiveStatus {
  bool exists = false;             // the folder holds at least one archived file
  std::string first;               // first position archived ("binlog.000001:0")
  std::string last;                // where it ends
  std::uint32_t newest_event = 0;  // timestamp of the newest archived event (UTC seconds); 0: unknown
  // When the archiver last found itself caught up with the server (UTC seconds; 0: never): at the end of
  // a run, and at each heartbeat of an idle server under --follow. Everything the server wrote before
  // it is archived, so the recovery point is the later of this and newest_event.
  std::uint32_t in_step = 0;
  bool archiver_running = false;  // an archiver holds the archive's lock now (--follow, or a run)
  std::vector<std::string> gaps;  // "after binlog.000003:end, before binlog.000005:0"
  std::uint64_t files = 0;
  std::uint64_t bytes = 0;  // compressed, on disk
  // The window restore --until reaches: from the start of the oldest good backup whose position the
  // archive holds with no gap after it, to the newest archived event (UTC seconds; 0: no such backup).
  std::uint32_t window_from = 0;
  std::string window_backup;                 // that backup's name
  std::string problem;                       // the archive could not be read (read_binlog_monitoring only)
  std::vector<ArchivedWholeLog> whole_logs;  // in the server's order: what push sends offsite

  // The later of newest_event and in_step: the archive holds everything the server wrote before it.
  std::uint32_t recovery_point() const noexcept { return newest_event > in_step ? newest_event : in_step; }
};

}  // namespace ifnbackup
