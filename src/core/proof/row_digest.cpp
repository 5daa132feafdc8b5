#include "proof/row_digest.hpp"

#include <fmt/format.h>

namespace ifnbackup::proof {

namespace {

// The first 128 bits of the row's SHA-256, as two big-endian numbers, added lane by lane.
void add_to_sum(std::array<std::uint64_t, 2>& sum, const util::Sha256::Digest& digest) noexcept {
  for (std::size_t lane = 0; lane < sum.size(); ++lane) {
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < 8; ++i) {
      value = (value << 8) | digest[lane * 8 + i];
    }
    sum[lane] += value;  // unsigned: wraps modulo 2^64
  }
}

}  // namespace

void RowDigest::add_row(std::string_view encoded_row) {
  ++m_rows;
  m_bytes += encoded_row.size();
  sum_row(encoded_row);
}

void RowDigest::sum_row(std::string_view encoded_row) {
  if (!m_has_waiting) {
    m_waiting.assign(encoded_row);
    m_has_waiting = true;
    return;
  }
  for (const auto& digest : util::Sha256::digest_pair(m_waiting, encoded_row)) {
    add_to_sum(m_sum, digest);
  }
  m_has_waiting = false;
}

void RowDigest::add(const RowDigest& part) {
  for (std::size_t lane = 0; lane < m_sum.size(); ++lane) {
    m_sum[lane] += part.m_sum[lane];
  }
  m_rows += part.m_rows;
  m_bytes += part.m_bytes;
  if (part.m_has_waiting) {
    sum_row(part.m_waiting);
  }
}

std::string RowDigest::hex() const {
  auto sum = m_sum;
  if (m_has_waiting) {
    util::Sha256 sha;
    sha.update(m_waiting);
    add_to_sum(sum, sha.finish());
  }
  return fmt::format("{:016x}{:016x}", sum[0], sum[1]);
}

bool is_digest_hex(std::string_view text) noexcept {
  if (text.size() != 32) {
    return false;
  }
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

}  // namespace ifnbackup::proof
