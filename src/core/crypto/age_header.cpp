#include "crypto/age_header.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "ifnbackup/error.hpp"
#include "util/base64.hpp"

namespace ifnbackup::crypto {
namespace {

constexpr std::string_view k_version_prefix = "age-encryption.org/";
constexpr std::string_view k_x25519_info = "age-encryption.org/v1/X25519";
constexpr std::size_t k_body_columns = 64;
constexpr std::size_t k_mac_base64_chars = 43;

Bytes bytes_of(std::string_view text) {
  return {reinterpret_cast<const unsigned char*>(text.data()), text.size()};
}

[[noreturn]] void throw_header(std::string_view name, const std::string& reason) {
  throw Error(ErrorCode::corrupt, tx("{}: damaged age header: {}", name, reason),
              tx("the encrypted file was changed or is not an age file: take another copy (the backup folder, the "
                 "bucket); `age -d` refuses it too"));
}

bool is_base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

// An argument: one or more visible ASCII characters (ABNF VCHAR).
bool is_argument(std::string_view arg) {
  if (arg.empty()) {
    return false;
  }
  for (const char c : arg) {
    if (c < 0x21 || c > 0x7e) {
      return false;
    }
  }
  return true;
}

// The lines of the header, each without its LF (the header ends with one).
std::vector<std::string_view> lines_of(std::string_view header) {
  std::vector<std::string_view> lines;
  std::size_t pos = 0;
  while (pos < header.size()) {
    const std::size_t end = header.find('\n', pos);
    lines.push_back(header.substr(pos, end - pos));
    pos = end + 1;
  }
  return lines;
}

}  // namespace

std::string raw_base64_encode(Bytes bytes) {
  std::string text = util::base64_encode({reinterpret_cast<const char*>(bytes.data()), bytes.size()});
  while (!text.empty() && text.back() == '=') {
    text.pop_back();
  }
  return text;
}

std::optional<std::string> raw_base64_decode(std::string_view text) {
  if (text.size() % 4 == 1 || text.find('=') != std::string_view::npos) {
    return std::nullopt;
  }
  std::string padded(text);
  padded.append((4 - text.size() % 4) % 4, '=');
  return util::base64_decode(padded);  // canonical only: unused bits must be zero
}

std::array<unsigned char, 32> header_mac(const FileKey& file_key, std::string_view mac_input) {
  const Secret<32> key = hkdf_sha256(file_key.view(), {}, "header");
  return hmac_sha256(key.view(), bytes_of(mac_input));
}

std::string encode_header(const std::vector<Stanza>& stanzas, const FileKey& file_key) {
  std::string text(k_age_version_line);
  text.push_back('\n');
  for (const Stanza& stanza : stanzas) {
    text += "->";
    for (const std::string& arg : stanza.args) {
      text += ' ' + arg;
    }
    text.push_back('\n');
    const std::string body = raw_base64_encode(bytes_of(stanza.body));
    // Full lines of 64 columns, then a shorter one, empty when the body fills its last line.
    for (std::size_t pos = 0;; pos += k_body_columns) {
      const std::string_view line = std::string_view(body).substr(std::min(pos, body.size()), k_body_columns);
      text.append(line).push_back('\n');
      if (line.size() < k_body_columns) {
        break;
      }
    }
  }
  text += "---";
  const auto mac = header_mac(file_key, text);
  text += ' ' + raw_base64_encode(mac) + '\n';
  return text;
}

std::optional<std::size_t> find_header_end(std::string_view buffer, std::size_t& scanned, std::string_view name) {
  const std::string_view start = buffer.substr(0, k_version_prefix.size());
  if (start != k_version_prefix.substr(0, start.size())) {
    if (buffer.starts_with("-----BEGIN")) {
      throw Error(ErrorCode::corrupt, tx("{} is an ASCII-armored age file", name),
                  tx("ifnbackup reads binary age files: decrypt it with `age -d`, or remove the armor with "
                     "`age -d` and encrypt it again without -a"));
    }
    throw Error(ErrorCode::corrupt, tx("{} is not an age-encrypted file (no \"{}\" line)", name, k_age_version_line),
                tx("give the .age file ifnbackup wrote, or the plain file without --identity"));
  }
  for (;;) {
    const std::size_t end = buffer.find('\n', scanned);
    if (end == std::string_view::npos) {
      break;
    }
    const bool mac_line = buffer.substr(scanned, 3) == "---";
    scanned = end + 1;
    if (mac_line) {
      return scanned;
    }
  }
  if (buffer.size() > k_header_limit) {
    throw_header(name, fmt::format("no MAC line (\"---\") in the first {} bytes", k_header_limit));
  }
  return std::nullopt;
}

ParsedHeader parse_header(std::string_view header, std::string_view name) {
  const std::vector<std::string_view> lines = lines_of(header);
  if (lines.empty() || lines.front() != k_age_version_line) {
    const std::string_view version = lines.empty() ? std::string_view{} : lines.front();
    throw Error(ErrorCode::corrupt,
                tx("{}: age format \"{}\" is not supported (only \"{}\")", name, version, k_age_version_line),
                tx("decrypt it with the age version that made it"));
  }
  ParsedHeader parsed;
  std::size_t offset = lines.front().size() + 1;
  std::size_t index = 1;
  auto next_line = [&]() {
    const std::string_view line = lines[index++];
    offset += line.size() + 1;
    return line;
  };
  while (index < lines.size()) {
    const std::size_t line_offset = offset;
    const std::size_t number = index + 1;
    const std::string_view line = next_line();
    if (line.starts_with("---")) {
      const std::string_view mac_text = line.substr(std::min<std::size_t>(4, line.size()));
      const auto mac = raw_base64_decode(mac_text);
      if (index != lines.size() || line.size() != 4 + k_mac_base64_chars || line[3] != ' ' || !mac ||
          mac->size() != parsed.mac.size()) {
        throw_header(name, fmt::format("line {}: the MAC line is not \"--- \" and 43 base64 characters", number));
      }
      std::memcpy(parsed.mac.data(), mac->data(), parsed.mac.size());
      parsed.mac_input_bytes = line_offset + 3;
      if (parsed.stanzas.empty()) {
        throw_header(name, "no recipient stanza");
      }
      return parsed;
    }
    if (!line.starts_with("-> ")) {
      throw_header(name, fmt::format("line {}: neither a stanza (\"-> \") nor the MAC line (\"---\")", number));
    }
    Stanza stanza;
    std::string_view rest = line.substr(3);
    for (;;) {
      const std::size_t space = rest.find(' ');
      const std::string_view arg = rest.substr(0, space);
      if (!is_argument(arg)) {
        throw_header(name, fmt::format("line {}: an empty stanza argument or one with a control character", number));
      }
      stanza.args.emplace_back(arg);
      if (space == std::string_view::npos) {
        break;
      }
      rest = rest.substr(space + 1);
    }
    std::string body_text;
    for (;;) {
      if (index == lines.size()) {
        throw_header(name, fmt::format("the stanza of line {} has no final body line shorter than 64 columns", number));
      }
      const std::size_t body_number = index + 1;
      const std::string_view body_line = next_line();
      if (body_line.size() > k_body_columns ||
          std::find_if_not(body_line.begin(), body_line.end(), is_base64_char) != body_line.end()) {
        throw_header(name,
                     fmt::format("line {}: a stanza body line that is not up to 64 base64 characters", body_number));
      }
      body_text += body_line;
      if (body_line.size() < k_body_columns) {
        break;
      }
    }
    auto body = raw_base64_decode(body_text);
    if (!body) {
      throw_header(name, fmt::format("the body of the stanza of line {} is not canonical base64", number));
    }
    stanza.body = std::move(*body);
    parsed.stanzas.push_back(std::move(stanza));
  }
  throw_header(name, "no MAC line");
}

Stanza x25519_stanza(const FileKey& file_key, const AgeRecipient& recipient) {
  Secret<k_x25519_bytes> ephemeral;
  random_bytes(ephemeral.bytes);
  const auto share = x25519_public(ephemeral);
  const auto shared = x25519_shared(ephemeral, recipient.key);
  if (!shared) {
    throw Error(ErrorCode::usage, tx("age recipient {} is not a usable X25519 key", recipient.text()),
                tx("give the public key age-keygen printed for the identity"));
  }
  std::string salt(reinterpret_cast<const char*>(share.data()), share.size());
  salt.append(reinterpret_cast<const char*>(recipient.key.data()), recipient.key.size());
  const Secret<32> wrap_key = hkdf_sha256(shared->view(), bytes_of(salt), k_x25519_info);
  const std::array<unsigned char, k_aead_nonce_bytes> zero_nonce{};
  std::string body(k_file_key_bytes + k_aead_tag_bytes, '\0');
  ChaChaPoly().seal(wrap_key.view(), zero_nonce, file_key.view(), reinterpret_cast<unsigned char*>(body.data()));
  return Stanza{{"X25519", raw_base64_encode(share)}, std::move(body)};
}

std::optional<FileKey> x25519_unwrap(const Stanza& stanza, const AgeIdentity& identity, std::string_view name) {
  if (stanza.args.empty() || stanza.args.front() != "X25519") {
    return std::nullopt;
  }
  const auto share = stanza.args.size() == 2 ? raw_base64_decode(stanza.args[1]) : std::nullopt;
  if (!share || share->size() != k_x25519_bytes) {
    throw_header(name, "an X25519 stanza without exactly one argument, the canonical base64 of 32 bytes");
  }
  // Checked before any decryption (the format asks it, against partitioning oracles).
  if (stanza.body.size() != k_file_key_bytes + k_aead_tag_bytes) {
    throw_header(name, fmt::format("an X25519 stanza body of {} bytes, not 32", stanza.body.size()));
  }
  Secret<k_x25519_bytes> secret;
  secret.bytes = identity.secret();
  const auto shared = x25519_shared(secret, bytes_of(*share));
  if (!shared) {
    throw_header(name, "an X25519 stanza whose share is a low-order point (an all-zero shared secret)");
  }
  const AgeRecipient recipient = identity.recipient();
  std::string salt = *share;
  salt.append(reinterpret_cast<const char*>(recipient.key.data()), recipient.key.size());
  const Secret<32> wrap_key = hkdf_sha256(shared->view(), bytes_of(salt), k_x25519_info);
  const std::array<unsigned char, k_aead_nonce_bytes> zero_nonce{};
  FileKey file_key;
  if (!ChaChaPoly().open(wrap_key.view(), zero_nonce, bytes_of(stanza.body), file_key.data())) {
    return std::nullopt;  // addressed to someone else
  }
  return file_key;
}

}  // namespace ifnbackup::crypto
