#pragma once
// The binary log's event framing (MariaDB/MySQL binlog v4), pure: the 19-byte header every event
// starts with, its CRC-32, and a reader that cuts a byte stream (an archived log, decompressed) into
// events with their offsets in the server's file. Nothing here decodes rows: the archive keeps the
// server's bytes, and the replay hands them to mariadb-binlog.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ifnbackup::binlog {

// The four bytes a binary log file starts with.
inline constexpr std::string_view k_magic{
    "\xfe"
    "bin",
    4};
inline constexpr std::size_t k_header_bytes = 19;
inline constexpr std::size_t k_checksum_bytes = 4;

// The event types this tool looks at (the full list: mariadb_rpl.h, enum mariadb_rpl_event).
enum EventType : std::uint8_t {
  k_query_event = 2,
  k_stop_event = 3,
  k_rotate_event = 4,
  k_format_description_event = 15,
  k_xid_event = 16,
  k_begin_load_query_event = 17,    // a statement-format LOAD DATA's file (its first block)
  k_execute_load_query_event = 18,  // a statement-format LOAD DATA: a Query event, 13 more post-header bytes
  k_heartbeat_event = 27,
  k_table_map_event = 19,
  k_gtid_event = 162,
  k_gtid_list_event = 163,
  k_xa_prepare_event = 38,
};
// LOG_EVENT_ARTIFICIAL_F: made up by the server for the replication stream, never in its file.
inline constexpr std::uint16_t k_artificial_flag = 0x20;
// The checksum algorithm a Format_description event announces.
inline constexpr std::uint8_t k_checksum_off = 0;
inline constexpr std::uint8_t k_checksum_crc32 = 1;

struct EventHeader {
  std::uint32_t timestamp = 0;  // seconds since the epoch (UTC), when the statement started
  std::uint8_t type = 0;
  std::uint32_t server_id = 0;
  std::uint32_t length = 0;    // of the whole event, header and checksum included
  std::uint32_t next_pos = 0;  // offset in the server's file just after this event; 0: not in a file
  std::uint16_t flags = 0;
  // Where the event starts in its file (next_pos - length); meaningless when next_pos is 0.
  std::uint64_t start() const noexcept { return next_pos >= length ? next_pos - length : 0; }
  bool in_file() const noexcept { return next_pos != 0 && (flags & k_artificial_flag) == 0 && next_pos >= length; }
};

// The header of `event` (at least k_header_bytes long); std::nullopt when shorter.
std::optional<EventHeader> parse_header(std::string_view event) noexcept;

// The checksum algorithm a Format_description event announces (its byte before the last four); for
// an event too short to hold one, k_checksum_off.
std::uint8_t format_description_checksum(std::string_view event) noexcept;

// Whether the event's last four bytes are the CRC-32 of the rest.
bool checksum_matches(std::string_view event) noexcept;

// Whether two Format_description events are one file's header: the same bytes but for the offset
// after it, the flags and its `created` time (the server sends it with "in use" cleared, and with no
// offset nor created time when a replica starts past it) and the checksum over them. `has_checksum`: their last four
// bytes are one.
bool same_file_header(std::string_view a, std::string_view b, bool has_checksum) noexcept;

// A Rotate event's next file name and position (the name follows the 8-byte position; with a
// checksum, its last four bytes are not part of it).
struct RotateTarget {
  std::string file;
  std::uint64_t position = 0;
};
std::optional<RotateTarget> parse_rotate(std::string_view event, bool has_checksum) noexcept;

// A GTID event (MariaDB) starting a group that is a standalone statement (DDL), not a transaction
// ended by XID or COMMIT.
bool gtid_is_standalone(std::string_view event) noexcept;

// A MariaDB GTID: domain-server-sequence ("0-1-35356").
struct Gtid {
  std::uint32_t domain = 0;
  std::uint32_t server = 0;
  std::uint64_t sequence = 0;
  std::string str() const;
  friend bool operator==(const Gtid&, const Gtid&) = default;
};
// "0-1-35356"; std::nullopt for anything else (MySQL's uuid:n is not one).
std::optional<Gtid> parse_gtid(std::string_view text) noexcept;
// The GTID a GTID event (MariaDB, type k_gtid_event) starts: its sequence and domain, the header's
// server id.
std::optional<Gtid> parse_gtid_event(std::string_view event) noexcept;

// A Gtid_list event (MariaDB, the second event of every file): the server's GTID state when the file
// was started, one GTID per domain and server; std::nullopt when malformed.
std::optional<std::vector<Gtid>> parse_gtid_list(std::string_view event, bool has_checksum);

// A Query event's statement text (after the status variables and the default database), and the
// default database; for COMMIT/ROLLBACK recognition. std::nullopt when malformed. An Execute_load_query
// event (a statement-format LOAD DATA, `type`) is read the same way: its post-header is 13 bytes longer.
struct QueryText {
  std::string_view database;
  std::string_view statement;
};
std::optional<QueryText> parse_query(std::string_view event, bool has_checksum,
                                     EventType type = k_query_event) noexcept;

// A Table_map event's database (the table's schema); std::nullopt when malformed.
std::optional<std::string_view> parse_table_map_database(std::string_view event) noexcept;

// One event met by EventReader, with its place in the file.
struct FileEvent {
  EventHeader header;
  std::uint64_t offset = 0;  // in the server's file
  std::string_view bytes;    // the whole event; valid during the callback only
};

// Cuts the bytes of one server file (from offset `start`, the magic included when 0) into events,
// however the bytes arrive. Checks that each event is where its header says (next_pos) and, once a
// Format_description event announced CRC-32, its checksum; throws Error(corrupt) naming `name` and
// the offset otherwise.
class EventReader {
 public:
  EventReader(std::string name, std::uint64_t start);
  void feed(std::string_view bytes, const std::function<void(const FileEvent&)>& on_event);
  // The end of the input: throws Error(incomplete) when an event was cut.
  void finish() const;
  std::uint64_t offset() const noexcept { return m_offset; }
  bool checksums() const noexcept { return m_checksum == k_checksum_crc32; }

 private:
  void take(std::string_view event, const std::function<void(const FileEvent&)>& on_event);
  std::string m_name;
  std::uint64_t m_offset;  // of the next byte to read
  std::string m_pending;   // an event's bytes not all arrived yet
  std::uint8_t m_checksum = k_checksum_off;
};

}  // namespace ifnbackup::binlog
