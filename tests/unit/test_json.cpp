// JsonWriter: what --json prints must parse as JSON whatever a file name or a reason holds.
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "ifnbackup/json.hpp"

namespace {

using ifnbackup::util::append_json_string;
using ifnbackup::util::JsonWriter;
using namespace std::string_view_literals;

std::string json_quoted(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

struct EscapeCase {
  std::string_view input;
  std::string_view expected;
};

class JsonEscape : public ::testing::TestWithParam<EscapeCase> {};

TEST_P(JsonEscape, WritesAValidJsonString) {
  EXPECT_EQ(json_quoted(GetParam().input), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Strings, JsonEscape,
    ::testing::Values(EscapeCase{"", R"("")"}, EscapeCase{"plain", R"("plain")"},
                      EscapeCase{R"(say "OUI")", R"("say \"OUI\"")"},
                      EscapeCase{R"(C:\backups\x)", R"("C:\\backups\\x")"},
                      EscapeCase{"\\\"", R"("\\\"")"},  // backslash then quote: both escaped, in order
                      EscapeCase{"a\nb\rc\td", R"("a\nb\rc\td")"},
                      EscapeCase{"\x01\x02\x1f", R"("\u0001\u0002\u001f")"}, EscapeCase{"\b\f", R"("\u0008\u000c")"},
                      EscapeCase{"nul\0byte"sv, R"("nul\u0000byte")"},
                      EscapeCase{" ~\x7f", "\" ~\x7f\""},  // 0x20 and DEL need no escape in JSON
                      EscapeCase{"/slash/", R"("/slash/")"},
                      // UTF-8 passes through byte for byte: accents, CJK, a 4-byte emoji.
                      EscapeCase{"Marché d'Adjamé", "\"Marché d'Adjamé\""}, EscapeCase{"日本 😀", "\"日本 😀\""}));

TEST(JsonEscape, AppendsToWhatIsAlreadyThere) {
  std::string out = "x=";
  append_json_string(out, "a\"b");
  EXPECT_EQ(out, R"(x="a\"b")");
}

TEST(JsonEscape, EveryControlCharacterIsEscaped) {
  for (int c = 0; c < 0x20; ++c) {
    const std::string text(1, static_cast<char>(c));
    const std::string json = json_quoted(text);
    ASSERT_GE(json.size(), 4U) << c;
    EXPECT_EQ(json[1], '\\') << "control character " << c << " written raw";
    for (char byte : json) {
      EXPECT_GE(static_cast<unsigned char>(byte), 0x20) << "control character " << c << " in " << json;
    }
  }
}

TEST(JsonWriter, EmptyObjectAndArray) {
  EXPECT_EQ(JsonWriter().begin_object().end_object().str(), "{}");
  EXPECT_EQ(JsonWriter().begin_array().end_array().str(), "[]");
}

TEST(JsonWriter, CommasBetweenMembersAndElementsOnly) {
  JsonWriter json;
  json.begin_object()
      .key("files")
      .begin_array()
      .begin_object()
      .key("file")
      .value("a.sql.gz")
      .key("ok")
      .value(true)
      .end_object()
      .begin_object()
      .key("file")
      .value("b.sql.gz")
      .key("ok")
      .value(false)
      .end_object()
      .end_array()
      .key("summary")
      .begin_object()
      .key("files")
      .value(2)
      .key("empty")
      .begin_array()
      .end_array()
      .end_object()
      .key("last")
      .null()
      .end_object();
  EXPECT_EQ(json.str(), R"({"files":[{"file":"a.sql.gz","ok":true},{"file":"b.sql.gz","ok":false}],)"
                        R"("summary":{"files":2,"empty":[]},"last":null})");
}

TEST(JsonWriter, ArrayOfScalarsAndNestedArrays) {
  JsonWriter json;
  json.begin_array()
      .value(1)
      .value("two")
      .null()
      .begin_array()
      .value(3)
      .end_array()
      .begin_array()
      .end_array()
      .end_array();
  EXPECT_EQ(json.str(), R"([1,"two",null,[3],[]])");
}

TEST(JsonWriter, KeysAreEscapedToo) {
  JsonWriter json;
  json.begin_object().key("we\"ird\\key\n").value("v").end_object();
  EXPECT_EQ(json.str(), R"({"we\"ird\\key\n":"v"})");
}

TEST(JsonWriter, StringOverloadsAgree) {
  const std::string text = "tab\there";
  JsonWriter json;
  json.begin_array().value(text).value(text.c_str()).value(std::string_view(text)).end_array();
  EXPECT_EQ(json.str(), R"(["tab\there","tab\there","tab\there"])");
}

TEST(JsonWriter, IntegersAtTheirLimits) {
  JsonWriter json;
  json.begin_array()
      .value(std::numeric_limits<std::uint64_t>::max())
      .value(std::numeric_limits<std::int64_t>::min())
      .value(std::int64_t{-3600})  // a backup dated in the future has a negative age
      .value(0)
      .end_array();
  EXPECT_EQ(json.str(), "[18446744073709551615,-9223372036854775808,-3600,0]");
}

TEST(JsonWriter, DoublesAreNumbersAndNonFiniteIsNull) {
  JsonWriter json;
  json.begin_array()
      .value(26.9)
      .value(0.5)
      .value(std::numeric_limits<double>::quiet_NaN())
      .value(std::numeric_limits<double>::infinity())
      .value(-std::numeric_limits<double>::infinity())
      .end_array();
  EXPECT_EQ(json.str(), "[26.9,0.5,null,null,null]");
}

TEST(JsonWriter, BooleansAndNull) {
  JsonWriter json;
  json.begin_object().key("t").value(true).key("f").value(false).key("n").null().end_object();
  EXPECT_EQ(json.str(), R"({"t":true,"f":false,"n":null})");
}

TEST(JsonWriter, ValueAfterKeyHasNoComma) {
  // A key resets the separator: the value that follows is written right after the colon.
  JsonWriter json;
  json.begin_object().key("a").begin_object().end_object().key("b").begin_array().end_array().end_object();
  EXPECT_EQ(json.str(), R"({"a":{},"b":[]})");
}

}  // namespace
