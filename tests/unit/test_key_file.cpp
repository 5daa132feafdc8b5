// io::read_key_file, the one reader of key files (age identities and recipients, the signing key, the
// trusted keys): each access rule refuses the modes it must and reads what it may, a missing file is
// std::nullopt only when allowed, a folder and a file past the limit are refused, each with the
// caller's hint.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "ifnbackup/error.hpp"
#include "io/key_file.hpp"
#include "unit/temp_dir_test.hpp"

namespace {

namespace fs = std::filesystem;
using ifnbackup::Error;
using ifnbackup::ErrorCode;
using ifnbackup::io::KeyFileAccess;
using ifnbackup::io::KeyFileRules;
using ifnbackup::io::read_key_file;

class KeyFile : public ifnbackup::test::TempDirTest {
 protected:
  fs::path write_file(const std::string& name, const std::string& text, unsigned mode) {
    const fs::path path = m_dir / name;
    std::ofstream(path, std::ios::binary) << text;
    EXPECT_EQ(::chmod(path.c_str(), mode), 0);
    return path;
  }

  static KeyFileRules rules(KeyFileAccess access) {
    KeyFileRules rules;
    rules.what = "test key file";
    rules.access = access;
    rules.limit = 64;
    rules.open_hint = "open hint";
    rules.not_regular_hint = "not regular hint";
    rules.access_hint = "access hint";
    rules.owner_hint = "owner hint";
    rules.read_hint = "read hint";
    rules.too_large_hint = "too large hint";
    return rules;
  }
};

// The refusal's message holds `text` and its hint is `hint`.
void expect_refused(const std::function<void()>& read, const std::string& text, const std::string& hint) {
  try {
    read();
    FAIL() << "read, where it should be refused with: " << text;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::config);
    EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
    EXPECT_EQ(e.hint(), hint);
  }
}

TEST_F(KeyFile, OwnerOnlyReadsA0600FileAndRefusesOneTheGroupOrOthersMayRead) {
  const fs::path path = write_file("secret", "AGE-SECRET-KEY-1\n", 0600);
  EXPECT_EQ(read_key_file(path, rules(KeyFileAccess::owner_only)), "AGE-SECRET-KEY-1\n");
  for (const unsigned mode : {0640u, 0604u, 0610u}) {
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
    expect_refused([&] { (void)read_key_file(path, rules(KeyFileAccess::owner_only)); },
                   "test key file " + path.string() + " is readable by others", "access hint");
  }
}

TEST_F(KeyFile, WrittenByOwnerReadsA0644FileAndRefusesOneOthersMayWrite) {
  const fs::path path = write_file("trusted", "key line\n", 0644);
  EXPECT_EQ(read_key_file(path, rules(KeyFileAccess::written_by_owner)), "key line\n");
  for (const unsigned mode : {0664u, 0646u}) {
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
    expect_refused([&] { (void)read_key_file(path, rules(KeyFileAccess::written_by_owner)); },
                   "may be written by others", "access hint");
  }
}

TEST_F(KeyFile, AnyoneReadsAPublicFileWhateverItsMode) {
  const fs::path path = write_file("recipients", "age1\n", 0666);
  EXPECT_EQ(read_key_file(path, rules(KeyFileAccess::anyone)), "age1\n");
}

TEST_F(KeyFile, AMissingFileIsNulloptOnlyWhenAllowed) {
  auto allowed = rules(KeyFileAccess::owner_only);
  allowed.missing_ok = true;
  EXPECT_FALSE(read_key_file(m_dir / "none", allowed).has_value());
  expect_refused([&] { (void)read_key_file(m_dir / "none", rules(KeyFileAccess::owner_only)); },
                 "cannot read test key file", "open hint");
}

TEST_F(KeyFile, AFolderIsRefused) {
  fs::create_directories(m_dir / "folder");
  expect_refused([&] { (void)read_key_file(m_dir / "folder", rules(KeyFileAccess::anyone)); }, "is not a regular file",
                 "not regular hint");
}

TEST_F(KeyFile, AFilePastTheLimitIsRefusedAndOneAtItIsRead) {
  const fs::path at = write_file("at", std::string(64, 'k'), 0600);
  EXPECT_EQ(read_key_file(at, rules(KeyFileAccess::owner_only))->size(), 64u);
  const fs::path past = write_file("past", std::string(65, 'k'), 0600);
  expect_refused([&] { (void)read_key_file(past, rules(KeyFileAccess::owner_only)); }, "is too large to be one",
                 "too large hint");
}

}  // namespace
