#pragma once
// Single gzip members (RFC 1952): a stored member that ends the file and can be read from its end
// without decompressing anything (the section index's locator), CRC-32 sums, and zlib's inflate of
// one member after another. The one file that includes zlib.h; libdeflate's whole-member decoder
// and compressor are in gzip_reader.cpp and parallel_gzip_writer.cpp.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
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

// The size of `data` compressed as one gzip member by zlib at `level`, as `gzip -<level>` does it
// (default strategy, 32 KiB window, memLevel 8); the output itself is thrown away. The yardstick of
// the automatic compression level (parallel_gzip_writer.cpp). Throws Error(internal) when zlib fails.
std::uint64_t zlib_gzip_size(std::string_view data, int level);

// zlib's inflate over gzip members, one after another (reset() between two): GzipReader's decoder
// for any member libdeflate does not decode whole, and the one that reports damage with its place.
class MemberInflater {
 public:
  // `name`: the file, for messages. Throws Error(internal) when zlib cannot start.
  explicit MemberInflater(std::string name);
  ~MemberInflater();
  MemberInflater(const MemberInflater&) = delete;
  MemberInflater& operator=(const MemberInflater&) = delete;

  // Ready for the next member.
  void reset();

  struct Step {
    std::size_t consumed = 0;  // bytes of `in` read
    std::size_t produced = 0;  // bytes of `out` written
    bool member_end = false;   // the member ended, its CRC-32 and length checked
    int failure = 0;           // zlib's code when the data is bad: raise(step) after counting what was decoded
    std::uint64_t failure_offset = 0;
  };
  // Decodes what it can of `in` into `out`. `offset`: the compressed offset of in[0] in the file,
  // for messages. Bad data is returned as the step's failure (what was decoded before it still
  // counts: a bad CRC is found once the whole member is decoded).
  Step inflate(std::span<const unsigned char> in, std::span<char> out, std::uint64_t offset);
  // Throws the step's failure: Error(corrupt) for bad data, naming its offset; Error(internal) otherwise.
  [[noreturn]] void raise(const Step& step) const { throw_error(step.failure, step.failure_offset); }

 private:
  // Every zlib return code that is a failure goes through here.
  [[noreturn]] void throw_error(int rc, std::uint64_t offset) const;

  struct Zlib;
  std::unique_ptr<Zlib> m_zlib;
  std::string m_name;
};

}  // namespace ifnbackup::io
