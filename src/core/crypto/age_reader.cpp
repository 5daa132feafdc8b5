// AgeReader and the whole-stream helpers of ifnbackup/age.hpp, over AgeEncryptor and AgeDecryptor.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include <fmt/format.h>

#include "crypto/primitives.hpp"
#include "ifnbackup/age.hpp"
#include "ifnbackup/error.hpp"
#include "io/file_io.hpp"

namespace ifnbackup {
namespace {

constexpr std::size_t k_read_bytes = 256 * 1024;

}  // namespace

struct AgeReader::State {
  ByteSource source;
  std::string plaintext;  // decrypted, not yet read: at most a few chunks
  std::size_t offset = 0;
  std::vector<char> input = std::vector<char>(k_age_chunk_bytes);
  bool ended = false;
  std::unique_ptr<AgeDecryptor> decryptor;

  ~State() { crypto::wipe(plaintext.data(), plaintext.size()); }
};

AgeReader::AgeReader(std::vector<AgeIdentity> identities, ByteSource source, std::string name)
    : m_state(std::make_unique<State>()) {
  m_state->source = std::move(source);
  State* state = m_state.get();
  m_state->decryptor = std::make_unique<AgeDecryptor>(
      std::move(identities), [state](std::string_view bytes) { state->plaintext.append(bytes); }, std::move(name));
}

AgeReader::~AgeReader() = default;

std::size_t AgeReader::read(std::span<char> out) {
  State& s = *m_state;
  while (s.offset == s.plaintext.size() && !s.ended) {
    s.plaintext.clear();
    s.offset = 0;
    const std::size_t n = s.source(s.input);
    if (n == 0) {
      s.decryptor->finish();
      s.ended = true;
    } else {
      s.decryptor->write(std::string_view(s.input.data(), n));
    }
  }
  const std::size_t size = std::min(out.size(), s.plaintext.size() - s.offset);
  std::copy_n(s.plaintext.data() + s.offset, size, out.data());
  s.offset += size;
  return size;
}

std::uint64_t age_encrypt(std::span<const AgeRecipient> recipients, const ByteSource& source, const ByteSink& sink) {
  AgeEncryptor encryptor(recipients, sink);
  std::vector<char> buffer(k_read_bytes);
  for (;;) {
    const std::size_t n = source(buffer);
    if (n == 0) {
      break;
    }
    encryptor.write(std::string_view(buffer.data(), n));
  }
  encryptor.finish();
  return encryptor.plaintext_bytes();
}

std::uint64_t age_decrypt_file(const std::filesystem::path& path, std::vector<AgeIdentity> identities,
                               const ByteSink& sink) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      throw Error(ErrorCode::not_found, tx("{} does not exist", path.string()),
                  tx("check the name (ifnbackup list shows the backups)"));
    }
    io::throw_io_error(errno, tx("opening {}", path.string()));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  AgeDecryptor decryptor(std::move(identities), sink, path.string());
  std::vector<char> buffer(k_read_bytes);
  for (;;) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      io::throw_io_error(errno, tx("reading {}", path.string()));
    }
    if (n == 0) {
      break;
    }
    decryptor.write(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
  }
  decryptor.finish();
  return decryptor.plaintext_bytes();
}

}  // namespace ifnbackup
