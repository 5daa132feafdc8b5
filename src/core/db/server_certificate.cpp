#include "db/server_certificate.hpp"

#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <memory>

#include "ifnbackup/error.hpp"

namespace ifnbackup::db {

namespace {

// The client's capabilities in the SSLRequest (protocol 4.1, TLS; MySQL and MariaDB alike).
constexpr std::uint32_t k_client_long_password = 0x1;
constexpr std::uint32_t k_client_protocol_41 = 0x200;
constexpr std::uint32_t k_client_ssl = 0x800;
constexpr std::uint32_t k_client_secure_connection = 0x8000;
constexpr std::uint8_t k_utf8mb4_general_ci = 45;

class Socket {
 public:
  explicit Socket(int fd) : m_fd(fd) {}
  ~Socket() {
    if (m_fd >= 0) {
      ::close(m_fd);
    }
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return m_fd; }

 private:
  int m_fd;
};

Error probe_error(const std::string& where, const std::string& what) {
  return Error(ErrorCode::connection, tx("cannot read the TLS certificate of {}: {}", where, what),
               tx("--ssl-fingerprint reads the certificate over TCP before connecting: check --host and --port (the "
                  "server's TCP address, not a socket) and that the server has TLS on"));
}

int connect_tcp(const std::string& host, unsigned port, unsigned timeout_seconds, const std::string& where) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_family = AF_UNSPEC;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (const int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    throw probe_error(where, ::gai_strerror(rc));
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> list(found, &::freeaddrinfo);
  std::string last_error = "no address";
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      last_error = std::strerror(errno);
      continue;
    }
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout_seconds);
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);  // bounds connect() too on Linux
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      return fd;
    }
    last_error = std::strerror(errno);
    ::close(fd);
  }
  throw probe_error(where, last_error);
}

void read_exact(int fd, unsigned char* out, std::size_t size, const std::string& where) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::recv(fd, out + done, size - done, 0);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      throw probe_error(where, n == 0 ? "the server closed the connection" : std::strerror(errno));
    }
  }
}

// The server's greeting (protocol 10): does it offer TLS?
bool greeting_offers_tls(int fd, const std::string& where) {
  std::array<unsigned char, 4> header{};
  read_exact(fd, header.data(), header.size(), where);
  const std::size_t length = header[0] | (header[1] << 8U) | (header[2] << 16U);
  if (length == 0 || length > 64 * 1024) {
    throw probe_error(where, "not a MySQL server greeting");
  }
  std::string payload(length, '\0');
  read_exact(fd, reinterpret_cast<unsigned char*>(payload.data()), length, where);
  if (static_cast<unsigned char>(payload[0]) == 0xff) {
    // An error packet: code (2 bytes), then the text ("Host ... is blocked", "Too many connections").
    throw probe_error(where, payload.size() > 3 ? payload.substr(3) : "the server refused the connection");
  }
  if (payload[0] != 10) {
    throw probe_error(where, "not a MySQL server greeting");
  }
  // version\0, thread id (4), scramble (8), filler (1), capabilities (2, low half).
  const std::size_t version_end = payload.find('\0', 1);
  const std::size_t caps = version_end + 1 + 4 + 8 + 1;
  if (version_end == std::string::npos || caps + 2 > payload.size()) {
    throw probe_error(where, "a truncated server greeting");
  }
  const unsigned low =
      static_cast<unsigned char>(payload[caps]) | (static_cast<unsigned char>(payload[caps + 1]) << 8U);
  return (low & k_client_ssl) != 0;
}

void send_ssl_request(int fd, const std::string& where) {
  std::array<unsigned char, 4 + 32> packet{};
  packet[0] = 32;  // payload length, sequence id 1
  packet[3] = 1;
  const std::uint32_t caps = k_client_long_password | k_client_protocol_41 | k_client_ssl | k_client_secure_connection;
  const std::uint32_t max_packet = 16U * 1024U * 1024U;
  for (int i = 0; i < 4; ++i) {
    packet[4 + i] = static_cast<unsigned char>(caps >> (8 * i));
    packet[8 + i] = static_cast<unsigned char>(max_packet >> (8 * i));
  }
  packet[12] = k_utf8mb4_general_ci;  // then 23 zero bytes
  std::size_t done = 0;
  while (done < packet.size()) {
    const ssize_t n = ::send(fd, packet.data() + done, packet.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      throw probe_error(where, std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
}

std::string hex(const unsigned char* data, unsigned size) {
  std::string out;
  for (unsigned i = 0; i < size; ++i) {
    out += fmt::format("{:02x}", data[i]);
  }
  return out;
}

std::string openssl_error() {
  const unsigned long code = ERR_get_error();
  if (code == 0) {
    return "the TLS handshake failed";
  }
  std::array<char, 256> text{};
  ERR_error_string_n(code, text.data(), text.size());
  return text.data();
}

}  // namespace

std::string normalise_sha256_fingerprint(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == ':') {
      continue;
    }
    if (std::isxdigit(static_cast<unsigned char>(c)) == 0) {
      return {};
    }
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out.size() == 64 ? out : std::string();
}

ServerCertificate fetch_server_certificate(const std::string& host, unsigned port, unsigned timeout_seconds) {
  const std::string where = fmt::format("{}:{}", host, port);
  Socket socket(connect_tcp(host, port, timeout_seconds, where));
  if (!greeting_offers_tls(socket.fd(), where)) {
    throw Error(
        ErrorCode::connection, tx("cannot connect to {}: the server does not offer TLS", where),
        tx("enable TLS on the server (ssl-cert, ssl-key): a certificate can only be pinned on a TLS connection"));
  }
  send_ssl_request(socket.fd(), where);

  ERR_clear_error();
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> context(SSL_CTX_new(TLS_client_method()), &SSL_CTX_free);
  if (!context) {
    throw probe_error(where, openssl_error());
  }
  // The certificate is judged by its fingerprint below, not by a CA: any is read.
  SSL_CTX_set_verify(context.get(), SSL_VERIFY_NONE, nullptr);
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(context.get()), &SSL_free);
  if (!ssl || SSL_set_fd(ssl.get(), socket.fd()) != 1) {
    throw probe_error(where, openssl_error());
  }
  // No server name (SNI): Connector/C 3.3 sends none, and the certificate read here must be the one
  // its own handshake will be shown.
  if (SSL_connect(ssl.get()) != 1) {
    throw probe_error(where, openssl_error());
  }
  std::unique_ptr<X509, decltype(&X509_free)> certificate(SSL_get1_peer_certificate(ssl.get()), &X509_free);
  if (!certificate) {
    throw probe_error(where, "the server sent no certificate");
  }
  ServerCertificate out;
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned size = 0;
  if (X509_digest(certificate.get(), EVP_sha256(), digest.data(), &size) != 1) {
    throw probe_error(where, openssl_error());
  }
  out.sha256 = hex(digest.data(), size);
  if (X509_digest(certificate.get(), EVP_sha1(), digest.data(), &size) != 1) {
    throw probe_error(where, openssl_error());
  }
  out.sha1 = hex(digest.data(), size);
  SSL_shutdown(ssl.get());
  return out;
}

}  // namespace ifnbackup::db
