// The section index lines of the trailer (ifnbackup/manifest.hpp): written, read back, and
// every malformed variant refused, since restore --tables trusts what they say.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ifnbackup/manifest.hpp"

namespace {

using ifnbackup::Section;
using ifnbackup::SectionKind;

std::vector<Section> sample_sections() {
  std::vector<Section> sections;
  sections.push_back(Section{SectionKind::prologue, "", 0, 0, 586, 1164, 0x73fc8533u});
  sections.push_back(Section{SectionKind::table, "merchants", 1200, 586, 9000, 40000, 0x0000abcdu});
  sections.push_back(Section{SectionKind::table, "weird`name; table", 1, 9586, 310, 575, 0xffffffffu});
  sections.push_back(Section{SectionKind::objects, "", 0, 9896, 1733, 5881, 0u});
  return sections;
}

TEST(SectionIndex, RoundTripsEveryKindAndName) {
  const auto sections = sample_sections();
  const std::string text = ifnbackup::format_index(sections);
  EXPECT_NE(text.find("-- ifnbackup-section: table `weird``name; table` rows=1 at=9586 size=310 bytes=575 "
                      "crc32=ffffffff\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("crc32=0000abcd\n"), std::string::npos) << "eight hex digits always";
  const auto parsed = ifnbackup::parse_index(text);
  ASSERT_TRUE(parsed.has_value()) << text;
  EXPECT_EQ(*parsed, sections);
  EXPECT_TRUE(ifnbackup::index_is_contiguous(sections, 9896 + 1733, 1164 + 40000 + 575 + 5881));
}

TEST(SectionIndex, MalformedBlocksAreRefused) {
  const std::string good = ifnbackup::format_index(sample_sections());
  auto replaced = [&](const std::string& from, const std::string& to) {
    std::string text = good;
    text.replace(text.find(from), from.size(), to);
    return text;
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"malformed crc", replaced("crc32=0000abcd", "crc32=abcd")},
      {"non-hex crc", replaced("crc32=0000abcd", "crc32=0000abcg")},
      {"wrong section count", replaced("sections=4", "sections=5")},
      {"unknown kind", replaced("objects at=", "others at=")},
      {"missing field", replaced(" size=9000", "")},
      {"unclosed name", replaced("`merchants`", "`merchants")},
      {"text after the end", good + "-- more\n"},
      {"no end line", good.substr(0, good.find("-- ifnbackup-index-end"))},
      {"no begin line", good.substr(good.find('\n') + 1)},
      {"negative number", replaced("at=586 ", "at=-586 ")},
  };
  for (const auto& [what, text] : cases) {
    EXPECT_FALSE(ifnbackup::parse_index(text).has_value()) << what << ":\n" << text;
  }
}

TEST(SectionIndex, ContiguityIsChecked) {
  const auto good = sample_sections();
  const std::uint64_t end_at = 9896 + 1733;
  const std::uint64_t end_bytes = 1164 + 40000 + 575 + 5881;
  EXPECT_FALSE(ifnbackup::index_is_contiguous(good, end_at + 1, end_bytes)) << "a gap before the index";
  EXPECT_FALSE(ifnbackup::index_is_contiguous(good, end_at, end_bytes - 1)) << "uncompressed total differs";
  auto gap = good;
  gap[2].at += 1;
  EXPECT_FALSE(ifnbackup::index_is_contiguous(gap, end_at, end_bytes)) << "sections that do not touch";
  auto order = good;
  std::swap(order[0], order[1]);
  EXPECT_FALSE(ifnbackup::index_is_contiguous(order, end_at, end_bytes)) << "the prologue first";
  auto objects_inside = good;
  objects_inside[1].kind = SectionKind::objects;
  EXPECT_FALSE(ifnbackup::index_is_contiguous(objects_inside, end_at, end_bytes)) << "tables in the middle";
  EXPECT_FALSE(ifnbackup::index_is_contiguous({good.front()}, 586, 1164)) << "no objects section";
}

TEST(SectionIndex, LocatorLine) {
  const std::string line = ifnbackup::format_index_locator({387810, 858});
  EXPECT_EQ(line, "-- ifnbackup-index-at: 387810 size=858\n");
  const auto parsed = ifnbackup::parse_index_locator(line.substr(0, line.size() - 1));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->at, 387810u);
  EXPECT_EQ(parsed->size, 858u);
  for (const char* bad : {"-- ifnbackup-index-at: 1", "-- ifnbackup-index-at:  1 size=2", "-- ifnbackup-index-at: x size=2",
                          "-- ifnbackup-index-at: 1 size=2 extra", "-- ifnbackup-sha256: 1 size=2"}) {
    EXPECT_FALSE(ifnbackup::parse_index_locator(bad).has_value()) << bad;
  }
}

}  // namespace
