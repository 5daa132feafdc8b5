#pragma once
// Option structs passed down from the CLI into the library (no globals).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "ifnbackup/catalog.hpp"

namespace ifnbackup {

// gzip level of backups, safety snapshots and the binary log archive (libdeflate): 1 to 9, or
// automatic (0, `--compress-level auto`, the default). The promise is "no larger than `gzip -6` of
// the same SQL" on any data. Level 6 keeps it (0.915 of gzip -6 on the benchmark dump, 0.99 on the
// unit tests' random-number SQL); level 5 costs a fifth less CPU and is 0.92 on the benchmark dump
// but 1.021 on random numbers, level 4 0.975 and 1.052 (docs/benchmarks.md). The automatic level
// compresses at 5 and measures, on a sample of its blocks, zlib's level 6 — gzip's own — going to 6
// where 5 comes within 3 % of it (io/parallel_gzip_writer.hpp). A fixed level is the operator's choice.
inline constexpr int k_auto_compress_level = 0;
inline constexpr int k_default_compress_level = k_auto_compress_level;

// A table this small has its secondary keys in its CREATE TABLE, not added by an ALTER TABLE after its
// rows (issues 13 and 20): one DDL instead of two, each about ten fsyncs on an InnoDB server. Measured
// for the restore: with the keys in the CREATE a table of 10 rows loads in 0.45 of the time, 1,000 rows
// (65 KB) in 0.7, the two even at about 5,000 rows (320 KB of INSERT); past that the index build after
// the rows wins. The dumper compares a table's size estimate with it (BackupOptions), the restore a small
// table's statements (restore/script_loader.cpp).
inline constexpr std::size_t k_keys_in_create_bytes = 256 * 1024;

// How to reach the server. The password is never a field here: it comes from an option
// file read by libmysqlclient (defaults_file) or from password_file (0600 or stricter).
struct ConnectionOptions {
  std::string host;   // empty: the library default (localhost, through the socket)
  unsigned port = 0;  // 0: the library default
  std::string socket;
  std::string user;
  std::string database;
  std::string defaults_file;  // MySQL option file, [client] group; empty: ~/.my.cnf if present
  std::string password_file;  // file whose first line is the password
  std::string ssl_mode;       // DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY
  std::string ssl_ca;         // CA certificate(s) the server's certificate must chain to
  std::string ssl_cert;       // client certificate (an account REQUIRE X509 / SUBJECT / ISSUER)
  std::string ssl_key;        // its private key (0600 or refused); empty: in ssl_cert's file
  // SHA-256 of the server's certificate ("AB:CD:..." or 64 hex digits): only that certificate is
  // accepted, whatever its CA and names (a server reached by an address its certificate does not name).
  std::string ssl_fingerprint;
  // Refuse an option file readable by others (a password in it would be readable too).
  // Only doctor turns this off: it reports the loose mode itself and still checks the server.
  bool require_private_option_file = true;

  // "127.0.0.1:3306", "localhost via /run/mysqld/mysqld.sock": for messages.
  std::string describe() const;
};

// The key that signs this machine's backups (docs/backup-format.md, "Signature"). Its folder also
// holds `trusted-keys`, the public keys of other machines whose backups restore may load.
struct SigningOptions {
  // The private key file (0600); empty: default_signing_key_file() (ifnbackup/signing.hpp).
  std::filesystem::path key_file;
};

struct BackupOptions {
  ConnectionOptions connection;
  SigningOptions signing;  // made at first use
  std::filesystem::path backup_dir;
  std::string prefix{k_default_backup_prefix};
  int compress_level = k_default_compress_level;
  // Compressing threads (gzip members of 1 MiB); 1: one gzip stream on the dump thread.
  unsigned threads = std::thread::hardware_concurrency();
  // An extended INSERT is closed before it passes this many bytes (mysqldump's net_buffer_length).
  std::size_t max_insert_bytes = 1024 * 1024;
  // A table whose size estimate (information_schema.TABLES DATA_LENGTH) is below this is written with its
  // secondary keys in its CREATE TABLE; a bigger one, or one with a FOREIGN KEY, has them added by an
  // ALTER TABLE after its rows (docs/backup-format.md). 0: every table's keys after its rows (the tests of
  // that path on small tables).
  std::size_t keys_in_create_bytes = k_keys_in_create_bytes;
  // Only these base tables and their triggers (restore --tables' safety snapshot): the file says
  // so in its header (`-- ifnbackup-scope: tables`). Empty: the whole database.
  std::vector<std::string> only_tables;
  // A schema change under the dump (a table rebuilt or dropped by a migration after the snapshot:
  // errors 1412, 1146) starts the dump again with a fresh snapshot, this many times at most.
  unsigned retries = 2;
  // Called each time the dump starts again after a schema change, with the number of restarts so
  // far (the journal's "retries", success or not).
  std::function<void(unsigned restarts)> restarted;
  // Called as the dump goes, about every 256 KiB of SQL: the SQL bytes written and the rows of the
  // tables finished (restore's safety snapshot shows it).
  std::function<void(std::uint64_t sql_bytes, std::uint64_t rows)> progress;
};

}  // namespace ifnbackup
