#pragma once
// The binary log archive in the --offsite bucket (<prefix>binlog/, docs/pitr.md): the bucket's side of the
// archive's retention, shared by rotate_offsite.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ifnbackup/binlog.hpp"
#include "ifnbackup/offsite.hpp"

namespace ifnbackup {

// Our SHA-256 header as every upload of ifnbackup writes it: 64 lowercase hex digits.
bool is_our_sha256(const std::string& text);

// A backup the bucket's rotation keeps, and the binlog position its copy carries (k_offsite_binlog_header;
// nullopt: uploaded before it was sent).
struct KeptOffsiteBackup {
  std::string name;  // NAME.sql.gz
  std::optional<std::string> binlog;
};

// The archive's objects in the bucket judged by the folder's rules (binlog/archive_retention.hpp): kept from
// the server log holding the oldest position a kept backup needs (read from its copy's header, else from the
// folder's file of that name; unknown for one: nothing removed), never the newest log, another log name, or
// an object without our SHA-256 header. A second listing before any removal must still show every object of
// ours the first one did (else nothing removed: `problem`). A failed removal is kept, its reason says why,
// and counts in `failed`. exists is false when the bucket holds no archive object.
BinlogRetentionResult rotate_offsite_archive(const OffsiteOptions& options, const std::filesystem::path& backup_dir,
                                             const std::vector<KeptOffsiteBackup>& kept, bool dry_run,
                                             std::size_t& failed, Text& problem);

}  // namespace ifnbackup
