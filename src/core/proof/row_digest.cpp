#include "proof/row_digest.hpp"

#include <fmt/format.h>

namespace ifnbackup::proof {

void RowDigest::add_row(std::string_view encoded_row) noexcept {
  m_sha.reset();
  m_sha.update(encoded_row);
  const auto digest = m_sha.finish();
  for (std::size_t lane = 0; lane < m_sum.size(); ++lane) {
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < 8; ++i) {
      value = (value << 8) | digest[lane * 8 + i];
    }
    m_sum[lane] += value;  // unsigned: wraps modulo 2^64
  }
  ++m_rows;
  m_bytes += encoded_row.size();
}

void RowDigest::add(const RowDigest& part) noexcept {
  for (std::size_t lane = 0; lane < m_sum.size(); ++lane) {
    m_sum[lane] += part.m_sum[lane];
  }
  m_rows += part.m_rows;
  m_bytes += part.m_bytes;
}

std::string RowDigest::hex() const {
  return fmt::format("{:016x}{:016x}", m_sum[0], m_sum[1]);
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
