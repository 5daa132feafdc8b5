#pragma once
// Proves a backup file complete and unaltered (docs/backup-format.md, "Proving a file complete").
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ifnbackup/manifest.hpp"

namespace ifnbackup {

enum class VerifyStatus {
  ok,          // gzip, completion marker, content checksum and manifest all good
  ok_legacy,   // a mysqldump/mariadb-dump file: gzip and completion marker good, no checksum
  corrupt,     // bad gzip data, checksum or manifest mismatch, not a dump at all, or a file whose
               // header says ifnbackup wrote it but without its checksum line (never "legacy")
  incomplete,  // truncated: gzip stream cut short, or no completion marker
};

// "ok", "ok_legacy", "corrupt", "incomplete".
const char* verify_status_name(VerifyStatus status) noexcept;

// How much a verification read (docs/backup-format.md, "Proving a file complete and unaltered").
enum class VerifyCheck {
  full,  // everything, every statement too, cut and judged as the restore will (verify, restore, rotate)
  // The backup's read-back of the file it has just written (verify_written_backup): every gzip member
  // decoded from disk, the content's SHA-256 against the checksum line, the signature, the manifest and
  // the section index, but not the statements, which the writer made moments ago. Never taken for a
  // full one where a statement matters (rotate's floor; a restore verifies in full first).
  written,
};
// "full", "written".
const char* verify_check_name(VerifyCheck check) noexcept;

// Who signed a backup (docs/backup-format.md, "Signature"). verify_backup_file knows only the file:
// a signature that checks out is `unknown` until a Keyring (ifnbackup/signing.hpp) judges its key.
enum class SignerTrust {
  none,     // unsigned: a mysqldump file, or one of ours written before format 4
  bad,      // the signature line is there but does not check out: the file is corrupt
  unknown,  // a good signature by a key that is neither ours nor in the trusted keys
  trusted,  // a good signature by a key of the trusted-keys file
  ours,     // a good signature by this machine's own signing key
};
// "unsigned", "bad_signature", "unknown_key", "trusted_key", "ours".
const char* signer_trust_name(SignerTrust trust) noexcept;

struct Signer {
  SignerTrust trust = SignerTrust::none;
  std::string fingerprint;  // of the signing key (16 hex digits); empty when unsigned
  std::string public_key;   // its 32 bytes, as the signature line gives them
};

struct VerifyResult {
  std::filesystem::path path;
  VerifyStatus status = VerifyStatus::incomplete;
  std::string reason;        // empty when ok; English (JSON, the state file, the log)
  std::string reason_local;  // the same in the operator's language (the terminal)
  std::uint64_t compressed_bytes = 0;
  std::uint64_t uncompressed_bytes = 0;
  std::string sha256;               // computed over the content before the checksum line (ok and mismatch)
  std::uint64_t content_bytes = 0;  // how many bytes that is (ok files of ours)
  std::vector<TableCount> tables;   // from the manifest
  std::string completed_at;         // what follows "-- Dump completed on "
  // The "-- ifnbackup-<key>: <value>" lines before the first SQL statement, keyed by <key>.
  std::map<std::string, std::string> header;
  // restore --tables on a file with a section index: only some sections were read and checked
  // (compressed_checked bytes of them, CRC-32 each); sha256 is then empty.
  bool partial = false;
  // Sections in the file's section index, checked (0: the file has none, e.g. format 1).
  std::uint64_t sections = 0;
  // The section index's SHA-256 as the verified file gives it (format 4 on, a whole verification on
  // disk whose index matched the content; empty otherwise): a restore reads the index again, checks
  // it against this, and may then read the sections in another order, each checked against the
  // SHA-256 the index gives (restore/table_sections.hpp, biggest_first).
  std::string index_sha256;
  bool parallel = false;  // its sections were decoded on several threads
  // Each range's SHA-256 was checked against the index instead of the whole content hashed
  // (verify_before_restore, the read-back): sha256 is the checksum line's, which proves the content
  // only where a key trusted here signed it (an unsigned file is hashed whole again).
  bool sha256_by_range = false;
  unsigned decode_threads = 1;  // how many
  std::uint64_t compressed_checked = 0;
  // Lines that start with CREATE TABLE, and with INSERT or REPLACE, counted in every file: all that a
  // legacy file (no manifest) tells of its tables; mysqldump starts each such statement on a line.
  std::uint64_t create_table_lines = 0;
  std::uint64_t insert_lines = 0;
  // Every statement as the restore would cut it (restore/statement_policy): how many, how many
  // create or drop views, triggers, routines or events, and how many do what a backup may not
  // hold (another database, SET GLOBAL, accounts, server files...), with the first one's line.
  // In our own files one such statement makes the file corrupt; legacy files need
  // --allow-foreign-statements to restore.
  std::uint64_t statements = 0;
  std::uint64_t object_statements = 0;
  std::uint64_t foreign_statements = 0;
  std::string first_foreign_statement;
  // Bytes of the longest statement: the load reserves room for it at once (restore/sql_splitter).
  std::uint64_t largest_statement = 0;
  // (child, parent): a table's foreign key naming a table of the file whose CREATE TABLE comes after
  // it. The stock client adds such a constraint before its parent exists, when the server does not
  // compare it with the parent; a restore that reads tables in another order keeps the child before
  // the parent (restore/table_sections.hpp, biggest_first).
  std::vector<std::pair<std::string, std::string>> parents_after_children;
  // Our own file, whole (checksum and manifest good), called corrupt for its statements alone.
  bool refused_for_statements = false;
  Signer signer;
  // What was read: with `written`, statements, object_statements, foreign_statements and
  // largest_statement are 0 and the tables' computed digests (format 5) are not filled.
  VerifyCheck check = VerifyCheck::full;

  bool ok() const noexcept { return status == VerifyStatus::ok || status == VerifyStatus::ok_legacy; }
  // A good file that holds at least one table: ours, its manifest lists one; a legacy file, a CREATE
  // TABLE and an INSERT. Only such a file can be "latest" or count toward the retention floor: a
  // file of a few comment lines also verifies.
  bool holds_tables() const noexcept;
};

struct VerifyProgress {
  std::uint64_t compressed_read;
  std::uint64_t compressed_total;
};

// Reads the whole file once. Every outcome about the file's content is a value; throws
// Error(not_found) if the file does not exist and Error(io) if it cannot be read. A file with a
// section index is decoded on `threads` threads (0: one per core), section by section, in order,
// with at most threads + 1 sections of up to 64 MiB in memory; any other file as one stream, in
// flat memory.
VerifyResult verify_backup_file(const std::filesystem::path& path,
                                const std::function<void(const VerifyProgress&)>& progress = {}, unsigned threads = 0);

// The verification that starts a restore or a drill: verify_backup_file's, but a file whose section
// index gives every range its SHA-256 (format 4 on, the index signed) has each range hashed and
// checked on the decoding threads instead of the whole content on the reading one (which also cuts
// and judges every statement: it bounds the time); result.sha256 is then the checksum line's, which
// the signature covers, and result.sha256_by_range is set. That proves the content as its whole
// SHA-256 would only for a signer who hashed it honestly: an unsigned file is verified again with the
// whole content hashed here, and the caller does the same for a signer it does not trust (a line
// signed by anyone's key may name any SHA-256). The load checks the same ranges' SHA-256 again.
VerifyResult verify_before_restore(const std::filesystem::path& path,
                                   const std::function<void(const VerifyProgress&)>& progress = {},
                                   unsigned threads = 0);

// The backup's read-back of the file it has just written (VerifyCheck::written): the same verdicts
// as verify_backup_file on the bytes (gzip members, checksum, signature, manifest, section index),
// without reading the statements. Only for a file this process wrote: the statements are the
// dumper's own, and their check is left to a full verification (restore's, verify's, rotate's).
VerifyResult verify_written_backup(const std::filesystem::path& path, unsigned threads = 0);

// Verifies what `produce` writes into the sink it is given (run on a thread of its own): a download, a
// decryption, never kept on disk. The same verdicts as verify_backup_file, but for the section index
// (checked when the file is verified whole on disk, before a restore). An error `produce` throws (a
// broken download, a wrong identity, a damaged ciphertext) is thrown once the reading stopped, rather
// than the verdict on the cut stream; `name` is the result's path.
VerifyResult verify_backup_stream(const std::function<void(const std::function<void(std::string_view)>&)>& produce,
                                  const std::string& name);

// A section read alone (restore --tables), chosen by its place in the file's section index.
struct SectionRead {
  std::size_t index = 0;  // in the index; a section with a range of its own
  bool load = false;      // its content will be loaded: counted in uncompressed_bytes
  bool scan = false;      // the prologue's or the objects' range: its header lines and manifest are read
};
// The sections to read, in file order, chosen from the index (in file order).
using SectionChoice = std::function<std::vector<SectionRead>(const std::vector<Section>& index)>;

// The file's section index, read and checked against its tail (signed files: its SHA-256), without
// reading the sections: for a file just verified whole. std::nullopt when the file has none; throws
// Error(corrupt) for an index that is there but unusable, Error(io) for a read error.
std::optional<std::vector<Section>> read_section_index(const std::filesystem::path& path);

// Reads and checks only the sections `choose` picks from the file's section index, each against its
// length, CRC-32 and first bytes (and every gzip member's own CRC; in a signed file, the SHA-256 the
// index gives), then the index's tables against the manifest, the tail member's lines and the
// signature. std::nullopt when the file has no index (verify it whole). A damaged section or index
// gives a result with status corrupt or incomplete and its reason; status ok: `partial`, the
// manifest's tables, the prologue's header.
std::optional<VerifyResult> verify_sections(const std::filesystem::path& path, const SectionChoice& choose);

}  // namespace ifnbackup
