#include "db/binlog_stream.hpp"

#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>
// After mysql.h, which it needs.
#include <mariadb_rpl.h>

#include <fmt/format.h>

#include "ifnbackup/error.hpp"

namespace ifnbackup::db {

namespace {

MARIADB_RPL* rpl_of(void* p) {
  return static_cast<MARIADB_RPL*>(p);
}

}  // namespace

bool connection_lost(unsigned error_number) noexcept {
  return error_number == CR_SERVER_LOST || error_number == CR_SERVER_GONE_ERROR ||
         error_number == CR_CONNECTION_ERROR || error_number == CR_CONN_HOST_ERROR ||
         error_number == ER_CONNECTION_KILLED || error_number == ER_SERVER_SHUTDOWN;
}

BinlogStream::BinlogStream(Connection& connection, const std::string& file, std::uint64_t position, bool follow,
                           unsigned heartbeat_seconds, std::uint32_t replica_id)
    : m_connection(connection) {
  // The stream is read as the server writes it: with its checksums (checked by the caller), GTID and
  // annotate events as they are (a replica of this MariaDB's own capability), and heartbeats.
  connection.execute("SET @master_binlog_checksum = @@global.binlog_checksum");
  connection.execute("SET @mariadb_slave_capability = 4");
  connection.execute(fmt::format("SET @master_heartbeat_period = {}",
                                 static_cast<unsigned long long>(heartbeat_seconds) * 1000000000ULL));
  MYSQL* mysql = static_cast<MYSQL*>(connection.m_mysql);
  // An event may be as large as the server's max_allowed_packet (1 GiB at most).
  unsigned long max_packet = 1UL << 30;
  mysql_optionsv(mysql, MYSQL_OPT_MAX_ALLOWED_PACKET, &max_packet);
  mysql->net.max_packet_size = max_packet;
  MARIADB_RPL* rpl = mariadb_rpl_init_ex(mysql, MARIADB_RPL_VERSION);
  if (rpl == nullptr) {
    connection.throw_error("starting the replication client");
  }
  m_rpl = rpl;
  unsigned int flags = MARIADB_RPL_BINLOG_SEND_ANNOTATE_ROWS;
  if (!follow) {
    flags |= MARIADB_RPL_BINLOG_DUMP_NON_BLOCK;
  }
  mariadb_rpl_optionsv(rpl, MARIADB_RPL_FILENAME, file.c_str(), file.size());
  mariadb_rpl_optionsv(rpl, MARIADB_RPL_START, static_cast<unsigned long>(position));
  mariadb_rpl_optionsv(rpl, MARIADB_RPL_SERVER_ID, replica_id);
  mariadb_rpl_optionsv(rpl, MARIADB_RPL_FLAGS, flags);
  if (mariadb_rpl_open(rpl) != 0) {
    connection.throw_error(fmt::format("reading the binary log from {}:{}", file, position));
  }
}

BinlogStream::~BinlogStream() {
  if (m_rpl != nullptr) {
    mariadb_rpl_close(rpl_of(m_rpl));
  }
}

// The packets are read as they come, not through mariadb_rpl_fetch: Connector/C 3.3 parses every event
// it fetches, and reads a Begin_load_query event's block (the file of a statement-format LOAD DATA) as a
// NUL-terminated string: a file without a NUL byte failed as "Malformed packet" (5021) on every try,
// and the archiver stopped there for good. The archive needs the server's bytes, checked and framed by
// binlog/event.cpp: nothing of the library's parse.
std::optional<std::string_view> BinlogStream::next() {
  MYSQL* mysql = static_cast<MYSQL*>(m_connection.m_mysql);
  const unsigned long length = mysql_net_read_packet(mysql);
  if (length == packet_error) {
    m_connection.throw_error("reading the binary log");
  }
  const unsigned char* packet = mysql->net.read_pos;
  if (length < 9 && length >= 1 && packet[0] == 254) {
    return std::nullopt;  // EOF: the end of a non-blocking dump
  }
  // An event: the OK marker, then the event as the server wrote it.
  if (length < 2 || packet[0] != 0) {
    throw Error(ErrorCode::server,
                tx("the server sent an unexpected packet in the binary log stream ({} bytes, first byte {})", length,
                   length == 0 ? 0 : static_cast<unsigned>(packet[0])),
                tx("see docs/pitr.md"));
  }
  return std::string_view(reinterpret_cast<const char*>(packet) + 1, length - 1);
}

}  // namespace ifnbackup::db
