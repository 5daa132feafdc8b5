#pragma once
// The age header (c2sp.org/age, "Header"): the version line, one stanza per recipient wrapping the
// file key, and the MAC line. Written canonically and read strictly: a header is accepted only in
// the one form our writer and age's would give it (canonical unpadded base64, 64-column body lines,
// single spaces, LF endings), so the MAC covers exactly the bytes read.
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/primitives.hpp"
#include "ifnbackup/age.hpp"

namespace ifnbackup::crypto {

inline constexpr std::string_view k_age_version_line = "age-encryption.org/v1";
inline constexpr std::size_t k_file_key_bytes = 16;
inline constexpr std::size_t k_payload_nonce_bytes = 16;
// The longest header we read: a few hundred recipients of any type; more is not an age file of ours.
inline constexpr std::size_t k_header_limit = 1024 * 1024;
using FileKey = Secret<k_file_key_bytes>;

struct Stanza {
  std::vector<std::string> args;  // the first one is the type ("X25519")
  std::string body;               // decoded
};

// RFC 4648 base64 without '=' padding; decoding refuses padding and non-canonical text.
std::string raw_base64_encode(Bytes bytes);
std::optional<std::string> raw_base64_decode(std::string_view text);

// The whole header text, MAC line included, for these stanzas under this file key.
std::string encode_header(const std::vector<Stanza>& stanzas, const FileKey& file_key);
// HMAC-SHA-256 under HKDF(file key, "header") of the header up to and including "---".
std::array<unsigned char, 32> header_mac(const FileKey& file_key, std::string_view mac_input);

// Finds the end of the header at the start of `buffer` (the LF ending the MAC line), looking at
// lines from `scanned` on (updated: call again as bytes arrive). std::nullopt while incomplete.
// Throws Error(corrupt) as soon as the bytes cannot be the start of an age v1 header.
std::optional<std::size_t> find_header_end(std::string_view buffer, std::size_t& scanned, std::string_view name);

struct ParsedHeader {
  std::vector<Stanza> stanzas;
  std::array<unsigned char, 32> mac{};
  std::size_t mac_input_bytes = 0;  // the header's bytes the MAC covers
};
// `header`: exactly what find_header_end delimited. Throws Error(corrupt) naming `name` and the line.
ParsedHeader parse_header(std::string_view header, std::string_view name);

// An X25519 stanza wrapping `file_key` to `recipient` with a fresh ephemeral key.
Stanza x25519_stanza(const FileKey& file_key, const AgeRecipient& recipient);
// The file key when `stanza` is an X25519 stanza that `identity` opens; std::nullopt for another
// type or another recipient. Throws Error(corrupt) for a malformed X25519 stanza or a low-order
// ephemeral share (the all-zero shared secret the format says to abort on).
std::optional<FileKey> x25519_unwrap(const Stanza& stanza, const AgeIdentity& identity, std::string_view name);

}  // namespace ifnbackup::crypto
