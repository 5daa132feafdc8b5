#pragma once
// The certificate a MySQL/MariaDB server presents on TLS, read before any credential is sent: the
// pinning of --ssl-fingerprint (SHA-256) on MariaDB Connector/C 3.3, whose own pin
// (MARIADB_OPT_TLS_PEER_FP) compares SHA-1 only.
#include <string>

namespace ifnbackup::db {

struct ServerCertificate {
  std::string sha256;  // lowercase hex, 64 characters, of the DER certificate
  std::string sha1;    // lowercase hex, 40 characters: what Connector/C 3.3 pins
};

// Connects to host:port, reads the server's greeting, asks for TLS (the SSLRequest packet, no user
// name, no password), completes the TLS handshake without judging the certificate and returns its
// fingerprints. Throws Error(connection) with a hint when the server cannot be reached, offers no
// TLS or the handshake fails.
ServerCertificate fetch_server_certificate(const std::string& host, unsigned port, unsigned timeout_seconds);

// "AB:CD:..." or "abcd...": 64 hex digits, lowercase, or empty when it is not a SHA-256 fingerprint.
std::string normalise_sha256_fingerprint(const std::string& text);

}  // namespace ifnbackup::db
