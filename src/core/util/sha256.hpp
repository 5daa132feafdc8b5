#pragma once
// SHA-256 (FIPS 180-4), streaming. Used for the content checksum of a backup file.
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

  // Bytes passed to update() since the last reset().
  std::uint64_t size() const noexcept { return m_total; }

  // Lowercase hexadecimal, 64 characters.
  static std::string hex(const Digest& digest);
  // One-shot convenience: hex(SHA-256(data)).
  static std::string hex_of(std::string_view data);

 private:
  void process_blocks(const std::uint8_t* data, std::size_t blocks) noexcept;

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
bool sha_extensions_available() noexcept;
}  // namespace sha256_detail

}  // namespace ifnbackup::util
