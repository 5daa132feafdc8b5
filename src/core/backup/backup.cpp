#include "ifnbackup/backup.hpp"

#include <algorithm>
#include <thread>

#include <spdlog/spdlog.h>

#include "backup/dump.hpp"
#include "db/connection.hpp"
#include "db/database_lock.hpp"
#include "ifnbackup/catalog.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/printable.hpp"
#include "ifnbackup/version.hpp"
#include "io/atomic_file.hpp"
#include "io/folder_lock.hpp"
#include "io/parallel_gzip_writer.hpp"
#include "sign/signing_key.hpp"
#include "util/interrupt.hpp"

namespace ifnbackup {

namespace fs = std::filesystem;

namespace {

// A name no earlier run has used: two runs in the same second wait for the next second
// rather than overwrite each other or leave the name pattern.
fs::path choose_file_name(const fs::path& dir, const std::string& prefix) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    const auto now = std::chrono::system_clock::now();
    const fs::path path = dir / format_backup_name(prefix, now);
    std::error_code ec;
    if (!fs::exists(fs::symlink_status(path, ec)) &&
        !fs::exists(fs::symlink_status(path.string() + std::string(k_partial_suffix), ec))) {
      return path;
    }
    const auto next_second = std::chrono::ceil<std::chrono::seconds>(now + std::chrono::milliseconds(1));
    std::this_thread::sleep_until(next_second + std::chrono::milliseconds(5));
  }
  throw Error(ErrorCode::io, tx("cannot find a free file name in {}", dir.string()),
              tx("run the backup again in a second (two runs started in the same second)"));
}

void check_options(const BackupOptions& options) {
  if (options.connection.database.empty()) {
    throw Error(ErrorCode::usage, tx("no database to back up"), tx("give --database or 'database' in the config file"));
  }
  if (options.backup_dir.empty()) {
    throw Error(ErrorCode::usage, tx("no backup folder"), tx("give --backup-dir or 'backup-dir' in the config file"));
  }
  if (options.compress_level < 0 || options.compress_level > 9) {
    throw Error(ErrorCode::usage, tx("--compress-level {} is not between 1 and 9", options.compress_level),
                tx("use a level from 1 (fastest) to 9 (smallest), or auto"));
  }
  // The safety snapshot of restore is written under its own prefix, which no operator may give.
  if (options.prefix != k_safety_snapshot_prefix) {
    check_backup_prefix(options.prefix);
  }
}

}  // namespace

BackupResult write_backup(const BackupOptions& options) {
  check_options(options);
  const auto started = std::chrono::steady_clock::now();
  util::install_interrupt_handlers();
  // Connect before creating anything: a dead server or a bad password leaves no file behind.
  auto connection = db::Connection::open(options.connection);
  log_info("connected to {} ({})", connection->description(), connection->server().version);
  // Before the file: a key others can read stops the run with nothing written (made at first use).
  const auto key = sign::SigningKey::load_or_create(options.signing);

  io::AtomicFile file(choose_file_name(options.backup_dir, options.prefix));
  // hardware_concurrency() may be 0 (unknown): one thread then.
  const unsigned threads = std::max(1u, options.threads);
  const std::string level =
      options.compress_level == k_auto_compress_level ? std::string("auto") : std::to_string(options.compress_level);
  log_info("writing {} (gzip level {}, {} compressing thread{})", file.final_path().string(), level, threads,
           threads == 1 ? "" : "s");
  io::ParallelGzipWriter gzip(file.fd(), options.compress_level, file.partial_path().string(), threads);
  backup::DumpWriter writer(gzip);
  writer.on_progress(options.progress);

  util::InterruptWatcher watcher([&connection] { connection->cancel(); });
  backup::DumpSettings settings;
  settings.database = options.connection.database;
  settings.max_insert_bytes = options.max_insert_bytes;
  settings.tool_version = k_version;
  settings.only_tables = options.only_tables;
  settings.keys_in_create_bytes = options.keys_in_create_bytes;
  auto summary = backup::dump_database(*connection, settings, writer);
  util::check_interrupted();

  BackupResult result;
  result.sha256 = writer.finish(summary.tables, std::chrono::system_clock::now(), &key);
  file.commit();
  if (const io::AutoLevelReport automatic = gzip.auto_level(); automatic.samples > 0) {
    log_info(
        "gzip level auto: {} blocks of 1 MiB at level 5, {} at level 6; the {} blocks also compressed by "
        "zlib at level 6 (gzip -6) came to {:.3f} of its size",
        automatic.low_blocks, automatic.high_blocks, automatic.samples,
        static_cast<double>(automatic.sampled_ours) /
            static_cast<double>(std::max<std::uint64_t>(1, automatic.sampled_zlib)));
  }

  result.file = file.final_path();
  result.compressed_bytes = gzip.compressed_bytes();
  result.uncompressed_bytes = gzip.uncompressed_bytes();
  result.rows = summary.rows;
  result.tables = std::move(summary.tables);
  result.snapshot = summary.snapshot.describe();
  result.duration = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  return result;
}

BackupResult run_backup(const BackupOptions& options) {
  check_options(options);
  io::ensure_private_folder(options.backup_dir);
  io::FolderLock lock(options.backup_dir);
  // A restore of this database from another folder would be dumped half-loaded.
  const db::DatabaseLock database_lock(options.connection, options.connection.database);
  for (unsigned attempt = 0;; ++attempt) {
    try {
      BackupResult result = write_backup(options);
      result.retries = attempt;
      return result;
    } catch (const Error& error) {
      // 1412: a table was rebuilt (ALTER, OPTIMIZE, TRUNCATE) after the snapshot began; 1146: one
      // listed was dropped or renamed since; 1054: a column read at the start (dump_database reads
      // every table's columns at once) was dropped since. The partial file is gone; a new snapshot
      // sees the new schema.
      const bool schema_changed =
          error.server_error() == 1412 || error.server_error() == 1146 || error.server_error() == 1054;
      if (!schema_changed) {
        throw;
      }
      if (attempt >= options.retries) {
        throw Error(error.code(),
                    tx("the schema changed during the backup, {} time(s) in a row: {}", attempt + 1, error.message()),
                    tx("a migration or a rebuild (ALTER TABLE, OPTIMIZE, TRUNCATE, DROP) ran all along: run the "
                       "backup again once it is over, or raise --retries (now {}, at most 10)",
                       options.retries),
                    error.server_error());
      }
      log_text(spdlog::level::warn,
               tx("the schema changed during the backup ({}): starting again with a fresh snapshot ({} of {})",
                  error.message(), attempt + 1, options.retries));
      if (options.restarted) {
        options.restarted(attempt + 1);
      }
    }
  }
}

}  // namespace ifnbackup
