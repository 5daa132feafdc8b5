#pragma once
// What makes an existing database a previous drill's own scratch database, which the next drill may
// drop, rather than someone's: a record in the backup folder of the scratch databases drills created
// and have not dropped, per server. A record, not a mark in the database: a marker table would be
// one more table than the backup holds, and a schema COMMENT exists on MariaDB only (not on MySQL
// nor TiDB). Written before the database is created, so a drill killed mid-load leaves it known.
#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <utility>

namespace ifnbackup::drill {

class ScratchRecord {
 public:
  static constexpr const char* k_file_name = ".ifnbackup-drill.tsv";

  // The record of a backup folder; a missing or unreadable file is an empty record (a database
  // then counts as foreign: refused, never dropped).
  static ScratchRecord load(const std::filesystem::path& backup_dir);

  // One "<server>\t<database>" line per entry; other lines (torn, foreign) are left out.
  static ScratchRecord parse(std::string_view text);
  std::string format() const;

  bool contains(std::string_view server, std::string_view database) const;
  void add(std::string server, std::string database);
  void remove(std::string_view server, std::string_view database);

  // Replaces the file atomically (mode 0600). Throws Error(io).
  void save() const;

 private:
  std::filesystem::path m_path;
  std::set<std::pair<std::string, std::string>> m_entries;
};

}  // namespace ifnbackup::drill
