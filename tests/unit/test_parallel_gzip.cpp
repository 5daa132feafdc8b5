#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ifnbackup/error.hpp"
#include "ifnbackup/options.hpp"
#include "io/gzip_member.hpp"
#include "io/gzip_reader.hpp"
#include "io/parallel_gzip_writer.hpp"
#include "unit/temp_dir_test.hpp"

namespace {

namespace fs = std::filesystem;
using ifnbackup::Error;
using ifnbackup::ErrorCode;
using ifnbackup::io::GzipReader;
using ifnbackup::io::ParallelGzipWriter;

constexpr std::size_t k_block = 64 * 1024;

// Text shaped like a dump: extended INSERTs of mixed numbers, dates and strings, deterministic.
std::string sql_text(std::size_t bytes, unsigned seed = 1) {
  static const char* const k_words[] = {"Paiement", "marché",  "Adjamé", "orange",   "wave",     "mtn",
                                        "moov",     "Abidjan", "Cocody", "Yopougon", "recharge", "transfert"};
  std::mt19937 rng(seed);
  std::string sql = "-- ifnbackup test dump\nSET NAMES utf8mb4;\n";
  std::uint64_t id = 1;
  while (sql.size() < bytes) {
    sql += "INSERT INTO `ledger` VALUES ";
    for (int row = 0; row < 50 && sql.size() < bytes; ++row, ++id) {
      sql += row == 0 ? "(" : ",(";
      sql += std::to_string(id) + "," + std::to_string(rng() % 50000) + "," + std::to_string(rng() % 100000) + "." +
             std::to_string(rng() % 100) + ",'2025-0" + std::to_string(1 + rng() % 9) + "-1" +
             std::to_string(rng() % 10) + " 0" + std::to_string(rng() % 10) + ":1" + std::to_string(rng() % 10) +
             ":00','";
      for (int w = 0; w < 4; ++w) {
        sql += k_words[rng() % std::size(k_words)];
        sql += ' ';
      }
      sql += std::to_string(rng()) + "')";
    }
    sql += ";\n";
  }
  sql.resize(bytes);
  return sql;
}

// 32 hexadecimal digits that look random, as MD5(id) does in scripts/bench-data.sql.
std::string hex_of(std::uint64_t id) {
  std::string out;
  for (int half = 0; half < 2; ++half) {
    std::uint64_t z = (id * 2 + static_cast<std::uint64_t>(half)) * 0x9e3779b97f4a7c15ULL;  // splitmix64
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    for (int i = 0; i < 16; ++i, z >>= 4) {
      out.push_back("0123456789abcdef"[z & 15]);
    }
  }
  return out;
}

// SQL as a dump of a real table has it: rising keys, repeated words, dates and amounts that follow the
// row number, a hash (scripts/bench-data.sql's transactions, in short). Level 5 is 0.92 of gzip -6 on it.
std::string dump_text(std::size_t bytes) {
  static const char* const k_kinds[] = {"vente", "achat", "dépôt", "retrait", "remboursement"};
  static const char* const k_places[] = {"marché", "kiosque", "étal", "quai"};
  std::string sql = "-- ifnbackup test dump\nSET NAMES utf8mb4;\n";
  std::uint64_t id = 1;
  while (sql.size() < bytes) {
    sql += "INSERT INTO `transactions` VALUES ";
    for (int row = 0; row < 200 && sql.size() < bytes; ++row, ++id) {
      sql += row == 0 ? "(" : ",(";
      sql += std::to_string(id) + "," + std::to_string(1 + id * 7 % 20000) + ",'" + k_kinds[id * 3 % 5] + "'," +
             std::to_string(id * 7907 % 10000000 / 100) + "." + std::to_string(10 + id % 90) + ",'XOF','" + hex_of(id) +
             "','+225 05" + std::to_string(10000000 + id % 90000000) + "','Vente au " + k_places[id % 4] + " — réf " +
             std::to_string(id) + "','2023-0" + std::to_string(1 + id % 9) + "-1" + std::to_string(id % 10) + " 1" +
             std::to_string(id % 10) + ":0" + std::to_string(id % 7) + ":00')";
    }
    sql += ";\n";
  }
  sql.resize(bytes);
  return sql;
}

std::string noise(std::size_t bytes, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::string out(bytes, '\0');
  for (char& c : out) {
    c = static_cast<char>(rng());
  }
  return out;
}

// Runs body in a forked child with a deadline: a hang becomes SIGALRM, not a stuck test run.
// Returns the child's exit code, or 100 + the signal that killed it.
int run_in_child(const std::function<int()>& body, unsigned deadline_seconds = 60) {
  std::cout.flush();
  std::cerr.flush();
  const pid_t child = ::fork();
  if (child < 0) {
    return 99;
  }
  if (child == 0) {
    ::alarm(deadline_seconds);
    int code = 98;
    try {
      code = body();
    } catch (const std::exception& e) {
      std::cerr << "child: unexpected exception: " << e.what() << "\n";
    }
    std::cerr.flush();
    ::_exit(code);
  }
  int status = 0;
  if (::waitpid(child, &status, 0) != child) {
    return 97;
  }
  if (WIFSIGNALED(status)) {
    return 100 + WTERMSIG(status);
  }
  return WEXITSTATUS(status);
}

class ParallelGzipTest : public ifnbackup::test::TempDirTest {
 protected:
  struct Written {
    fs::path path;
    std::uint64_t compressed = 0;
    std::uint64_t uncompressed = 0;
    std::uint64_t members = 0;
    ifnbackup::io::AutoLevelReport automatic;
  };

  // Writes content through a ParallelGzipWriter in pieces of the given sizes (cycled).
  Written write_file(const std::string& name, const std::string& content, unsigned threads, std::size_t block = k_block,
                     std::vector<std::size_t> pieces = {256 * 1024}, int level = ifnbackup::k_default_compress_level) {
    Written w;
    w.path = m_dir / name;
    const int fd = ::open(w.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    EXPECT_GE(fd, 0);
    ParallelGzipWriter writer(fd, level, w.path.string(), threads, block);
    std::string_view rest = content;
    for (std::size_t i = 0; !rest.empty(); ++i) {
      const std::size_t n = std::min(pieces[i % pieces.size()], rest.size());
      writer.write(rest.substr(0, n));
      rest.remove_prefix(n);
    }
    writer.finish();
    EXPECT_TRUE(writer.finished());
    w.compressed = writer.compressed_bytes();
    w.uncompressed = writer.uncompressed_bytes();
    w.members = writer.members();
    w.automatic = writer.auto_level();
    ::close(fd);
    return w;
  }

  static std::string read_with_reader(const fs::path& path, std::uint64_t* members = nullptr) {
    GzipReader reader(path);
    std::string out;
    reader.read_all([&](std::string_view piece) { out.append(piece); }, 100000);
    if (members != nullptr) {
      *members = reader.members();
    }
    return out;
  }

  // What `gzip <options> -c FILE` writes on its standard output.
  static std::string run_gzip(const std::string& options, const fs::path& path) {
    std::string out;
    FILE* pipe = ::popen(("gzip " + options + " -c '" + path.string() + "'").c_str(), "r");
    if (pipe == nullptr) {
      ADD_FAILURE() << "popen gzip " << options << " failed";
      return out;
    }
    char buffer[65536];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) {
      out.append(buffer, n);
    }
    EXPECT_EQ(::pclose(pipe), 0) << "gzip " << options << " " << path;
    return out;
  }
  static std::string gzip_dc(const fs::path& path) { return run_gzip("-d", path); }

  static bool have_gzip() { return std::system("command -v gzip >/dev/null 2>&1") == 0; }
};

TEST_F(ParallelGzipTest, EverySizeRoundTripsThroughGzipAndOurReader) {
  const bool gzip = have_gzip();
  for (unsigned threads = 1; threads <= 4; ++threads) {
    for (const std::size_t size :
         {std::size_t{0}, std::size_t{1}, k_block - 1, k_block, k_block + 1, 13 * k_block + 4321}) {
      SCOPED_TRACE("threads " + std::to_string(threads) + ", size " + std::to_string(size));
      const std::string content = sql_text(size, static_cast<unsigned>(size) + threads);
      const Written w = write_file("t.sql.gz", content, threads, k_block, {10000, 70000, 1});
      EXPECT_EQ(w.uncompressed, content.size());
      EXPECT_EQ(w.compressed, fs::file_size(w.path));
      // One member per started block (at least one), whatever the thread count.
      const std::uint64_t expected_members = std::max<std::uint64_t>(1, (size + k_block - 1) / k_block);
      EXPECT_EQ(w.members, expected_members);

      std::uint64_t members = 0;
      EXPECT_EQ(read_with_reader(w.path, &members), content);
      EXPECT_EQ(members, expected_members);
      if (gzip) {
        EXPECT_EQ(std::system(("gzip -t '" + w.path.string() + "'").c_str()), 0);
        EXPECT_EQ(gzip_dc(w.path), content);
      }
    }
  }
}

TEST_F(ParallelGzipTest, DefaultBlockSizeManyBlocks) {
  const std::string content = sql_text(5 * ParallelGzipWriter::k_default_block_bytes + 777, 9);
  const fs::path path = m_dir / "big.sql.gz";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  ParallelGzipWriter writer(fd, 6, path.string(), 2);
  for (std::size_t pos = 0; pos < content.size(); pos += 256 * 1024) {
    writer.write(std::string_view(content).substr(pos, 256 * 1024));
  }
  writer.finish();
  ::close(fd);
  EXPECT_EQ(writer.members(), 6u);
  std::uint64_t members = 0;
  EXPECT_EQ(read_with_reader(path, &members), content);
  EXPECT_EQ(members, 6u);
  if (have_gzip()) {
    EXPECT_EQ(gzip_dc(path), content);
  }
}

TEST_F(ParallelGzipTest, RandomChunkingIncludingEmptyAndHugeWrites) {
  std::mt19937 rng(42);
  for (unsigned threads = 2; threads <= 4; ++threads) {
    std::vector<std::size_t> pieces;
    for (int i = 0; i < 200; ++i) {
      switch (rng() % 4) {
        case 0:
          pieces.push_back(0);
          break;
        case 1:
          pieces.push_back(rng() % 100);
          break;
        case 2:
          pieces.push_back(rng() % (2 * k_block));
          break;
        default:
          pieces.push_back(rng() % (5 * k_block));
          break;
      }
    }
    pieces.push_back(1);  // the cycle always makes progress
    const std::string content = sql_text(3 * 1024 * 1024 + 5, threads);
    const Written w = write_file("r.sql.gz", content, threads, k_block, pieces);
    EXPECT_EQ(read_with_reader(w.path), content) << "threads " << threads;
    EXPECT_EQ(w.compressed, fs::file_size(w.path));
  }
}

TEST_F(ParallelGzipTest, IncompressibleDataAtLevelOne) {
  const std::string content = noise(9 * k_block + 3, 5);
  const Written w = write_file("n.gz", content, 3, k_block, {100000}, 1);
  EXPECT_EQ(read_with_reader(w.path), content);
  EXPECT_EQ(w.members, 10u);
}

// The promise of issue 6: a backup no larger than `gzip -6` would make of the same SQL, at the
// default level.
TEST_F(ParallelGzipTest, NoLargerThanGzipSixOfTheSameText) {
  if (!have_gzip()) {
    GTEST_SKIP() << "gzip is not installed";
  }
  const std::string content = sql_text(8 * 1024 * 1024, 3);
  const fs::path plain = m_dir / "plain.sql";
  std::ofstream(plain, std::ios::binary) << content;
  const std::size_t gzip_six = run_gzip("-6", plain).size();

  const Written w = write_file("parallel.gz", content, 2, ParallelGzipWriter::k_default_block_bytes);
  EXPECT_EQ(w.members, 8u);
  const double ratio = static_cast<double>(w.compressed) / static_cast<double>(gzip_six);
  RecordProperty("size_ratio", std::to_string(ratio));
  EXPECT_LE(ratio, 1.0) << w.compressed << " vs gzip -6's " << gzip_six;
  EXPECT_EQ(read_with_reader(w.path), content);
}

// The automatic level (the default) keeps that promise on SQL where level 5 alone breaks it: random
// numbers, 1.02 of gzip -6 at level 5. Its samples see it and it goes to level 6.
TEST_F(ParallelGzipTest, AutomaticLevelRisesWhereLevelFiveWouldPassGzipSix) {
  if (!have_gzip()) {
    GTEST_SKIP() << "gzip is not installed";
  }
  const std::string content = sql_text(12 * 1024 * 1024, 7);
  const fs::path plain = m_dir / "plain.sql";
  std::ofstream(plain, std::ios::binary) << content;
  const auto gzip_six = static_cast<double>(run_gzip("-6", plain).size());
  const std::size_t block = ParallelGzipWriter::k_default_block_bytes;

  const Written five = write_file("five.gz", content, 2, block, {256 * 1024}, 5);
  EXPECT_GT(static_cast<double>(five.compressed) / gzip_six, 1.0) << "level 5 alone no longer passes gzip -6 here";
  EXPECT_EQ(five.automatic.samples, 0u);  // a fixed level measures nothing

  for (const unsigned threads : {1u, 2u, 3u}) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    const Written w = write_file("auto.gz", content, threads, block, {256 * 1024}, ifnbackup::k_auto_compress_level);
    const double ratio = static_cast<double>(w.compressed) / gzip_six;
    RecordProperty("auto_ratio_" + std::to_string(threads), std::to_string(ratio));
    EXPECT_LE(ratio, 1.0) << w.compressed << " vs gzip -6's " << gzip_six;
    EXPECT_GT(w.automatic.high_blocks, 0u);
    EXPECT_EQ(w.automatic.low_blocks + w.automatic.high_blocks, w.members);
    // Blocks 0-4 and 8 of 12 are sampled.
    EXPECT_EQ(w.automatic.samples, 6u);
    EXPECT_EQ(read_with_reader(w.path), content);
  }
}

// A small prologue of usual text (level 5 far below gzip -6) and then a table of random numbers (level
// 5 above it): between the samples, each level's blocks are estimated with what the samples measured
// at that level. Level 6's ratio applied to level 5's blocks made them look 3 % smaller than they are
// to zlib: 1.001 to 1.004 of gzip -6 here.
TEST_F(ParallelGzipTest, AutomaticLevelKeepsGzipSixAfterAPrologueOfUsualText) {
  if (!have_gzip()) {
    GTEST_SKIP() << "gzip is not installed";
  }
  const std::size_t mib = 1024 * 1024;
  const std::string content = dump_text(5 * mib) + sql_text(27 * mib, 10);
  const fs::path plain = m_dir / "plain.sql";
  std::ofstream(plain, std::ios::binary) << content;
  const auto gzip_six = static_cast<double>(run_gzip("-6", plain).size());
  for (const unsigned threads : {1u, 2u, 3u}) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    const Written w = write_file("auto.gz", content, threads, ParallelGzipWriter::k_default_block_bytes, {256 * 1024},
                                 ifnbackup::k_auto_compress_level);
    EXPECT_LE(static_cast<double>(w.compressed) / gzip_six, 1.0) << w.compressed << " vs gzip -6's " << gzip_six;
    EXPECT_GT(w.automatic.low_blocks, 0u) << "the prologue stays at level 5";
  }
}

// A layout made for the scheduled samples to see only easy text (blocks 0-4, 8, 16, 32: dump text;
// every other block: random numbers, 1.02 of gzip -6 at level 5): the blocks that compress worse than
// the last sample are sampled too, so the file stays within gzip -6, and the same input still gives the
// same file.
TEST_F(ParallelGzipTest, AutomaticLevelSamplesABlockThatCompressesWorseThanTheLastSample) {
  if (!have_gzip()) {
    GTEST_SKIP() << "gzip is not installed";
  }
  const std::size_t block = ParallelGzipWriter::k_default_block_bytes;
  const std::string easy = dump_text(8 * block);
  const std::string hard = sql_text(40 * block, 11);
  std::string content;
  std::size_t easy_at = 0;
  for (std::uint64_t n = 0; n < 40; ++n) {
    const bool scheduled = n < 4 || (n & (n - 1)) == 0 || n % 64 == 0;
    content += scheduled ? easy.substr((easy_at++) * block, block) : hard.substr(n * block, block);
  }
  const fs::path plain = m_dir / "plain.sql";
  std::ofstream(plain, std::ios::binary) << content;
  const auto gzip_six = static_cast<double>(run_gzip("-6", plain).size());
  std::string previous;
  for (const unsigned threads : {1u, 2u, 2u}) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    const Written w = write_file("auto.gz", content, threads, block, {256 * 1024}, ifnbackup::k_auto_compress_level);
    EXPECT_LE(static_cast<double>(w.compressed) / gzip_six, 1.0) << w.compressed << " vs gzip -6's " << gzip_six;
    EXPECT_GT(w.automatic.samples, 8u) << "blocks between the scheduled samples were sampled too";
    EXPECT_EQ(read_with_reader(w.path), content);
    std::ifstream in(w.path, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (threads == 2 && !previous.empty()) {
      EXPECT_TRUE(bytes == previous) << "the same input, the same file";
    }
    if (threads == 2) {
      previous = bytes;
    }
  }
}

// On a dump's usual text the automatic level stays at 5 (the fifth of the CPU it is for), under gzip
// -6 by more than its margin, and the same input gives the same file whatever the threads' timing.
TEST_F(ParallelGzipTest, AutomaticLevelStaysLowOnDumpTextAndIsReproducible) {
  if (!have_gzip()) {
    GTEST_SKIP() << "gzip is not installed";
  }
  const std::string content = dump_text(40 * 1024 * 1024);
  const fs::path plain = m_dir / "plain.sql";
  std::ofstream(plain, std::ios::binary) << content;
  const auto gzip_six = static_cast<double>(run_gzip("-6", plain).size());
  const std::size_t block = ParallelGzipWriter::k_default_block_bytes;

  const Written w = write_file("a.gz", content, 2, block, {100000, 7, 300000}, ifnbackup::k_auto_compress_level);
  const double ratio = static_cast<double>(w.compressed) / gzip_six;
  RecordProperty("auto_ratio", std::to_string(ratio));
  EXPECT_LE(ratio, 0.97) << w.compressed << " vs gzip -6's " << gzip_six;
  EXPECT_EQ(w.automatic.high_blocks, 0u);
  EXPECT_EQ(w.automatic.low_blocks, 40u);
  // Blocks 0-4, 8, 16 and 32.
  EXPECT_EQ(w.automatic.samples, 8u);
  EXPECT_EQ(read_with_reader(w.path), content);
  std::ifstream first(w.path, std::ios::binary);
  const std::string first_bytes((std::istreambuf_iterator<char>(first)), std::istreambuf_iterator<char>());

  // The same text in other pieces: the same file, byte for byte.
  const Written again = write_file("b.gz", content, 2, block, {1 << 20}, ifnbackup::k_auto_compress_level);
  std::ifstream second(again.path, std::ios::binary);
  const std::string second_bytes((std::istreambuf_iterator<char>(second)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(first_bytes == second_bytes);
}

TEST_F(ParallelGzipTest, ProducerWaitsWhenTwiceThreadsBlocksAreInFlight) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const unsigned threads = 2;
  const std::string block = noise(k_block, 8);  // incompressible: one member fills the pipe
  const int total_blocks = 40;
  std::atomic<int> accepted{0};
  std::string received;
  std::thread producer([&] {
    ParallelGzipWriter writer(fds[1], 1, "pipe", threads, k_block);
    for (int i = 0; i < total_blocks; ++i) {
      writer.write(block);
      accepted = i + 1;
    }
    writer.finish();
    ::close(fds[1]);
  });
  // The writer thread is stuck on the full pipe: the producer stops after 2 x threads blocks. It gets
  // there however slowly a loaded machine runs it (up to a minute), then has half a second to go on.
  for (int i = 0; i < 6000 && accepted.load() < static_cast<int>(2 * threads) - 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const int stuck_at = accepted.load();
  EXPECT_LE(stuck_at, static_cast<int>(2 * threads));
  EXPECT_GE(stuck_at, static_cast<int>(2 * threads) - 2);

  char buffer[65536];
  ssize_t n = 0;
  while ((n = ::read(fds[0], buffer, sizeof buffer)) > 0) {
    received.append(buffer, static_cast<std::size_t>(n));
  }
  producer.join();
  ::close(fds[0]);
  EXPECT_EQ(accepted.load(), total_blocks);
  const fs::path path = m_dir / "pipe.gz";
  std::ofstream(path, std::ios::binary) << received;
  std::string expected;
  for (int i = 0; i < total_blocks; ++i) {
    expected += block;
  }
  std::uint64_t members = 0;
  EXPECT_EQ(read_with_reader(path, &members), expected);
  EXPECT_EQ(members, static_cast<std::uint64_t>(total_blocks));
}

// /dev/full: the writer thread's ENOSPC comes back on the producer thread as the usual Error(io),
// from write() or finish(), and again from every later call; then the destructor joins.
TEST_F(ParallelGzipTest, DiskFullSurfacesOnTheProducerThread) {
  if (::access("/dev/full", W_OK) != 0) {
    GTEST_SKIP() << "/dev/full is not available";
  }
  for (unsigned threads = 1; threads <= 4; ++threads) {
    const int code = run_in_child([threads] {
      const int fd = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
      const std::string content = sql_text(4 * 1024 * 1024, 2);
      std::string first;
      try {
        ParallelGzipWriter writer(fd, 6, "/backups/x.sql.gz.partial", threads, k_block);
        try {
          for (std::size_t pos = 0; pos < content.size(); pos += 256 * 1024) {
            writer.write(std::string_view(content).substr(pos, 256 * 1024));
          }
          writer.finish();
          std::cerr << "no error from write() or finish()\n";
          return 2;
        } catch (const Error& e) {
          if (e.code() != ErrorCode::io ||
              std::string(e.what()) != "disk full while writing /backups/x.sql.gz.partial" || e.hint().empty()) {
            std::cerr << "wrong error: " << e.what() << "\n";
            return 3;
          }
          first = e.what();
        }
        // Sticky: the next calls report the same error instead of writing on.
        for (int call = 0; call < 2; ++call) {
          try {
            if (call == 0) {
              writer.write("more");
            } else {
              writer.finish();
            }
            std::cerr << "call " << call << " after the error succeeded\n";
            return 4;
          } catch (const Error& e) {
            if (e.code() != ErrorCode::io || first != e.what()) {
              std::cerr << "call " << call << " gave another error: " << e.what() << "\n";
              return 5;
            }
          }
        }
      } catch (...) {
        return 6;
      }
      return 0;  // the destructor ran without finish(): threads joined, no terminate
    });
    EXPECT_EQ(code, 0) << "threads " << threads;
  }
}

TEST_F(ParallelGzipTest, FileSizeLimitIsAnIoErrorWithoutHang) {
  const fs::path path = m_dir / "big.gz";
  const int code = run_in_child([&path] {
    std::signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{200000, 200000};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    const std::string content = noise(2 * 1024 * 1024, 4);
    try {
      ParallelGzipWriter writer(fd, 1, "big.gz", 3, k_block);
      for (std::size_t pos = 0; pos < content.size(); pos += 100000) {
        writer.write(std::string_view(content).substr(pos, 100000));
      }
      writer.finish();
    } catch (const Error& e) {
      if (e.code() == ErrorCode::io && std::string(e.what()) == "file size limit reached while writing big.gz") {
        return 0;
      }
      std::cerr << "wrong error: " << e.what() << "\n";
      return 2;
    }
    return 3;
  });
  EXPECT_EQ(code, 0);
  EXPECT_LE(fs::file_size(path), 200000u);
}

// A failure on the producer side (the dump lost its server) unwinds through the writer while
// blocks are still queued: the destructor stops and joins every thread.
TEST_F(ParallelGzipTest, DestructorWithoutFinishJoinsWhileBlocksAreInFlight) {
  const fs::path path = m_dir / "abandoned.gz";
  const int code = run_in_child([&path] {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    const std::string content = sql_text(3 * 1024 * 1024, 6);
    try {
      ParallelGzipWriter writer(fd, 9, "abandoned.gz", 4, 4096);
      writer.write(content);
      throw std::runtime_error("server went away");
    } catch (const std::runtime_error& e) {
      return std::string(e.what()) == "server went away" ? 0 : 2;
    }
  });
  EXPECT_EQ(code, 0);
}

TEST_F(ParallelGzipTest, WriteAfterFinishIsAnInternalError) {
  const int fd = ::open((m_dir / "f.gz").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  ParallelGzipWriter writer(fd, 6, "f.gz", 2, k_block);
  writer.write("abc");
  writer.finish();
  writer.finish();  // idempotent
  try {
    writer.write("more");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::internal);
  }
  ::close(fd);
  EXPECT_EQ(read_with_reader(m_dir / "f.gz"), "abc");
}

TEST_F(ParallelGzipTest, InvalidLevelOrThreadCountIsAUsageError) {
  for (const auto& [level, threads] : {std::pair{12, 2u}, std::pair{-2, 3u}, std::pair{6, 0u}, std::pair{12, 1u}}) {
    try {
      ParallelGzipWriter writer(1, level, "x", threads);
      ADD_FAILURE() << "no error for level " << level << ", threads " << threads;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::usage) << e.what();
    }
  }
}

// cut() ends a member where a section starts: each range of members then decodes on its own to
// exactly the text between two cuts, its CRC-32 combined from the members' equals the text's,
// and a stored member appended after finish() is found from the end of the file.
TEST_F(ParallelGzipTest, CutMembersDecodeAloneAndTheStoredTailIsFound) {
  for (const unsigned threads : {1u, 2u, 3u}) {
    const fs::path path = m_dir / ("cut" + std::to_string(threads) + ".gz");
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ASSERT_GE(fd, 0);
    ParallelGzipWriter writer(fd, 6, path.string(), threads, k_block);
    // Pieces smaller than, equal to and spanning several blocks; one cut right after a full block.
    const std::vector<std::string> parts = {sql_text(1000, 1), sql_text(3 * k_block + 17, 2), sql_text(k_block, 3),
                                            sql_text(5, 4), noise(2 * k_block, 5)};
    std::vector<std::uint64_t> numbers;
    for (const std::string& part : parts) {
      numbers.push_back(writer.cut());
      writer.write(part);
    }
    const std::uint64_t end = writer.cut();
    EXPECT_EQ(end, parts.size() + 1) << "range 0 (empty here), then one per cut";
    const auto ranges = writer.wait_written();
    ASSERT_EQ(ranges.size(), end + 1);
    EXPECT_EQ(ranges[0].compressed, 0u);
    EXPECT_EQ(ranges[end].compressed, 0u) << "the last range has nothing yet";
    writer.finish();
    const std::string tail = "-- the tail\n-- Dump completed\n";
    writer.append_stored(tail);
    ::close(fd);

    std::string whole;
    for (std::size_t i = 0; i < parts.size(); ++i) {
      const auto& range = ranges[numbers[i]];
      EXPECT_EQ(range.size, parts[i].size());
      GzipReader reader(path, range.offset, range.compressed);
      std::string got;
      reader.read_all([&](std::string_view piece) { got.append(piece); });
      EXPECT_EQ(got, parts[i]) << "threads " << threads << ", part " << i;
      EXPECT_EQ(range.crc32, ifnbackup::io::gzip_crc32(parts[i])) << "threads " << threads << ", part " << i;
      if (i > 0) {
        const auto& before = ranges[numbers[i - 1]];
        EXPECT_EQ(range.offset, before.offset + before.compressed) << "ranges follow each other";
      }
      whole += parts[i];
    }
    EXPECT_EQ(read_with_reader(path), whole + tail) << "one stream for any reader";
    const auto found = ifnbackup::io::read_stored_tail(path);
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->text, tail);
    EXPECT_EQ(found->offset, ranges[numbers.back()].offset + ranges[numbers.back()].compressed);
    if (have_gzip()) {
      EXPECT_EQ(gzip_dc(path), whole + tail) << "gzip reads the stored member too";
    }
  }
}

TEST_F(ParallelGzipTest, ARangeEndingInsideAMemberIsIncomplete) {
  const Written w = write_file("range.gz", sql_text(2 * k_block, 7), 2);
  GzipReader reader(w.path, 0, w.compressed - 100);
  try {
    reader.read_all([](std::string_view) {});
    ADD_FAILURE() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::incomplete) << error.what();
  }
  EXPECT_THROW(GzipReader(w.path, 10, w.compressed), Error) << "a range past the end of the file";
}

TEST_F(ParallelGzipTest, NoStoredTailWithoutOneOrWhenItIsDamaged) {
  const Written w = write_file("plain.gz", sql_text(300000, 8), 2);
  EXPECT_FALSE(ifnbackup::io::read_stored_tail(w.path).has_value()) << "a compressed last member";
  const fs::path tiny = m_dir / "tiny.gz";
  std::ofstream(tiny, std::ios::binary) << "\x1f\x8b";
  EXPECT_FALSE(ifnbackup::io::read_stored_tail(tiny).has_value());

  const fs::path stored = m_dir / "stored.gz";
  const std::string member = ifnbackup::io::stored_gzip_member("-- locator\n");
  std::ofstream(stored, std::ios::binary) << member;
  ASSERT_TRUE(ifnbackup::io::read_stored_tail(stored).has_value());
  std::string flipped = member;
  flipped[flipped.size() - 10] ^= 0x01;  // a byte of the text: its CRC no longer matches
  std::ofstream(stored, std::ios::binary | std::ios::trunc) << flipped;
  EXPECT_FALSE(ifnbackup::io::read_stored_tail(stored).has_value());
  EXPECT_THROW(ifnbackup::io::stored_gzip_member(std::string(70000, 'x')), Error);
}

}  // namespace
