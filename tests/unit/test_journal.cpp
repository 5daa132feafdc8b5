#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "ifnbackup/error.hpp"
#include "ifnbackup/journal.hpp"

namespace ifnbackup {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class JournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/ifnjournal.XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    m_dir = pattern;
  }
  void TearDown() override { fs::remove_all(m_dir); }

  std::string contents() const {
    std::ifstream in(m_dir / k_journal_file_name, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  void append_raw(const std::string& text) const {
    std::ofstream out(m_dir / k_journal_file_name, std::ios::binary | std::ios::app);
    out << text;
  }

  fs::path m_dir;
};

RunRecord sample(std::string command, int exit_code, std::chrono::system_clock::time_point start) {
  RunRecord record;
  record.command = std::move(command);
  record.start = start;
  record.end = start + 1500ms;
  record.duration_ms = 1500;
  record.exit_code = exit_code;
  record.result = exit_code == 0 ? "ok" : error_code_name(static_cast<ErrorCode>(exit_code));
  record.file = "ifn_connect_backup_20261125_020000.sql.gz";
  record.bytes = 402487;
  record.rows = 30097;
  record.message = "line one\nline \"two\"\t\\ é";
  return record;
}

std::chrono::system_clock::time_point at_ms(std::int64_t ms) {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
}

TEST(Iso8601, FormatsLocalTimeWithTheZoneOffset) {
  ::setenv("TZ", "Africa/Abidjan", 1);  // UTC+00:00, no daylight saving
  ::tzset();
  EXPECT_EQ(format_iso8601(at_ms(1764036004123)), "2025-11-25T02:00:04.123+00:00");
  ::setenv("TZ", "Asia/Kolkata", 1);  // +05:30: the minutes of the offset matter
  ::tzset();
  EXPECT_EQ(format_iso8601(at_ms(1764036004123)), "2025-11-25T07:30:04.123+05:30");
  ::setenv("TZ", "America/Sao_Paulo", 1);  // a negative offset
  ::tzset();
  EXPECT_EQ(format_iso8601(at_ms(1764036004000)), "2025-11-24T23:00:04.000-03:00");
  ::unsetenv("TZ");
  ::tzset();
}

TEST(Iso8601, ParsesWhatItWritesAndOtherZones) {
  const auto when = at_ms(1764036004123);
  EXPECT_EQ(parse_iso8601(format_iso8601(when)), when);
  EXPECT_EQ(parse_iso8601("2025-11-25T07:30:04.123+05:30"), when);
  EXPECT_EQ(parse_iso8601("2025-11-25T02:00:04.123Z"), when);
  EXPECT_EQ(parse_iso8601("2025-11-25T02:00:04Z"), at_ms(1764036004000));
  for (const char* bad : {"", "2025-11-25", "2025-11-25T02:00:04", "2025-02-30T02:00:04Z", "2025-11-25 02:00:04Z",
                          "2025-11-25T02:00:04+0100", "2025-11-25T02:00:04.12Z", "2025-11-25T02:00:04Zjunk"}) {
    EXPECT_FALSE(parse_iso8601(bad).has_value()) << bad;
  }
}

TEST(JournalLine, RoundTripsEveryField) {
  const auto record = sample("backup", 5, at_ms(1764036004123));
  const std::string line = format_journal_line(record);
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line, even with a multi-line message";
  const auto back = parse_journal_line(line.substr(0, line.size() - 1));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->command, "backup");
  EXPECT_EQ(back->start, record.start);
  EXPECT_EQ(back->end, record.end);
  EXPECT_EQ(back->result, "lock_held");
  EXPECT_EQ(back->exit_code, 5);
  EXPECT_EQ(back->file, record.file);
  EXPECT_EQ(back->bytes, 402487u);
  EXPECT_EQ(back->rows, 30097u);
  EXPECT_EQ(back->duration_ms, 1500);
  EXPECT_EQ(back->message, "line one line \"two\"\t\\ é");
  EXPECT_FALSE(back->ok());
}

TEST(JournalLine, ADrillLineHoldsItsScratchDatabaseTablesAndRestoreTime) {
  auto record = sample("drill", 0, at_ms(1764036004123));
  record.database = "ifn_connect_drill";
  record.tables = 26;
  record.tables_proven = 25;
  record.restore_ms = 1234;
  const std::string line = format_journal_line(record);
  EXPECT_NE(line.find(R"("database":"ifn_connect_drill","tables":26,"tables_proven":25,"restore_ms":1234})"),
            std::string::npos)
      << line;
  const auto back = parse_journal_line(line.substr(0, line.size() - 1));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->command, "drill");
  EXPECT_EQ(back->database, "ifn_connect_drill");
  EXPECT_EQ(back->tables, 26u);
  EXPECT_EQ(back->tables_proven, 25u);
  EXPECT_EQ(back->restore_ms, 1234);
  EXPECT_TRUE(back->ok());

  // Other commands' lines keep their fields: readers of the journal see no change.
  record.command = "backup";
  const std::string backup_line = format_journal_line(record);
  EXPECT_EQ(backup_line.find("tables_proven"), std::string::npos) << backup_line;
  EXPECT_EQ(backup_line.find("\"database\""), std::string::npos) << backup_line;
}

TEST(JournalLine, ABackupLineSaysHowOftenTheDumpStartedAgain) {
  auto record = sample("backup", 0, at_ms(1764036004123));
  record.retries = 2;
  const std::string line = format_journal_line(record);
  EXPECT_NE(line.find(R"("retries":2})"), std::string::npos) << line;
  const auto back = parse_journal_line(line.substr(0, line.size() - 1));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->retries, 2u);
  record.command = "restore";
  EXPECT_EQ(format_journal_line(record).find("retries"), std::string::npos);
}

TEST(JournalLine, RejectsTornAndForeignLines) {
  const std::string line = format_journal_line(sample("verify", 0, at_ms(1764036004123)));
  const std::string whole = line.substr(0, line.size() - 1);
  // Every strict prefix of a line is what a crash mid-write can leave: none is a record.
  for (std::size_t length = 0; length < whole.size(); ++length) {
    EXPECT_FALSE(parse_journal_line(whole.substr(0, length)).has_value()) << whole.substr(0, length);
  }
  EXPECT_FALSE(parse_journal_line(whole + "}").has_value());
  EXPECT_FALSE(parse_journal_line("not json").has_value());
  EXPECT_FALSE(parse_journal_line(R"({"command":"backup"})").has_value()) << "required fields missing";
  EXPECT_FALSE(
      parse_journal_line(R"({"start":"x","end":"y","command":"backup","result":"ok","exit_code":0})").has_value())
      << "times that do not parse";
}

TEST_F(JournalTest, MissingFileIsAnEmptyJournal) {
  const auto journal = read_journal(m_dir);
  EXPECT_TRUE(journal.records.empty());
  EXPECT_EQ(journal.skipped_lines, 0u);
}

TEST_F(JournalTest, AppendsOneLinePerRunWithMode0600) {
  const auto t0 = at_ms(1764036004000);
  append_journal(m_dir, sample("backup", 0, t0));
  append_journal(m_dir, sample("verify", 10, t0 + 1h));
  append_journal(m_dir, sample("backup", 4, t0 + 2h));
  struct stat info {};
  ASSERT_EQ(::stat((m_dir / k_journal_file_name).c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  const std::string text = contents();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 3);

  const auto journal = read_journal(m_dir);
  ASSERT_EQ(journal.records.size(), 3u);
  EXPECT_EQ(journal.skipped_lines, 0u);
  const RunRecord* backup = last_run(journal, "backup");
  ASSERT_NE(backup, nullptr);
  EXPECT_EQ(backup->exit_code, 4);
  EXPECT_EQ(backup->result, "connection");
  EXPECT_EQ(last_run(journal, "verify")->result, "corrupt");
  EXPECT_EQ(last_run(journal, "rotate"), nullptr);
}

TEST_F(JournalTest, ReaderSkipsATornLastLine) {
  const auto t0 = at_ms(1764036004000);
  append_journal(m_dir, sample("backup", 0, t0));
  const std::string line = format_journal_line(sample("backup", 0, t0 + 24h));
  append_raw(line.substr(0, line.size() / 2));  // a crash in the middle of the second write

  const auto journal = read_journal(m_dir);
  ASSERT_EQ(journal.records.size(), 1u);
  EXPECT_EQ(journal.records[0].start, t0);
  EXPECT_EQ(journal.skipped_lines, 1u);
}

TEST_F(JournalTest, NextRunAfterATornLineStartsOnAFreshLine) {
  const auto t0 = at_ms(1764036004000);
  append_journal(m_dir, sample("backup", 0, t0));
  const std::string torn = format_journal_line(sample("backup", 0, t0 + 24h));
  append_raw(torn.substr(0, 40));
  append_journal(m_dir, sample("backup", 6, t0 + 48h));

  const auto journal = read_journal(m_dir);
  ASSERT_EQ(journal.records.size(), 2u) << contents();
  EXPECT_EQ(journal.skipped_lines, 1u);
  EXPECT_EQ(journal.records[1].start, t0 + 48h);
  EXPECT_EQ(last_run(journal, "backup")->result, "io");
}

TEST_F(JournalTest, AppendToAnUnwritableFolderThrowsIo) {
  try {
    append_journal(m_dir / "missing" / "folder", sample("backup", 0, at_ms(0)));
    FAIL() << "expected Error(io)";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::io);
  }
}

}  // namespace
}  // namespace ifnbackup
