// The keys of ifnbackup/age.hpp: X25519 recipients and identities as bech32 text, and the files
// that hold them (recipients for `age -R`, identities as `age-keygen` writes them).
#include <utility>

#include <fmt/format.h>

#include "crypto/bech32.hpp"
#include "crypto/primitives.hpp"
#include "ifnbackup/age.hpp"
#include "ifnbackup/error.hpp"
#include "io/key_file.hpp"

namespace ifnbackup {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view k_recipient_hrp = "age";
constexpr std::string_view k_identity_hrp = "AGE-SECRET-KEY-";
constexpr std::size_t k_key_file_limit = 1024 * 1024;

std::string_view trimmed(std::string_view line) {
  const std::size_t start = line.find_first_not_of(" \t\r");
  if (start == std::string_view::npos) {
    return {};
  }
  return line.substr(start, line.find_last_not_of(" \t\r") - start + 1);
}

bool fail(std::string* why, std::string reason) {
  if (why) {
    *why = std::move(reason);
  }
  return false;
}

// The 32 key bytes of `text` under `hrp` (its case exact: age writes recipients lowercase and
// identities uppercase, and reads them so).
std::optional<crypto::Bech32> key_of(std::string_view text, std::string_view hrp, std::string* why) {
  std::string reason;
  auto decoded = crypto::bech32_decode(text, &reason);
  if (!decoded) {
    fail(why, "not valid bech32: " + reason);
    return std::nullopt;
  }
  if (decoded->hrp != hrp) {
    fail(why, fmt::format("it starts with \"{}1\", not \"{}1\"", decoded->hrp, hrp));
    return std::nullopt;
  }
  if (decoded->data.size() != k_age_key_bytes) {
    fail(why, fmt::format("a key of {} bytes, not {}", decoded->data.size(), k_age_key_bytes));
    crypto::wipe(decoded->data.data(), decoded->data.size());
    return std::nullopt;
  }
  return decoded;
}

// What a line that is not ours is, for the message: the types age knows that we do not.
std::string other_recipient_type(std::string_view text) {
  if (text.starts_with("ssh-")) {
    return "an SSH public key (only age X25519 recipients \"age1…\" are supported)";
  }
  if (text.starts_with("age1pq1") || text.starts_with("age1tag")) {
    return "a post-quantum or hardware age recipient (only X25519 recipients \"age1…\" from age-keygen are supported)";
  }
  return "";
}

// Reads a key file whole (at most k_key_file_limit bytes); a secret one only when private and ours.
std::string read_age_file(const fs::path& path, const char* what, bool secret) {
  io::KeyFileRules rules;
  rules.what = what;
  rules.access = secret ? io::KeyFileAccess::owner_only : io::KeyFileAccess::anyone;
  rules.limit = k_key_file_limit;
  rules.open_hint = secret ? tx("give the file age-keygen wrote (--identity)") : tx("give a file of age1… recipients");
  rules.not_regular_hint = tx("give the key file itself (--identity, --encrypt-to-file), not a folder or a device");
  rules.access_hint = tx("run: chmod 600 {} (whoever read it can decrypt every backup encrypted to it)", path.string());
  rules.owner_hint = tx("run ifnbackup as its owner, or give a copy owned by this user, mode 0600");
  rules.read_hint = tx("check that the user running ifnbackup may read it, and the disk that holds it (dmesg)");
  rules.too_large_hint = tx("give an age key file (as age-keygen writes it), not another file");
  return std::move(*io::read_key_file(path, rules));
}

// Calls `line` with each line that is not blank nor a comment, and its number.
template <typename Line>
void for_each_key_line(std::string_view text, Line&& line) {
  std::size_t number = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    ++number;
    const std::string_view content = trimmed(text.substr(pos, end - pos));
    pos = end + 1;
    if (!content.empty() && content.front() != '#') {
      line(content, number);
    }
  }
}

}  // namespace

std::string AgeRecipient::text() const {
  return crypto::bech32_encode(k_recipient_hrp, std::vector<unsigned char>(key.begin(), key.end()));
}

AgeIdentity AgeIdentity::generate() {
  crypto::Secret<k_age_key_bytes> secret;
  crypto::random_bytes(secret.bytes);
  return AgeIdentity(secret.bytes);
}

AgeIdentity::AgeIdentity(std::span<const unsigned char, k_age_key_bytes> secret) {
  std::memcpy(m_secret.data(), secret.data(), m_secret.size());
}

AgeIdentity::AgeIdentity(const AgeIdentity& other) : m_secret(other.m_secret) {}

AgeIdentity& AgeIdentity::operator=(const AgeIdentity& other) {
  m_secret = other.m_secret;
  return *this;
}

AgeIdentity::~AgeIdentity() {
  crypto::wipe(m_secret.data(), m_secret.size());
}

AgeRecipient AgeIdentity::recipient() const {
  crypto::Secret<k_age_key_bytes> secret;
  secret.bytes = m_secret;
  return AgeRecipient{crypto::x25519_public(secret)};
}

std::string AgeIdentity::text() const {
  std::vector<unsigned char> data(m_secret.begin(), m_secret.end());
  std::string out = crypto::bech32_encode(k_identity_hrp, data);
  crypto::wipe(data.data(), data.size());
  return out;
}

std::optional<AgeRecipient> parse_age_recipient(std::string_view text, std::string* why) {
  text = trimmed(text);
  if (const std::string other = other_recipient_type(text); !other.empty()) {
    fail(why, other);
    return std::nullopt;
  }
  if (!text.empty() && text.starts_with("AGE1")) {
    fail(why, "an uppercase recipient (age writes and reads them lowercase: \"age1…\")");
    return std::nullopt;
  }
  auto decoded = key_of(text, k_recipient_hrp, why);
  if (!decoded) {
    return std::nullopt;
  }
  AgeRecipient recipient;
  std::memcpy(recipient.key.data(), decoded->data.data(), recipient.key.size());
  return recipient;
}

std::optional<AgeIdentity> parse_age_identity(std::string_view text, std::string* why) {
  text = trimmed(text);
  if (text.starts_with("AGE-PLUGIN-") || text.starts_with("AGE-SECRET-KEY-PQ-")) {
    fail(why, "a plugin or post-quantum identity (only X25519 identities \"AGE-SECRET-KEY-1…\" are supported)");
    return std::nullopt;
  }
  auto decoded = key_of(text, k_identity_hrp, why);
  if (!decoded) {
    return std::nullopt;
  }
  AgeIdentity identity(std::span<const unsigned char, k_age_key_bytes>(decoded->data.data(), k_age_key_bytes));
  crypto::wipe(decoded->data.data(), decoded->data.size());
  return identity;
}

std::vector<AgeRecipient> parse_age_recipients(std::string_view text, std::string_view origin) {
  std::vector<AgeRecipient> recipients;
  for_each_key_line(text, [&](std::string_view line, std::size_t number) {
    std::string why;
    auto recipient = parse_age_recipient(line, &why);
    if (!recipient) {
      throw Error(ErrorCode::usage, tx("{}:{}: not an age recipient: {}", origin, number, why),
                  tx("one X25519 recipient per line (\"age1…\", as age-keygen prints it), '#' for comments"));
    }
    recipients.push_back(*recipient);
  });
  if (recipients.empty()) {
    throw Error(ErrorCode::usage, tx("{} holds no age recipient", origin),
                tx("add the public key age-keygen printed (\"age1…\"), one per line"));
  }
  return recipients;
}

std::vector<AgeRecipient> read_age_recipients_file(const fs::path& path) {
  return parse_age_recipients(read_age_file(path, N_("recipients file"), false), path.string());
}

std::vector<AgeIdentity> parse_age_identities(std::string_view text, std::string_view origin) {
  std::vector<AgeIdentity> identities;
  for_each_key_line(text, [&](std::string_view line, std::size_t number) {
    std::string why;
    auto identity = parse_age_identity(line, &why);
    if (!identity) {
      // The line itself is never shown: it may be a secret key with one character wrong.
      throw Error(ErrorCode::usage, tx("{}:{}: not an age identity: {}", origin, number, why),
                  tx("give the file age-keygen wrote: comments and \"AGE-SECRET-KEY-1…\" lines"));
    }
    identities.push_back(*identity);
  });
  if (identities.empty()) {
    throw Error(ErrorCode::usage, tx("{} holds no age identity", origin),
                tx("give the file age-keygen wrote (it holds an \"AGE-SECRET-KEY-1…\" line)"));
  }
  return identities;
}

std::vector<AgeIdentity> read_age_identity_file(const fs::path& path) {
  std::string text = read_age_file(path, N_("identity file"), true);
  try {
    auto identities = parse_age_identities(text, path.string());
    crypto::wipe(text.data(), text.size());
    return identities;
  } catch (...) {
    crypto::wipe(text.data(), text.size());
    throw;
  }
}

}  // namespace ifnbackup
