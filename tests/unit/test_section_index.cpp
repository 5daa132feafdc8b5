// The section index lines of the trailer (ifnbackup/manifest.hpp): written, read back, and
// every malformed variant refused, since restore --tables trusts what they say.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include "backup/dump_writer.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/manifest.hpp"
#include "ifnbackup/verify.hpp"
#include "io/gzip_member.hpp"
#include "io/parallel_gzip_writer.hpp"
#include "restore/table_sections.hpp"
#include "sql/text.hpp"
#include "unit/temp_dir_test.hpp"
#include "verify/section_check.hpp"

namespace {

using ifnbackup::Section;
using ifnbackup::SectionKind;

std::vector<Section> sample_sections() {
  std::vector<Section> sections;
  sections.push_back(Section{SectionKind::prologue, "", 0, false, 0, 586, 1164, 0x73fc8533u});
  sections.push_back(Section{SectionKind::table, "merchants", 1200, false, 586, 9000, 40000, 0x0000abcdu});
  sections.push_back(Section{SectionKind::table, "weird`name; table", 1, false, 9586, 310, 575, 0xffffffffu});
  sections.push_back(Section{SectionKind::objects, "", 0, false, 9896, 1733, 5881, 0u});
  return sections;
}

TEST(SectionIndex, ANameWithALineBreakStaysOnItsLine) {
  std::vector<Section> sections = sample_sections();
  sections[2].table = "a\nb\tc";
  const std::string text = ifnbackup::format_index(sections);
  EXPECT_NE(text.find("-- ifnbackup-section: table x'610a620963' rows=1 at=9586 "), std::string::npos) << text;
  const auto parsed = ifnbackup::parse_index(text);
  ASSERT_TRUE(parsed.has_value()) << text;
  EXPECT_EQ(*parsed, sections);
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
  sections.insert(sections.begin() + 2, Section{SectionKind::part, "merchants", 0, false, 9586, 100, 200, 0x12u});
  sections.insert(sections.begin() + 3, Section{SectionKind::part, "merchants", 0, false, 9686, 50, 60, 0x34u});
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
  EXPECT_FALSE(ifnbackup::parse_index(
      ifnbackup::format_index(sections).replace(text.find("part `merchants` at"), 17, "part at")))
      << "a part names its table";
}

TEST(SectionIndex, LocatorLine) {
  const std::string line = ifnbackup::format_index_locator({387810, 858});
  EXPECT_EQ(line, "-- ifnbackup-index-at: 387810 size=858\n");
  const auto parsed = ifnbackup::parse_index_locator(line.substr(0, line.size() - 1));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->at, 387810u);
  EXPECT_EQ(parsed->size, 858u);
  for (const char* bad :
       {"-- ifnbackup-index-at: 1", "-- ifnbackup-index-at:  1 size=2", "-- ifnbackup-index-at: x size=2",
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
  std::vector<std::uint64_t> ranges;
  std::vector<std::string> texts;
  for (int i = 0; i < count; ++i) {
    ranges.push_back(writer.cut());
    std::string text;
    for (int line = 0; line < (i % 3 == 0 ? 9000 : 40); ++line) {
      text += "INSERT INTO `t" + std::to_string(i) + "` (x) VALUES (" + std::to_string(line * 7919 % 10007) + ");\n";
    }
    writer.write(text);
    texts.push_back(text);
    file.content += text;
  }
  writer.cut();
  const auto written = writer.wait_written();
  writer.finish();
  ::close(fd);
  for (int i = 0; i < count; ++i) {
    // Parts of one table `t<i>`: each starts with its INSERT, as read_section checks.
    Section section{SectionKind::part, "t" + std::to_string(i)};
    const auto& range = written[ranges[static_cast<std::size_t>(i)]];
    section.at = range.offset;
    section.size = range.compressed;
    section.bytes = range.size;
    section.crc32 = range.crc32;
    EXPECT_EQ(range.crc32, ifnbackup::io::gzip_crc32(texts[static_cast<std::size_t>(i)]));
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
      EXPECT_NE(std::string(error.what()).find("a part of table `t2`"), std::string::npos) << error.what();
      EXPECT_EQ(consumed, 2u) << "sections before the damaged one were handed over, none after";
    }
  }
}

}  // namespace

// Files made by the real writer (DumpWriter over ParallelGzipWriter), some of them made to lie:
// the index is checked against the content and the manifest, not only against its own CRCs.
namespace {

using ifnbackup::TableCount;
using ifnbackup::VerifyStatus;

struct FakeTable {
  std::string name;          // the name the index gets
  std::string content_name;  // the name in its SQL
  std::uint64_t rows = 0;    // the index's row count
  std::size_t lines = 3;
};

fs::path write_dump(const fs::path& path, const std::vector<FakeTable>& tables, const std::vector<TableCount>& manifest,
                    std::uint64_t min_range_bytes,
                    std::uint64_t part_bytes = ifnbackup::backup::DumpWriter::k_part_bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  EXPECT_GE(fd, 0);
  ifnbackup::io::ParallelGzipWriter gzip(fd, 6, path.string(), 2);
  ifnbackup::backup::DumpWriter out(gzip, 64 * 1024, part_bytes, min_range_bytes);
  out.write("-- ifnbackup test dump of database `d`\n-- ifnbackup-format: 2\n\n/*!40101 SET NAMES utf8mb4 */;\n");
  for (const FakeTable& table : tables) {
    // Quoted as the dumper quotes (sql::quote_identifier): backticks doubled.
    std::string name = "`";
    for (const char c : table.content_name) {
      name += c == '`' ? std::string("``") : std::string(1, c);
    }
    name += "`";
    out.begin_table(table.name);
    out.write("--\n-- Table structure for table " + name + "\n--\n\nCREATE TABLE " + name + " (id INT PRIMARY KEY);\n");
    for (std::size_t line = 0; line < table.lines; ++line) {
      out.statement_begin();
      out.write("INSERT INTO " + name + " (id) VALUES (" + std::to_string(line) + ");\n");
      out.statement_end();
    }
    // As the dumper ends a table's rows: the last INSERT may be the one that filled a part.
    out.write("/*!40000 ALTER TABLE " + name + " ENABLE KEYS */;\n");
    out.end_table(table.rows);
  }
  out.begin_objects();
  out.write("/*!40101 SET NAMES utf8mb4 */;\n");
  out.finish(manifest, std::chrono::system_clock::now());
  ::close(fd);
  return path;
}

using WrittenIndex = ifnbackup::test::TempDirTest;

TEST_F(WrittenIndex, ConsistentFilesVerifyOnOneAndTwoThreads) {
  const std::string weird = "weird`name; café crème";
  const std::vector<FakeTable> tables = {{"a", "a", 3}, {weird, weird, 3}, {"c", "c", 3, 40000}};
  const std::vector<TableCount> manifest = {{"a", 3}, {weird, 3}, {"c", 3}};
  // Every table in a range of its own; then tiny tables sharing the prologue's; then parts of c.
  // The last: a part due after every INSERT, the table's last one included.
  for (const auto& [min_range, part] : std::vector<std::pair<std::uint64_t, std::uint64_t>>{
           {0, 1u << 30}, {1u << 20, 1u << 30}, {0, 100000}, {0, 10}}) {
    const fs::path file = write_dump(m_dir / "ok.sql.gz", tables, manifest, min_range, part);
    for (const unsigned threads : {1u, 2u}) {
      const auto result = ifnbackup::verify_backup_file(file, {}, threads);
      EXPECT_EQ(result.status, VerifyStatus::ok)
          << min_range << "/" << part << ", threads " << threads << ": " << result.reason;
      EXPECT_GE(result.sections, 5u);
      const auto written = ifnbackup::verify_written_backup(file, threads);
      EXPECT_EQ(written.status, VerifyStatus::ok) << "read-back, threads " << threads << ": " << written.reason;
      EXPECT_EQ(written.sections, result.sections);
      EXPECT_EQ(written.index_sha256, result.index_sha256);
    }
    const auto index = ifnbackup::verify_detail::SectionCheck::load(file);
    ASSERT_TRUE(index.has_value());
    const bool shared = std::any_of(index->sections().begin(), index->sections().end(),
                                    [](const Section& section) { return section.with_previous; });
    EXPECT_EQ(shared, min_range > 0) << "tiny tables share a range only when asked to";
    const bool parts = std::any_of(index->sections().begin(), index->sections().end(),
                                   [](const Section& section) { return section.kind == SectionKind::part; });
    EXPECT_EQ(parts, part < (1u << 30));
  }
}

// The backup's read-back checks each range's SHA-256 on the decoding threads instead of hashing the
// whole content on one (issue 13): a range whose bytes are not those its index entry hashed is found
// there, and the read-back still gives the content's SHA-256 the full verification computes.
TEST_F(WrittenIndex, TheReadBackChecksEachRangeSha256OnTheDecodingThreads) {
  const std::vector<FakeTable> tables = {{"a", "a", 3}, {"b", "b", 3}, {"c", "c", 3, 40000}};
  const fs::path file = write_dump(m_dir / "ok.sql.gz", tables, {{"a", 3}, {"b", 3}, {"c", 3}}, 0);
  const auto index = ifnbackup::verify_detail::SectionCheck::load(file);
  ASSERT_TRUE(index.has_value());
  std::vector<Section> sections = index->owned_sections();
  ASSERT_GE(sections.size(), 4u);
  std::uint64_t seen = 0;
  auto count = [&seen](const Section&, std::string_view text) { seen += text.size(); };
  ifnbackup::verify_detail::read_sections_in_order(file, sections, 2, count, true);
  EXPECT_GT(seen, 0u);

  // One range's SHA-256 wrong in the index: its length and CRC-32 still match.
  sections[2].sha256[0] = sections[2].sha256[0] == '0' ? '1' : '0';
  for (const bool check : {true, false}) {
    try {
      ifnbackup::verify_detail::read_sections_in_order(file, sections, 2, count, check);
      EXPECT_FALSE(check) << "a wrong SHA-256 passed";
    } catch (const ifnbackup::Error& error) {
      EXPECT_TRUE(check) << error.what();
      EXPECT_EQ(error.code(), ifnbackup::ErrorCode::corrupt);
      EXPECT_NE(std::string(error.what()).find("does not match the section index (sha256"), std::string::npos)
          << error.what();
    }
  }

  const auto full = ifnbackup::verify_backup_file(file, {}, 2);
  const auto written = ifnbackup::verify_written_backup(file, 2);
  ASSERT_EQ(full.status, VerifyStatus::ok) << full.reason;
  ASSERT_EQ(written.status, VerifyStatus::ok) << written.reason;
  EXPECT_EQ(written.decode_threads, 2u);
  EXPECT_EQ(written.sha256, full.sha256);
  EXPECT_EQ(written.content_bytes, full.content_bytes);
  // The restore's verification hashes by range too, and reads the statements as the full one does.
  const auto before_restore = ifnbackup::verify_before_restore(file, {}, 2);
  ASSERT_EQ(before_restore.status, VerifyStatus::ok) << before_restore.reason;
  EXPECT_EQ(before_restore.check, ifnbackup::VerifyCheck::full);
  EXPECT_EQ(before_restore.sha256, full.sha256);
  EXPECT_EQ(before_restore.statements, full.statements);
  EXPECT_GT(before_restore.statements, 0u);
  EXPECT_EQ(before_restore.largest_statement, full.largest_statement);
}

// The ranges' SHA-256 prove the content only as far as the checksum line's SHA-256 is the one the
// signer computed: in an unsigned file (or one signed by a key nobody trusts, restored with
// --trust-unsigned) a checksum line that no longer matches the content, ranges intact, is found by the
// restore's verification as by ifnbackup verify, before anything is loaded.
TEST_F(WrittenIndex, AChecksumLineThatDoesNotMatchTheContentIsCorruptForTheRestoreToo) {
  const std::vector<FakeTable> tables = {{"a", "a", 3}, {"b", "b", 3}, {"c", "c", 3, 40000}};
  const fs::path file = write_dump(m_dir / "lie.sql.gz", tables, {{"a", 3}, {"b", 3}, {"c", 3}}, 0);
  const auto tail = ifnbackup::io::read_stored_tail(file);
  ASSERT_TRUE(tail.has_value());
  std::string text = tail->text;
  const std::size_t at = text.find(ifnbackup::k_checksum_prefix);
  ASSERT_NE(at, std::string::npos);
  char& digit = text[at + ifnbackup::k_checksum_prefix.size()];
  digit = digit == '0' ? '1' : '0';
  fs::resize_file(file, tail->offset);
  std::ofstream(file, std::ios::binary | std::ios::app) << ifnbackup::io::stored_gzip_member(text);

  const auto full = ifnbackup::verify_backup_file(file, {}, 2);
  EXPECT_EQ(full.status, VerifyStatus::corrupt);
  EXPECT_NE(full.reason.find("content checksum mismatch"), std::string::npos) << full.reason;
  const auto before_restore = ifnbackup::verify_before_restore(file, {}, 2);
  EXPECT_EQ(before_restore.status, VerifyStatus::corrupt) << "the restore would load a file verify calls corrupt";
  EXPECT_NE(before_restore.reason.find("content checksum mismatch"), std::string::npos) << before_restore.reason;
}

// However many threads are asked for, no more decode than there are ranges, nor than keep the
// ranges in memory within the budget.
TEST_F(WrittenIndex, DecodeThreadsAreBoundedByRangesAndMemory) {
  const fs::path file = write_dump(m_dir / "few.sql.gz", {{"a", "a", 3}, {"b", "b", 3}, {"c", "c", 3}},
                                   {{"a", 3}, {"b", 3}, {"c", 3}}, 0);
  const auto index = ifnbackup::verify_detail::SectionCheck::load(file);
  ASSERT_TRUE(index.has_value());
  const auto ranges = static_cast<unsigned>(index->owned_sections().size());
  ASSERT_GE(ranges, 4u) << "prologue, a, b, c";
  EXPECT_EQ(index->decode_threads(1000), ranges);
  EXPECT_EQ(index->decode_threads(2), 2u);
  EXPECT_EQ(index->decode_threads(1), 1u);
  const auto result = ifnbackup::verify_backup_file(file, {}, 1000);
  EXPECT_EQ(result.status, VerifyStatus::ok) << result.reason;
  EXPECT_EQ(result.decode_threads, ranges);

  // Ranges of ~24 MB (no parts here): threads + 1 of them within the 128 MiB budget.
  std::vector<FakeTable> big;
  std::vector<TableCount> manifest;
  for (const char* name : {"p", "q", "r", "s", "t", "u", "v", "w"}) {
    big.push_back({name, name, 1, 600000});
    manifest.push_back({name, 1});
  }
  const fs::path large = write_dump(m_dir / "large.sql.gz", big, manifest, 0, 1ull << 40);
  const auto large_index = ifnbackup::verify_detail::SectionCheck::load(large);
  ASSERT_TRUE(large_index.has_value());
  std::uint64_t largest = 0;
  for (const Section& section : large_index->owned_sections()) {
    largest = std::max(largest, section.bytes);
  }
  ASSERT_GT(largest, 20u * 1024 * 1024);
  const unsigned threads = large_index->decode_threads(1000);
  EXPECT_EQ(threads, ifnbackup::verify_detail::k_parallel_memory_budget / largest - 1);
  EXPECT_LT(threads, large_index->owned_sections().size()) << "the budget, not the ranges, bounds it here";
  EXPECT_LE((threads + 1) * largest, ifnbackup::verify_detail::k_parallel_memory_budget);
}

TEST_F(WrittenIndex, AnIndexThatDisagreesWithTheContentOrTheManifestIsCorrupt) {
  struct Case {
    std::string what;
    std::vector<FakeTable> tables;
    std::vector<TableCount> manifest;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"rows differ from the manifest",
       {{"a", "a", 7}, {"b", "b", 3}},
       {{"a", 1000}, {"b", 3}},
       "does not list the manifest's tables"},
      {"names swapped", {{"b", "a", 3}, {"a", "b", 3}}, {{"b", 3}, {"a", 3}}, "does not start there"},
      {"a table twice", {{"a", "a", 3}, {"a", "a", 3}}, {{"a", 3}, {"a", 3}}, "lists table `a` twice"},
  };
  for (const Case& c : cases) {
    const fs::path file = write_dump(m_dir / "lie.sql.gz", c.tables, c.manifest, 0);
    for (const unsigned threads : {1u, 2u}) {
      const auto result = ifnbackup::verify_backup_file(file, {}, threads);
      EXPECT_EQ(result.status, VerifyStatus::corrupt) << c.what << ", threads " << threads;
      EXPECT_NE(result.reason.find(c.reason), std::string::npos) << c.what << ": " << result.reason;
      // The backup's read-back checks the index as the full verification does.
      const auto written = ifnbackup::verify_written_backup(file, threads);
      EXPECT_EQ(written.status, VerifyStatus::corrupt) << c.what << ", read-back, threads " << threads;
      EXPECT_NE(written.reason.find(c.reason), std::string::npos) << c.what << ": " << written.reason;
    }
    const auto partial = ifnbackup::restore::verify_table_sections(file, {"a"});
    ASSERT_TRUE(partial.has_value());
    EXPECT_EQ(partial->verification.status, VerifyStatus::corrupt)
        << c.what << ": restore --tables refuses it too: " << partial->verification.reason;
  }
}

TEST_F(WrittenIndex, ARecompressedBackupStillVerifies) {
  const fs::path file = write_dump(m_dir / "ours.sql.gz", {{"a", "a", 3}, {"b", "b", 3}}, {{"a", 3}, {"b", 3}}, 0);
  const fs::path again = m_dir / "again.sql.gz";
  ASSERT_EQ(std::system(("gzip -dc '" + file.string() + "' | gzip -6 > '" + again.string() + "'").c_str()), 0);
  const auto result = ifnbackup::verify_backup_file(again);
  EXPECT_EQ(result.status, VerifyStatus::ok) << result.reason;
  EXPECT_EQ(result.sections, 0u) << "its index can no longer be found: it is read whole";
  EXPECT_FALSE(ifnbackup::restore::verify_table_sections(again, {"a"}).has_value());
}

TEST_F(SectionReading, ASectionLongerThanItsIndexSaysStopsEarly) {
  const SectionFile file = write_sections(m_dir / "long.gz", 4);
  std::vector<Section> sections = file.sections;
  sections[0].bytes = 100;  // t0 holds 9000 lines
  try {
    ifnbackup::verify_detail::read_sections_in_order(file.path, sections, 2, [](const Section&, std::string_view) {});
    ADD_FAILURE() << "no error";
  } catch (const ifnbackup::Error& error) {
    EXPECT_NE(std::string(error.what()).find("holds more than the 100 bytes"), std::string::npos) << error.what();
  }
  // A range that stops inside a member: the index does not match the file (not "truncated").
  sections = file.sections;
  sections[0].size -= 5;
  try {
    ifnbackup::verify_detail::read_sections_in_order(file.path, sections, 1, [](const Section&, std::string_view) {});
    ADD_FAILURE() << "no error";
  } catch (const ifnbackup::Error& error) {
    EXPECT_EQ(error.code(), ifnbackup::ErrorCode::corrupt) << error.what();
    EXPECT_NE(std::string(error.what()).find("ends inside a gzip member"), std::string::npos) << error.what();
  }
}

TEST(SectionIndex, SharedRangesStrictNumbersAndEmptyRanges) {
  std::vector<Section> sections = sample_sections();
  Section shared{SectionKind::table, "tiny", 2, true};
  sections.insert(sections.begin() + 2, shared);
  sections.back().with_previous = true;  // the objects in the last table's range
  const std::uint64_t end_at = 9896;
  const std::uint64_t end_bytes = 1164 + 40000 + 575;
  sections.back().at = sections.back().size = sections.back().bytes = sections.back().crc32 = 0;
  const std::string text = ifnbackup::format_index(sections);
  EXPECT_NE(text.find("-- ifnbackup-section: table `tiny` rows=2 with-previous\n"), std::string::npos) << text;
  EXPECT_NE(text.find("-- ifnbackup-section: objects with-previous\n"), std::string::npos) << text;
  const auto parsed = ifnbackup::parse_index(text);
  ASSERT_TRUE(parsed.has_value()) << text;
  EXPECT_EQ(*parsed, sections);
  EXPECT_TRUE(ifnbackup::index_is_contiguous(sections, end_at, end_bytes));

  auto first_shared = sections;
  first_shared.front().with_previous = true;
  EXPECT_FALSE(ifnbackup::index_is_contiguous(first_shared, end_at, end_bytes)) << "the prologue has a range";
  auto empty = sample_sections();
  empty[2].size = 0;
  EXPECT_FALSE(ifnbackup::index_is_contiguous(empty, 9896 + 1733 - 310, 1164 + 40000 + 575 + 5881))
      << "a range of no bytes";
  const std::string good = ifnbackup::format_index(sample_sections());
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"at=586 ", "at=0586 "},
           {"crc32=ffffffff", "crc32=FFFFFFFF"},
           {"bytes=575 ", "bytes=575  "},
           {"table `merchants` rows=1200 at", "part `merchants` rows=1200 at"}}) {
    std::string text2 = good;
    text2.replace(text2.find(from), from.size(), to);
    EXPECT_FALSE(ifnbackup::parse_index(text2).has_value()) << "not as written: " << to;
  }
}

}  // namespace
