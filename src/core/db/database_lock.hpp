#pragma once
// One ifnbackup run at a time per database on a server, whatever folder it works in: a named lock of
// the server (GET_LOCK), held by a connection of its own until destroyed. The folder lock
// (io::FolderLock) does not see a second restore of the same database from another folder, whose
// safety snapshot would hold the first one's half-loaded state.
#include <memory>
#include <string>

#include "db/connection.hpp"

namespace ifnbackup::db {

// "ifnbackup:<database>", or for a name too long for a lock name (64 characters) "ifnbackup:#" and
// the first 40 hexadecimal digits of its SHA-256.
std::string database_lock_name(const std::string& database);

class DatabaseLock {
 public:
  // Throws Error(lock_held) at once when another session holds the lock, naming the database;
  // Error(connection) as Connection::open.
  DatabaseLock(const ConnectionOptions& options, const std::string& database);
  ~DatabaseLock();
  DatabaseLock(const DatabaseLock&) = delete;
  DatabaseLock& operator=(const DatabaseLock&) = delete;

 private:
  std::unique_ptr<Connection> m_connection;
  std::string m_name;
};

}  // namespace ifnbackup::db
