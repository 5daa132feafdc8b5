#pragma once
// The nightly job behind `ifnbackup backup`: the dump, the new file read back and verified, its
// schema loaded into a scratch database, then the rotation (the procedure's daily steps).
#include <functional>
#include <optional>

#include "ifnbackup/backup.hpp"
#include "ifnbackup/encrypted_backup.hpp"
#include "ifnbackup/options.hpp"
#include "ifnbackup/push.hpp"
#include "ifnbackup/retention.hpp"
#include "ifnbackup/rotate.hpp"
#include "ifnbackup/schema_check.hpp"
#include "ifnbackup/verify.hpp"

namespace ifnbackup {

struct BackupJobOptions {
  BackupOptions backup;
  bool schema_check = true;
  bool rotate = true;
  RetentionPolicy retention;
  // Called once the file is written under its final name, before it is verified: what a caller
  // reports even when a later step fails (the metrics of the run).
  std::function<void(const BackupResult&)> written;
  // Set: once the file is verified (and its schema checked), it is copied there (docs/offsite.md).
  std::optional<OffsiteOptions> offsite;
  // Called with the offsite copy's outcome, sent or failed: the journal line records it.
  std::function<void(const OffsiteCopy&)> offsite_done;
  // Recipients: the offsite copy goes as NAME.sql.gz.age; with `local`, the local copy too (the plain
  // file, once verified and copied, is replaced by NAME.sql.gz.age, which inherits its verification).
  Encryption encryption;
};

struct BackupJobResult {
  BackupResult backup;
  VerifyResult verification;
  std::optional<SchemaCheckResult> schema;  // std::nullopt: not asked for
  std::optional<RotateResult> rotation;     // std::nullopt: not asked for
  std::optional<OffsiteCopy> offsite;       // std::nullopt: not asked for
};

// Takes the folder's lock for the dump and for the rotation. Throws the dump's errors;
// Error(corrupt/incomplete) when the new file does not verify (nothing rotated); a failed rotation's
// Error with a message saying the backup is safe; Error(not_restorable), after the rotation, when the
// server refused the new file's schema (the file is kept, marked in the verification state); else
// Error(offsite), after the rotation, when the offsite copy failed (the local file is kept, verified).
BackupJobResult run_backup_job(const BackupJobOptions& options);

}  // namespace ifnbackup
