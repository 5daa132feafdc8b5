#pragma once
// Single gzip members (RFC 1952) as the backup's section index needs them: a stored member that
// ends the file and can be read from its end without decompressing anything, and CRC-32 sums.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace ifnbackup::io {

// The most a stored member holds: one stored deflate block.
inline constexpr std::size_t k_max_stored_bytes = 65535;

// A complete gzip member holding `text` uncompressed (one stored deflate block). Any gzip reader
// decodes it like any other member. Throws Error(internal) for more than k_max_stored_bytes.
std::string stored_gzip_member(std::string_view text);

struct StoredTail {
  std::uint64_t offset = 0;  // compressed offset of the member
  std::string text;
};
// The file's last member, when it is a stored member as stored_gzip_member() writes it with a
// correct CRC-32 and length; std::nullopt for any other ending (a file cut short, a file from
// another tool or an earlier version). Throws Error(io) when the file cannot be read.
std::optional<StoredTail> read_stored_tail(const std::filesystem::path& path);

std::uint32_t gzip_crc32(std::string_view data, std::uint32_t crc = 0);
// The CRC-32 of A followed by B, from crc(A), crc(B) and B's length.
std::uint32_t gzip_crc32_combine(std::uint32_t crc_a, std::uint32_t crc_b, std::uint64_t length_b);

}  // namespace ifnbackup::io
