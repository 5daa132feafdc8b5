// ifnbackup/encrypted_backup.hpp and the names of encrypted backups: the ciphertext size an upload plans
// its parts from, exact for every chunk boundary; the encrypting source gives the same bytes on every pass,
// the size it announced, and refuses a file changed between passes; what it gives decrypts to the file;
// our names with .age are ours (catalog), others not; s3:// addresses; a stream verification passes the
// producer's own failure on.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "ifnbackup/catalog.hpp"
#include "ifnbackup/encrypted_backup.hpp"
#include "ifnbackup/error.hpp"
#include "unit/temp_dir_test.hpp"

namespace {

namespace fs = std::filesystem;
using namespace ifnbackup;

std::string random_bytes(std::size_t size, unsigned seed) {
  std::mt19937 generator(seed);
  std::string out(size, '\0');
  for (char& c : out) {
    c = static_cast<char>(generator());
  }
  return out;
}

void write_file(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string drain(UploadSource& source, std::size_t step) {
  std::string out;
  std::string buffer(step, '\0');
  while (const std::size_t got = source.read(buffer.data(), buffer.size())) {
    out.append(buffer.data(), got);
  }
  return out;
}

std::string decrypt(const std::string& ciphertext, const AgeIdentity& identity) {
  std::string plain;
  AgeDecryptor decryptor(
      {identity}, [&](std::string_view bytes) { plain.append(bytes); }, "test");
  decryptor.write(ciphertext);
  decryptor.finish();
  return plain;
}

TEST(AgeCiphertextSize, IsExactAtEveryChunkBoundary) {
  const auto one = AgeIdentity::generate();
  const auto two = AgeIdentity::generate();
  for (const std::size_t recipients : {1u, 2u}) {
    std::vector<AgeRecipient> to{one.recipient()};
    if (recipients == 2) {
      to.push_back(two.recipient());
    }
    for (const std::size_t size : {std::size_t{0}, std::size_t{1}, k_age_chunk_bytes - 1, k_age_chunk_bytes,
                                   k_age_chunk_bytes + 1, 2 * k_age_chunk_bytes, 5 * k_age_chunk_bytes + 7}) {
      std::string out;
      AgeEncryptor encryptor(to, [&](std::string_view bytes) { out.append(bytes); });
      const std::uint64_t predicted = age_ciphertext_size(encryptor.header_bytes(), size);
      encryptor.write(random_bytes(size, 7));
      encryptor.finish();
      EXPECT_EQ(out.size(), predicted) << size << " bytes, " << recipients << " recipient(s)";
    }
  }
}

TEST(AgeEncryptorAgain, GivesTheSameBytesUnderTheSameKey) {
  const auto identity = AgeIdentity::generate();
  const std::vector<AgeRecipient> to{identity.recipient()};
  const std::string plain = random_bytes(3 * k_age_chunk_bytes + 11, 3);
  std::string first;
  std::string second;
  AgeEncryptor a(to, [&](std::string_view bytes) { first.append(bytes); });
  AgeEncryptor b(a, [&](std::string_view bytes) { second.append(bytes); });
  a.write(plain);
  a.finish();
  b.write(plain.substr(0, 100));
  b.write(plain.substr(100));
  b.finish();
  EXPECT_EQ(first, second);
  EXPECT_EQ(decrypt(second, identity), plain);
  std::string other;
  AgeEncryptor c(to, [&](std::string_view bytes) { other.append(bytes); });
  c.write(plain);
  c.finish();
  EXPECT_NE(other, first) << "a new encryptor draws a new file key";
}

class EncryptingSourceTest : public test::TempDirTest {};

TEST_F(EncryptingSourceTest, EveryPassGivesTheAnnouncedBytesWhichDecryptToTheFile) {
  const auto identity = AgeIdentity::generate();
  const fs::path file = m_dir / "b.sql.gz";
  const std::string content = random_bytes(3 * 1024 * 1024 + 12345, 5);
  write_file(file, content);
  auto source = open_encrypting_source(file, {identity.recipient()});
  EXPECT_TRUE(source->metadata().empty()) << "the plain SHA-256 is known after a whole pass";
  const std::string sha = sha256_of_source(*source);  // pass 1, as the upload hashes it
  ASSERT_EQ(source->metadata().size(), 1u);
  EXPECT_EQ(source->metadata()[0].first, k_offsite_plain_sha256_header);
  auto plain_source = open_file_source(file);
  EXPECT_EQ(source->metadata()[0].second, sha256_of_source(*plain_source));
  source->rewind();
  const std::string sent = drain(*source, 1000003);  // odd reads, as parts cut it
  EXPECT_EQ(sent.size(), source->size());
  source->rewind();
  EXPECT_EQ(sha256_of_source(*source), sha) << "every pass gives the same bytes";
  EXPECT_EQ(decrypt(sent, identity), content);
}

TEST_F(EncryptingSourceTest, AFileChangedBetweenPassesIsRefused) {
  const auto identity = AgeIdentity::generate();
  const fs::path file = m_dir / "b.sql.gz";
  std::string content = random_bytes(200000, 9);
  write_file(file, content);
  auto source = open_encrypting_source(file, {identity.recipient()});
  sha256_of_source(*source);
  content[100] = static_cast<char>(content[100] ^ 1);
  write_file(file, content);  // same size, other bytes: the same key must not encrypt them
  source->rewind();
  try {
    drain(*source, 65536);
    FAIL() << "a changed file was encrypted again under the same key";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::io);
    EXPECT_NE(std::string(error.what()).find("changed while it was encrypted"), std::string::npos);
  }
}

TEST_F(EncryptingSourceTest, EncryptBesideAndDecryptIntoRoundTrip) {
  const auto identity = AgeIdentity::generate();
  const fs::path file = m_dir / "ifn_connect_backup_20260101_020000.sql.gz";
  const std::string content = random_bytes(300000, 11);
  write_file(file, content);
  const fs::path encrypted = encrypt_file_beside(file, {identity.recipient()});
  EXPECT_EQ(encrypted.filename(), "ifn_connect_backup_20260101_020000.sql.gz.age");
  EXPECT_EQ(fs::status(encrypted).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
  const fs::path elsewhere = m_dir / "other";
  const fs::path plain = decrypt_backup_into(encrypted, {identity}, elsewhere);
  EXPECT_EQ(plain, elsewhere / "ifn_connect_backup_20260101_020000.sql.gz");
  EXPECT_EQ(read_file(plain), content);
  EXPECT_EQ(decrypt_backup_into(encrypted, {identity}, elsewhere), plain) << "the same plaintext there is used";
  write_file(plain, "another file");
  EXPECT_THROW(decrypt_backup_into(encrypted, {identity}, elsewhere), Error) << "a different file is never replaced";
  const fs::path third = m_dir / "third";
  try {
    decrypt_backup_into(encrypted, {AgeIdentity::generate()}, third);
    FAIL() << "a wrong identity decrypted";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::wrong_identity);
  }
  EXPECT_FALSE(fs::exists(third / "ifn_connect_backup_20260101_020000.sql.gz"));
  EXPECT_FALSE(fs::exists(third / "ifn_connect_backup_20260101_020000.sql.gz.partial"));
  EXPECT_THROW(decrypt_backup_into(encrypted, {}, third), Error);
}

TEST(EncryptedNames, AreOursAndRecognised) {
  const auto backup = parse_backup_name("ifn_connect_backup_20260101_020000.sql.gz.age", "ifn_connect_backup");
  ASSERT_TRUE(backup);
  EXPECT_EQ(backup->kind, BackupKind::backup);
  EXPECT_TRUE(backup->encrypted);
  const auto partial = parse_backup_name("ifn_connect_backup_20260101_020000.sql.gz.age.partial", "ifn_connect_backup");
  ASSERT_TRUE(partial);
  EXPECT_EQ(partial->kind, BackupKind::partial);
  EXPECT_TRUE(partial->encrypted);
  const auto plain = parse_backup_name("ifn_connect_backup_20260101_020000.sql.gz", "ifn_connect_backup");
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->encrypted);
  for (const char* foreign :
       {"ifn_connect_backup_20260101_020000.sql.age", "ifn_connect_backup_20260101_020000.sql.gz.age.bak",
        "ifn_connect_backup_20260101_020000.sql.gz.age.age", "ifn_connect_backup_20260101_020000.age",
        "copy ifn_connect_backup_20260101_020000.sql.gz.age"}) {
    EXPECT_FALSE(parse_backup_name(foreign, "ifn_connect_backup")) << foreign;
  }
  EXPECT_EQ(plain_name_of("x.sql.gz.age"), "x.sql.gz");
  EXPECT_EQ(plain_name_of("x.sql.gz"), "x.sql.gz");
}

TEST(OffsiteAddress, SplitsTheBucketFromTheName) {
  const auto address = parse_offsite_address("s3://bucket/a/b/x.sql.gz.age");
  ASSERT_TRUE(address);
  EXPECT_EQ(address->url, "s3://bucket/a/b");
  EXPECT_EQ(address->name, "x.sql.gz.age");
  const auto top = parse_offsite_address("s3://bucket/x.sql.gz");
  ASSERT_TRUE(top);
  EXPECT_EQ(top->url, "s3://bucket");
  EXPECT_EQ(top->name, "x.sql.gz");
  EXPECT_FALSE(parse_offsite_address("/var/backups/x.sql.gz"));
  EXPECT_FALSE(parse_offsite_address("latest"));
  EXPECT_THROW(parse_offsite_address("s3://bucket/"), Error);
  EXPECT_THROW(parse_offsite_address("s3://bucket"), Error);
}

TEST(VerifyBackupStream, PassesTheProducersFailureOn) {
  try {
    verify_backup_stream(
        [](const std::function<void(std::string_view)>& sink) {
          sink("-- a start\n");
          throw Error(ErrorCode::wrong_identity, "no identity opens it");
        },
        "s3://b/x.sql.gz.age");
    FAIL() << "the producer's failure was lost";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::wrong_identity);
  }
  // Not gzip at all: a verdict, and the producer stopped by the reader going away is no error.
  const auto result = verify_backup_stream(
      [](const std::function<void(std::string_view)>& sink) {
        const std::string junk(1024 * 1024, 'x');
        for (int i = 0; i < 64; ++i) {
          sink(junk);
        }
      },
      "junk");
  EXPECT_EQ(result.status, VerifyStatus::corrupt);
  EXPECT_EQ(result.path, "junk");
}

}  // namespace
