#include "io/auto_level.hpp"

#include <algorithm>

namespace ifnbackup::io {

bool AutoLevel::scheduled(std::uint64_t number) noexcept {
  return number < 4 || (number & (number - 1)) == 0 || number % 64 == 0;
}

bool AutoLevel::too_close(std::uint64_t ours, std::uint64_t zlib) noexcept {
  return ours * 100 > zlib * 97;
}

bool AutoLevel::worse_than(double reference_rate, std::size_t input, std::size_t output) noexcept {
  const double rate = static_cast<double>(output) / static_cast<double>(std::max<std::size_t>(1, input));
  return reference_rate > 0 && rate > reference_rate * 1.03;
}

void AutoLevel::count(const BlockAccount& block) {
  // Each level's bytes are estimated with the last ratio measured at that level: level 6's applied to
  // level 5's output took random numbers, 1.02 of gzip -6 at 5 and 0.99 at 6, for 0.97.
  if (block.zlib > 0) {
    const auto ratio = [&block](std::size_t ours) {
      return static_cast<double>(block.zlib) / static_cast<double>(std::max<std::size_t>(1, ours));
    };
    const auto rate = [&block](std::size_t ours) {
      return static_cast<double>(ours) / static_cast<double>(std::max<std::size_t>(1, block.input));
    };
    if (block.low_output > 0) {
      m_zlib_per_low = ratio(block.low_output);
      m_rate_low = rate(block.low_output);
    }
    if (block.high) {
      m_zlib_per_high = ratio(block.output);
      m_rate_high = rate(block.output);
    }
    m_counted_zlib += static_cast<double>(block.zlib);
  } else {
    m_counted_zlib += (block.high ? m_zlib_per_high : m_zlib_per_low) * static_cast<double>(block.output);
  }
  m_counted_ours += static_cast<double>(block.output);
}

AutoLevel::Decision AutoLevel::decide(std::uint64_t number) {
  while (!m_pending.empty() && m_pending.begin()->first + m_window <= number) {
    count(m_pending.begin()->second);
    m_pending.erase(m_pending.begin());
  }
  // Like a thermostat: the level goes up while the file so far is too close to gzip -6, and down
  // again once it is well below.
  Decision decision;
  decision.high = m_counted_ours * 100 > m_counted_zlib * 97;
  decision.reference_rate = decision.high ? m_rate_high : m_rate_low;
  return decision;
}

void AutoLevel::record(std::uint64_t number, std::size_t input, std::size_t output, std::uint64_t zlib,
                       std::size_t low_output, bool high) {
  ++(high ? m_report.high_blocks : m_report.low_blocks);
  m_pending[number] = BlockAccount{input, output, zlib, low_output, high};
  if (zlib > 0) {
    ++m_report.samples;
    m_report.sampled_ours += output;
    m_report.sampled_zlib += zlib;
  }
}

}  // namespace ifnbackup::io
