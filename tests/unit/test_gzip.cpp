#include <gtest/gtest.h>

#include <algorithm>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ifnbackup/error.hpp"
#include "io/gzip_reader.hpp"
#include "io/parallel_gzip_writer.hpp"
#include "unit/temp_dir_test.hpp"

namespace {

namespace fs = std::filesystem;
using ifnbackup::Error;
using ifnbackup::ErrorCode;
using ifnbackup::io::GzipReader;
using ifnbackup::io::ParallelGzipWriter;

class GzipTest : public ifnbackup::test::TempDirTest {
 protected:
  // Compresses each part as its own gzip member (one block as big as the part), one after the
  // other, into `name`.
  fs::path write_members(const std::string& name, const std::vector<std::string>& parts, int level = 6) {
    const fs::path path = m_dir / name;
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    EXPECT_GE(fd, 0);
    for (const std::string& part : parts) {
      ParallelGzipWriter writer(fd, level, path.string(), 1, std::max<std::size_t>(part.size(), 1));
      writer.write(part);
      writer.finish();
      EXPECT_EQ(writer.uncompressed_bytes(), part.size());
    }
    ::close(fd);
    return path;
  }

  static std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
  }
  void write_file(const fs::path& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
  }

  static std::string decompress(const fs::path& path, std::size_t chunk = 65536) {
    GzipReader reader(path);
    std::string out;
    reader.read_all([&](std::string_view piece) { out.append(piece); }, chunk);
    return out;
  }

  // The error decompressing `path` throws.
  static Error decompress_error(const fs::path& path) {
    try {
      decompress(path);
    } catch (const Error& e) {
      return e;
    }
    ADD_FAILURE() << "no error for " << path;
    return Error(ErrorCode::ok, "");
  }

  static std::string sample_sql(std::size_t rows) {
    std::string sql = "-- a dump\n";
    for (std::size_t i = 0; i < rows; ++i) {
      sql += "INSERT INTO `t` VALUES (" + std::to_string(i) + ",'row " + std::to_string(i * 7919) + "');\n";
    }
    return sql;
  }
};

TEST_F(GzipTest, RoundTripAndCounters) {
  const std::string content = sample_sql(20000);
  const fs::path path = m_dir / "one.sql.gz";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(fd, 0);
  ParallelGzipWriter writer(fd, 6, "one.sql.gz", 1);
  for (std::size_t pos = 0; pos < content.size(); pos += 1000) {
    writer.write(std::string_view(content).substr(pos, 1000));
  }
  writer.finish();
  ::close(fd);
  EXPECT_EQ(writer.uncompressed_bytes(), content.size());
  EXPECT_EQ(writer.compressed_bytes(), fs::file_size(path));
  EXPECT_LT(writer.compressed_bytes(), content.size() / 3);

  GzipReader reader(path);
  EXPECT_EQ(reader.compressed_total(), fs::file_size(path));
  std::string out;
  std::vector<char> buffer(4096);
  while (const std::size_t n = reader.read(buffer)) {
    out.append(buffer.data(), n);
  }
  EXPECT_EQ(out, content);
  EXPECT_EQ(reader.compressed_read(), reader.compressed_total());
  EXPECT_EQ(reader.uncompressed_read(), content.size());
  EXPECT_EQ(reader.members(), 1u);
  EXPECT_EQ(reader.read(buffer), 0u);  // stays at the end
}

TEST_F(GzipTest, StandardGzipToolAcceptsOurOutputAndWeReadItsOutput) {
  if (std::system("command -v gzip >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "gzip is not installed";
  }
  const std::string content = sample_sql(3000);
  const fs::path ours = write_members("ours.sql.gz", {content.substr(0, 5000), content.substr(5000)});
  EXPECT_EQ(std::system(("gzip -t '" + ours.string() + "'").c_str()), 0);
  EXPECT_EQ(std::system(("gzip -dc '" + ours.string() + "' > '" + (m_dir / "ours.sql").string() + "'").c_str()), 0);
  EXPECT_EQ(read_file(m_dir / "ours.sql"), content);

  write_file(m_dir / "theirs.sql", content);
  ASSERT_EQ(std::system(("gzip -9 '" + (m_dir / "theirs.sql").string() + "'").c_str()), 0);
  EXPECT_EQ(decompress(m_dir / "theirs.sql.gz"), content);
}

TEST_F(GzipTest, MultiMemberFileIsReadWhole) {
  const std::vector<std::string> parts = {sample_sql(100), "", sample_sql(5000), "-- end\n"};
  const fs::path path = write_members("multi.sql.gz", parts);
  GzipReader reader(path);
  std::string out;
  reader.read_all([&](std::string_view piece) { out.append(piece); }, 777);
  EXPECT_EQ(out, parts[0] + parts[1] + parts[2] + parts[3]);
  EXPECT_EQ(reader.members(), 4u);
  EXPECT_EQ(reader.fast_members(), 4u) << "members of up to ~1 MiB are decoded whole by libdeflate";
}

// A member bigger than the fast path takes (a one-stream mysqldump | gzip file) goes to zlib, and
// so does every member after it; the content is the same.
TEST_F(GzipTest, BigMembersAreDecodedByZlib) {
  const std::string big = sample_sql(120000);  // ~4.5 MiB in one member
  ASSERT_GT(big.size(), 2u * 1024 * 1024);
  const std::vector<std::string> parts = {sample_sql(10), big, sample_sql(20)};
  const fs::path path = write_members("big.sql.gz", parts);
  GzipReader reader(path);
  std::string out;
  reader.read_all([&](std::string_view piece) { out.append(piece); }, 65536);
  EXPECT_EQ(out, parts[0] + parts[1] + parts[2]);
  EXPECT_EQ(reader.members(), 3u);
  EXPECT_EQ(reader.fast_members(), 1u) << "the first, small member only";
}

// Damage in a later member of a many-member file: libdeflate refuses it, zlib names the place.
TEST_F(GzipTest, DamageInALaterSmallMemberIsFoundAndPlaced) {
  std::vector<std::string> parts;
  for (int i = 0; i < 6; ++i) {
    parts.push_back(sample_sql(3000 + static_cast<std::size_t>(i)));
  }
  const fs::path path = write_members("members.sql.gz", parts);
  const std::string bytes = read_file(path);
  const std::size_t fourth = bytes.size() * 4 / 6;  // inside the fifth member or so
  std::string flipped = bytes;
  flipped[fourth] = static_cast<char>(flipped[fourth] ^ 0x20);
  write_file(path, flipped);
  const Error corrupt = decompress_error(path);
  EXPECT_EQ(corrupt.code(), ErrorCode::corrupt) << corrupt.what();
  EXPECT_NE(std::string(corrupt.what()).find("at compressed offset"), std::string::npos) << corrupt.what();

  write_file(path, bytes.substr(0, fourth));
  const Error cut = decompress_error(path);
  EXPECT_EQ(cut.code(), ErrorCode::incomplete) << cut.what();
  EXPECT_NE(std::string(cut.what()).find("unexpected end of file"), std::string::npos) << cut.what();
}

TEST_F(GzipTest, IncompressibleLargeInput) {
  std::mt19937_64 rng(7);
  std::string content(3 * 1024 * 1024 + 17, '\0');
  for (char& c : content) {
    c = static_cast<char>(rng());
  }
  const fs::path path = write_members("random.gz", {content}, 1);
  EXPECT_EQ(decompress(path, 1 << 20), content);
}

TEST_F(GzipTest, EmptyFileIsIncomplete) {
  write_file(m_dir / "empty.sql.gz", "");
  const Error e = decompress_error(m_dir / "empty.sql.gz");
  EXPECT_EQ(e.code(), ErrorCode::incomplete);
  EXPECT_NE(std::string(e.what()).find("empty file"), std::string::npos) << e.what();
}

TEST_F(GzipTest, NotGzipIsCorrupt) {
  write_file(m_dir / "plain.sql.gz", "-- MySQL dump 10.13\nCREATE TABLE t (id int);\n");
  const Error e = decompress_error(m_dir / "plain.sql.gz");
  EXPECT_EQ(e.code(), ErrorCode::corrupt);
  EXPECT_NE(std::string(e.what()).find("not a gzip file"), std::string::npos) << e.what();
}

TEST_F(GzipTest, TruncatedStreamIsIncompleteAtEveryCut) {
  const fs::path path = write_members("whole.sql.gz", {sample_sql(5000)});
  const std::string bytes = read_file(path);
  for (const std::size_t cut :
       {std::size_t{1}, std::size_t{5}, std::size_t{10}, bytes.size() / 2, bytes.size() - 8, bytes.size() - 1}) {
    const fs::path cut_path = m_dir / ("cut" + std::to_string(cut) + ".gz");
    write_file(cut_path, bytes.substr(0, cut));
    const Error e = decompress_error(cut_path);
    EXPECT_EQ(e.code(), ErrorCode::incomplete) << "cut at " << cut << ": " << e.what();
    EXPECT_NE(std::string(e.what()).find("unexpected end of file"), std::string::npos) << e.what();
  }
}

TEST_F(GzipTest, FlippedByteIsCorruptWithOffset) {
  const fs::path path = write_members("flip.sql.gz", {sample_sql(5000)});
  std::string bytes = read_file(path);
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x10);
  write_file(path, bytes);
  const Error e = decompress_error(path);
  EXPECT_EQ(e.code(), ErrorCode::corrupt) << e.what();
  EXPECT_NE(std::string(e.what()).find("at compressed offset"), std::string::npos) << e.what();
}

TEST_F(GzipTest, WrongCrcInTrailerIsCorrupt) {
  const fs::path path = write_members("crc.sql.gz", {sample_sql(100)});
  std::string bytes = read_file(path);
  bytes[bytes.size() - 8] = static_cast<char>(bytes[bytes.size() - 8] ^ 0x01);  // first byte of CRC-32
  write_file(path, bytes);
  const Error e = decompress_error(path);
  EXPECT_EQ(e.code(), ErrorCode::corrupt);
  EXPECT_NE(std::string(e.what()).find("incorrect data check"), std::string::npos) << e.what();
}

TEST_F(GzipTest, TrailingGarbageIsCorrupt) {
  const fs::path path = write_members("garbage.sql.gz", {sample_sql(100)});
  write_file(path, read_file(path) + "this is not gzip");
  const Error e = decompress_error(path);
  EXPECT_EQ(e.code(), ErrorCode::corrupt);
  EXPECT_NE(std::string(e.what()).find("trailing garbage after gzip member 1"), std::string::npos) << e.what();
}

TEST_F(GzipTest, MissingFileIsNotFound) {
  try {
    GzipReader reader(m_dir / "nope.sql.gz");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::not_found);
  }
}

TEST_F(GzipTest, DiskFullIsAnIoErrorWithHint) {
  const int fd = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    GTEST_SKIP() << "/dev/full is not available";
  }
  try {
    ParallelGzipWriter writer(fd, 6, "/backups/x.sql.gz.partial", 1);
    writer.write(sample_sql(100));
    writer.finish();
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::io);
    EXPECT_STREQ(e.what(), "disk full while writing /backups/x.sql.gz.partial");
    EXPECT_FALSE(e.hint().empty());
  }
  ::close(fd);
}

TEST_F(GzipTest, BadDescriptorIsAnIoErrorWithStrerror) {
  const int fd = ::open((m_dir / "ro").c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  try {
    ParallelGzipWriter writer(fd, 6, "ro", 1);
    writer.write("data");
    writer.finish();
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::io);
    EXPECT_EQ(std::string(e.what()), std::string("error while writing ro: ") + std::strerror(EBADF));
  }
  ::close(fd);
}

TEST_F(GzipTest, FileSizeLimitIsReported) {
  const fs::path path = m_dir / "big.gz";
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{4096, 4096};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    std::mt19937 rng(1);
    std::string noise(100000, '\0');
    for (char& c : noise) {
      c = static_cast<char>(rng());
    }
    try {
      ParallelGzipWriter writer(fd, 1, "big.gz", 1);
      writer.write(noise);
      writer.finish();
    } catch (const Error& e) {
      ::_exit(e.code() == ErrorCode::io && std::string(e.what()) == "file size limit reached while writing big.gz" ? 0
                                                                                                                   : 2);
    }
    ::_exit(3);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST_F(GzipTest, WritesThroughASlowPipe) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::string received;
  std::thread reader([&] {
    char buffer[1000];
    ssize_t n;
    while ((n = ::read(fds[0], buffer, sizeof buffer)) > 0) {
      received.append(buffer, static_cast<std::size_t>(n));
    }
  });
  std::mt19937_64 rng(3);
  std::string content(600000, '\0');
  for (char& c : content) {
    c = static_cast<char>('a' + rng() % 26);
  }
  std::uint64_t compressed = 0;
  {
    ParallelGzipWriter writer(fds[1], 6, "pipe", 1);
    writer.write(content);
    writer.finish();
    compressed = writer.compressed_bytes();
  }
  ::close(fds[1]);
  reader.join();
  ::close(fds[0]);
  EXPECT_EQ(received.size(), compressed);
  write_file(m_dir / "pipe.gz", received);
  EXPECT_EQ(decompress(m_dir / "pipe.gz"), content);
}

TEST_F(GzipTest, InvalidLevelIsAUsageError) {
  try {
    ParallelGzipWriter writer(1, 12, "x", 1);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::usage);
  }
}

}  // namespace
