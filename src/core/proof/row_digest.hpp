#pragma once
// A table's content digest (docs/backup-format.md, "Content digests"): the sum, lane by lane
// modulo 2^64, of the first 128 bits of SHA-256 of each row as the dumper encodes it
// (`(v1,v2,...)`, value_encoding's text). A sum does not depend on the order of the rows: a
// parallel load may store a table without primary key in another physical order, same rows.
// A changed, lost or extra row changes the sum except with probability about 2^-64 per lane.
// Rows are hashed two at a time (util::Sha256::digest_pair, less CPU than one by one): a row waits,
// copied, for the next one; hex() counts a row still waiting, rows() and bytes() count it at once.
// Pure: no server, no file.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/sha256.hpp"

namespace ifnbackup::proof {

// A table whose rows' text is at most this many bytes has no digest in the manifest (format 5 on):
// verify computes it from the file's INSERT statements, the rows' text being the content itself.
// 16 random bytes per table would outweigh a tiny table's rows (issue 20).
inline constexpr std::uint64_t k_computed_digest_bytes = 64 * 1024;

class RowDigest {
 public:
  void add_row(std::string_view encoded_row);
  // Adds the rows of `part` (another range of the same table, read apart): the digest of both together.
  void add(const RowDigest& part);
  std::uint64_t rows() const noexcept { return m_rows; }
  // Bytes of row text added.
  std::uint64_t bytes() const noexcept { return m_bytes; }
  // True when the manifest leaves this digest out (k_computed_digest_bytes).
  bool computed_by_reader() const noexcept { return m_bytes <= k_computed_digest_bytes; }
  // 32 lowercase hexadecimal digits: the two sums, big-endian.
  std::string hex() const;

 private:
  // Into the sum: with the waiting row if there is one, else it waits.
  void sum_row(std::string_view encoded_row);

  std::string m_waiting;  // a row not yet in m_sum (its capacity kept for the next one)
  bool m_has_waiting = false;
  std::array<std::uint64_t, 2> m_sum{};
  std::uint64_t m_rows = 0;
  std::uint64_t m_bytes = 0;
};

// True for 32 lowercase hexadecimal digits (what hex() writes).
bool is_digest_hex(std::string_view text) noexcept;

}  // namespace ifnbackup::proof
