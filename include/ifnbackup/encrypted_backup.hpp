#pragma once
// Backups encrypted with age (ifnbackup/age.hpp): the offsite object NAME.sql.gz.age (and the local copy
// with --encrypt-local), decryptable without our binary by `age -d -i key.txt NAME.sql.gz.age | gunzip`.
// Read back as any backup: decrypted into the backup folder through a .partial, or verified as a stream.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ifnbackup/age.hpp"
#include "ifnbackup/offsite.hpp"
#include "ifnbackup/verify.hpp"

namespace ifnbackup {

inline constexpr std::string_view k_age_suffix = ".age";

// The encryption asked for: none when `recipients` is empty.
struct Encryption {
  std::vector<AgeRecipient> recipients;
  bool local = false;  // --encrypt-local: the local copy too
  bool enabled() const { return !recipients.empty(); }
};

bool is_encrypted_name(std::string_view name);
// "x.sql.gz.age" -> "x.sql.gz"; any other name as it is.
std::string plain_name_of(std::string_view name);

// The file encrypted as it is read, in constant memory (one chunk and one read block held). size() is
// exact before a byte is read (age_ciphertext_size); every pass gives the same bytes (one file key for
// the source's life). metadata(): the plain file's SHA-256 (k_offsite_plain_sha256_header), known after
// the first whole pass. A pass that finds the file changed since the first throws Error(io).
std::unique_ptr<UploadSource> open_encrypting_source(const std::filesystem::path& file,
                                                     const std::vector<AgeRecipient>& recipients);

// Encrypts `file` into <file>.age beside it (through a .partial, 0600); returns its path. The plain
// file is left as it is (the caller removes it once the copy is proven). Throws Error(io).
std::filesystem::path encrypt_file_beside(const std::filesystem::path& file,
                                          const std::vector<AgeRecipient>& recipients);

// Decrypts a local NAME.sql.gz.age into NAME.sql.gz in `dir` through a .partial (0600): the final name
// only once the last chunk authenticated. A NAME.sql.gz already there is used when it is the same
// plaintext, else refused (Error(io)). Error(wrong_identity), Error(corrupt), Error(incomplete) as
// AgeDecryptor says; Error(usage) without identities.
std::filesystem::path decrypt_backup_into(const std::filesystem::path& file, const std::vector<AgeIdentity>& identities,
                                          const std::filesystem::path& dir);

struct FetchedBackup {
  std::filesystem::path file;  // the plain .sql.gz in the folder
  std::string object;          // the object's name in the bucket
  bool decrypted = false;
  bool already_there = false;
};

// The object NAME (plain, or NAME.sql.gz.age decrypted with `identities`) into `dir` as a plain .sql.gz,
// through a .partial; the final name only when the ciphertext matches our SHA-256 header, every chunk
// authenticated and the plaintext matches the plain SHA-256 header. Errors of download_from_offsite and
// of decrypt_backup_into.
FetchedBackup fetch_offsite_backup(const OffsiteOptions& options, std::string_view name,
                                   const std::vector<AgeIdentity>& identities, const std::filesystem::path& dir);

// verify --offsite: the object streamed (and decrypted) into the verification, nothing written to disk.
// Throws what stream_from_offsite and AgeDecryptor throw; a verdict on the content is a value.
VerifyResult verify_offsite_backup(const OffsiteOptions& options, std::string_view name,
                                   const std::vector<AgeIdentity>& identities);
// A local NAME.sql.gz.age decrypted into the verification, nothing written to disk.
VerifyResult verify_encrypted_file(const std::filesystem::path& file, const std::vector<AgeIdentity>& identities);

// "s3://BUCKET/PREFIX/NAME" -> {"s3://BUCKET/PREFIX", "NAME"}; std::nullopt for anything not s3://.
// Throws Error(usage) for an s3:// address without a name.
struct OffsiteAddress {
  std::string url;
  std::string name;
};
std::optional<OffsiteAddress> parse_offsite_address(std::string_view text);

}  // namespace ifnbackup
