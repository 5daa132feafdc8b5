// `ifnbackup backup`: dump, verify, schema check, rotate; each outcome remembered in the folder's
// verification state for list, check and status.
#include "ifnbackup/backup_job.hpp"

#include <future>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "ifnbackup/binlog.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/printable.hpp"
#include "ifnbackup/verification_state.hpp"

namespace ifnbackup {
namespace {

// The new file is read back once from disk and the result remembered for list and rotate: the
// procedure's daily "Intégrité du backup vérifiée". Its bytes are proven (every gzip member decoded,
// each range against its SHA-256 in the signed index, signature, manifest, section index); its statements, which the
// dumper wrote moments ago, are not read again: the record says `written`, and what needs them (a
// restore, rotate's floor) verifies in full (VerifyCheck).
VerifyResult verify_new_backup(const std::filesystem::path& file, const BackupOptions& options) {
  auto state = VerificationState::load(options.backup_dir);
  for (const auto& entry : scan_backup_folder(options.backup_dir, options.prefix)) {
    if (entry.name == file.filename().string()) {
      auto result = verify_written_backup(entry.path);
      state.record(entry, result, std::chrono::system_clock::now());
      if (!result.ok()) {
        throw Error(result.status == VerifyStatus::corrupt ? ErrorCode::corrupt : ErrorCode::incomplete,
                    tx("the new backup {} does not verify: {}", file.string(), result.reason),
                    tx("check the disk of the backup folder (dmesg, SMART)"));
      }
      state.save();
      log_info("verified {}: sha256 {}", entry.name, result.sha256);
      return result;
    }
  }
  throw Error(ErrorCode::io, tx("the new backup {} is not in its folder any more", file.string()),
              tx("another program removed or renamed it: look at what else writes to the backup folder"));
}

std::string schema_check_text(const SchemaCheckResult& result) {
  return result.detail.empty() ? schema_check_outcome_name(result.outcome)
                               : fmt::format("{}: {}", schema_check_outcome_name(result.outcome), result.detail);
}

void log_schema_check(const SchemaCheckResult& result) {
  switch (result.outcome) {
    case SchemaCheckOutcome::passed:
      log_info("schema check: {} statements of the schema loaded into scratch database '{}' ({:.1f} s{}{}), dropped",
               result.statements, result.scratch_database, static_cast<double>(result.duration.count()) / 1000.0,
               result.tables_shared == 0
                   ? Text()
                   : tx("; {} tables left out, each of the same definition as a table loaded", result.tables_shared),
               result.file_bytes == 0 ? Text()
                                      : tx("; read {:.1f} of the file's {:.1f} MiB: its parts holding "
                                           "rows alone are skipped",
                                           static_cast<double>(result.bytes_read) / 1048576.0,
                                           static_cast<double>(result.file_bytes) / 1048576.0));
      break;
    case SchemaCheckOutcome::not_run:
      log_text(spdlog::level::warn, tx("schema check not run: {}", result.detail));
      break;
    case SchemaCheckOutcome::failed:
      log_text(spdlog::level::err,
               tx("schema check FAILED in scratch database '{}', dropped: the server refused {} statement{} of the "
                  "new backup's schema; first: {}",
                  result.scratch_database, result.refused, result.refused == 1 ? "" : "s", result.detail));
      break;
  }
}

// The new file's schema, without rows, through the restore's loader into a scratch database of the
// same server: a statement the server refuses is found at 02:00, not during an emergency. The
// outcome is remembered beside the verification (list, verify, status, check).
// Its work on the server: it reads the file on its own (our 1 MiB members are decoded whole by
// libdeflate, each CRC-32 checked before any of its text is used), so it runs beside the read-back.
SchemaCheckResult run_schema_check(const std::filesystem::path& file, const BackupOptions& options) {
  SchemaCheckResult result;
  try {
    result = check_schema(options.connection, file);
  } catch (const Error& error) {
    if (error.code() == ErrorCode::interrupted) {
      throw;
    }
    result.detail = error.what();  // the server went away: not a verdict on the file
  }
  return result;
}

// Records and logs the schema check's result, after the read-back's (both write the verification state).
SchemaCheckResult record_schema_check(const std::filesystem::path& file, const BackupOptions& options,
                                      SchemaCheckResult result) {
  auto state = VerificationState::load(options.backup_dir);
  for (const auto& entry : scan_backup_folder(options.backup_dir, options.prefix)) {
    if (entry.name == file.filename().string()) {
      state.record_schema_check(entry, schema_check_text(result));
      state.save();
    }
  }
  log_schema_check(result);
  return result;
}

// --encrypt-local: the verified plain file encrypted beside itself, then removed. The encrypted copy was
// made in this run from the bytes just verified: it inherits their verification and schema check
// (`verify --identity` proves it again by decrypting it).
std::filesystem::path encrypt_local_copy(const std::filesystem::path& file, const BackupOptions& options,
                                         const std::vector<AgeRecipient>& recipients) {
  const std::filesystem::path encrypted = encrypt_file_beside(file, recipients);
  auto state = VerificationState::load(options.backup_dir);
  const std::string plain_name = file.filename().string();
  const std::string encrypted_name = encrypted.filename().string();
  std::optional<CatalogEntry> plain_entry;
  std::optional<CatalogEntry> encrypted_entry;
  for (auto& entry : scan_backup_folder(options.backup_dir, options.prefix)) {
    if (entry.name == plain_name) {
      plain_entry = entry;
    } else if (entry.name == encrypted_name) {
      encrypted_entry = entry;
    }
  }
  const VerificationRecord* record = plain_entry ? state.find(*plain_entry) : nullptr;
  if (record == nullptr || !encrypted_entry) {
    throw Error(ErrorCode::io, tx("{} or its encrypted copy left the folder while it was encrypted", plain_name),
                tx("another program removes files from the backup folder: look at what else writes there"));
  }
  state.record_copy(*encrypted_entry, *record);
  state.forget(plain_name);
  state.save();
  std::error_code ec;
  if (!std::filesystem::remove(file, ec) || ec) {
    throw Error(ErrorCode::io,
                tx("{} was encrypted into {}, but the plain file cannot be removed: {}", file.string(), encrypted_name,
                   ec ? ec.message() : std::string("gone")),
                tx("remove it by hand: --encrypt-local keeps no plain copy"));
  }
  log_info("local copy encrypted (--encrypt-local): {}, the plain file removed", encrypted.string());
  return encrypted;
}

RotateResult rotate_after(const BackupJobOptions& options, const std::filesystem::path& file) {
  RotateOptions rotate;
  rotate.backup_dir = options.backup.backup_dir;
  rotate.prefix = options.backup.prefix;
  rotate.database = options.backup.connection.database;
  rotate.policy = options.retention;
  try {
    auto rotated = run_rotate(rotate);
    log_info("rotation: {} file(s) removed", rotated.removed);
    const auto archive = rotate_binlog_archive(rotate.backup_dir, rotated.decisions, false);
    if (archive.exists) {
      log_info("rotation: {} archived binary log file(s) removed", archive.removed);
    }
    return rotated;
  } catch (const Error& error) {
    // The exit code is rotation's, so cron reports it; the message says the backup is safe.
    throw Error(error.code(),
                tx("the backup {} is complete and verified, but the rotation failed: {}", file.filename().string(),
                   error.message()),
                error.hint_text());
  }
}

}  // namespace

BackupJobResult run_backup_job(const BackupJobOptions& options) {
  BackupJobResult job;
  log_info("backup of database '{}' started", options.backup.connection.database);
  job.backup = run_backup(options.backup);
  const BackupResult& result = job.backup;
  if (options.written) {
    options.written(result);
  }
  log_info("backup complete: {} ({} tables, {} rows, {:.1f} MiB, {:.1f} MiB of SQL, {:.1f} s, snapshot {}{})",
           result.file.string(), result.tables.size(), result.rows,
           static_cast<double>(result.compressed_bytes) / 1048576.0,
           static_cast<double>(result.uncompressed_bytes) / 1048576.0,
           static_cast<double>(result.duration.count()) / 1000.0, result.snapshot,
           result.retries == 0 ? Text() : tx("; started {} more time(s) after a schema change", result.retries));
  // The schema check (the server's work) beside the read-back (this process's CPU): 2 % of a backup's
  // time at scale 1 (issue 13). A read-back that throws waits for it here (the future's destructor).
  std::future<SchemaCheckResult> schema;
  if (options.schema_check) {
    schema =
        std::async(std::launch::async, [&result, &options] { return run_schema_check(result.file, options.backup); });
  }
  job.verification = verify_new_backup(result.file, options.backup);
  if (options.schema_check) {
    job.schema = record_schema_check(result.file, options.backup, schema.get());
  }
  if (options.offsite) {
    job.offsite = copy_offsite(*options.offsite, result.file, options.encryption.recipients);
    if (options.offsite_done) {
      options.offsite_done(*job.offsite);
    }
  }
  if (options.encryption.enabled() && options.encryption.local) {
    job.backup.file = encrypt_local_copy(result.file, options.backup, options.encryption.recipients);
  }
  if (options.rotate) {
    job.rotation = rotate_after(options, result.file);
  }
  if (job.schema && job.schema->outcome == SchemaCheckOutcome::failed) {
    throw Error(ErrorCode::not_restorable,
                tx("the backup {} is written and verified, but NOT RESTORABLE as is: the server refused "
                   "its schema in a scratch database: {}",
                   result.file.filename().string(), job.schema->detail),
                tx("fix the object named (a view over a dropped table, a definer that no longer exists...) and "
                   "back up again; the file is kept: its rows can still be loaded by hand"));
  }
  if (job.offsite && job.offsite->outcome == OffsiteCopy::Outcome::failed) {
    throw Error(ErrorCode::offsite,
                tx("the backup {} is complete and verified in {}, but its offsite copy failed: {}",
                   result.file.filename().string(), options.backup.backup_dir.string(), job.offsite->message),
                tx("the local backup is kept; fix the cause, then 'ifnbackup push' (or the next backup) sends it"));
  }
  return job;
}

}  // namespace ifnbackup
