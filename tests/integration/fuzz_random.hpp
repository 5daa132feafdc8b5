#pragma once
// The differential restore test's source of randomness: xoshiro256** seeded through splitmix64, with
// its own range reduction. std::uniform_int_distribution differs between standard libraries, and a
// seed must give the same database everywhere: a failure is reproduced from its seed alone.
#include <cstdint>
#include <string>
#include <vector>

namespace ifnbackup::test::fuzz {

class Random {
 public:
  explicit Random(std::uint64_t seed) {
    std::uint64_t x = seed;
    for (auto& word : m_state) {
      x += 0x9E3779B97F4A7C15ULL;
      std::uint64_t z = x;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
      word = z ^ (z >> 31);
    }
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(m_state[1] * 5, 7) * 9;
    const std::uint64_t t = m_state[1] << 17;
    m_state[2] ^= m_state[0];
    m_state[3] ^= m_state[1];
    m_state[1] ^= m_state[2];
    m_state[0] ^= m_state[3];
    m_state[2] ^= t;
    m_state[3] = rotl(m_state[3], 45);
    return result;
  }

  // Uniform in [0, n); 0 when n is 0. The modulo bias (under 2^-40 for our ranges) does not matter here.
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }

  // Uniform in [low, high], the whole 64-bit range included.
  std::int64_t between(std::int64_t low, std::int64_t high) {
    const std::uint64_t span = static_cast<std::uint64_t>(high) - static_cast<std::uint64_t>(low);
    const std::uint64_t offset = span == UINT64_MAX ? next() : below(span + 1);
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(low) + offset);
  }

  bool percent(unsigned chance) { return below(100) < chance; }

  template <typename T>
  const T& pick(const std::vector<T>& items) {
    return items[below(items.size())];
  }

  // A child generator: what it draws does not shift this one's later draws, so adding a draw in one
  // part of the generator leaves the other parts of a seed's database as they were.
  Random split() { return Random(next()); }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t m_state[4]{};
};

}  // namespace ifnbackup::test::fuzz
