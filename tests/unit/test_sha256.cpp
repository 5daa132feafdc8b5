#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "util/sha256.hpp"

namespace {

using ifnbackup::util::Sha256;

// FIPS 180-4 examples (NIST CSRC "SHA256.pdf", "SHA2_Additional.pdf").
TEST(Sha256, NistVectors) {
  EXPECT_EQ(Sha256::hex_of(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256::hex_of("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256::hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256::hex_of("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlm"
                           "nopqrsmnopqrstnopqrstu"),
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

TEST(Sha256, OneMillionA) {
  Sha256 sha;
  const std::string thousand(1000, 'a');
  for (int i = 0; i < 1000; ++i) {
    sha.update(thousand);
  }
  EXPECT_EQ(sha.size(), 1000000u);
  EXPECT_EQ(Sha256::hex(sha.finish()), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// Lengths around the 55/56/64-byte padding boundaries (reference: Python hashlib).
TEST(Sha256, PaddingBoundaries) {
  const std::pair<std::size_t, const char*> cases[] = {
      {55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
      {56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
      {63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
      {64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
      {65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"},
      {119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
      {120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"},
      {128, "6836cf13bac400e9105071cd6af47084dfacad4e5e302c94bfed24e013afb73e"},
  };
  for (const auto& [length, expected] : cases) {
    EXPECT_EQ(Sha256::hex_of(std::string(length, 'a')), expected) << "length " << length;
  }
}

TEST(Sha256, IncrementalEqualsOneShotForRandomSplits) {
  std::mt19937_64 rng(20261125);
  std::string data(100000, '\0');
  for (char& c : data) {
    c = static_cast<char>(rng());
  }
  const std::string expected = Sha256::hex_of(data);
  for (int round = 0; round < 50; ++round) {
    Sha256 sha;
    std::size_t pos = 0;
    while (pos < data.size()) {
      // Mostly small pieces (crossing the 64-byte buffer), sometimes large ones.
      const std::size_t max_piece = (rng() % 4 == 0) ? 5000 : 130;
      const std::size_t piece = std::min<std::size_t>(data.size() - pos, rng() % max_piece);
      sha.update(data.data() + pos, piece);
      pos += piece;
    }
    ASSERT_EQ(Sha256::hex(sha.finish()), expected) << "round " << round;
  }
}

TEST(Sha256, ResetStartsOver) {
  Sha256 sha;
  sha.update("something else");
  (void)sha.finish();
  sha.reset();
  sha.update("abc");
  EXPECT_EQ(Sha256::hex(sha.finish()), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace

namespace {

// Both block functions must agree; the accelerated one only runs where the CPU has it.
TEST(Sha256, ShaExtensionsMatchPortableImplementation) {
  namespace detail = ifnbackup::util::sha256_detail;
  if (!detail::sha_extensions_available()) {
    GTEST_SKIP() << "this CPU has no SHA extensions; the portable implementation is the one in use";
  }
  std::mt19937_64 rng(5);
  std::vector<std::uint8_t> data(64 * 300);
  for (auto& byte : data) {
    byte = static_cast<std::uint8_t>(rng());
  }
  for (const std::size_t blocks : {std::size_t{1}, std::size_t{2}, std::size_t{7}, std::size_t{300}}) {
    std::uint32_t portable[8];
    std::uint32_t accelerated[8];
    for (int i = 0; i < 8; ++i) {
      portable[i] = accelerated[i] = static_cast<std::uint32_t>(rng());
    }
    detail::compress_portable(portable, data.data(), blocks);
    detail::compress_sha_extensions(accelerated, data.data(), blocks);
    EXPECT_TRUE(std::equal(portable, portable + 8, accelerated)) << blocks << " blocks";
  }
}

}  // namespace

namespace {

namespace detail = ifnbackup::util::sha256_detail;

std::string random_bytes(std::mt19937_64& rng, std::size_t size) {
  std::string data(size, '\0');
  for (char& c : data) {
    c = static_cast<char>(rng());
  }
  return data;
}

// The two-stream kernel against the portable block function, each stream with its own state and data.
TEST(Sha256, TwoStreamKernelMatchesPortableImplementation) {
  std::mt19937_64 rng(7);
  const std::string data_a = random_bytes(rng, 64 * 300);
  const std::string data_b = random_bytes(rng, 64 * 300);
  const auto* a = reinterpret_cast<const std::uint8_t*>(data_a.data());
  const auto* b = reinterpret_cast<const std::uint8_t*>(data_b.data());
  for (const std::size_t blocks : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{7}, std::size_t{300}}) {
    std::uint32_t expected_a[8];
    std::uint32_t expected_b[8];
    std::uint32_t portable_a[8];
    std::uint32_t portable_b[8];
    std::uint32_t accelerated_a[8];
    std::uint32_t accelerated_b[8];
    for (int i = 0; i < 8; ++i) {
      expected_a[i] = portable_a[i] = accelerated_a[i] = static_cast<std::uint32_t>(rng());
      expected_b[i] = portable_b[i] = accelerated_b[i] = static_cast<std::uint32_t>(rng());
    }
    detail::compress_portable(expected_a, a, blocks);
    detail::compress_portable(expected_b, b, blocks);
    detail::compress_portable_x2(portable_a, a, portable_b, b, blocks);
    EXPECT_TRUE(std::equal(expected_a, expected_a + 8, portable_a)) << blocks << " blocks";
    EXPECT_TRUE(std::equal(expected_b, expected_b + 8, portable_b)) << blocks << " blocks";
    if (!detail::sha_extensions_available()) {
      continue;
    }
    detail::compress_sha_extensions_x2(accelerated_a, a, accelerated_b, b, blocks);
    EXPECT_TRUE(std::equal(expected_a, expected_a + 8, accelerated_a)) << blocks << " blocks, first stream";
    EXPECT_TRUE(std::equal(expected_b, expected_b + 8, accelerated_b)) << blocks << " blocks, second stream";
  }
}

// update_both must be two update() calls: each object begun at its own offset (its buffered bytes),
// every pair of offsets modulo 64, short and long data.
TEST(Sha256, UpdateBothEqualsTwoUpdatesAtEveryOffset) {
  std::mt19937_64 rng(20261201);
  const std::string prefix = random_bytes(rng, 64 * 3);
  std::vector<std::string> datas;
  for (int i = 0; i < 6; ++i) {
    datas.push_back(random_bytes(rng, rng() % 301));
  }
  datas.push_back(random_bytes(rng, 0));
  datas.push_back(random_bytes(rng, 64 * 40 + rng() % 64));
  for (std::size_t offset_a = 0; offset_a < 64; ++offset_a) {
    for (std::size_t offset_b = 0; offset_b < 64; ++offset_b) {
      // Sometimes whole blocks before the partial one: the state is no longer the initial one.
      const std::size_t prefix_a = offset_a + 64 * (rng() % 3);
      const std::size_t prefix_b = offset_b + 64 * (rng() % 3);
      const std::string& data = datas[(offset_a * 64 + offset_b) % datas.size()];
      Sha256 a;
      Sha256 b;
      a.update(prefix.data(), prefix_a);
      b.update(prefix.data() + 7, prefix_b);
      Sha256 expected_a = a;
      Sha256 expected_b = b;
      Sha256::update_both(a, b, data);
      expected_a.update(data);
      expected_b.update(data);
      ASSERT_EQ(a.size(), expected_a.size());
      ASSERT_EQ(b.size(), expected_b.size());
      ASSERT_EQ(Sha256::hex(a.finish()), Sha256::hex(expected_a.finish()))
          << "first, offsets " << prefix_a << "/" << prefix_b << ", " << data.size() << " bytes";
      ASSERT_EQ(Sha256::hex(b.finish()), Sha256::hex(expected_b.finish()))
          << "second, offsets " << prefix_a << "/" << prefix_b << ", " << data.size() << " bytes";
    }
  }
}

// As the dump writer uses it: a long stream in pieces of any size, the second checksum restarted
// now and then (a new range) while the first goes on.
TEST(Sha256, UpdateBothOverAStreamWithRestarts) {
  std::mt19937_64 rng(13);
  const std::string data = random_bytes(rng, 200000);
  Sha256 file;
  Sha256 range;
  std::size_t range_start = 0;
  std::size_t pos = 0;
  while (pos < data.size()) {
    const std::size_t max_piece = (rng() % 4 == 0) ? 9000 : 300;
    const std::size_t piece = std::min<std::size_t>(data.size() - pos, rng() % max_piece);
    Sha256::update_both(file, range, std::string_view(data).substr(pos, piece));
    pos += piece;
    if (rng() % 16 == 0) {
      ASSERT_EQ(Sha256::hex(range.finish()),
                Sha256::hex_of(std::string_view(data).substr(range_start, pos - range_start)))
          << "range from " << range_start << " to " << pos;
      range.reset();
      range_start = pos;
    }
  }
  EXPECT_EQ(Sha256::hex(file.finish()), Sha256::hex_of(data));
  EXPECT_EQ(Sha256::hex(range.finish()), Sha256::hex_of(std::string_view(data).substr(range_start)));
}

// Two whole messages of any lengths (so of different block counts, one or two blocks of padding).
TEST(Sha256, DigestPairEqualsOneShot) {
  std::mt19937_64 rng(17);
  const std::string data = random_bytes(rng, 5000);
  std::vector<std::size_t> lengths;
  for (std::size_t length = 0; length <= 300; ++length) {
    lengths.push_back(length);
  }
  lengths.push_back(1000);
  lengths.push_back(4999);
  for (const std::size_t length_a : lengths) {
    for (std::size_t i = 0; i < 40; ++i) {
      const std::size_t length_b = i < 8 ? length_a + i : lengths[rng() % lengths.size()];
      const std::string_view a = std::string_view(data).substr(rng() % 8, length_a);
      const std::string_view b = std::string_view(data).substr(3, length_b);
      const auto digests = Sha256::digest_pair(a, b);
      ASSERT_EQ(Sha256::hex(digests[0]), Sha256::hex_of(a)) << length_a << " and " << length_b << " bytes";
      ASSERT_EQ(Sha256::hex(digests[1]), Sha256::hex_of(b)) << length_a << " and " << length_b << " bytes";
    }
  }
  const auto empty = Sha256::digest_pair("", "abc");
  EXPECT_EQ(Sha256::hex(empty[0]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256::hex(empty[1]), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
