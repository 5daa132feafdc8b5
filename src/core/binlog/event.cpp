#include "binlog/event.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

#include "ifnbackup/error.hpp"
#include "io/gzip_member.hpp"

namespace ifnbackup::binlog {

namespace {

std::uint32_t read_u32(const char* p) noexcept {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<std::uint32_t>(u[0]) | (static_cast<std::uint32_t>(u[1]) << 8) |
         (static_cast<std::uint32_t>(u[2]) << 16) | (static_cast<std::uint32_t>(u[3]) << 24);
}

std::uint16_t read_u16(const char* p) noexcept {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<std::uint16_t>(u[0] | (u[1] << 8));
}

std::uint64_t read_u64(const char* p) noexcept {
  return static_cast<std::uint64_t>(read_u32(p)) | (static_cast<std::uint64_t>(read_u32(p + 4)) << 32);
}

// The Query event's fixed part after the common header: thread id, time, database length, error
// code, status variables' length.
constexpr std::size_t k_query_post_header = 13;
// Events longer than this are refused as damage: the server's own limit (max_allowed_packet) is 1 GiB.
constexpr std::uint32_t k_max_event_bytes = 1U << 30;

}  // namespace

std::optional<EventHeader> parse_header(std::string_view event) noexcept {
  if (event.size() < k_header_bytes) {
    return std::nullopt;
  }
  EventHeader header;
  header.timestamp = read_u32(event.data());
  header.type = static_cast<std::uint8_t>(event[4]);
  header.server_id = read_u32(event.data() + 5);
  header.length = read_u32(event.data() + 9);
  header.next_pos = read_u32(event.data() + 13);
  header.flags = read_u16(event.data() + 17);
  return header;
}

std::uint8_t format_description_checksum(std::string_view event) noexcept {
  if (event.size() < k_header_bytes + k_checksum_bytes + 1) {
    return k_checksum_off;
  }
  return static_cast<std::uint8_t>(event[event.size() - k_checksum_bytes - 1]);
}

bool same_file_header(std::string_view a, std::string_view b, bool has_checksum) noexcept {
  // The header: timestamp 0-3, type 4, server id 5-8, length 9-12, offset after 13-16, flags 17-18.
  // The body: binlog version (2 bytes), server version (50), created (4): the server zeroes `created`
  // too when a replica starts past the event (so that the replica keeps its temporary tables).
  constexpr std::size_t k_offset_field = 13;
  constexpr std::size_t k_created = k_header_bytes + 2 + 50;
  constexpr std::size_t k_after_created = k_created + 4;
  const std::size_t tail = has_checksum ? k_checksum_bytes : 0;
  if (a.size() != b.size() || a.size() < k_after_created + tail) {
    return false;
  }
  return a.substr(0, k_offset_field) == b.substr(0, k_offset_field) &&
         a.substr(k_header_bytes, k_created - k_header_bytes) == b.substr(k_header_bytes, k_created - k_header_bytes) &&
         a.substr(k_after_created, a.size() - k_after_created - tail) ==
             b.substr(k_after_created, b.size() - k_after_created - tail);
}

bool checksum_matches(std::string_view event) noexcept {
  if (event.size() < k_header_bytes + k_checksum_bytes) {
    return false;
  }
  const auto body = event.substr(0, event.size() - k_checksum_bytes);
  return io::gzip_crc32(body) == read_u32(event.data() + body.size());
}

std::optional<RotateTarget> parse_rotate(std::string_view event, bool has_checksum) noexcept {
  const std::size_t tail = has_checksum ? k_checksum_bytes : 0;
  if (event.size() < k_header_bytes + 8 + tail) {
    return std::nullopt;
  }
  RotateTarget target;
  target.position = read_u64(event.data() + k_header_bytes);
  const auto name = event.substr(k_header_bytes + 8, event.size() - k_header_bytes - 8 - tail);
  target.file.assign(name.begin(), std::find(name.begin(), name.end(), '\0'));
  return target;
}

bool gtid_is_standalone(std::string_view event) noexcept {
  // sequence number (8), domain id (4), flags (1): FL_STANDALONE is bit 0.
  return event.size() > k_header_bytes + 12 && (static_cast<unsigned char>(event[k_header_bytes + 12]) & 1) != 0;
}

std::string Gtid::str() const {
  return fmt::format("{}-{}-{}", domain, server, sequence);
}

std::optional<Gtid> parse_gtid(std::string_view text) noexcept {
  Gtid gtid;
  const char* at = text.data();
  const char* end = text.data() + text.size();
  auto number = [&](auto& value, bool last) {
    const auto [next, error] = std::from_chars(at, end, value);
    if (error != std::errc() || next == at || (last ? next != end : (next == end || *next != '-'))) {
      return false;
    }
    at = last ? next : next + 1;
    return true;
  };
  if (!number(gtid.domain, false) || !number(gtid.server, false) || !number(gtid.sequence, true)) {
    return std::nullopt;
  }
  return gtid;
}

std::optional<Gtid> parse_gtid_event(std::string_view event) noexcept {
  const auto header = parse_header(event);
  if (!header || header->type != k_gtid_event || event.size() < k_header_bytes + 12) {
    return std::nullopt;
  }
  return Gtid{read_u32(event.data() + k_header_bytes + 8), header->server_id, read_u64(event.data() + k_header_bytes)};
}

std::optional<std::vector<Gtid>> parse_gtid_list(std::string_view event, bool has_checksum) {
  // count (4 bytes: its low 28 bits; the high 4 are flags), then count x (domain 4, server 4, sequence 8).
  const auto header = parse_header(event);
  const std::size_t tail = has_checksum ? k_checksum_bytes : 0;
  if (!header || header->type != k_gtid_list_event || event.size() < k_header_bytes + 4 + tail) {
    return std::nullopt;
  }
  const std::uint32_t count = read_u32(event.data() + k_header_bytes) & 0x0fffffffU;
  // An empty list may be followed by padding (MariaDB 10.11 writes two bytes after a count of 0).
  if (event.size() - k_header_bytes - 4 - tail < static_cast<std::size_t>(count) * 16) {
    return std::nullopt;
  }
  std::vector<Gtid> list;
  for (std::uint32_t i = 0; i < count; ++i) {
    const char* at = event.data() + k_header_bytes + 4 + static_cast<std::size_t>(i) * 16;
    list.push_back(Gtid{read_u32(at), read_u32(at + 4), read_u64(at + 8)});
  }
  return list;
}

std::optional<QueryText> parse_query(std::string_view event, bool has_checksum, EventType type) noexcept {
  const std::size_t tail = has_checksum ? k_checksum_bytes : 0;
  // Execute_load_query: file id (4), the file name's start and end in the statement (4, 4), duplicates (1).
  const std::size_t post_header = k_query_post_header + (type == k_execute_load_query_event ? 13 : 0);
  if (event.size() < k_header_bytes + post_header + tail) {
    return std::nullopt;
  }
  const char* post = event.data() + k_header_bytes;
  const std::size_t database_length = static_cast<unsigned char>(post[8]);
  const std::size_t status_length = read_u16(post + 11);
  const std::size_t database_at = k_header_bytes + post_header + status_length;
  const std::size_t statement_at = database_at + database_length + 1;
  if (statement_at > event.size() - tail) {
    return std::nullopt;
  }
  QueryText text;
  text.database = event.substr(database_at, database_length);
  text.statement = event.substr(statement_at, event.size() - tail - statement_at);
  return text;
}

std::optional<std::string_view> parse_table_map_database(std::string_view event) noexcept {
  // table id (6), flags (2), then the database's length (1), its name, a NUL.
  constexpr std::size_t at = k_header_bytes + 8;
  if (event.size() < at + 1) {
    return std::nullopt;
  }
  const std::size_t length = static_cast<unsigned char>(event[at]);
  if (event.size() < at + 1 + length) {
    return std::nullopt;
  }
  return event.substr(at + 1, length);
}

EventReader::EventReader(std::string name, std::uint64_t start) : m_name(std::move(name)), m_offset(start) {}

void EventReader::feed(std::string_view bytes, const std::function<void(const FileEvent&)>& on_event) {
  while (!bytes.empty()) {
    if (m_offset < k_magic.size()) {
      const std::size_t n = std::min<std::size_t>(k_magic.size() - m_offset, bytes.size());
      if (bytes.substr(0, n) != k_magic.substr(m_offset, n)) {
        throw Error(ErrorCode::corrupt, tx("{} does not start as a binary log (no magic number)", m_name),
                    tx("this archived file is damaged: restore it from a copy, or restore to a time before it"));
      }
      m_offset += n;
      bytes.remove_prefix(n);
      continue;
    }
    if (m_pending.empty() && bytes.size() >= k_header_bytes) {
      // The common case: whole events straight from the input, no copy.
      const auto header = parse_header(bytes);
      if (header->length >= k_header_bytes && header->length <= bytes.size()) {
        take(bytes.substr(0, header->length), on_event);
        bytes.remove_prefix(header->length);
        continue;
      }
    }
    const std::size_t want = m_pending.size() < k_header_bytes ? k_header_bytes - m_pending.size()
                                                               : parse_header(m_pending)->length - m_pending.size();
    const std::size_t n = std::min(want, bytes.size());
    m_pending.append(bytes.substr(0, n));
    bytes.remove_prefix(n);
    if (m_pending.size() >= k_header_bytes) {
      const auto header = parse_header(m_pending);
      if (header->length < k_header_bytes || header->length > k_max_event_bytes) {
        throw Error(ErrorCode::corrupt,
                    tx("{}: the event at offset {} says it is {} bytes long", m_name, m_offset, header->length),
                    tx("this archived file is damaged: restore it from a copy, or restore to a time before it"));
      }
      if (m_pending.size() == header->length) {
        const std::string event = std::move(m_pending);
        m_pending.clear();
        take(event, on_event);
      }
    }
  }
}

void EventReader::take(std::string_view event, const std::function<void(const FileEvent&)>& on_event) {
  const auto header = *parse_header(event);
  if (header.next_pos != 0 && header.next_pos != m_offset + event.size()) {
    throw Error(ErrorCode::corrupt,
                tx("{}: the event at offset {} says it ends at {}, not at {}", m_name, m_offset, header.next_pos,
                   m_offset + event.size()),
                tx("this archived file is damaged or out of order: restore it from a copy"));
  }
  if (header.type == k_format_description_event) {
    m_checksum = format_description_checksum(event);
  }
  if (m_checksum == k_checksum_crc32 && !checksum_matches(event)) {
    throw Error(ErrorCode::corrupt, tx("{}: the event at offset {} fails its CRC-32", m_name, m_offset),
                tx("this archived file is damaged: restore it from a copy, or restore to a time before it"));
  }
  on_event(FileEvent{header, m_offset, event});
  m_offset += event.size();
}

void EventReader::finish() const {
  if (!m_pending.empty()) {
    throw Error(ErrorCode::incomplete,
                tx("{} ends inside the event at offset {} ({} of its bytes)", m_name, m_offset, m_pending.size()),
                tx("the archive is cut short here: restore to a time before this point"));
  }
}

}  // namespace ifnbackup::binlog
