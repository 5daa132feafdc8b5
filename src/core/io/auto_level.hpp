#pragma once
// The automatic compression level's bookkeeping (what it does and why: io/parallel_gzip_writer.hpp):
// which blocks are sampled, each block's level and reference from the blocks at least `window` before
// it, and the account of what it did. No thread, no compressor: the writer holds its lock around it.
#include <cstddef>
#include <cstdint>
#include <map>

namespace ifnbackup::io {

// What the automatic level did (all zero at a fixed level).
struct AutoLevelReport {
  std::uint64_t low_blocks = 0;    // compressed at level 5
  std::uint64_t high_blocks = 0;   // at level 6
  std::uint64_t samples = 0;       // blocks also compressed by zlib at level 6
  std::uint64_t sampled_ours = 0;  // the sampled blocks' members, as written
  std::uint64_t sampled_zlib = 0;  // zlib's members of the same blocks
};

class AutoLevel {
 public:
  // Its two levels and the yardstick's (zlib, as `gzip -6`).
  static constexpr int k_low_level = 5;
  static constexpr int k_high_level = 6;
  static constexpr int k_yardstick_level = 6;

  // `window`: a block's level counts only the blocks at least this many before it (those written by
  // the time it is compressed), so the same input gives the same file.
  explicit AutoLevel(std::uint64_t window) : m_window(window) {}

  // The blocks sampled at their place: the first ones (a small file is judged on its own text), then
  // fewer and fewer, then one in 64 (zlib at level 6 costs about 2.5 blocks at libdeflate's level 5).
  static bool scheduled(std::uint64_t number) noexcept;
  // Ours within 3 % of zlib's size: zlib on one block is a little larger than gzip on the whole
  // stream, which carries its 32 KiB window across the blocks.
  static bool too_close(std::uint64_t ours, std::uint64_t zlib) noexcept;

  struct Decision {
    bool high = false;
    // Our bytes per byte of SQL at the last sample counted at that level (0: none yet): a block that
    // compresses more than 3 % worse is sampled too (worse_than).
    double reference_rate = 0;
  };
  // Block `number`'s level, the blocks before it counted first (numbers asked in increasing order).
  Decision decide(std::uint64_t number);
  static bool worse_than(double reference_rate, std::size_t input, std::size_t output) noexcept;

  // A block made: `zlib` its yardstick size when sampled (0 otherwise), `low_output` its size at
  // level 5 when measured (0 otherwise).
  void record(std::uint64_t number, std::size_t input, std::size_t output, std::uint64_t zlib, std::size_t low_output,
              bool high);
  const AutoLevelReport& report() const noexcept { return m_report; }

 private:
  struct BlockAccount {
    std::size_t input = 0;
    std::size_t output = 0;
    std::uint64_t zlib = 0;
    std::size_t low_output = 0;
    bool high = false;
  };
  void count(const BlockAccount& block);

  std::uint64_t m_window;
  // Blocks made but not yet counted, by number; the file so far as counted: our bytes, zlib's (measured
  // on the samples, estimated between them with zlib's size over ours last measured at each level).
  std::map<std::uint64_t, BlockAccount> m_pending;
  AutoLevelReport m_report;
  double m_counted_ours = 0;
  double m_counted_zlib = 0;
  double m_zlib_per_low = 1;
  double m_zlib_per_high = 1;
  double m_rate_low = 0;
  double m_rate_high = 0;
};

}  // namespace ifnbackup::io
