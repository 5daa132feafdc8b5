#include "util/sha256.hpp"

#include <algorithm>
#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define IFNBACKUP_SHA256_X86 1
#include <cpuid.h>
#include <immintrin.h>
#endif

namespace ifnbackup::util {
namespace {

constexpr std::array<std::uint32_t, 64> k_round_constants = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

constexpr std::array<std::uint32_t, 8> k_initial_state = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

inline std::uint32_t rotr(std::uint32_t x, int n) noexcept {
  return (x >> n) | (x << (32 - n));
}

inline std::uint32_t load_be32(const std::uint8_t* p) noexcept {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}

inline void store_be32(std::uint8_t* p, std::uint32_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

}  // namespace

void Sha256::reset() noexcept {
  m_state = k_initial_state;
  m_buffered = 0;
  m_total = 0;
}

namespace sha256_detail {

void compress_portable(std::uint32_t state[8], const std::uint8_t* data, std::size_t blocks) noexcept {
  std::uint32_t w[64];
  std::uint32_t h0 = state[0], h1 = state[1], h2 = state[2], h3 = state[3];
  std::uint32_t h4 = state[4], h5 = state[5], h6 = state[6], h7 = state[7];
  for (; blocks > 0; --blocks, data += 64) {
    for (int t = 0; t < 16; ++t) {
      w[t] = load_be32(data + 4 * t);
    }
    for (int t = 16; t < 64; ++t) {
      const std::uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
      const std::uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
      w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    std::uint32_t a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
    for (int t = 0; t < 64; ++t) {
      const std::uint32_t sum1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
      const std::uint32_t choose = (e & f) ^ (~e & g);
      const std::uint32_t temp1 = h + sum1 + choose + k_round_constants[t] + w[t];
      const std::uint32_t sum0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
      const std::uint32_t majority = (a & b) ^ (a & c) ^ (b & c);
      const std::uint32_t temp2 = sum0 + majority;
      h = g;
      g = f;
      f = e;
      e = d + temp1;
      d = c;
      c = b;
      b = a;
      a = temp1 + temp2;
    }
    h0 += a;
    h1 += b;
    h2 += c;
    h3 += d;
    h4 += e;
    h5 += f;
    h6 += g;
    h7 += h;
  }
  state[0] = h0;
  state[1] = h1;
  state[2] = h2;
  state[3] = h3;
  state[4] = h4;
  state[5] = h5;
  state[6] = h6;
  state[7] = h7;
}

#if IFNBACKUP_SHA256_X86

bool sha_extensions_available() noexcept {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) == 0) {
    return false;
  }
  const bool sha = (ebx & (1u << 29)) != 0;
  if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) == 0) {
    return false;
  }
  const bool sse41 = (ecx & (1u << 19)) != 0;
  const bool ssse3 = (ecx & (1u << 9)) != 0;
  return sha && sse41 && ssse3;
}

// Four rounds per sha256rnds2 pair; the state is kept as the ABEF/CDGH register pair the
// instruction works on (Intel, "New Instructions Supporting the Secure Hash Algorithm").
__attribute__((target("sha,sse4.1,ssse3"))) void compress_sha_extensions(std::uint32_t state[8],
                                                                         const std::uint8_t* data,
                                                                         std::size_t blocks) noexcept {
  const __m128i byte_swap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
  __m128i dcba = _mm_loadu_si128(reinterpret_cast<const __m128i*>(state));
  __m128i hgfe = _mm_loadu_si128(reinterpret_cast<const __m128i*>(state + 4));
  const __m128i badc = _mm_shuffle_epi32(dcba, 0xB1);
  const __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);
  __m128i abef = _mm_alignr_epi8(badc, efgh, 8);
  __m128i cdgh = _mm_blend_epi16(efgh, badc, 0xF0);

  for (; blocks > 0; --blocks, data += 64) {
    const __m128i saved_abef = abef;
    const __m128i saved_cdgh = cdgh;
    __m128i w[4];
    for (int i = 0; i < 4; ++i) {
      w[i] = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(data + 16 * i)), byte_swap);
    }
    for (int group = 0; group < 16; ++group) {
      __m128i& current = w[group & 3];
      if (group >= 4) {
        // W[t..t+3] from W[t-16..t-1]: msg1 adds sigma0, alignr brings W[t-7..t-4], msg2 adds sigma1.
        const __m128i previous = w[(group + 3) & 3];
        const __m128i before = w[(group + 2) & 3];
        const __m128i partial =
            _mm_add_epi32(_mm_sha256msg1_epu32(current, w[(group + 1) & 3]), _mm_alignr_epi8(previous, before, 4));
        current = _mm_sha256msg2_epu32(partial, previous);
      }
      __m128i message = _mm_add_epi32(
          current, _mm_loadu_si128(reinterpret_cast<const __m128i*>(k_round_constants.data() + 4 * group)));
      cdgh = _mm_sha256rnds2_epu32(cdgh, abef, message);
      message = _mm_shuffle_epi32(message, 0x0E);
      abef = _mm_sha256rnds2_epu32(abef, cdgh, message);
    }
    abef = _mm_add_epi32(abef, saved_abef);
    cdgh = _mm_add_epi32(cdgh, saved_cdgh);
  }

  const __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
  const __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
  dcba = _mm_blend_epi16(feba, dchg, 0xF0);
  hgfe = _mm_alignr_epi8(dchg, feba, 8);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(state), dcba);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(state + 4), hgfe);
}

#else

bool sha_extensions_available() noexcept {
  return false;
}

void compress_sha_extensions(std::uint32_t state[8], const std::uint8_t* data, std::size_t blocks) noexcept {
  compress_portable(state, data, blocks);
}

#endif

}  // namespace sha256_detail

void Sha256::process_blocks(const std::uint8_t* data, std::size_t blocks) noexcept {
  // Chosen once: the CPU does not change while the process runs.
  static const auto compress = sha256_detail::sha_extensions_available() ? sha256_detail::compress_sha_extensions
                                                                         : sha256_detail::compress_portable;
  compress(m_state.data(), data, blocks);
}

void Sha256::update(const void* data, std::size_t size) noexcept {
  auto* in = static_cast<const std::uint8_t*>(data);
  m_total += size;
  if (m_buffered > 0) {
    const std::size_t take = std::min(size, m_buffer.size() - m_buffered);
    std::memcpy(m_buffer.data() + m_buffered, in, take);
    m_buffered += take;
    in += take;
    size -= take;
    if (m_buffered < m_buffer.size()) {
      return;
    }
    process_blocks(m_buffer.data(), 1);
    m_buffered = 0;
  }
  // Whole blocks straight from the caller's memory, no copy.
  const std::size_t blocks = size / 64;
  if (blocks > 0) {
    process_blocks(in, blocks);
    in += blocks * 64;
    size -= blocks * 64;
  }
  if (size > 0) {
    std::memcpy(m_buffer.data(), in, size);
    m_buffered = size;
  }
}

Sha256::Digest Sha256::finish() noexcept {
  const std::uint64_t bit_length = m_total * 8;
  m_buffer[m_buffered++] = 0x80;
  if (m_buffered > 56) {
    std::memset(m_buffer.data() + m_buffered, 0, 64 - m_buffered);
    process_blocks(m_buffer.data(), 1);
    m_buffered = 0;
  }
  std::memset(m_buffer.data() + m_buffered, 0, 56 - m_buffered);
  for (int i = 0; i < 8; ++i) {
    m_buffer[56 + i] = static_cast<std::uint8_t>(bit_length >> (56 - 8 * i));
  }
  process_blocks(m_buffer.data(), 1);
  m_buffered = 0;

  Digest digest{};
  for (std::size_t i = 0; i < 8; ++i) {
    store_be32(digest.data() + 4 * i, m_state[i]);
  }
  return digest;
}

std::string Sha256::hex(const Digest& digest) {
  static constexpr char k_digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(digest.size() * 2);
  for (const std::uint8_t byte : digest) {
    out.push_back(k_digits[byte >> 4]);
    out.push_back(k_digits[byte & 0x0f]);
  }
  return out;
}

std::string Sha256::hex_of(std::string_view data) {
  Sha256 sha;
  sha.update(data);
  return hex(sha.finish());
}

}  // namespace ifnbackup::util
