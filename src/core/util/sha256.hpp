#pragma once
// SHA-256 (FIPS 180-4), streaming. Used for the checksums of a backup file and of its ranges, and
// for the rows' content digests (proof/row_digest).
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ifnbackup::util {

class Sha256 {
 public:
  using Digest = std::array<std::uint8_t, 32>;

  Sha256() noexcept { reset(); }

  void reset() noexcept;
  void update(std::string_view data) noexcept { update(data.data(), data.size()); }
  void update(const void* data, std::size_t size) noexcept;
  // Pads and returns the digest; the object must be reset() before it is used again.
  Digest finish() noexcept;

  // a.update(data) and b.update(data), two different objects, in less CPU: their blocks go through
  // the block function two streams at a time (the file's and its range's checksum, dump_writer).
  static void update_both(Sha256& a, Sha256& b, std::string_view data) noexcept;
  // The digests of two whole messages, likewise two streams at a time (the rows, proof/row_digest).
  static std::array<Digest, 2> digest_pair(std::string_view first, std::string_view second) noexcept;

  // Bytes passed to update() since the last reset().
  std::uint64_t size() const noexcept { return m_total; }

  // Lowercase hexadecimal, 64 characters.
  static std::string hex(const Digest& digest);
  // One-shot convenience: hex(SHA-256(data)).
  static std::string hex_of(std::string_view data);

 private:
  void process_blocks(const std::uint8_t* data, std::size_t blocks) noexcept;
  // Completes a buffered partial block from `in` (taking from `size`); returns where the data goes on.
  const std::uint8_t* top_up(const std::uint8_t* in, std::size_t& size) noexcept;
  // After top_up: the whole blocks, then the rest into the buffer.
  void absorb(const std::uint8_t* in, std::size_t size) noexcept;

  std::array<std::uint32_t, 8> m_state{};
  std::array<std::uint8_t, 64> m_buffer{};
  std::size_t m_buffered = 0;
  std::uint64_t m_total = 0;
};

namespace sha256_detail {
// The block function, exposed so that tests can check both implementations against each other.
void compress_portable(std::uint32_t state[8], const std::uint8_t* data, std::size_t blocks) noexcept;
// The x86 SHA extensions (SHA-NI); only call it when sha_extensions_available().
void compress_sha_extensions(std::uint32_t state[8], const std::uint8_t* data, std::size_t blocks) noexcept;
// Two independent streams of as many blocks each: one after the other (portable), interleaved
// (SHA-NI, same condition as above).
void compress_portable_x2(std::uint32_t state_a[8], const std::uint8_t* data_a, std::uint32_t state_b[8],
                          const std::uint8_t* data_b, std::size_t blocks) noexcept;
void compress_sha_extensions_x2(std::uint32_t state_a[8], const std::uint8_t* data_a, std::uint32_t state_b[8],
                                const std::uint8_t* data_b, std::size_t blocks) noexcept;
bool sha_extensions_available() noexcept;
}  // namespace sha256_detail

}  // namespace ifnbackup::util
