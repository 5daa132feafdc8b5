// A big table's key ranges for the content proof (proof/key_ranges): every value of the key in
// exactly one range, none empty, at the extremes of signed and unsigned BIGINT too.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "proof/key_ranges.hpp"

namespace ifnbackup {
namespace {

using Boundaries = std::vector<std::string>;

TEST(KeyRanges, EqualWidthsBetweenMinAndMax) {
  // 11 values in 3 ranges: [-5, -2), [-2, 2), [2, 5].
  EXPECT_EQ(proof::integer_boundaries("-5", "5", false, 3), (Boundaries{"-2", "2"}));
  EXPECT_EQ(proof::integer_boundaries("1", "200", false, 8),
            (Boundaries{"26", "51", "76", "101", "126", "151", "176"}));
  // Fewer values than parts: one value a range.
  EXPECT_EQ(proof::integer_boundaries("1", "3", false, 8), (Boundaries{"2", "3"}));
}

TEST(KeyRanges, TheExtremesOfBigint) {
  const std::string min = std::to_string(std::numeric_limits<std::int64_t>::min());
  const std::string max = std::to_string(std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(proof::integer_boundaries(min, max, false, 4),
            (Boundaries{"-4611686018427387904", "0", "4611686018427387904"}));
  EXPECT_EQ(proof::integer_boundaries(min, std::to_string(std::numeric_limits<std::int64_t>::min() + 1), false, 4),
            (Boundaries{std::to_string(std::numeric_limits<std::int64_t>::min() + 1)}));
  EXPECT_EQ(proof::integer_boundaries(std::to_string(std::numeric_limits<std::int64_t>::max() - 1), max, false, 4),
            (Boundaries{max}));
  const std::string umax = std::to_string(std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(proof::integer_boundaries("0", umax, true, 2), (Boundaries{"9223372036854775808"}));
  EXPECT_EQ(proof::integer_boundaries("18446744073709551614", umax, true, 4), (Boundaries{umax}));
  EXPECT_TRUE(proof::integer_boundaries("0", umax, false, 4).empty()) << "not a signed BIGINT";
}

TEST(KeyRanges, NothingToCut) {
  EXPECT_TRUE(proof::integer_boundaries("7", "7", false, 8).empty()) << "one row, or one value";
  EXPECT_TRUE(proof::integer_boundaries("1", "100", false, 1).empty());
  EXPECT_TRUE(proof::integer_boundaries("9", "1", false, 4).empty());
  EXPECT_TRUE(proof::integer_boundaries("1.5", "9", false, 4).empty());
  EXPECT_TRUE(proof::integer_boundaries("", "9", false, 4).empty());
  EXPECT_TRUE(proof::integer_boundaries("-1", "9", true, 4).empty());
  EXPECT_EQ(proof::range_conditions("`id`", {}), (std::vector<std::string>{""})) << "the whole table";
}

TEST(KeyRanges, ConditionsOpenAtBothEnds) {
  EXPECT_EQ(proof::range_conditions("`id`", {"-2", "2"}),
            (std::vector<std::string>{"`id` < -2", "`id` >= -2 AND `id` < 2", "`id` >= 2"}));
  EXPECT_EQ(proof::range_conditions("`k``1`", {"9223372036854775808"}),
            (std::vector<std::string>{"`k``1` < 9223372036854775808", "`k``1` >= 9223372036854775808"}));
}

// Every value from min to max falls in exactly one range and no range is empty, whatever the widths.
TEST(KeyRanges, EveryValueInExactlyOneRange) {
  for (int min = -12; min <= 12; ++min) {
    for (int max = min; max <= min + 30; ++max) {
      for (std::size_t parts = 1; parts <= 9; ++parts) {
        const auto boundaries = proof::integer_boundaries(std::to_string(min), std::to_string(max), false, parts);
        std::vector<long> cuts;
        for (const auto& boundary : boundaries) {
          cuts.push_back(std::stol(boundary));
        }
        SCOPED_TRACE(testing::Message() << min << ".." << max << " in " << parts);
        ASSERT_LE(cuts.size() + 1, std::max<std::size_t>(1, parts));
        if (max > min && parts > 1) {
          ASSERT_EQ(cuts.size() + 1, std::min<std::size_t>(parts, static_cast<std::size_t>(max - min + 1)));
        }
        std::vector<int> in_range(cuts.size() + 1, 0);
        for (int value = min; value <= max; ++value) {
          int ranges_holding = 0;
          for (std::size_t r = 0; r <= cuts.size(); ++r) {
            const bool above = r == 0 || value >= cuts[r - 1];
            const bool below = r == cuts.size() || value < cuts[r];
            if (above && below) {
              ++ranges_holding;
              ++in_range[r];
            }
          }
          ASSERT_EQ(ranges_holding, 1) << value;
        }
        for (const int count : in_range) {
          EXPECT_GT(count, 0) << "an empty range";
        }
      }
    }
  }
}

}  // namespace
}  // namespace ifnbackup
