// The content digest of a table (proof/row_digest) and its place in the manifest line.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "ifnbackup/manifest.hpp"
#include "proof/row_digest.hpp"
#include "restore/content_proof.hpp"
#include "util/sha256.hpp"

namespace ifnbackup {
namespace {

std::string digest_of(const std::vector<std::string>& rows) {
  proof::RowDigest digest;
  for (const auto& row : rows) {
    digest.add_row(row);
  }
  return digest.hex();
}

TEST(RowDigest, IsTheLaneWiseSumOfEachRowsSha256) {
  // Computed independently: the first 16 bytes of SHA-256 of each row, as two big-endian 64-bit
  // numbers, summed modulo 2^64.
  const std::vector<std::string> rows{"(1,'a')", "(2,NULL)", "(0,0x00FF)"};
  std::uint64_t sum[2] = {0, 0};
  for (const auto& row : rows) {
    const std::string hex = util::Sha256::hex_of(row);
    sum[0] += std::stoull(hex.substr(0, 16), nullptr, 16);
    sum[1] += std::stoull(hex.substr(16, 16), nullptr, 16);
  }
  char expected[33];
  std::snprintf(expected, sizeof expected, "%016llx%016llx", static_cast<unsigned long long>(sum[0]),
                static_cast<unsigned long long>(sum[1]));
  EXPECT_EQ(digest_of(rows), expected);
  EXPECT_TRUE(proof::is_digest_hex(digest_of(rows)));
}

TEST(RowDigest, OrderDoesNotMatterButEveryRowDoes) {
  const std::string base = digest_of({"(1,'a')", "(2,'b')", "(2,'b')"});
  EXPECT_EQ(digest_of({"(2,'b')", "(1,'a')", "(2,'b')"}), base);
  EXPECT_NE(digest_of({"(1,'a')", "(2,'b')"}), base) << "a lost duplicate row";
  EXPECT_NE(digest_of({"(1,'a')", "(2,'b')", "(2,'c')"}), base) << "a changed value";
  EXPECT_NE(digest_of({"(1,'a')", "(2,'b')", "(2,'b')", "(3,'c')"}), base) << "an extra row";
  EXPECT_NE(digest_of({"(0,'a')", "(2,'b')", "(2,'b')"}), base) << "a renumbered id";
  EXPECT_EQ(digest_of({}), std::string(32, '0'));
}

// The proof reads a big table in key ranges on several connections: the parts' digests added are
// the whole table's, rows and bytes counted once.
TEST(RowDigest, PartsReadApartAddUpToTheWhole) {
  const std::vector<std::string> rows{"(1,'a')", "(2,'b')", "(3,NULL)", "(4,0x00)", "(5,'e')"};
  proof::RowDigest whole;
  proof::RowDigest first;
  proof::RowDigest second;
  proof::RowDigest empty;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    whole.add_row(rows[i]);
    (i < 2 ? first : second).add_row(rows[i]);
  }
  proof::RowDigest sum;
  sum.add(second);
  sum.add(empty);
  sum.add(first);
  EXPECT_EQ(sum.hex(), whole.hex());
  EXPECT_EQ(sum.rows(), 5u);
  EXPECT_EQ(sum.bytes(), whole.bytes());
  sum.add(first);
  EXPECT_NE(sum.hex(), whole.hex()) << "a range read twice";
}

// The sum computed here row by row, one SHA-256 each: what the digest was before rows were hashed
// two at a time, and what the file format says.
std::string one_by_one(const std::vector<std::string>& rows) {
  std::uint64_t sum[2] = {0, 0};
  for (const auto& row : rows) {
    util::Sha256 sha;
    sha.update(row);
    const auto digest = sha.finish();
    for (int lane = 0; lane < 2; ++lane) {
      for (int i = 0; i < 8; ++i) {
        sum[lane] += std::uint64_t{digest[lane * 8 + i]} << (56 - 8 * i);
      }
    }
  }
  char text[33];
  std::snprintf(text, sizeof text, "%016llx%016llx", static_cast<unsigned long long>(sum[0]),
                static_cast<unsigned long long>(sum[1]));
  return text;
}

std::vector<std::string> random_rows(std::mt19937_64& rng, std::size_t count) {
  std::vector<std::string> rows;
  for (std::size_t i = 0; i < count; ++i) {
    // Empty, one block, two, three with padding (~174 bytes, a transaction row), and longer.
    static constexpr std::size_t k_lengths[] = {0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 129, 174, 183, 184, 700};
    std::string row(rng() % 3 == 0 ? rng() % 300 : k_lengths[rng() % std::size(k_lengths)], '\0');
    for (char& c : row) {
      c = static_cast<char>(rng());
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// Odd and even counts: a last row left waiting for a partner is counted all the same, and reading
// the digest midway changes nothing after.
TEST(RowDigest, RowsHashedInPairsSumAsOneByOne) {
  std::mt19937_64 rng(20261201);
  for (std::size_t count = 0; count < 40; ++count) {
    const auto rows = random_rows(rng, count == 39 ? 1001 : count);
    proof::RowDigest digest;
    std::uint64_t bytes = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      digest.add_row(rows[i]);
      bytes += rows[i].size();
      ASSERT_EQ(digest.rows(), i + 1);
      ASSERT_EQ(digest.bytes(), bytes);
      if (i % 7 == 3) {
        ASSERT_EQ(digest.hex(), one_by_one({rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(i) + 1}))
            << "after " << i + 1 << " of " << rows.size() << " rows";
      }
    }
    EXPECT_EQ(digest.hex(), one_by_one(rows)) << rows.size() << " rows";
    const proof::RowDigest copy = digest;
    EXPECT_EQ(copy.hex(), digest.hex());
  }
}

// Parts with a row waiting (odd counts) added to a whole that has one waiting too, or not.
TEST(RowDigest, PartsWithAWaitingRowAddUp) {
  std::mt19937_64 rng(29);
  for (int round = 0; round < 200; ++round) {
    const auto rows = random_rows(rng, rng() % 12);
    std::vector<proof::RowDigest> parts(1 + rng() % 4);
    for (const auto& row : rows) {
      parts[rng() % parts.size()].add_row(row);
    }
    proof::RowDigest sum;
    const std::size_t own = rng() % 3;
    const auto own_rows = random_rows(rng, own);
    for (const auto& row : own_rows) {
      sum.add_row(row);
    }
    for (const auto& part : parts) {
      sum.add(part);
    }
    auto all = rows;
    all.insert(all.end(), own_rows.begin(), own_rows.end());
    std::uint64_t bytes = 0;
    for (const auto& row : all) {
      bytes += row.size();
    }
    ASSERT_EQ(sum.hex(), one_by_one(all)) << "round " << round;
    ASSERT_EQ(sum.rows(), all.size());
    ASSERT_EQ(sum.bytes(), bytes);
    // A part's waiting row is a copy: the part itself still has it, and goes on.
    for (const auto& part : parts) {
      proof::RowDigest again;
      again.add(part);
      ASSERT_EQ(again.hex(), part.hex());
    }
  }
}

TEST(ManifestDigest, WrittenAndReadBackAndOptional) {
  const std::string digest = digest_of({"(1)"});
  const std::string manifest = format_manifest({TableCount{"t`1", 1, digest}, TableCount{"old", 2, ""}});
  const std::string line = "-- ifnbackup-table: `t``1` rows=1 digest=" + digest;
  EXPECT_NE(manifest.find(line + "\n"), std::string::npos) << manifest;
  const auto parsed = parse_manifest_table_line(line);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, (TableCount{"t`1", 1, digest}));
  // Format 2 and older: no digest.
  const auto old = parse_manifest_table_line("-- ifnbackup-table: `old` rows=2");
  ASSERT_TRUE(old);
  EXPECT_TRUE(old->digest.empty());
  for (const std::string& bad : std::vector<std::string>{
           line + " ", line.substr(0, line.size() - 1), line + "0",
           "-- ifnbackup-table: `t` rows=1 digest=" + std::string(32, 'G'),
           "-- ifnbackup-table: `t` rows=1 digest=" + std::string(32, 'A'), "-- ifnbackup-table: `t` rows=1 digest="}) {
    EXPECT_FALSE(parse_manifest_table_line(bad)) << bad;
  }
}

TEST(ServerSeries, SameSeriesEncodesTheSame) {
  EXPECT_EQ(restore::server_series("10.11.19-MariaDB-0+deb12u1-log"), "10.11-MariaDB");
  EXPECT_EQ(restore::server_series("10.11.6-MariaDB"), "10.11-MariaDB");
  EXPECT_EQ(restore::server_series("11.4.2-MariaDB"), "11.4-MariaDB");
  EXPECT_EQ(restore::server_series("8.0.36"), "8.0");
  EXPECT_EQ(restore::server_series("8.0.11-TiDB-v7.5.0"), "8.0-TiDB");
  EXPECT_EQ(restore::server_series(""), "");
}

}  // namespace
}  // namespace ifnbackup
