// Signed backups (docs/backup-format.md, "Signature"): a file the dumper signed verifies with its
// signer named, whole or section by section; a changed signature, key or index makes it corrupt; the
// keys decide ours / trusted / unknown; key files others may read or write are refused; files of
// format 3 still verify, unsigned.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "backup/dump_writer.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/signing.hpp"
#include "ifnbackup/verify.hpp"
#include "io/gzip_member.hpp"
#include "io/parallel_gzip_writer.hpp"
#include "restore/phases.hpp"
#include "restore/table_sections.hpp"
#include "sign/file_signature.hpp"
#include "sign/signing_key.hpp"
#include "unit/temp_dir_test.hpp"
#include "util/base64.hpp"

namespace {

namespace fs = std::filesystem;
using ifnbackup::Error;
using ifnbackup::ErrorCode;
using ifnbackup::Keyring;
using ifnbackup::SignerTrust;
using ifnbackup::SigningOptions;
using ifnbackup::VerifyResult;
using ifnbackup::VerifyStatus;
using ifnbackup::sign::SigningKey;

// A small dump as the dumper writes it: a header of `format`, tables a and b in ranges of their own,
// signed with `key` (nullptr: unsigned, as before format 4).
fs::path write_dump(const fs::path& path, int format, const SigningKey* key) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  EXPECT_GE(fd, 0);
  {
    ifnbackup::io::ParallelGzipWriter gzip(fd, 6, path.string(), 2);
    ifnbackup::backup::DumpWriter out(gzip, 64 * 1024, ifnbackup::backup::DumpWriter::k_part_bytes, 0);
    out.write("-- ifnbackup test dump of database `d`\n-- ifnbackup-format: " + std::to_string(format) +
              "\n\n/*!40101 SET NAMES utf8mb4 */;\n");
    for (const std::string name : {"a", "b"}) {
      out.begin_table(name);
      out.write("--\n-- Table structure for table `" + name + "`\n--\n\nCREATE TABLE `" + name +
                "` (id INT PRIMARY KEY);\n");
      out.statement_begin();
      out.write("INSERT INTO `" + name + "` (id) VALUES (1);\n");
      out.statement_end();
      out.end_table(1);
    }
    out.begin_objects();
    out.write("/*!40101 SET NAMES utf8mb4 */;\n");
    out.finish({{"a", 1, {}}, {"b", 1, {}}}, std::chrono::system_clock::now(), key);
  }
  ::close(fd);
  return path;
}

// Rewrites the file's stored last member (locator, checksum, signature and completion lines) with
// `edit` applied to its text, under a correct CRC: only what the lines say changes.
void edit_tail(const fs::path& path, const std::function<void(std::string&)>& edit) {
  const auto tail = ifnbackup::io::read_stored_tail(path);
  ASSERT_TRUE(tail.has_value());
  std::string text = tail->text;
  edit(text);
  fs::resize_file(path, tail->offset);
  std::ofstream(path, std::ios::binary | std::ios::app) << ifnbackup::io::stored_gzip_member(text);
}

// The signature line's last field (the base64 signature) with one character changed.
void flip_signature_byte(std::string& tail) {
  const std::size_t line = tail.find(ifnbackup::sign::k_signature_prefix);
  ASSERT_NE(line, std::string::npos) << tail;
  const std::size_t end = tail.find('\n', line);
  const std::size_t field = tail.rfind(' ', end) + 1;
  char& c = tail[field + 10];
  c = c == 'A' ? 'B' : 'A';
}

// `use` must throw Error(code) whose message holds `text`; returns the error's hint.
std::string expect_refused(const std::function<void()>& use, ErrorCode code, const std::string& text) {
  try {
    use();
    ADD_FAILURE() << "not refused; expected: " << text;
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), code) << error.what();
    EXPECT_NE(std::string(error.what()).find(text), std::string::npos) << error.what();
    return error.hint();
  }
  return {};
}

mode_t mode_of(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

class Signing : public ifnbackup::test::TempDirTest {
 protected:
  SigningOptions keys_in(const std::string& name) const {
    SigningOptions options;
    options.key_file = m_dir / name / "signing-key";
    return options;
  }
  VerifyResult judged(const fs::path& file, const SigningOptions& keys, unsigned threads = 1) const {
    VerifyResult result = ifnbackup::verify_backup_file(file, {}, threads);
    Keyring::load(keys).judge(result);
    return result;
  }
};

TEST(Base64, RoundTripsAndRefusesWhatItWouldNotWrite) {
  EXPECT_EQ(ifnbackup::util::base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(ifnbackup::util::base64_encode("fo"), "Zm8=");
  EXPECT_EQ(ifnbackup::util::base64_encode("f"), "Zg==");
  std::string bytes;
  for (int i = 0; i < 70; ++i) {
    EXPECT_EQ(ifnbackup::util::base64_decode(ifnbackup::util::base64_encode(bytes)), bytes) << i;
    bytes.push_back(static_cast<char>(i * 37));
  }
  for (const char* bad : {"Zm9", "Zm9=Zm8=", "Zm9=", "Zh==", "Zm 8", "Zm8=\n", "====", "Zm*v"}) {
    EXPECT_FALSE(ifnbackup::util::base64_decode(bad).has_value()) << bad;
  }
}

TEST(SignedMessage, IsDomainSeparatedAndCoversTheIndex) {
  EXPECT_EQ(ifnbackup::sign::signed_message(std::string(64, 'a'), 123, std::string(64, 'b')),
            "ifnbackup-signature-v1\n" + std::string(64, 'a') + "\n123\n" + std::string(64, 'b') + "\n");
}

TEST_F(Signing, KeyIsMadeAtFirstUsePrivateAndKeptAfterwards) {
  const SigningOptions keys = keys_in("keys");
  const auto first = ifnbackup::ensure_signing_key(keys);
  EXPECT_TRUE(first.created);
  EXPECT_EQ(mode_of(keys.key_file), 0600u);
  EXPECT_EQ(mode_of(keys.key_file.parent_path()), 0700u);
  EXPECT_EQ(first.key.fingerprint().size(), 16u);
  const auto again = ifnbackup::ensure_signing_key(keys);
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.key, first.key);
  // The public line round-trips, fingerprint and all.
  const auto parsed = ifnbackup::parse_public_key_line(first.key.line() + " root@db1");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(*parsed, first.key);
}

TEST_F(Signing, SignedFileVerifiesWholeAndBySectionsAndNamesOurKey) {
  const SigningOptions keys = keys_in("keys");
  const auto key = SigningKey::load_or_create(keys);
  const fs::path file = write_dump(m_dir / "signed.sql.gz", 4, &key);
  for (const unsigned threads : {1u, 2u}) {
    const VerifyResult unjudged = ifnbackup::verify_backup_file(file, {}, threads);
    ASSERT_EQ(unjudged.status, VerifyStatus::ok) << unjudged.reason;
    EXPECT_EQ(unjudged.signer.trust, SignerTrust::unknown) << "no keys given: a good signature of an unknown key";
    EXPECT_EQ(unjudged.signer.fingerprint, key.public_key().fingerprint());
    EXPECT_EQ(judged(file, keys, threads).signer.trust, SignerTrust::ours);
  }
  const auto partial = ifnbackup::restore::verify_table_sections(file, {"a"});
  ASSERT_TRUE(partial.has_value());
  ASSERT_EQ(partial->verification.status, VerifyStatus::ok) << partial->verification.reason;
  EXPECT_EQ(partial->verification.signer.trust, SignerTrust::unknown);
  EXPECT_EQ(partial->verification.signer.fingerprint, key.public_key().fingerprint());
}

TEST_F(Signing, FlippedSignatureByteMakesTheFileCorrupt) {
  const auto key = SigningKey::load_or_create(keys_in("keys"));
  const fs::path file = write_dump(m_dir / "flipped.sql.gz", 4, &key);
  edit_tail(file, flip_signature_byte);
  const VerifyResult result = ifnbackup::verify_backup_file(file);
  EXPECT_EQ(result.status, VerifyStatus::corrupt);
  EXPECT_EQ(result.signer.trust, SignerTrust::bad);
  EXPECT_NE(result.reason.find("bad signature"), std::string::npos) << result.reason;
  const auto partial = ifnbackup::restore::verify_table_sections(file, {"b"});
  ASSERT_TRUE(partial.has_value());
  EXPECT_EQ(partial->verification.status, VerifyStatus::corrupt);
  EXPECT_NE(partial->verification.reason.find("bad signature"), std::string::npos) << partial->verification.reason;
}

TEST_F(Signing, AnotherKeyPutInTheLineDoesNotPassForTheSigner) {
  const auto key = SigningKey::load_or_create(keys_in("keys"));
  const auto other = SigningKey::load_or_create(keys_in("other"));
  const fs::path file = write_dump(m_dir / "swapped.sql.gz", 4, &key);
  // The other key with its own fingerprint, the signature left: it is not that key's signature.
  edit_tail(file, [&](std::string& tail) {
    const std::string prefix = std::string(ifnbackup::sign::k_signature_prefix) + "ed25519 ";
    const std::size_t at = tail.find(prefix) + prefix.size();
    const std::size_t signature = tail.find(' ', tail.find(' ', at) + 1);
    const std::string replaced =
        other.public_key().fingerprint() + " " + ifnbackup::util::base64_encode(other.public_key().raw);
    tail.replace(at, signature - at, replaced);
  });
  const VerifyResult result = ifnbackup::verify_backup_file(file);
  EXPECT_EQ(result.status, VerifyStatus::corrupt);
  EXPECT_NE(result.reason.find("bad signature"), std::string::npos) << result.reason;
}

TEST_F(Signing, RemovedSignatureLineMakesAFormat4FileCorrupt) {
  const auto key = SigningKey::load_or_create(keys_in("keys"));
  const fs::path file = write_dump(m_dir / "stripped.sql.gz", 4, &key);
  edit_tail(file, [](std::string& tail) {
    const std::size_t line = tail.find(ifnbackup::sign::k_signature_prefix);
    tail.erase(line, tail.find('\n', line) + 1 - line);
  });
  const VerifyResult result = ifnbackup::verify_backup_file(file);
  EXPECT_EQ(result.status, VerifyStatus::corrupt);
  EXPECT_NE(result.reason.find("signature line missing"), std::string::npos) << result.reason;
  const auto partial = ifnbackup::restore::verify_table_sections(file, {"a"});
  ASSERT_TRUE(partial.has_value());
  EXPECT_EQ(partial->verification.status, VerifyStatus::corrupt) << "a section-only check must not miss it";
}

TEST_F(Signing, IndexNotMatchingItsSignedSha256IsCorrupt) {
  const auto key = SigningKey::load_or_create(keys_in("keys"));
  const fs::path file = write_dump(m_dir / "index.sql.gz", 4, &key);
  edit_tail(file, [](std::string& tail) {
    const std::size_t sha = tail.find(" sha256=") + 8;
    ASSERT_LT(sha, tail.find('\n'));
    tail[sha] = tail[sha] == '0' ? '1' : '0';
  });
  const auto partial = ifnbackup::restore::verify_table_sections(file, {"a"});
  ASSERT_TRUE(partial.has_value());
  EXPECT_EQ(partial->verification.status, VerifyStatus::corrupt);
  EXPECT_NE(partial->verification.reason.find("does not match its SHA-256"), std::string::npos)
      << partial->verification.reason;
  EXPECT_EQ(ifnbackup::verify_backup_file(file).status, VerifyStatus::corrupt);
}

TEST_F(Signing, UnknownKeyIsUntrustedUntilTrusted) {
  const SigningOptions old_machine = keys_in("old");
  const SigningOptions new_machine = keys_in("new");
  const auto old_key = SigningKey::load_or_create(old_machine);
  const auto new_key = SigningKey::load_or_create(new_machine);
  const fs::path file = write_dump(m_dir / "old.sql.gz", 4, &old_key);
  EXPECT_EQ(judged(file, old_machine).signer.trust, SignerTrust::ours);
  EXPECT_EQ(judged(file, new_machine).signer.trust, SignerTrust::unknown);

  const auto added = ifnbackup::trust_public_key(new_machine, old_key.public_key().line() + " root@old");
  EXPECT_EQ(added.change, ifnbackup::TrustChange::added);
  EXPECT_EQ(added.file, m_dir / "new" / "trusted-keys");
  EXPECT_EQ(judged(file, new_machine).signer.trust, SignerTrust::trusted);
  std::ifstream in(added.file);
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  EXPECT_EQ(line, old_key.public_key().line() + " root@old") << "the comment names the machine";

  EXPECT_EQ(ifnbackup::trust_public_key(new_machine, old_key.public_key().line()).change,
            ifnbackup::TrustChange::already_trusted);
  EXPECT_EQ(ifnbackup::trust_public_key(new_machine, new_key.public_key().line()).change,
            ifnbackup::TrustChange::own_key);
}

TEST_F(Signing, PublicKeyLineDamagedWhenCopiedIsRefused) {
  const auto key = SigningKey::load_or_create(keys_in("keys"));
  std::string line = key.public_key().line();
  const std::size_t at = line.find(' ') + 5;
  line[at] = line[at] == 'A' ? 'B' : 'A';
  std::string why;
  EXPECT_FALSE(ifnbackup::parse_public_key_line(line, &why).has_value());
  EXPECT_NE(why.find("fingerprint"), std::string::npos) << why;
  EXPECT_FALSE(ifnbackup::parse_public_key_line("ssh-ed25519 AAAA", &why).has_value());
  EXPECT_FALSE(ifnbackup::parse_public_key_line("ifnbackup-ed25519 Zm9vYmFy", &why).has_value()) << "6 bytes";
  expect_refused([&] { (void)ifnbackup::trust_public_key(keys_in("keys"), line); }, ErrorCode::usage,
                 "not a public key: the key's fingerprint is");
  EXPECT_FALSE(fs::exists(m_dir / "keys" / "trusted-keys"));
}

TEST_F(Signing, KeyFileReadableByOthersIsRefused) {
  const SigningOptions keys = keys_in("keys");
  (void)ifnbackup::ensure_signing_key(keys);
  ASSERT_EQ(::chmod(keys.key_file.c_str(), 0644), 0);
  for (const auto& use : std::vector<std::function<void()>>{[&] { (void)SigningKey::load_or_create(keys); },
                                                            [&] { (void)Keyring::load(keys); },
                                                            [&] { (void)ifnbackup::ensure_signing_key(keys); }}) {
    const std::string hint = expect_refused(use, ErrorCode::config, "readable by others (mode 0644)");
    EXPECT_NE(hint.find("chmod 600"), std::string::npos) << hint;
  }
}

TEST_F(Signing, KeyFileThatIsNoKeyIsRefused) {
  const SigningOptions keys = keys_in("keys");
  fs::create_directories(keys.key_file.parent_path());
  std::ofstream(keys.key_file) << "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n";
  ASSERT_EQ(::chmod(keys.key_file.c_str(), 0600), 0);
  expect_refused([&] { (void)SigningKey::load_or_create(keys); }, ErrorCode::config,
                 "not an unencrypted Ed25519 private key");
}

TEST_F(Signing, TrustedKeysOthersMayWriteAreRefused) {
  const SigningOptions keys = keys_in("keys");
  const auto other = SigningKey::load_or_create(keys_in("other"));
  (void)ifnbackup::trust_public_key(keys, other.public_key().line());
  const fs::path trusted = m_dir / "keys" / "trusted-keys";
  ASSERT_EQ(::chmod(trusted.c_str(), 0666), 0);
  expect_refused([&] { (void)Keyring::load(keys); }, ErrorCode::config, "may be written by others (mode 0666)");
  ASSERT_EQ(::chmod(trusted.c_str(), 0644), 0);
  std::ofstream(trusted, std::ios::app) << "# a comment\n\nnot a key\n";
  expect_refused([&] { (void)Keyring::load(keys); }, ErrorCode::config, "line 4 of trusted keys file");
}

TEST_F(Signing, Format3FileStillVerifiesUnsigned) {
  const fs::path file = write_dump(m_dir / "format3.sql.gz", 3, nullptr);
  const VerifyResult result = judged(file, keys_in("keys"));
  ASSERT_EQ(result.status, VerifyStatus::ok) << result.reason;
  EXPECT_EQ(result.signer.trust, SignerTrust::none);
  EXPECT_TRUE(result.signer.fingerprint.empty());
  const auto partial = ifnbackup::restore::verify_table_sections(file, {"b"});
  ASSERT_TRUE(partial.has_value());
  EXPECT_EQ(partial->verification.status, VerifyStatus::ok) << partial->verification.reason;
  EXPECT_EQ(partial->verification.signer.trust, SignerTrust::none);
}

// A restore's verification checks each range's SHA-256 and takes the checksum line's for the
// content's: only a key trusted here vouches for that line. Another machine's key (or an attacker's)
// signs a line naming any SHA-256; restored anyway with --trust-unsigned, the whole content is hashed,
// and a file ifnbackup verify calls corrupt is refused before anything is touched.
TEST_F(Signing, ARestoreOfAFileSignedByAnUnknownKeyHashesItsWholeContent) {
  const auto other = SigningKey::load_or_create(keys_in("other"));
  const fs::path file = write_dump(m_dir / "forged.sql.gz", 4, &other);
  edit_tail(file, [&](std::string& tail) {
    const std::size_t checksum = tail.find(ifnbackup::k_checksum_prefix);
    const std::size_t checksum_end = tail.find('\n', checksum);
    const std::size_t digit = checksum + ifnbackup::k_checksum_prefix.size();
    tail[digit] = tail[digit] == '0' ? '1' : '0';
    const auto line = ifnbackup::parse_checksum_line(std::string_view(tail).substr(checksum, checksum_end - checksum));
    const auto locator = ifnbackup::parse_index_locator(std::string_view(tail).substr(0, tail.find('\n')));
    ASSERT_TRUE(line.has_value() && locator.has_value()) << tail;
    // Signed again by the same key: a good signature of a wrong checksum line.
    const std::string signature =
        other.sign(ifnbackup::sign::signed_message(line->sha256_hex, line->bytes, locator->sha256));
    const std::size_t signature_line = tail.find(ifnbackup::sign::k_signature_prefix);
    tail.replace(signature_line, tail.find('\n', signature_line) + 1 - signature_line,
                 ifnbackup::sign::format_signature_line(other.public_key(), signature));
  });
  const VerifyResult whole = ifnbackup::verify_backup_file(file, {}, 2);
  EXPECT_EQ(whole.status, VerifyStatus::corrupt);
  EXPECT_NE(whole.reason.find("content checksum mismatch"), std::string::npos) << whole.reason;
  ASSERT_EQ(ifnbackup::verify_before_restore(file, {}, 2).signer.trust, SignerTrust::unknown)
      << "the signature itself is good";

  ifnbackup::RestoreOptions options;
  options.signing = keys_in("keys");
  options.trust_unsigned = true;
  options.threads = 2;
  ifnbackup::RestorePlan plan;
  plan.file = file;
  expect_refused([&] { ifnbackup::restore::plan_file(plan, options, file); }, ErrorCode::corrupt,
                 "content checksum mismatch");
}

}  // namespace
