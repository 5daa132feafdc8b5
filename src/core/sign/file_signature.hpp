#pragma once
// The signature line of a backup (docs/backup-format.md, "Signature"): written by the dumper between
// the checksum line and the completion marker, outside the hashed content, and checked by verify.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "ifnbackup/manifest.hpp"
#include "ifnbackup/signing.hpp"
#include "ifnbackup/verify.hpp"

namespace ifnbackup::sign {

inline constexpr std::string_view k_signature_prefix = "-- ifnbackup-signature: ";
// Files of this format and later are always signed; earlier ones never are.
inline constexpr int k_first_signed_format = 4;

// What the key signs, domain-separated so that no other use of the key can be passed off as it:
//   "ifnbackup-signature-v1\n<content sha256 hex>\n<content bytes>\n<index sha256 hex, or nothing>\n"
// The index's SHA-256 (the locator line's) lets restore --tables trust the sections it reads alone.
std::string signed_message(std::string_view sha256_hex, std::uint64_t bytes, std::string_view index_sha256_hex);

// "-- ifnbackup-signature: ed25519 <fingerprint> <base64 public key> <base64 signature>\n"
std::string format_signature_line(const PublicKey& key, std::string_view signature);

// The format number of the header ("-- ifnbackup-format: N"); 0 when there is none.
int header_format(const std::map<std::string, std::string>& header);

// Checks the signature line `line` (without its '\n'; empty when the file has none) against the
// checksum line and the index's SHA-256 (the locator line's, empty without one). Fills `signer`
// (none, bad, or unknown: the keys decide the rest) and returns why the file is corrupt, or nothing:
// a bad signature, or no signature in a file of format 4 or later.
std::string check_signature(std::string_view line, const ChecksumLine& checksum, std::string_view index_sha256_hex,
                            int format, Signer& signer);

}  // namespace ifnbackup::sign
