#pragma once
// The content digests a file of format 5 or later leaves to its reader: those of the tables whose
// rows' text is at most proof::k_computed_digest_bytes (docs/backup-format.md, "Content digests"),
// computed here from the file's own INSERT statements. Each row of `INSERT INTO `t` (...) VALUES
// (v1,...),(...)` is the text the dumper hashed, so the sum is the one it would have written: the
// file's SHA-256 (and its signature) already vouch for that text. Pure: no server.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "ifnbackup/manifest.hpp"
#include "proof/row_digest.hpp"

namespace ifnbackup::verify_detail {

// The first format whose manifest leaves small tables' digests out.
inline constexpr int k_first_computed_digest_format = 5;

class InsertDigests {
 public:
  // One whole statement as the restore's splitter cuts it (no ';'); anything but our INSERT is
  // ignored. A table's rows stop being hashed past the limit: its digest must be in the manifest.
  void statement(std::string_view text);
  // Gives each table of `tables` without a digest the computed one, when `covered` says its
  // statements were all read (everything, when verify reads the whole file). Returns what is wrong
  // (a table without digest whose rows are not the manifest's count, or too long to have none),
  // or an empty string.
  std::string fill(std::vector<TableCount>& tables, const std::function<bool(const std::string&)>& covered = {}) const;

 private:
  struct Table {
    proof::RowDigest digest;
    bool beyond_limit = false;
  };
  std::map<std::string, Table, std::less<>> m_tables;
};

// The rows of one INSERT statement as our dumper writes it: `table` gets the table's name, `row`
// each row's text `(v1,v2,...)`. False when the statement is not of that shape (other INSERTs,
// other statements, a malformed row).
bool for_each_insert_row(std::string_view text, std::string& table, const std::function<void(std::string_view)>& row);

}  // namespace ifnbackup::verify_detail
