// The drill's pure parts: which scratch database it may use, and the record of the scratch databases
// drills created (what makes an existing database a previous drill's own).
#include <sys/stat.h>

#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "drill/scratch_record.hpp"
#include "ifnbackup/drill.hpp"
#include "ifnbackup/error.hpp"
#include "temp_dir_test.hpp"

namespace ifnbackup {
namespace {

DrillOptions drill_of(std::string database, std::string into = {}) {
  DrillOptions options;
  options.connection.database = std::move(database);
  options.into = std::move(into);
  return options;
}

void expect_refused(const DrillOptions& options, const std::string& words) {
  try {
    const auto name = drill_scratch_database(options);
    ADD_FAILURE() << "accepted '" << name << "'";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::usage) << error.what();
    EXPECT_NE(std::string(error.what()).find(words), std::string::npos) << error.what();
    EXPECT_FALSE(error.hint().empty()) << error.what();
  }
}

TEST(DrillScratchDatabase, IsTheSourceNameWithDrillUnlessGiven) {
  EXPECT_EQ(drill_scratch_database(drill_of("ifn_connect")), "ifn_connect_drill");
  EXPECT_EQ(drill_scratch_database(drill_of("ifn_connect", "weekly_test")), "weekly_test");
  EXPECT_EQ(drill_scratch_database(drill_of("", "weekly_test")), "weekly_test");
  EXPECT_EQ(drill_scratch_database(drill_of(std::string(58, 'a'))), std::string(58, 'a') + "_drill") << "64: fits";
}

TEST(DrillScratchDatabase, NeverTheSourceASystemSchemaOrAnImpossibleName) {
  expect_refused(drill_of(""), "no database to name");
  expect_refused(drill_of("ifn_connect", "ifn_connect"), "is the configured database");
  expect_refused(drill_of("ifn_connect", "mysql"), "system schema");
  expect_refused(drill_of("ifn_connect", "Information_Schema"), "system schema");
  expect_refused(drill_of("ifn_connect", "performance_schema"), "system schema");
  expect_refused(drill_of("ifn_connect", "sys"), "system schema");
  expect_refused(drill_of(std::string(59, 'a')), "65 characters");
  expect_refused(drill_of("ifn_connect", "bad\tname"), "control character");
  expect_refused(drill_of("ifn_connect", "bad\nname"), "control character");
}

TEST(ScratchRecord, RoundTripsEntriesPerServer) {
  drill::ScratchRecord record;
  record.add("db1:3306", "ifn_connect_drill");
  record.add("db2:3306", "ifn_connect_drill");
  record.add("db1:3306", "weekly");
  record.add("db1:3306", "weekly");  // once
  const std::string text = record.format();
  EXPECT_EQ(text, "db1:3306\tifn_connect_drill\ndb1:3306\tweekly\ndb2:3306\tifn_connect_drill\n");
  const auto back = drill::ScratchRecord::parse(text);
  EXPECT_TRUE(back.contains("db1:3306", "ifn_connect_drill"));
  EXPECT_TRUE(back.contains("db2:3306", "ifn_connect_drill"));
  EXPECT_TRUE(back.contains("db1:3306", "weekly"));
  EXPECT_FALSE(back.contains("db2:3306", "weekly")) << "the same name on another server is not ours";
  EXPECT_FALSE(back.contains("db1:3306", "ifn_connect")) << "nor a prefix of a name";

  record.remove("db1:3306", "weekly");
  EXPECT_FALSE(record.contains("db1:3306", "weekly"));
  EXPECT_TRUE(record.contains("db1:3306", "ifn_connect_drill"));
}

TEST(ScratchRecord, LeavesOutTornAndMalformedLines) {
  const auto record = drill::ScratchRecord::parse(
      "db1:3306\tgood\n"
      "no tab here\n"
      "\tno_server\n"
      "db1:3306\t\n"
      "db1:3306\ttwo\ttabs\n"
      "db1:3306\tcut_sh");  // a torn last line: "cut_sh" must not make a database "cut_sh" ours
  EXPECT_TRUE(record.contains("db1:3306", "good"));
  EXPECT_FALSE(record.contains("db1:3306", "cut_sh"));
  EXPECT_FALSE(record.contains("db1:3306", "two"));
  EXPECT_FALSE(record.contains("", "no_server"));
  EXPECT_EQ(record.format(), "db1:3306\tgood\n");
}

class ScratchRecordFile : public test::TempDirTest {};

TEST_F(ScratchRecordFile, MissingIsEmptyAndSavedIsPrivate) {
  auto record = drill::ScratchRecord::load(m_dir);
  EXPECT_FALSE(record.contains("db1:3306", "ifn_connect_drill"));
  record.add("db1:3306", "ifn_connect_drill");
  record.save();
  const auto path = m_dir / drill::ScratchRecord::k_file_name;
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_TRUE(drill::ScratchRecord::load(m_dir).contains("db1:3306", "ifn_connect_drill"));

  record.remove("db1:3306", "ifn_connect_drill");
  record.save();
  std::ifstream in(path);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "") << "an empty record once the database is dropped";
}

}  // namespace
}  // namespace ifnbackup
