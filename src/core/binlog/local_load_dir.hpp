#pragma once
// The folder where mariadb-binlog writes the files of the log's statement-format LOAD DATA (its
// --local-load, binlog/replay.cpp): private to one replay (0700, made by mkdtemp under TMPDIR),
// removed with what is in it; and which file of it a LOAD DATA of mariadb-binlog's output names.
#include <optional>
#include <string>
#include <string_view>

namespace ifnbackup::binlog {

class LocalLoadDir {
 public:
  // Throws Error(io) naming TMPDIR when the folder cannot be made, or when TMPDIR holds what
  // mariadb-binlog does not keep in the files' names (a backslash, a control character).
  LocalLoadDir();
  ~LocalLoadDir();
  LocalLoadDir(const LocalLoadDir&) = delete;
  LocalLoadDir& operator=(const LocalLoadDir&) = delete;
  const std::string& path() const noexcept { return m_path; }

  // The file a `LOAD DATA LOCAL INFILE '...'` of mariadb-binlog's output names, when it is one of
  // this folder's (a plain name in it, a regular file, not a link): its bytes. Anything else: nothing
  // (the statement then runs as it is, and the connection refuses the server's request for a file).
  std::optional<std::string> file_of(std::string_view statement) const;

 private:
  std::string m_path;
};

}  // namespace ifnbackup::binlog
