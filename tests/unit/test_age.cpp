// ifnbackup/age.hpp: bech32 keys and their case rules, recipients and identity files, our writer
// read back by our reader for every chunk boundary, the header's exact shape, and the faults — a
// wrong identity, a changed header or payload byte, a cut file, bytes appended, chunks swapped —
// each refused with its code and without one unauthenticated byte released.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "crypto/bech32.hpp"
#include "ifnbackup/age.hpp"
#include "ifnbackup/error.hpp"
#include "unit/temp_dir_test.hpp"

namespace {

namespace fs = std::filesystem;
using ifnbackup::AgeDecryptor;
using ifnbackup::AgeEncryptor;
using ifnbackup::AgeIdentity;
using ifnbackup::AgeReader;
using ifnbackup::AgeRecipient;
using ifnbackup::Error;
using ifnbackup::ErrorCode;
using ifnbackup::k_age_chunk_bytes;

constexpr std::size_t k_sealed = k_age_chunk_bytes + 16;

std::string random_text(std::size_t size, unsigned seed) {
  std::mt19937 generator(seed);
  std::string out(size, '\0');
  for (char& c : out) {
    c = static_cast<char>(generator());
  }
  return out;
}

// Encrypts `plain`, written in pieces of `piece` bytes.
std::string encrypt(const std::vector<AgeRecipient>& recipients, std::string_view plain, std::size_t piece = 100000) {
  std::string out;
  AgeEncryptor encryptor(recipients, [&](std::string_view bytes) { out.append(bytes); });
  for (std::size_t pos = 0; pos < plain.size(); pos += piece) {
    encryptor.write(plain.substr(pos, piece));
  }
  encryptor.finish();
  EXPECT_EQ(encryptor.plaintext_bytes(), plain.size());
  EXPECT_EQ(encryptor.ciphertext_bytes(), out.size());
  return out;
}

struct Decrypted {
  std::string released;  // what reached the sink
  std::optional<Error> error;
};

// Decrypts `file`, fed in pieces of `piece` bytes; an error is kept, with what came before it.
Decrypted decrypt(const std::vector<AgeIdentity>& identities, std::string_view file, std::size_t piece = 70000) {
  Decrypted result;
  try {
    AgeDecryptor decryptor(
        identities, [&](std::string_view bytes) { result.released.append(bytes); }, "test.age");
    for (std::size_t pos = 0; pos < file.size(); pos += piece) {
      decryptor.write(file.substr(pos, piece));
    }
    decryptor.finish();
  } catch (const Error& error) {
    result.error = error;
  }
  return result;
}

// The offset of the payload's first chunk: after the header's MAC line and the 16-byte nonce.
std::size_t payload_start(const std::string& file) {
  return file.find("\n---") + file.substr(file.find("\n---") + 1).find('\n') + 2 + 16;
}

TEST(AgeBech32, EncodesAndDecodesTheBip173Vectors) {
  for (const char* valid : {"A12UEL5L", "a12uel5l", "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
                            "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w", "?1ezyfcl"}) {
    SCOPED_TRACE(valid);
    const auto decoded = ifnbackup::crypto::bech32_decode(valid);
    ASSERT_TRUE(decoded.has_value());
    std::string again = ifnbackup::crypto::bech32_encode(decoded->hrp, decoded->data);
    EXPECT_EQ(again, valid);
  }
  // No separator, empty hrp, a character outside the alphabet, a short checksum, mixed case, a
  // checksum computed over the uppercase string.
  for (const char* invalid :
       {"pzry9x0s0muk", "1pzry9x0s0muk", "x1b4n0q5v", "li1dgmt3", "A12uEL5L", "A1G7SGD8", "10a06t8", "1qzzfhee"}) {
    SCOPED_TRACE(invalid);
    std::string why;
    EXPECT_FALSE(ifnbackup::crypto::bech32_decode(invalid, &why).has_value());
    EXPECT_FALSE(why.empty());
  }
}

TEST(AgeKeys, TheSpecificationsExampleIdentityGivesItsRecipient) {
  // c2sp.org/age, "The X25519 recipient type".
  const auto identity =
      ifnbackup::parse_age_identity("AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX");
  ASSERT_TRUE(identity.has_value());
  EXPECT_EQ(identity->recipient().text(), "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj");
  EXPECT_EQ(identity->text(), "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX");
  const auto recipient =
      ifnbackup::parse_age_recipient("age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj");
  ASSERT_TRUE(recipient.has_value());
  EXPECT_EQ(*recipient, identity->recipient());
}

TEST(AgeKeys, GeneratedKeysRoundTripAndDiffer) {
  const AgeIdentity a = AgeIdentity::generate();
  const AgeIdentity b = AgeIdentity::generate();
  EXPECT_NE(a.text(), b.text());
  EXPECT_TRUE(a.text().starts_with("AGE-SECRET-KEY-1"));
  EXPECT_TRUE(a.recipient().text().starts_with("age1"));
  EXPECT_EQ(a.text().size(), 74u);
  EXPECT_EQ(a.recipient().text().size(), 62u);
  EXPECT_EQ(ifnbackup::parse_age_identity(a.text())->secret(), a.secret());
  EXPECT_EQ(*ifnbackup::parse_age_recipient(a.recipient().text()), a.recipient());
}

TEST(AgeKeys, CaseRulesChecksumAndTypesAreEnforced) {
  const AgeIdentity identity = AgeIdentity::generate();
  const std::string recipient = identity.recipient().text();
  std::string why;
  // age writes recipients lowercase and identities uppercase, and reads them only so.
  std::string upper = recipient;
  for (char& c : upper) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  EXPECT_FALSE(ifnbackup::parse_age_recipient(upper, &why));
  EXPECT_NE(why.find("uppercase"), std::string::npos) << why;
  std::string lower = identity.text();
  for (char& c : lower) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  EXPECT_FALSE(ifnbackup::parse_age_identity(lower, &why));
  std::string mixed = recipient;
  mixed[10] = static_cast<char>(std::toupper(static_cast<unsigned char>(mixed[10])));
  if (mixed != recipient) {
    EXPECT_FALSE(ifnbackup::parse_age_recipient(mixed, &why));
    EXPECT_NE(why.find("mixed"), std::string::npos) << why;
  }
  // One character changed: the checksum catches it.
  std::string typo = recipient;
  typo[20] = typo[20] == 'q' ? 'p' : 'q';
  EXPECT_FALSE(ifnbackup::parse_age_recipient(typo, &why));
  EXPECT_NE(why.find("checksum"), std::string::npos) << why;
  // An identity where a recipient is expected and the reverse; other recipient types.
  EXPECT_FALSE(ifnbackup::parse_age_recipient(identity.text(), &why));
  EXPECT_FALSE(ifnbackup::parse_age_identity(recipient, &why));
  EXPECT_FALSE(ifnbackup::parse_age_recipient("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE", &why));
  EXPECT_NE(why.find("SSH"), std::string::npos) << why;
  EXPECT_FALSE(ifnbackup::parse_age_recipient("", &why));
}

TEST(AgeKeys, RecipientsTextSkipsCommentsAndBlankLinesAndNamesABadLine) {
  const AgeRecipient a = AgeIdentity::generate().recipient();
  const AgeRecipient b = AgeIdentity::generate().recipient();
  const std::string text = "# offsite keys\n\n" + a.text() + "\r\n   \n# the second\n  " + b.text() + "  \n";
  const auto recipients = ifnbackup::parse_age_recipients(text, "keys.txt");
  ASSERT_EQ(recipients.size(), 2u);
  EXPECT_EQ(recipients[0], a);
  EXPECT_EQ(recipients[1], b);
  try {
    ifnbackup::parse_age_recipients("# one\n" + a.text() + "\nage1notakey\n", "keys.txt");
    FAIL() << "a bad line was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::usage);
    EXPECT_NE(std::string(e.what()).find("keys.txt:3"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ifnbackup::parse_age_recipients("# nothing\n\n", "keys.txt"), Error);
}

class AgeKeyFiles : public ifnbackup::test::TempDirTest {
 protected:
  fs::path write_file(const std::string& name, const std::string& text, unsigned mode) {
    const fs::path path = m_dir / name;
    std::ofstream(path) << text;
    ::chmod(path.c_str(), mode);
    return path;
  }
};

TEST_F(AgeKeyFiles, AnIdentityFileAsAgeKeygenWritesItIsReadWhenPrivate) {
  const AgeIdentity first = AgeIdentity::generate();
  const AgeIdentity second = AgeIdentity::generate();
  const std::string text = "# created: 2026-11-30T21:00:00Z\n# public key: " + first.recipient().text() + "\n" +
                           first.text() + "\n\n# another\n" + second.text() + "\n";
  const auto identities = ifnbackup::read_age_identity_file(write_file("key.txt", text, 0600));
  ASSERT_EQ(identities.size(), 2u);
  EXPECT_EQ(identities[0].secret(), first.secret());
  EXPECT_EQ(identities[1].secret(), second.secret());
}

TEST_F(AgeKeyFiles, AnIdentityFileOthersMayReadIsRefused) {
  const fs::path path = write_file("key.txt", AgeIdentity::generate().text() + "\n", 0640);
  try {
    ifnbackup::read_age_identity_file(path);
    FAIL() << "a group-readable identity file was read";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::config);
    EXPECT_NE(std::string(e.what()).find("readable by others"), std::string::npos) << e.what();
    EXPECT_NE(e.hint().find("chmod 600"), std::string::npos) << e.hint();
  }
}

TEST_F(AgeKeyFiles, ABadIdentityLineIsNamedWithoutShowingIt) {
  std::string secret = AgeIdentity::generate().text();
  secret[30] = secret[30] == 'Q' ? 'P' : 'Q';
  const fs::path path = write_file("key.txt", "# mine\n" + secret + "\n", 0600);
  try {
    ifnbackup::read_age_identity_file(path);
    FAIL() << "a damaged identity was read";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::usage);
    EXPECT_NE(std::string(e.what()).find("key.txt:2"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find(secret), std::string::npos) << "the secret is in the message";
  }
  EXPECT_THROW(ifnbackup::read_age_identity_file(m_dir / "missing.txt"), Error);
}

TEST_F(AgeKeyFiles, ARecipientsFileIsReadAndAMissingOneIsAConfigError) {
  const AgeRecipient recipient = AgeIdentity::generate().recipient();
  const auto recipients =
      ifnbackup::read_age_recipients_file(write_file("recipients.txt", "# team\n" + recipient.text() + "\n", 0644));
  ASSERT_EQ(recipients.size(), 1u);
  EXPECT_EQ(recipients[0], recipient);
  try {
    ifnbackup::read_age_recipients_file(m_dir / "missing.txt");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::config);
  }
}

TEST(AgeStream, EveryChunkBoundaryRoundTripsWhateverThePieces) {
  const AgeIdentity identity = AgeIdentity::generate();
  const std::size_t k = k_age_chunk_bytes;
  for (const std::size_t size : {std::size_t{0}, std::size_t{1}, k - 1, k, k + 1, 2 * k, 2 * k + 17, 5 * k}) {
    const std::string plain = random_text(size, static_cast<unsigned>(size));
    for (const std::size_t piece : {std::size_t{1000}, k, 3 * k + 5}) {
      SCOPED_TRACE(std::to_string(size) + " bytes in pieces of " + std::to_string(piece));
      if (size > 3 * k && piece == 1000) {
        continue;  // slow and adds nothing to the boundaries above
      }
      const std::string file = encrypt({identity.recipient()}, plain, piece);
      // Chunks: as many as the plaintext fills, at least one; none empty but the only one.
      const std::size_t chunks = size == 0 ? 1 : (size + k - 1) / k;
      EXPECT_EQ(file.size() - payload_start(file), size + 16 * chunks);
      for (const std::size_t feed : {std::size_t{1} + size % 7, std::size_t{k_sealed}, std::size_t{1} << 20}) {
        if (feed < 100 && size > k + 1) {
          continue;
        }
        const Decrypted out = decrypt({identity}, file, feed);
        ASSERT_FALSE(out.error.has_value()) << out.error->what();
        EXPECT_EQ(out.released, plain);
      }
    }
  }
}

TEST(AgeStream, TheHeaderHasTheCanonicalShape) {
  const AgeIdentity a = AgeIdentity::generate();
  const AgeIdentity b = AgeIdentity::generate();
  const std::string file = encrypt({a.recipient(), b.recipient()}, "hello");
  std::vector<std::string> lines;
  std::size_t pos = 0;
  for (int i = 0; i < 6; ++i) {
    const std::size_t end = file.find('\n', pos);
    lines.push_back(file.substr(pos, end - pos));
    pos = end + 1;
  }
  EXPECT_EQ(lines[0], "age-encryption.org/v1");
  for (const int stanza : {1, 3}) {
    EXPECT_TRUE(lines[stanza].starts_with("-> X25519 ")) << lines[stanza];
    EXPECT_EQ(lines[stanza].size(), 10u + 43u);  // 32 bytes in unpadded base64
    EXPECT_EQ(lines[stanza + 1].size(), 43u);    // the wrapped 16-byte key and its tag
  }
  EXPECT_TRUE(lines[5].starts_with("--- "));
  EXPECT_EQ(lines[5].size(), 4u + 43u);
  EXPECT_EQ(file.size(), pos + 16 + 5 + 16);  // nonce, one chunk
  EXPECT_NE(lines[1], lines[3]);              // a fresh ephemeral key per stanza
  EXPECT_NE(file, encrypt({a.recipient(), b.recipient()}, "hello"));
}

TEST(AgeStream, SeveralRecipientsEachDecryptAndSeveralIdentitiesAreTried) {
  const AgeIdentity a = AgeIdentity::generate();
  const AgeIdentity b = AgeIdentity::generate();
  const AgeIdentity c = AgeIdentity::generate();
  const AgeIdentity stranger = AgeIdentity::generate();
  const std::string plain = random_text(150000, 7);
  const std::string file = encrypt({a.recipient(), b.recipient(), c.recipient()}, plain);
  for (const AgeIdentity* identity : {&a, &b, &c}) {
    EXPECT_EQ(decrypt({*identity}, file).released, plain);
  }
  EXPECT_EQ(decrypt({stranger, c}, file).released, plain);
}

TEST(AgeStream, AWrongIdentityIsItsOwnErrorAndReleasesNothing) {
  const AgeIdentity right = AgeIdentity::generate();
  const std::string file = encrypt({right.recipient()}, random_text(1000, 1));
  const Decrypted out = decrypt({AgeIdentity::generate(), AgeIdentity::generate()}, file);
  ASSERT_TRUE(out.error.has_value());
  EXPECT_EQ(out.error->code(), ErrorCode::wrong_identity);
  EXPECT_NE(std::string(out.error->what()).find("none of the 2 identities"), std::string::npos) << out.error->what();
  EXPECT_NE(out.error->hint().find("age-keygen -y"), std::string::npos);
  EXPECT_TRUE(out.released.empty());
}

TEST(AgeStream, AnyChangedHeaderByteIsRefusedBeforeAnyPlaintext) {
  const AgeIdentity identity = AgeIdentity::generate();
  const std::string file = encrypt({identity.recipient()}, random_text(5000, 2));
  const std::size_t header_end = payload_start(file) - 16;
  for (std::size_t pos = 0; pos < header_end + 16; ++pos) {
    std::string changed = file;
    changed[pos] = static_cast<char>(changed[pos] ^ 0x01);
    const Decrypted out = decrypt({identity}, changed);
    SCOPED_TRACE("byte " + std::to_string(pos));
    ASSERT_TRUE(out.error.has_value());
    // The stanza's share or body: not ours any more; the MAC line's "---" or a line end: a header
    // without an end; any other byte: a damaged header, a wrong MAC, or (the nonce) a payload key
    // that authenticates nothing.
    const bool no_end = (pos >= header_end - 48 && pos < header_end - 45) || file[pos] == '\n';
    EXPECT_TRUE(out.error->code() == ErrorCode::corrupt || out.error->code() == ErrorCode::wrong_identity ||
                (no_end && out.error->code() == ErrorCode::incomplete))
        << out.error->what();
    EXPECT_TRUE(out.released.empty());
  }
}

TEST(AgeStream, AChangedPayloadByteStopsAtItsChunkAfterReleasingOnlyTheChunksBefore) {
  const AgeIdentity identity = AgeIdentity::generate();
  const std::string plain = random_text(3 * k_age_chunk_bytes + 100, 3);
  const std::string file = encrypt({identity.recipient()}, plain);
  const std::size_t start = payload_start(file);
  for (const std::size_t chunk : {0, 1, 3}) {
    for (const std::size_t within : {std::size_t{0}, std::size_t{5000}, std::size_t{k_age_chunk_bytes + 15}}) {
      const std::size_t pos = start + chunk * k_sealed + within;
      if (pos >= file.size()) {
        continue;
      }
      std::string changed = file;
      changed[pos] = static_cast<char>(changed[pos] ^ 0x80);
      const Decrypted out = decrypt({identity}, changed);
      SCOPED_TRACE("chunk " + std::to_string(chunk) + ", byte " + std::to_string(within));
      ASSERT_TRUE(out.error.has_value());
      EXPECT_EQ(out.error->code(), ErrorCode::corrupt) << out.error->what();
      EXPECT_NE(std::string(out.error->what()).find("chunk " + std::to_string(chunk)), std::string::npos)
          << out.error->what();
      EXPECT_EQ(out.released, plain.substr(0, chunk * k_age_chunk_bytes));
    }
  }
}

TEST(AgeStream, ACutFileIsRefusedAndReleasesOnlyWholeAuthenticatedChunks) {
  const AgeIdentity identity = AgeIdentity::generate();
  const std::string plain = random_text(2 * k_age_chunk_bytes + 500, 4);
  const std::string file = encrypt({identity.recipient()}, plain);
  const std::size_t start = payload_start(file);
  for (const std::size_t keep : {std::size_t{0}, std::size_t{10}, start - 16, start - 1, start, start + 100,
                                 start + k_sealed - 1, start + k_sealed, start + 2 * k_sealed, file.size() - 1}) {
    SCOPED_TRACE("cut at " + std::to_string(keep) + " of " + std::to_string(file.size()));
    const Decrypted out = decrypt({identity}, std::string_view(file).substr(0, keep));
    ASSERT_TRUE(out.error.has_value());
    EXPECT_TRUE(out.error->code() == ErrorCode::incomplete || out.error->code() == ErrorCode::corrupt)
        << out.error->what();
    EXPECT_EQ(out.released.size() % k_age_chunk_bytes, 0u);
    EXPECT_EQ(out.released, plain.substr(0, out.released.size()));
    EXPECT_LT(out.released.size(), plain.size());
  }
  // Cut exactly between two chunks: nothing says it is damaged but the missing final chunk.
  const Decrypted at_boundary = decrypt({identity}, std::string_view(file).substr(0, start + k_sealed));
  ASSERT_TRUE(at_boundary.error.has_value());
  EXPECT_EQ(at_boundary.error->code(), ErrorCode::incomplete) << at_boundary.error->what();
}

TEST(AgeStream, BytesAfterTheFinalChunkAreRefused) {
  const AgeIdentity identity = AgeIdentity::generate();
  for (const std::size_t size : {std::size_t{10}, k_age_chunk_bytes}) {
    const std::string plain = random_text(size, 5);
    const std::string file = encrypt({identity.recipient()}, plain);
    for (const std::string appended : {std::string(1, '\0'), std::string("garbage"), std::string(k_sealed, 'x')}) {
      const Decrypted out = decrypt({identity}, file + appended);
      ASSERT_TRUE(out.error.has_value());
      EXPECT_EQ(out.error->code(), ErrorCode::corrupt) << out.error->what();
      // What was released was authenticated (the final chunk itself, when whole); never the garbage.
      EXPECT_EQ(out.released, plain.substr(0, out.released.size()));
    }
  }
}

TEST(AgeStream, SwappedOrRepeatedChunksAreRefused) {
  const AgeIdentity identity = AgeIdentity::generate();
  const std::string plain = random_text(3 * k_age_chunk_bytes + 10, 6);
  const std::string file = encrypt({identity.recipient()}, plain);
  const std::size_t start = payload_start(file);
  const auto chunk = [&](std::size_t i) { return file.substr(start + i * k_sealed, k_sealed); };
  const std::string head = file.substr(0, start);
  const std::string tail = file.substr(start + 3 * k_sealed);
  const Decrypted swapped = decrypt({identity}, head + chunk(1) + chunk(0) + chunk(2) + tail);
  ASSERT_TRUE(swapped.error.has_value());
  EXPECT_EQ(swapped.error->code(), ErrorCode::corrupt);
  EXPECT_TRUE(swapped.released.empty());
  const Decrypted repeated = decrypt({identity}, head + chunk(0) + chunk(0) + chunk(2) + tail);
  ASSERT_TRUE(repeated.error.has_value());
  EXPECT_EQ(repeated.released, plain.substr(0, k_age_chunk_bytes));
  const Decrypted dropped = decrypt({identity}, head + chunk(0) + chunk(2) + tail);
  ASSERT_TRUE(dropped.error.has_value());
  EXPECT_EQ(dropped.released, plain.substr(0, k_age_chunk_bytes));
}

TEST(AgeStream, NotAnAgeFileIsNamedAsSuch) {
  const AgeIdentity identity = AgeIdentity::generate();
  const Decrypted gzip = decrypt({identity}, std::string("\x1f\x8b\x08\x00", 4) + std::string(100, 'x'));
  ASSERT_TRUE(gzip.error.has_value());
  EXPECT_EQ(gzip.error->code(), ErrorCode::corrupt);
  EXPECT_NE(std::string(gzip.error->what()).find("not an age-encrypted file"), std::string::npos);
  const Decrypted empty = decrypt({identity}, "");
  ASSERT_TRUE(empty.error.has_value());
  EXPECT_EQ(empty.error->code(), ErrorCode::incomplete);
  const Decrypted armored = decrypt({identity}, "-----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n");
  ASSERT_TRUE(armored.error.has_value());
  EXPECT_NE(std::string(armored.error->what()).find("ASCII-armored"), std::string::npos);
}

TEST(AgeStream, TheReaderPullsThePlaintextInAnyReadSize) {
  const AgeIdentity identity = AgeIdentity::generate();
  const std::string plain = random_text(3 * k_age_chunk_bytes + 1234, 8);
  const std::string file = encrypt({identity.recipient()}, plain);
  std::size_t offset = 0;
  AgeReader reader(
      {identity},
      [&](std::span<char> out) {
        const std::size_t n = std::min<std::size_t>({out.size(), 3000, file.size() - offset});
        std::copy_n(file.data() + offset, n, out.data());
        offset += n;
        return n;
      },
      "test.age");
  std::string read;
  char buffer[7000];
  while (const std::size_t n = reader.read(buffer)) {
    read.append(buffer, n);
  }
  EXPECT_EQ(read, plain);
  EXPECT_EQ(reader.read(buffer), 0u);
}

class AgeFiles : public ifnbackup::test::TempDirTest {};

TEST_F(AgeFiles, AFileIsDecryptedIntoASinkAndAMissingOneIsNotFound) {
  const AgeIdentity identity = AgeIdentity::generate();
  const std::string plain = random_text(300000, 9);
  std::size_t offset = 0;
  std::string file;
  const std::uint64_t encrypted = ifnbackup::age_encrypt(
      std::vector<AgeRecipient>{identity.recipient()},
      [&](std::span<char> out) {
        const std::size_t n = std::min(out.size(), plain.size() - offset);
        std::copy_n(plain.data() + offset, n, out.data());
        offset += n;
        return n;
      },
      [&](std::string_view bytes) { file.append(bytes); });
  EXPECT_EQ(encrypted, plain.size());
  const fs::path path = m_dir / "backup.sql.gz.age";
  std::ofstream(path, std::ios::binary) << file;
  std::string out;
  EXPECT_EQ(ifnbackup::age_decrypt_file(path, {identity}, [&](std::string_view bytes) { out.append(bytes); }),
            plain.size());
  EXPECT_EQ(out, plain);
  try {
    ifnbackup::age_decrypt_file(m_dir / "missing.age", {identity}, [](std::string_view) {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::not_found);
  }
}

}  // namespace
