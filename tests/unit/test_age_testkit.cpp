// The age testkit (C2SP/CCTV, tests/data/age-testkit/README.md): every vector with an X25519
// identity and no armor is decrypted by AgeDecryptor; the outcome must be the one the vector names
// (success, no match, HMAC failure, header failure, payload failure), and everything released to
// the sink — also before a payload failure — must hash to the vector's payload SHA-256.
#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "ifnbackup/age.hpp"
#include "ifnbackup/error.hpp"
#include "util/sha256.hpp"

namespace {

namespace fs = std::filesystem;
using ifnbackup::AgeDecryptor;
using ifnbackup::AgeIdentity;
using ifnbackup::Error;
using ifnbackup::ErrorCode;

struct Vector {
  std::string name;
  std::string expect;
  std::string payload_sha256;  // hex; empty when the vector gives none
  std::vector<AgeIdentity> identities;
  std::string file;  // the age file, decompressed
};

std::string inflate_zlib(const std::string& compressed) {
  z_stream stream{};
  EXPECT_EQ(inflateInit(&stream), Z_OK);
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  stream.avail_in = static_cast<uInt>(compressed.size());
  std::string out;
  char buffer[65536];
  int rc = Z_OK;
  while (rc == Z_OK) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof buffer;
    rc = inflate(&stream, Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - stream.avail_out);
  }
  inflateEnd(&stream);
  EXPECT_EQ(rc, Z_STREAM_END);
  return out;
}

// The textual header ("key: value" lines), an empty line, then the file.
Vector load_vector(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream whole;
  whole << in.rdbuf();
  const std::string text = whole.str();
  const std::size_t blank = text.find("\n\n");
  EXPECT_NE(blank, std::string::npos) << path;
  Vector vector;
  vector.name = path.filename().string();
  std::istringstream header(text.substr(0, blank + 1));
  bool compressed = false;
  for (std::string line; std::getline(header, line);) {
    const std::size_t colon = line.find(": ");
    const std::string key = line.substr(0, colon);
    const std::string value = line.substr(colon + 2);
    if (key == "expect") {
      vector.expect = value;
    } else if (key == "payload") {
      vector.payload_sha256 = value;
    } else if (key == "compressed") {
      compressed = value == "zlib";
    } else if (key == "identity") {
      // The post-quantum identities some vectors add are not ours; the X25519 one is used.
      if (auto identity = ifnbackup::parse_age_identity(value)) {
        vector.identities.push_back(*identity);
      }
    }
  }
  vector.file = text.substr(blank + 2);
  if (compressed) {
    vector.file = inflate_zlib(vector.file);
  }
  return vector;
}

// How a vector's expected outcome shows through our API.
bool outcome_matches(const std::string& expect, const Error& error) {
  const std::string message = error.what();
  if (expect == "no match") {
    return error.code() == ErrorCode::wrong_identity;
  }
  if (expect == "HMAC failure") {
    return error.code() == ErrorCode::corrupt && message.find("MAC is wrong") != std::string::npos;
  }
  if (expect == "header failure") {
    return (error.code() == ErrorCode::corrupt || error.code() == ErrorCode::incomplete) &&
           message.find("MAC is wrong") == std::string::npos && message.find("chunk") == std::string::npos;
  }
  if (expect == "payload failure") {
    return error.code() == ErrorCode::corrupt || error.code() == ErrorCode::incomplete;
  }
  return false;
}

TEST(AgeTestkit, EveryVectorHasItsOutcomeAndReleasesOnlyItsPayload) {
  const fs::path folder = fs::path(IFNBACKUP_TEST_DATA_DIR) / "age-testkit";
  std::size_t count = 0;
  std::size_t successes = 0;
  for (const auto& entry : fs::directory_iterator(folder)) {
    if (entry.path().filename() == "README.md") {
      continue;
    }
    const Vector vector = load_vector(entry.path());
    SCOPED_TRACE(vector.name + " (expect: " + vector.expect + ")");
    ASSERT_FALSE(vector.identities.empty());
    ++count;
    ifnbackup::util::Sha256 released;
    std::size_t released_bytes = 0;
    std::string failure;
    try {
      AgeDecryptor decryptor(
          vector.identities,
          [&](std::string_view bytes) {
            released.update(bytes);
            released_bytes += bytes.size();
          },
          vector.name);
      // In uneven pieces: the result may not depend on how the bytes arrive.
      std::string_view rest = vector.file;
      for (std::size_t piece = 1; !rest.empty(); piece = piece * 3 + 7) {
        const std::size_t take = std::min(piece, rest.size());
        decryptor.write(rest.substr(0, take));
        rest.remove_prefix(take);
      }
      decryptor.finish();
      EXPECT_EQ(vector.expect, "success");
      ++successes;
    } catch (const Error& error) {
      failure = error.what();
      EXPECT_TRUE(outcome_matches(vector.expect, error))
          << "error " << ifnbackup::error_code_name(error.code()) << ": " << error.what();
    }
    if (!vector.payload_sha256.empty()) {
      EXPECT_EQ(ifnbackup::util::Sha256::hex(released.finish()), vector.payload_sha256)
          << released_bytes << " bytes released; " << failure;
    } else {
      EXPECT_EQ(released_bytes, 0u);
    }
  }
  EXPECT_EQ(count, 68u);  // every file of the folder was read
  EXPECT_EQ(successes, 14u);
}

}  // namespace
