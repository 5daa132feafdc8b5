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

// Every byte: the seven that mysql_real_escape_string escapes get a backslash and their letter, every
// other byte (UTF-8's included) is written as it is. A dump's text must not change with the encoder.
TEST(SqlText, EveryOtherByteIsWrittenAsItIs) {
  const std::string escaped = std::string("\0\n\r\\'\"\x1a", 7);
  const std::string letters = "0nr\\'\"Z";
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    const std::size_t at = escaped.find(c);
    const std::string expected =
        at == std::string::npos ? std::string("'") + c + "'" : std::string("'\\") + letters[at] + "'";
    EXPECT_EQ(quote_string(std::string(1, c)), expected) << "byte " << b;
    EXPECT_EQ(quote_string(std::string("ab") + c + "cd"), "'ab" + expected.substr(1, expected.size() - 2) + "cd'")
        << "byte " << b;
  }
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
