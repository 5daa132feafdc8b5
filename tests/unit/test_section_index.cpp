// The section index lines of the trailer (ifnbackup/manifest.hpp): written, read back, and
// every malformed variant refused, since restore --tables trusts what they say.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include "ifnbackup/error.hpp"
#include "ifnbackup/manifest.hpp"
#include "io/gzip_member.hpp"
#include "io/parallel_gzip_writer.hpp"
#include "verify/section_check.hpp"
#include "unit/temp_dir_test.hpp"

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

TEST(SectionIndex, PartsFollowTheirTable) {
  std::vector<Section> sections = sample_sections();
  // merchants goes on in two parts.
  sections.insert(sections.begin() + 2, Section{SectionKind::part, "merchants", 0, 9586, 100, 200, 0x12u});
  sections.insert(sections.begin() + 3, Section{SectionKind::part, "merchants", 0, 9686, 50, 60, 0x34u});
  for (std::size_t i = 4; i < sections.size(); ++i) {
    sections[i].at += 150;
  }
  const std::string text = ifnbackup::format_index(sections);
  EXPECT_NE(text.find("-- ifnbackup-section: part `merchants` at=9586 size=100 bytes=200 crc32=00000012\n"),
            std::string::npos)
      << text;
  const auto parsed = ifnbackup::parse_index(text);
  ASSERT_TRUE(parsed.has_value()) << text;
  EXPECT_EQ(*parsed, sections);
  const std::uint64_t end_at = sections.back().at + sections.back().size;
  const std::uint64_t end_bytes = 1164 + 40000 + 200 + 60 + 575 + 5881;
  EXPECT_TRUE(ifnbackup::index_is_contiguous(sections, end_at, end_bytes));

  auto stray = sections;
  stray[3].table = "other";
  EXPECT_FALSE(ifnbackup::index_is_contiguous(stray, end_at, end_bytes)) << "a part of another table";
  auto after_prologue = sections;
  std::swap(after_prologue[1].kind, after_prologue[2].kind);
  after_prologue[1].rows = 0;
  EXPECT_FALSE(ifnbackup::index_is_contiguous(after_prologue, end_at, end_bytes)) << "a part before its table";
  EXPECT_FALSE(ifnbackup::parse_index(ifnbackup::format_index(sections).replace(text.find("part `merchants` at"), 17,
                                                                               "part at")))
      << "a part names its table";
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

// read_sections_in_order: sections decoded on several threads come out in file order, whole; the
// error reported is the first damaged section's in file order, whichever thread saw it first.
namespace {

namespace fs = std::filesystem;

struct SectionFile {
  fs::path path;
  std::vector<Section> sections;
  std::string content;
};

SectionFile write_sections(const fs::path& path, int count) {
  SectionFile file;
  file.path = path;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  EXPECT_GE(fd, 0);
  ifnbackup::io::ParallelGzipWriter writer(fd, 6, path.string(), 2, 64 * 1024);
  std::vector<std::uint64_t> firsts;
  std::vector<std::string> texts;
  for (int i = 0; i < count; ++i) {
    firsts.push_back(writer.cut());
    std::string text;
    for (int line = 0; line < (i % 3 == 0 ? 9000 : 40); ++line) {
      text += "INSERT INTO `t" + std::to_string(i) + "` VALUES (" + std::to_string(line * 7919 % 10007) + ");\n";
    }
    writer.write(text);
    texts.push_back(text);
    file.content += text;
  }
  const std::uint64_t end = writer.cut();
  const auto members = writer.wait_written();
  writer.finish();
  ::close(fd);
  for (int i = 0; i < count; ++i) {
    Section section{SectionKind::table, "t" + std::to_string(i)};
    const std::uint64_t last = i + 1 < count ? firsts[static_cast<std::size_t>(i) + 1] : end;
    section.at = members[firsts[static_cast<std::size_t>(i)]].offset;
    for (std::uint64_t m = firsts[static_cast<std::size_t>(i)]; m < last; ++m) {
      section.size += members[m].compressed;
      section.bytes += members[m].size;
    }
    section.crc32 = ifnbackup::io::gzip_crc32(texts[static_cast<std::size_t>(i)]);
    file.sections.push_back(section);
  }
  return file;
}

void flip_byte(const fs::path& path, std::uint64_t at) {
  std::fstream io(path, std::ios::in | std::ios::out | std::ios::binary);
  io.seekg(static_cast<std::streamoff>(at));
  const char c = static_cast<char>(io.get());
  io.seekp(static_cast<std::streamoff>(at));
  io.put(static_cast<char>(c ^ 0x40));
}

using SectionReading = ifnbackup::test::TempDirTest;

TEST_F(SectionReading, InOrderOnAnyNumberOfThreads) {
  const SectionFile file = write_sections(m_dir / "s.gz", 13);
  for (const unsigned threads : {1u, 2u, 3u, 8u}) {
    std::string got;
    std::vector<std::string> order;
    ifnbackup::verify_detail::read_sections_in_order(file.path, file.sections, threads,
                                                     [&](const Section& section, std::string_view text) {
                                                       order.push_back(section.table);
                                                       EXPECT_EQ(text.size(), section.bytes);
                                                       got.append(text);
                                                     });
    EXPECT_EQ(got, file.content) << "threads " << threads;
    ASSERT_EQ(order.size(), 13u);
    EXPECT_EQ(order.front(), "t0");
    EXPECT_EQ(order.back(), "t12");
  }
}

TEST_F(SectionReading, TheFirstDamagedSectionInFileOrderIsReported) {
  const SectionFile file = write_sections(m_dir / "d.gz", 9);
  // Section 6 is big (9000 lines) and damaged, section 2 is small and its CRC in the index wrong.
  flip_byte(file.path, file.sections[6].at + file.sections[6].size / 2);
  std::vector<Section> sections = file.sections;
  sections[2].crc32 ^= 1;
  for (const unsigned threads : {1u, 2u, 4u}) {
    std::size_t consumed = 0;
    try {
      ifnbackup::verify_detail::read_sections_in_order(file.path, sections, threads,
                                                       [&](const Section&, std::string_view) { ++consumed; });
      ADD_FAILURE() << "no error with " << threads << " threads";
    } catch (const ifnbackup::Error& error) {
      EXPECT_EQ(error.code(), ifnbackup::ErrorCode::corrupt) << error.what();
      EXPECT_NE(std::string(error.what()).find("table `t2`"), std::string::npos) << error.what();
      EXPECT_EQ(consumed, 2u) << "sections before the damaged one were handed over, none after";
    }
  }
}

}  // namespace
