// The binary log archive's pure parts: event framing and CRC, the archive's names and gaps, and the
// doctor's binary log findings.
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "binlog/archive.hpp"
#include "binlog/event.hpp"
#include "ifnbackup/doctor.hpp"
#include "ifnbackup/error.hpp"
#include "io/gzip_member.hpp"
#include "temp_dir_test.hpp"

namespace ifnbackup {
namespace {

void put_u32(std::string& out, std::size_t at, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) {
    out[at + static_cast<std::size_t>(i)] = static_cast<char>((value >> (8 * i)) & 0xff);
  }
}

// An event of `type` at `offset` with `body`, and a CRC-32 when asked.
std::string make_event(std::uint8_t type, std::uint64_t offset, const std::string& body, bool crc = true) {
  std::string event(binlog::k_header_bytes, '\0');
  event += body;
  if (crc) {
    event += std::string(4, '\0');
  }
  put_u32(event, 0, 1700000000);
  event[4] = static_cast<char>(type);
  put_u32(event, 9, static_cast<std::uint32_t>(event.size()));
  put_u32(event, 13, static_cast<std::uint32_t>(offset + event.size()));
  if (crc) {
    put_u32(event, event.size() - 4, io::gzip_crc32(std::string_view(event).substr(0, event.size() - 4)));
  }
  return event;
}

// A Format_description announcing CRC-32: its checksum algorithm byte sits before the CRC.
std::string format_description(std::uint64_t offset) {
  std::string body(57, '\0');
  body += '\x01';
  return make_event(binlog::k_format_description_event, offset, body);
}

TEST(BinlogEvents, ReaderPlacesEventsAndChecksTheirCrc) {
  std::string file(binlog::k_magic);
  file += format_description(file.size());
  file += make_event(binlog::k_xid_event, file.size(), std::string(8, '\x07'));
  std::vector<std::uint64_t> offsets;
  binlog::EventReader reader("binlog.000001", 0);
  // Fed a byte at a time: events cut anywhere are put back together.
  for (char c : file) {
    reader.feed(std::string_view(&c, 1), [&](const binlog::FileEvent& event) { offsets.push_back(event.offset); });
  }
  reader.finish();
  ASSERT_EQ(offsets.size(), 2U);
  EXPECT_EQ(offsets[0], 4U);
  EXPECT_TRUE(reader.checksums());
  EXPECT_EQ(reader.offset(), file.size());

  std::string damaged = file;
  damaged[damaged.size() - 6] ^= 1;
  binlog::EventReader bad("binlog.000001", 0);
  try {
    bad.feed(damaged, [](const binlog::FileEvent&) {});
    FAIL() << "a damaged event was read";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::corrupt);
    EXPECT_NE(std::string(error.what()).find("CRC-32"), std::string::npos) << error.what();
  }
}

TEST(BinlogEvents, AnEventOutOfPlaceOrCutIsRefused) {
  std::string file(binlog::k_magic);
  file += format_description(file.size());
  file += make_event(binlog::k_xid_event, file.size() + 10, std::string(8, '\x07'));  // says it is elsewhere
  binlog::EventReader reader("binlog.000001", 0);
  EXPECT_THROW(reader.feed(file, [](const binlog::FileEvent&) {}), Error);

  std::string cut(binlog::k_magic);
  cut += format_description(cut.size());
  cut.resize(cut.size() - 3);
  binlog::EventReader short_reader("binlog.000001", 0);
  short_reader.feed(cut, [](const binlog::FileEvent&) {});
  try {
    short_reader.finish();
    FAIL() << "a cut event was accepted";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::incomplete);
  }
}

TEST(BinlogArchive, LogNamesKeepTheirWidthAndOrder) {
  const auto name = binlog::parse_log_name("mysql-bin.000099");
  ASSERT_TRUE(name);
  EXPECT_EQ(name->next().str(), "mysql-bin.000100");
  EXPECT_FALSE(binlog::parse_log_name("binlog"));
  EXPECT_FALSE(binlog::parse_log_name("binlog.12a"));
  EXPECT_EQ(binlog::chunk_file_name(*name, 1234), "mysql-bin.000099.from-0000001234.gz");
}

class BinlogArchiveFolder : public test::TempDirTest {};

TEST_F(BinlogArchiveFolder, ScanFindsTheResumePointAndEveryGap) {
  const auto folder = m_dir / "binlog";
  std::filesystem::create_directories(folder);
  const auto touch = [&](const std::string& name) { std::ofstream(folder / name) << "x"; };
  touch("binlog.000001.gz");
  touch("binlog.000002.gz");
  touch("binlog.000004.from-0000000000.gz");  // 000003 missing: a gap
  touch("binlog.000004.from-0000000900.gz");
  touch("binlog.000004.from-0000000900.gz.partial");
  touch("notes.txt");  // not ours: left alone
  const auto scan = binlog::scan_archive(m_dir);
  ASSERT_EQ(scan.logs.size(), 3U);
  EXPECT_EQ(scan.partials.size(), 1U);
  ASSERT_EQ(scan.gaps.size(), 1U);
  EXPECT_EQ(scan.gaps[0].after, "binlog.000002:end");
  EXPECT_EQ(scan.gaps[0].before, "binlog.000004:0");
  EXPECT_EQ(scan.logs.back().chunks.size(), 2U);
}

TEST_F(BinlogArchiveFolder, TheTailAfterTheLastGapHoldsOnlyPositionsFromIt) {
  const auto folder = m_dir / "binlog";
  std::filesystem::create_directories(folder);
  const auto touch = [&](const std::string& name) { std::ofstream(folder / name) << "x"; };
  touch("binlog.000001.gz");
  touch("binlog.000003.gz");  // 000002 missing: a gap
  touch("binlog.000004.from-0000000000.gz");
  const auto scan = binlog::scan_archive(m_dir);
  EXPECT_EQ(scan.tail_start, 1U);
  EXPECT_FALSE(binlog::holds_from(scan, {"binlog.000001", 400}));  // before the gap
  EXPECT_TRUE(binlog::holds_from(scan, {"binlog.000003", 400}));
  EXPECT_TRUE(binlog::holds_from(scan, {"binlog.000004", 4}));
  EXPECT_FALSE(binlog::holds_from(scan, {"binlog.000005", 4}));  // after the archive's end
  EXPECT_FALSE(binlog::holds_from(scan, {"mysql-bin.000003", 4}));
}

TEST(BinlogEvents, GtidsAreReadAsMariaDbWritesThem) {
  const auto gtid = binlog::parse_gtid("0-1-35356");
  ASSERT_TRUE(gtid);
  EXPECT_EQ(gtid->domain, 0U);
  EXPECT_EQ(gtid->server, 1U);
  EXPECT_EQ(gtid->sequence, 35356U);
  EXPECT_EQ(gtid->str(), "0-1-35356");
  for (const char* bad : {"", "0-1", "0-1-", "-1-2", "0-1-2-3", "0-1-2x", "a-b-c", "3E11FA47-71CA-11E1-9E33:1-5"}) {
    EXPECT_FALSE(binlog::parse_gtid(bad)) << bad;
  }
  // A GTID event: sequence (8), domain (4), flags (1); the server id is the header's.
  std::string body(13, '\0');
  put_u32(body, 0, 35356);
  put_u32(body, 8, 2);
  auto event = make_event(binlog::k_gtid_event, 4, body);
  put_u32(event, 5, 7);
  const auto read = binlog::parse_gtid_event(event);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->str(), "2-7-35356");
  EXPECT_FALSE(binlog::parse_gtid_event(make_event(binlog::k_query_event, 4, body)));
}

TEST_F(BinlogArchiveFolder, AWholeFileBesideItsChunksWins) {
  const auto folder = m_dir / "binlog";
  std::filesystem::create_directories(folder);
  std::ofstream(folder / "binlog.000007.gz") << "x";
  std::ofstream(folder / "binlog.000007.from-0000000000.gz") << "x";
  const auto scan = binlog::scan_archive(m_dir);
  ASSERT_EQ(scan.logs.size(), 1U);
  EXPECT_TRUE(scan.logs[0].whole);
  EXPECT_TRUE(scan.logs[0].chunks.empty());
  const auto resume = binlog::resume_position(scan);
  ASSERT_TRUE(resume);
  EXPECT_EQ(resume->str(), "binlog.000008:4");
}

TEST(DoctorBinlog, FindingsFollowTheServerAndTheArchive) {
  Grants none;
  BinlogFacts off;
  auto findings = check_binary_log(off, none, ServerFlavour::mariadb, "'b'@'localhost'");
  ASSERT_EQ(findings.size(), 1U);
  EXPECT_EQ(findings[0].status, DoctorStatus::note);
  off.archive_in_use = true;
  EXPECT_EQ(check_binary_log(off, none, ServerFlavour::mariadb, "'b'@'localhost'")[0].status, DoctorStatus::warning);

  BinlogFacts on{true, "MIXED", 3600, 0, true};
  findings = check_binary_log(on, none, ServerFlavour::mariadb, "'b'@'localhost'");
  bool format_note = false;
  bool privileges_fix = false;
  bool short_retention = false;
  for (const auto& finding : findings) {
    format_note = format_note || (finding.check == "binlog format" && finding.status == DoctorStatus::note);
    privileges_fix =
        privileges_fix || finding.fix.find("REPLICATION SLAVE, BINLOG MONITOR, BINLOG REPLAY") != std::string::npos;
    short_retention =
        short_retention || (finding.check == "binlog retention" && finding.status == DoctorStatus::warning);
  }
  EXPECT_TRUE(format_note);
  EXPECT_TRUE(privileges_fix);
  EXPECT_TRUE(short_retention);
  EXPECT_EQ(check_binary_log(on, parse_grants({"GRANT ALL PRIVILEGES ON *.* TO `b`@`localhost`"}),
                             ServerFlavour::mariadb, "'b'@'localhost'")[1]
                .status,
            DoctorStatus::note);  // the format note remains; the privileges are then ok
}

}  // namespace
}  // namespace ifnbackup
