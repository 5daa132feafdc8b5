#pragma once
// The replication client: the server's binary log read as a replica reads it (COM_BINLOG_DUMP,
// opened through MariaDB Connector/C's mariadb_rpl_* API, its packets read as they come, unparsed).
// The one file that includes mariadb_rpl.h; the
// connection it runs on is a Connection of ours (db/connection.cpp), taken over for the stream.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "db/connection.hpp"

namespace ifnbackup::db {

class BinlogStream {
 public:
  // Asks for the events of `file` from `position` on. follow: the server keeps the stream open and
  // sends a heartbeat every heartbeat_seconds when idle; otherwise it ends at its last event.
  // `replica_id`: the server id this client announces (must differ from every real replica's).
  // Throws Error(server) when the server refuses (a missing file: server_error() 1236).
  BinlogStream(Connection& connection, const std::string& file, std::uint64_t position, bool follow,
               unsigned heartbeat_seconds, std::uint32_t replica_id);
  ~BinlogStream();
  BinlogStream(const BinlogStream&) = delete;
  BinlogStream& operator=(const BinlogStream&) = delete;

  // The next event's bytes (header to checksum; valid until the next call), or std::nullopt at the
  // end of a stream that does not follow. Throws Error(server) when the server sends an error or
  // the connection is lost (server_error(): the server's or the client library's error number).
  std::optional<std::string_view> next();

 private:
  Connection& m_connection;
  void* m_rpl = nullptr;  // MARIADB_RPL
};

// The client library's error numbers that mean the connection is gone (the server stopped or
// restarted, the network cut): a following archiver connects again.
bool connection_lost(unsigned error_number) noexcept;

}  // namespace ifnbackup::db
