// SQL text helpers: quoting and reading back identifiers and string literals.
#include <gtest/gtest.h>

#include "sql/text.hpp"

namespace ifnbackup::sql {
namespace {

TEST(SqlText, StringLiteralsEscapeWhatTheServerReadsSpecially) {
  EXPECT_EQ(quote_string("shop"), "'shop'");
  EXPECT_EQ(quote_string(std::string_view("a'b\"c\\d\ne\rf\x1ag\0h", 15)), "'a\\'b\\\"c\\\\d\\ne\\rf\\Zg\\0h'");
  std::string out = "x=";
  append_quoted_string(out, "");
  EXPECT_EQ(out, "x=''");
}

TEST(SqlText, IdentifiersRoundTrip) {
  EXPECT_EQ(quote_identifier("we`ird"), "`we``ird`");
  const std::string text = "INSERT INTO `we``ird` (";
  std::size_t at = 12;
  EXPECT_EQ(parse_quoted_identifier(text, at), "we`ird");
  EXPECT_EQ(text.substr(at), " (");
  std::size_t unclosed = 0;
  EXPECT_EQ(parse_quoted_identifier("`open", unclosed), std::nullopt);
  EXPECT_EQ(unclosed, 0U);
}

TEST(SqlText, NamesAreCountedInCharactersAndPlainNamesAreWords) {
  EXPECT_EQ(identifier_length("caf\xc3\xa9"), 4U);
  EXPECT_TRUE(is_plain_name("utf8mb4_unicode_ci"));
  EXPECT_FALSE(is_plain_name(""));
  EXPECT_FALSE(is_plain_name("utf8mb4 ci"));
  EXPECT_FALSE(is_plain_name(std::string(65, 'a')));
}

}  // namespace
}  // namespace ifnbackup::sql
