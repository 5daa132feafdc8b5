// The replay's folder for mariadb-binlog's LOAD DATA files (binlog/local_load_dir.hpp): which file of
// a LOAD DATA statement it hands over. End to end: tests/cli/test_pitr_load_data.sh.
#include "binlog/local_load_dir.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "ifnbackup/error.hpp"

namespace ifnbackup::binlog {
namespace {

TEST(LocalLoadDir, HandsOverAFileOfItsOwnFolderOnlyAndIsRemoved) {
  std::string path;
  {
    const LocalLoadDir dir;
    path = dir.path();
    EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_all);
    std::ofstream(path + "/SQL_LOAD_MB-2-0", std::ios::binary) << std::string("1\tx\n\0z", 6);
    std::filesystem::create_symlink(path + "/SQL_LOAD_MB-2-0", path + "/link");
    const auto load = [&](const std::string& name, const std::string& options = "") {
      return dir.file_of("LOAD DATA " + options + "LOCAL INFILE '" + name + "' INTO TABLE `t`");
    };
    EXPECT_EQ(load(path + "/SQL_LOAD_MB-2-0"), std::string("1\tx\n\0z", 6));  // NUL bytes kept
    EXPECT_EQ(load(path + "/SQL_LOAD_MB-2-0", "CONCURRENT "), std::string("1\tx\n\0z", 6));
    EXPECT_EQ(load(path + "/link"), std::nullopt);              // not a link
    EXPECT_EQ(load(path + "/missing"), std::nullopt);           // not a file it holds
    EXPECT_EQ(load(path + "/../etc"), std::nullopt);            // not out of it
    EXPECT_EQ(load(path + "/"), std::nullopt);                  // not the folder
    EXPECT_EQ(load("/etc/passwd"), std::nullopt);               // not another file
    EXPECT_EQ(load(path + "x/SQL_LOAD_MB-2-0"), std::nullopt);  // not a folder whose name starts as its
    EXPECT_EQ(dir.file_of("LOAD DATA INFILE '" + path + "/SQL_LOAD_MB-2-0' INTO TABLE t"), std::nullopt);  // server's
    EXPECT_EQ(dir.file_of("INSERT INTO t VALUES ('LOAD DATA LOCAL INFILE')"), std::nullopt);
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(LocalLoadDir, ATmpdirMariadbBinlogWouldRenameIsRefused) {
  const char* before = std::getenv("TMPDIR");
  const std::string saved = before != nullptr ? before : "";
  ::setenv("TMPDIR", "/tmp/a\\b", 1);
  EXPECT_THROW({ const LocalLoadDir dir; }, Error);
  ::setenv("TMPDIR", "/nonexistent/ifnbackup-test", 1);
  EXPECT_THROW({ const LocalLoadDir dir; }, Error);
  if (before != nullptr) {
    ::setenv("TMPDIR", saved.c_str(), 1);
  } else {
    ::unsetenv("TMPDIR");
  }
}

}  // namespace
}  // namespace ifnbackup::binlog
