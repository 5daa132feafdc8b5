// The key files of ifnbackup/signing.hpp: this machine's private key (PEM, 0600, made at first use)
// and the trusted-keys file next to it.
#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "ifnbackup/error.hpp"
#include "ifnbackup/printable.hpp"
#include "ifnbackup/signing.hpp"
#include "io/atomic_file.hpp"
#include "io/file_io.hpp"
#include "io/key_file.hpp"
#include "sign/ed25519.hpp"
#include "sign/signing_key.hpp"
#include "util/base64.hpp"
#include "util/sha256.hpp"

namespace ifnbackup {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view k_key_type = "ifnbackup-ed25519";
constexpr std::size_t k_fingerprint_digits = 16;
// A PEM Ed25519 key is 119 bytes, a trusted-keys file a line per machine: anything this big is not ours.
constexpr std::size_t k_max_key_file = 4096;
constexpr std::size_t k_max_trusted_file = 1024 * 1024;

struct FileCloser {
  int fd;
  ~FileCloser() {
    if (fd >= 0) {
      ::close(fd);
    }
  }
};

// A key file of this machine (the private key, the trusted keys) through io::read_key_file, with the
// hints of --signing-key; std::nullopt when it does not exist.
std::optional<std::string> read_signing_file(const fs::path& path, const char* what, io::KeyFileAccess access,
                                             std::size_t limit, Text access_hint, Text owner_hint) {
  io::KeyFileRules rules;
  rules.what = what;
  rules.access = access;
  rules.limit = limit;
  rules.missing_ok = true;
  rules.open_hint = tx("run ifnbackup as the user that owns it (root for /etc/ifnbackup), or give --signing-key");
  rules.not_regular_hint = tx("give the file itself with --signing-key");
  rules.access_hint = std::move(access_hint);
  rules.owner_hint = std::move(owner_hint);
  rules.read_hint = tx("check the disk that holds it (dmesg), or give another file with --signing-key");
  rules.too_large_hint = tx("give the file 'ifnbackup key show' made (--signing-key), not another one");
  return io::read_key_file(path, rules);
}

// The private key signs for this machine: refused, like a password file, unless only its owner (the
// user running ifnbackup) can read it.
std::optional<std::string> read_private_key_file(const fs::path& path) {
  return read_signing_file(path, N_("signing key"), io::KeyFileAccess::owner_only, k_max_key_file,
                           tx("run: chmod 600 {} (anyone who read it can sign backups this machine would trust: "
                              "if that may have happened, remove it; the next backup makes a new one)",
                              path.string()),
                           tx("run ifnbackup as its owner, or give --signing-key FILE of this user"));
}

std::string seed_of_file(const fs::path& path, const std::string& pem) {
  auto seed = sign::seed_from_pem(pem);
  if (!seed) {
    throw Error(ErrorCode::config, tx("signing key {} is not an unencrypted Ed25519 private key in PEM", path.string()),
                tx("give the file ifnbackup made (--signing-key), or move this one away: the next backup makes a key"));
  }
  return std::move(*seed);
}

void fsync_folder(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

bool is_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::vector<std::string_view> words_of(std::string_view line) {
  std::vector<std::string_view> words;
  std::size_t pos = 0;
  while (pos < line.size()) {
    const std::size_t start = line.find_first_not_of(" \t\r", pos);
    if (start == std::string_view::npos) {
      break;
    }
    const std::size_t end = std::min(line.find_first_of(" \t\r", start), line.size());
    words.push_back(line.substr(start, end - start));
    pos = end;
  }
  return words;
}

// The trusted-keys file decides what restore loads: whoever may write it may make restore load
// anything, so it is refused when others than its owner (us or root) may.
std::optional<std::string> read_trusted_keys_text(const fs::path& path) {
  return read_signing_file(path, N_("trusted keys file"), io::KeyFileAccess::written_by_owner, k_max_trusted_file,
                           tx("run: chmod 644 {}, then check that every key in it is one you trust", path.string()),
                           tx("check who wrote it and every key in it, then chown it"));
}

struct TrustedFile {
  std::string text;
  std::vector<PublicKey> keys;
};

TrustedFile read_trusted_file(const fs::path& path) {
  TrustedFile file;
  auto text = read_trusted_keys_text(path);
  if (!text) {
    return file;
  }
  file.text = std::move(*text);
  std::size_t number = 0;
  std::size_t pos = 0;
  while (pos < file.text.size()) {
    const std::size_t newline = std::min(file.text.find('\n', pos), file.text.size());
    const std::string_view line = std::string_view(file.text).substr(pos, newline - pos);
    pos = newline + 1;
    ++number;
    const auto words = words_of(line);
    if (words.empty() || words.front().starts_with("#")) {
      continue;
    }
    std::string why;
    auto key = parse_public_key_line(line, &why);
    if (!key) {
      throw Error(ErrorCode::config,
                  tx("line {} of trusted keys file {} is not a public key: {}", number, path.string(), why),
                  tx("fix or remove that line; 'ifnbackup key trust LINE' writes lines as they should be"));
    }
    file.keys.push_back(std::move(*key));
  }
  return file;
}

}  // namespace

fs::path default_signing_key_file() {
  if (::geteuid() == 0) {
    return "/etc/ifnbackup/signing-key";
  }
  if (const char* config = std::getenv("XDG_CONFIG_HOME"); config != nullptr && config[0] == '/') {
    return fs::path(config) / "ifnbackup" / "signing-key";
  }
  std::string home;
  if (const char* env = std::getenv("HOME"); env != nullptr && env[0] == '/') {
    home = env;
  } else if (const struct passwd* user = ::getpwuid(::geteuid()); user != nullptr && user->pw_dir != nullptr) {
    home = user->pw_dir;
  }
  if (home.empty()) {
    throw Error(ErrorCode::config, tx("no home folder for uid {} to keep the signing key in", ::geteuid()),
                tx("give --signing-key FILE (or signing-key in the config file)"));
  }
  return fs::path(home) / ".config" / "ifnbackup" / "signing-key";
}

fs::path signing_key_file(const SigningOptions& options) {
  return options.key_file.empty() ? default_signing_key_file() : options.key_file;
}

fs::path trusted_keys_file(const SigningOptions& options) {
  return signing_key_file(options).parent_path() / "trusted-keys";
}

std::string PublicKey::fingerprint() const {
  return util::Sha256::hex_of(raw).substr(0, k_fingerprint_digits);
}

std::string PublicKey::line() const {
  return fmt::format("{} {} {}", k_key_type, util::base64_encode(raw), fingerprint());
}

std::optional<PublicKey> parse_public_key_line(std::string_view line, std::string* why) {
  auto refuse = [why](std::string reason) -> std::optional<PublicKey> {
    if (why != nullptr) {
      *why = std::move(reason);
    }
    return std::nullopt;
  };
  const auto words = words_of(line);
  if (words.empty() || words[0] != k_key_type) {
    return refuse(fmt::format("it does not start with '{}'", k_key_type));
  }
  if (words.size() < 2) {
    return refuse("the key is missing after " + std::string(k_key_type));
  }
  auto raw = util::base64_decode(words[1]);
  if (!raw || raw->size() != sign::k_public_key_bytes) {
    return refuse("the key is not 32 bytes of base64 (copied incompletely?)");
  }
  PublicKey key{std::move(*raw)};
  // The fingerprint after the key guards the copy: one character changed in the key changes it.
  if (words.size() >= 3 && words[2].size() == k_fingerprint_digits && is_hex(words[2]) &&
      words[2] != key.fingerprint()) {
    return refuse(fmt::format("the key's fingerprint is {}, the line says {} (changed when copied?)", key.fingerprint(),
                              words[2]));
  }
  return key;
}

namespace sign {

SigningKey::SigningKey(std::string seed, fs::path file, bool created)
    : m_seed(std::move(seed)), m_public{public_key_of(m_seed)}, m_file(std::move(file)), m_created(created) {}

SigningKey::SigningKey(SigningKey&& other) noexcept
    : m_seed(std::move(other.m_seed)),
      m_public(std::move(other.m_public)),
      m_file(std::move(other.m_file)),
      m_created(other.m_created) {}

SigningKey::~SigningKey() {
  if (!m_seed.empty()) {
    ::explicit_bzero(m_seed.data(), m_seed.size());
  }
}

std::string SigningKey::sign(std::string_view message) const {
  return sign_message(m_seed, message);
}

std::optional<SigningKey> SigningKey::load_existing(const SigningOptions& options) {
  const fs::path path = signing_key_file(options);
  auto pem = read_private_key_file(path);
  if (!pem) {
    return std::nullopt;
  }
  std::string seed = seed_of_file(path, *pem);
  ::explicit_bzero(pem->data(), pem->size());
  return SigningKey(std::move(seed), path, false);
}

SigningKey SigningKey::load_or_create(const SigningOptions& options) {
  if (auto existing = load_existing(options)) {
    return std::move(*existing);
  }
  const fs::path path = signing_key_file(options);
  const fs::path dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  io::ensure_private_folder(dir);
  KeyPair pair = generate_key_pair();
  std::string pem = private_key_pem(pair.seed);
  // Written under a name of its own, then linked to the final name: never over a key another run
  // made meanwhile (that one wins, and is read below).
  const fs::path temporary = dir / fmt::format(".{}.{}.tmp", path.filename().string(), ::getpid());
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    io::throw_io_error(errno, tx("creating signing key {}", temporary.string()));
  }
  {
    FileCloser closer{fd};
    try {
      ::fchmod(fd, 0600);  // whatever the umask
      io::write_fully(fd, pem, temporary.string());
      if (::fsync(fd) != 0) {
        io::throw_io_error(errno, tx("syncing signing key {}", temporary.string()));
      }
    } catch (...) {
      ::unlink(temporary.c_str());
      throw;
    }
  }
  ::explicit_bzero(pem.data(), pem.size());
  const int linked = ::link(temporary.c_str(), path.c_str());
  const int link_error = errno;
  ::unlink(temporary.c_str());
  if (linked != 0) {
    if (link_error == EEXIST) {
      if (auto theirs = load_existing(options)) {
        return std::move(*theirs);
      }
    }
    io::throw_io_error(link_error, tx("creating signing key {}", path.string()));
  }
  fsync_folder(dir);
  SigningKey key(std::move(pair.seed), path, true);
  ::explicit_bzero(pair.seed.data(), pair.seed.size());
  log_info(
      "created signing key {} (fingerprint {}): its public half, for the machines that restore "
      "these backups, is printed by 'ifnbackup key show'",
      path.string(), key.public_key().fingerprint());
  return key;
}

}  // namespace sign

OwnKey ensure_signing_key(const SigningOptions& options) {
  const auto key = sign::SigningKey::load_or_create(options);
  return OwnKey{key.public_key(), key.file(), key.created()};
}

TrustResult trust_public_key(const SigningOptions& options, std::string_view line) {
  std::string why;
  auto key = parse_public_key_line(line, &why);
  if (!key) {
    throw Error(ErrorCode::usage, tx("not a public key: {}", why),
                tx("give the whole line 'ifnbackup key show' prints on the machine that made the backups, in quotes"));
  }
  TrustResult result{TrustChange::added, *key, trusted_keys_file(options)};
  if (const auto own = sign::SigningKey::load_existing(options); own && own->public_key() == *key) {
    result.change = TrustChange::own_key;
    return result;
  }
  const TrustedFile file = read_trusted_file(result.file);
  if (std::find(file.keys.begin(), file.keys.end(), *key) != file.keys.end()) {
    result.change = TrustChange::already_trusted;
    return result;
  }
  // The line as given, its comment (the machine's name) included; the key part rewritten canonically.
  const auto words = words_of(line);
  std::string entry = key->line();
  const std::size_t comment_from = words.size() >= 3 && words[2] == key->fingerprint() ? 3 : 2;
  for (std::size_t i = comment_from; i < words.size(); ++i) {
    entry += " " + std::string(words[i]);
  }
  std::string text = file.text;
  if (!text.empty() && text.back() != '\n') {
    text.push_back('\n');
  }
  text += entry + "\n";
  io::ensure_private_folder(result.file.parent_path());
  io::replace_file(result.file, text, 0644);
  return result;
}

Keyring Keyring::load(const SigningOptions& options) {
  Keyring keyring;
  if (const auto own = sign::SigningKey::load_existing(options)) {
    keyring.m_own = own->public_key();
  }
  keyring.m_trusted = read_trusted_file(trusted_keys_file(options)).keys;
  return keyring;
}

void Keyring::judge(VerifyResult& result) const {
  if (result.signer.trust != SignerTrust::unknown) {
    return;
  }
  const PublicKey key{result.signer.public_key};
  if (m_own && *m_own == key) {
    result.signer.trust = SignerTrust::ours;
  } else if (std::find(m_trusted.begin(), m_trusted.end(), key) != m_trusted.end()) {
    result.signer.trust = SignerTrust::trusted;
  }
}

}  // namespace ifnbackup
