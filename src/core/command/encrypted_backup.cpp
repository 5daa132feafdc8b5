// Encrypted backups (ifnbackup/encrypted_backup.hpp): the encrypting upload source, the encrypted local
// copy, and the ways back: decrypted into the folder through a .partial, or verified as a stream.
#include "ifnbackup/encrypted_backup.hpp"

#include <cstring>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "ifnbackup/error.hpp"
#include "ifnbackup/printable.hpp"
#include "io/atomic_file.hpp"
#include "io/file_io.hpp"
#include "util/sha256.hpp"

namespace ifnbackup {
namespace {

constexpr std::size_t k_block = 1024 * 1024;

class EncryptingSource final : public UploadSource {
 public:
  EncryptingSource(const std::filesystem::path& file, const std::vector<AgeRecipient>& recipients)
      : m_path(file), m_file(open_file_source(file)), m_block(k_block, '\0') {
    // The first encryptor only holds the file key: every pass encrypts again under it.
    m_key = std::make_unique<AgeEncryptor>(recipients, [](std::string_view) {});
    m_size = age_ciphertext_size(m_key->header_bytes(), m_file->size());
    rewind();
  }

  std::uint64_t size() const override { return m_size; }

  std::size_t read(char* buffer, std::size_t capacity) override {
    while (m_pending.size() - m_offset < capacity && !m_done) {
      const std::size_t got = m_file->read(m_block.data(), m_block.size());
      if (got == 0) {
        m_encryptor->finish();
        m_done = true;
        end_of_pass();
        break;
      }
      m_sha.update(m_block.data(), got);
      m_encryptor->write(std::string_view(m_block.data(), got));
    }
    const std::size_t n = std::min(capacity, m_pending.size() - m_offset);
    std::memcpy(buffer, m_pending.data() + m_offset, n);
    m_offset += n;
    if (m_offset == m_pending.size()) {
      m_pending.clear();
      m_offset = 0;
    } else if (m_offset > k_block) {
      m_pending.erase(0, m_offset);
      m_offset = 0;
    }
    return n;
  }

  void rewind() override {
    m_file->rewind();
    m_pending.clear();
    m_offset = 0;
    m_done = false;
    m_sha.reset();
    m_encryptor = std::make_unique<AgeEncryptor>(*m_key, [this](std::string_view bytes) { m_pending.append(bytes); });
  }

  std::vector<std::pair<std::string, std::string>> metadata() const override {
    if (m_plain_sha256.empty()) {
      return {};
    }
    return {{std::string(k_offsite_plain_sha256_header), m_plain_sha256}};
  }

 private:
  // The same file key over other bytes would reveal both: a pass must read what the first one read.
  void end_of_pass() {
    const std::uint64_t plain = m_sha.size();
    const std::string sha = util::Sha256::hex(m_sha.finish());
    if (plain != m_file->size() || (!m_plain_sha256.empty() && sha != m_plain_sha256)) {
      throw Error(ErrorCode::io, tx("{} changed while it was encrypted for its upload", m_path.string()),
                  tx("another program writes to the backup folder: nothing was sent; run 'ifnbackup push' again"));
    }
    m_plain_sha256 = sha;
  }

  std::filesystem::path m_path;
  std::unique_ptr<UploadSource> m_file;
  std::unique_ptr<AgeEncryptor> m_key;
  std::unique_ptr<AgeEncryptor> m_encryptor;
  std::uint64_t m_size = 0;
  std::string m_block;
  std::string m_pending;  // ciphertext not yet read
  std::size_t m_offset = 0;
  bool m_done = false;
  util::Sha256 m_sha;
  std::string m_plain_sha256;
};

Error no_identity(std::string_view what) {
  return Error(ErrorCode::usage, tx("{} is encrypted (age): it needs the secret key to be read", what),
               tx("give --identity FILE, the key file age-keygen wrote (0600)"));
}

std::string sha256_of_file(const std::filesystem::path& file) {
  auto source = open_file_source(file);
  return sha256_of_source(*source);
}

// A plain copy already in the folder is used when it holds `plain_sha256`, else refused.
bool same_copy_there(const std::filesystem::path& plain, const std::string& plain_sha256, std::string_view origin) {
  std::error_code ec;
  if (!std::filesystem::exists(plain, ec)) {
    return false;
  }
  if (sha256_of_file(plain) == plain_sha256) {
    log_info("{} is already there with the plaintext of {}: not decrypted again", plain.string(), origin);
    return true;
  }
  throw Error(ErrorCode::io, tx("{} exists and differs from the decryption of {}", plain.string(), origin),
              tx("move the local file away, or restore it as it is"));
}

}  // namespace

bool is_encrypted_name(std::string_view name) {
  return name.ends_with(k_age_suffix);
}

std::string plain_name_of(std::string_view name) {
  if (is_encrypted_name(name)) {
    name.remove_suffix(k_age_suffix.size());
  }
  return std::string(name);
}

std::unique_ptr<UploadSource> open_encrypting_source(const std::filesystem::path& file,
                                                     const std::vector<AgeRecipient>& recipients) {
  return std::make_unique<EncryptingSource>(file, recipients);
}

std::filesystem::path encrypt_file_beside(const std::filesystem::path& file,
                                          const std::vector<AgeRecipient>& recipients) {
  auto source = open_file_source(file);
  io::AtomicFile out(file.string() + std::string(k_age_suffix));
  AgeEncryptor encryptor(
      recipients, [&](std::string_view bytes) { io::write_fully(out.fd(), bytes, out.partial_path().string()); });
  std::string block(k_block, '\0');
  while (const std::size_t got = source->read(block.data(), block.size())) {
    encryptor.write(std::string_view(block.data(), got));
  }
  encryptor.finish();
  if (encryptor.plaintext_bytes() != source->size()) {
    throw Error(ErrorCode::io, tx("{} changed while it was encrypted", file.string()),
                tx("another program writes to the backup folder"));
  }
  out.commit();
  return out.final_path();
}

std::filesystem::path decrypt_backup_into(const std::filesystem::path& file, const std::vector<AgeIdentity>& identities,
                                          const std::filesystem::path& dir) {
  if (identities.empty()) {
    throw no_identity(file.string());
  }
  const std::filesystem::path plain = dir / plain_name_of(file.filename().string());
  std::error_code ec;
  if (std::filesystem::exists(plain, ec)) {
    util::Sha256 sha;
    age_decrypt_file(file, identities, [&](std::string_view bytes) { sha.update(bytes); });
    if (same_copy_there(plain, util::Sha256::hex(sha.finish()), file.string())) {
      return plain;
    }
  }
  io::ensure_private_folder(dir);
  io::AtomicFile out(plain);
  const std::uint64_t bytes = age_decrypt_file(
      file, identities, [&](std::string_view piece) { io::write_fully(out.fd(), piece, out.partial_path().string()); });
  out.commit();
  log_info("decrypted {} into {} ({:.1f} MiB)", file.string(), plain.string(), static_cast<double>(bytes) / 1048576.0);
  return plain;
}

FetchedBackup fetch_offsite_backup(const OffsiteOptions& options, std::string_view name,
                                   const std::vector<AgeIdentity>& identities, const std::filesystem::path& dir) {
  FetchedBackup fetched;
  fetched.object = std::string(name);
  if (!is_encrypted_name(name)) {
    const auto download = download_from_offsite(options, name, dir);
    fetched.file = download.file;
    fetched.already_there = download.already_there;
    return fetched;
  }
  if (identities.empty()) {
    throw no_identity(name);
  }
  const auto head = head_offsite(options, name);
  if (!head) {
    throw Error(ErrorCode::not_found, tx("no object {} in {}", name, options.url),
                tx("'ifnbackup list --offsite' shows the backups there"));
  }
  fetched.decrypted = true;
  fetched.file = dir / plain_name_of(name);
  // An object pushed from an encrypted local copy has no plaintext SHA-256: its chunks' tags and the
  // verification that follows prove it.
  std::error_code ec;
  if (head->plain_sha256.empty() && std::filesystem::exists(fetched.file, ec)) {
    throw Error(ErrorCode::io, tx("{} exists already", fetched.file.string()),
                tx("move the local file away, or restore it as it is"));
  }
  if (!head->plain_sha256.empty() && same_copy_there(fetched.file, head->plain_sha256, head->key)) {
    fetched.already_there = true;
    return fetched;
  }
  io::ensure_private_folder(dir);
  io::AtomicFile out(fetched.file);
  util::Sha256 plain;
  AgeDecryptor decryptor(
      identities,
      [&](std::string_view bytes) {
        plain.update(bytes);
        io::write_fully(out.fd(), bytes, out.partial_path().string());
      },
      head->key);
  const auto object = stream_from_offsite(options, name, [&](std::string_view bytes) { decryptor.write(bytes); });
  decryptor.finish();
  const std::string got = util::Sha256::hex(plain.finish());
  if (object.sha256 != head->sha256 || (!head->plain_sha256.empty() && got != head->plain_sha256)) {
    throw Error(ErrorCode::corrupt,
                tx("{} decrypts to a file with SHA-256 {}, but was uploaded from one with {}", head->key, got,
                   head->plain_sha256),
                tx("nothing was restored; the object was replaced since: check the bucket"));
  }
  out.commit();
  log_info("downloaded and decrypted {} into {} ({:.1f} MiB), SHA-256 {} as uploaded", head->key, fetched.file.string(),
           static_cast<double>(decryptor.plaintext_bytes()) / 1048576.0, got);
  return fetched;
}

VerifyResult verify_offsite_backup(const OffsiteOptions& options, std::string_view name,
                                   const std::vector<AgeIdentity>& identities) {
  const bool encrypted = is_encrypted_name(name);
  if (encrypted && identities.empty()) {
    throw no_identity(name);
  }
  const std::string label = fmt::format("{}{}", options.url.ends_with('/') ? options.url : options.url + "/", name);
  std::string plain_sha256;
  std::string expected_plain;
  auto result = verify_backup_stream(
      [&](const std::function<void(std::string_view)>& sink) {
        util::Sha256 plain;
        std::optional<AgeDecryptor> decryptor;
        if (encrypted) {
          decryptor.emplace(
              identities,
              [&](std::string_view bytes) {
                plain.update(bytes);
                sink(bytes);
              },
              label);
        }
        const auto object = stream_from_offsite(options, name, [&](std::string_view bytes) {
          if (decryptor) {
            decryptor->write(bytes);
          } else {
            sink(bytes);
          }
        });
        if (decryptor) {
          decryptor->finish();
          plain_sha256 = util::Sha256::hex(plain.finish());
          expected_plain = object.plain_sha256;
        }
      },
      label);
  if (encrypted && result.ok() && !expected_plain.empty() && plain_sha256 != expected_plain) {
    result.status = VerifyStatus::corrupt;
    result.reason = fmt::format("decrypts to a file with SHA-256 {}, but was uploaded from one with '{}'", plain_sha256,
                                expected_plain);
  }
  return result;
}

VerifyResult verify_encrypted_file(const std::filesystem::path& file, const std::vector<AgeIdentity>& identities) {
  if (identities.empty()) {
    throw no_identity(file.string());
  }
  auto result = verify_backup_stream(
      [&](const std::function<void(std::string_view)>& sink) { age_decrypt_file(file, identities, sink); },
      file.string());
  std::error_code ec;
  result.compressed_bytes = std::filesystem::file_size(file, ec);
  return result;
}

std::optional<OffsiteAddress> parse_offsite_address(std::string_view text) {
  if (!text.starts_with("s3://")) {
    return std::nullopt;
  }
  const std::size_t slash = text.rfind('/');
  if (slash < 5 || slash + 1 == text.size() || text.find('/', 5) == std::string_view::npos) {
    throw Error(ErrorCode::usage, tx("'{}' names no backup in a bucket", text),
                tx("give s3://BUCKET/PREFIX/NAME, with NAME as 'ifnbackup list --offsite' shows it"));
  }
  OffsiteAddress address{std::string(text.substr(0, slash)), std::string(text.substr(slash + 1))};
  parse_offsite_url(address.url);
  return address;
}

}  // namespace ifnbackup
