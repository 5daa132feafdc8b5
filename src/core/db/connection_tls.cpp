#include "db/connection_tls.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "db/server_certificate.hpp"
#include "ifnbackup/error.hpp"

namespace ifnbackup::db {

namespace {

std::string upper(std::string text) {
  for (auto& c : text) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return text;
}

}  // namespace

// What makes TLS required, for the message: REQUIRED, VERIFY_CA or VERIFY_IDENTITY (any case), a
// pinned certificate or a client certificate; empty when TLS is not required.
std::string tls_requirement(const ConnectionOptions& options) {
  const std::string mode = upper(options.ssl_mode);
  if (mode == "REQUIRED" || mode == "VERIFY_CA" || mode == "VERIFY_IDENTITY") {
    return "--ssl-mode " + options.ssl_mode;
  }
  if (!options.ssl_fingerprint.empty()) {
    return "--ssl-fingerprint";
  }
  return options.ssl_cert.empty() ? std::string() : std::string("--ssl-cert");
}

namespace {

// Where the system keeps its CA certificates (Debian's ca-certificates, OpenSSL's default folder).
constexpr const char* k_system_ca_folder = "/etc/ssl/certs";

// --ssl-fingerprint: the certificate is read before connecting and judged by its SHA-256; Connector/C
// 3.3 then pins that same certificate by its SHA-1 during the real handshake, before the password goes
// out, so the connection cannot be handed another certificate between the two.
void pin_server_certificate(MYSQL* mysql, const ConnectionOptions& options, unsigned timeout_seconds) {
  const std::string wanted = db::normalise_sha256_fingerprint(options.ssl_fingerprint);
  if (wanted.empty()) {
    throw Error(
        ErrorCode::usage, tx("--ssl-fingerprint '{}' is not a SHA-256 fingerprint", options.ssl_fingerprint),
        tx("give the 64 hex digits (colons allowed) of: openssl x509 -noout -fingerprint -sha256 -in server-cert.pem"));
  }
  if (options.host.empty() || (options.host == "localhost" && !options.socket.empty())) {
    throw Error(ErrorCode::usage, tx("--ssl-fingerprint needs the server's TCP address in --host (and --port)"),
                tx("the certificate is read over TCP before connecting; give --host and --port on the command line, in "
                   "IFNBACKUP_HOST or in the config file"));
  }
  const unsigned port = options.port != 0 ? options.port : 3306;
  const auto certificate = db::fetch_server_certificate(options.host, port, timeout_seconds);
  if (certificate.sha256 != wanted) {
    throw Error(ErrorCode::connection,
                tx("cannot connect to {}:{}: its TLS certificate has SHA-256 fingerprint {}, not the one of "
                   "--ssl-fingerprint ({})",
                   options.host, port, certificate.sha256, wanted),
                tx("if the server's certificate was renewed, check the new one and pin it (openssl s_client "
                   "-connect {}:{} -starttls mysql </dev/null | openssl x509 -noout -fingerprint -sha256); "
                   "otherwise something between you and the server shows another certificate: do not go on",
                   options.host, port));
  }
  mysql_optionsv(mysql, MARIADB_OPT_TLS_PEER_FP, certificate.sha1.c_str());
}

}  // namespace

namespace {

// --ssl-ca and --ssl-cert: a file this user can read, named in the error (the library would only
// say "No such file or directory").
void check_readable_file(const std::string& path, const char* what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || ::access(path.c_str(), R_OK) != 0) {
    throw Error(ErrorCode::config, tx("cannot read {} {}: {}", tx(what), path, errno_text(errno)),
                tx("check the path and that the user running ifnbackup may read it"));
  }
  if (!S_ISREG(st.st_mode)) {
    throw Error(ErrorCode::config, tx("{} {} is not a regular file", tx(what), path),
                tx("give the file itself, not a folder or a device"));
  }
}

// --ssl-cert without --ssl-key: the certificate's file holds the key too, so it is a key file (0600).
void check_client_certificate(const ConnectionOptions& options) {
  check_readable_file(options.ssl_cert, N_("client certificate file"));
  if (!options.ssl_key.empty()) {
    return;
  }
  std::ifstream in(options.ssl_cert, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.find("PRIVATE KEY-----") == std::string::npos) {
    throw Error(ErrorCode::usage,
                tx("--ssl-cert {} holds no private key, and --ssl-key is not given", options.ssl_cert),
                tx("give the client certificate's key with --ssl-key (a 0600 PEM file)"));
  }
  check_private_file(options.ssl_cert, N_("client certificate and key file"));
}

}  // namespace

void set_ssl_options(MYSQL* mysql, const ConnectionOptions& options, unsigned timeout_seconds) {
  const std::string mode = upper(options.ssl_mode);
  if (!(mode.empty() || mode == "DISABLED" || mode == "PREFERRED" || mode == "REQUIRED" || mode == "VERIFY_CA" ||
        mode == "VERIFY_IDENTITY")) {
    throw Error(ErrorCode::usage, tx("unknown --ssl-mode '{}'", options.ssl_mode),
                tx("use DISABLED, PREFERRED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY"));
  }
  const bool client_certificate = !options.ssl_cert.empty() || !options.ssl_key.empty();
  if (mode == "DISABLED" && (client_certificate || !options.ssl_fingerprint.empty())) {
    throw Error(ErrorCode::usage, tx("--ssl-mode DISABLED contradicts --ssl-cert, --ssl-key and --ssl-fingerprint"),
                tx("leave --ssl-mode out, or give REQUIRED, VERIFY_CA or VERIFY_IDENTITY"));
  }
  if (!options.ssl_key.empty() && options.ssl_cert.empty()) {
    throw Error(ErrorCode::usage, tx("--ssl-key without --ssl-cert"),
                tx("give the client certificate with --ssl-cert"));
  }
  if (!options.ssl_key.empty()) {
    check_private_file(options.ssl_key, N_("client key file"));
  }
  if (!options.ssl_cert.empty()) {
    check_client_certificate(options);
  }
  if (!options.ssl_ca.empty()) {
    check_readable_file(options.ssl_ca, N_("CA certificate file"));
  }
  if (!options.ssl_ca.empty()) {
    mysql_optionsv(mysql, MYSQL_OPT_SSL_CA, options.ssl_ca.c_str());
  }
  if (!options.ssl_cert.empty()) {
    mysql_optionsv(mysql, MYSQL_OPT_SSL_CERT, options.ssl_cert.c_str());
    mysql_optionsv(mysql, MYSQL_OPT_SSL_KEY, (options.ssl_key.empty() ? options.ssl_cert : options.ssl_key).c_str());
  }
  my_bool on = 1;
  // Connector/C 3.3 asks for TLS only when told to: PREFERRED asks, and goes on in plain text when the
  // server offers none (the library's "enforce" is that wish); stronger modes are checked after
  // connecting (connection.cpp).
  if (mode == "PREFERRED" || !tls_requirement(options).empty()) {
    mysql_optionsv(mysql, MYSQL_OPT_SSL_ENFORCE, &on);
  }
  // Connector/C 3.3 checks the certificate's chain whenever it has a CA (file or folder) and its
  // names only under MYSQL_OPT_SSL_VERIFY_SERVER_CERT: VERIFY_CA is a CA and no name check.
  if (mode == "VERIFY_CA" && options.ssl_ca.empty()) {
    mysql_optionsv(mysql, MYSQL_OPT_SSL_CAPATH, k_system_ca_folder);
  }
  if (mode == "VERIFY_IDENTITY") {
    mysql_optionsv(mysql, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on);
  }
  if (!options.ssl_fingerprint.empty()) {
    pin_server_certificate(mysql, options, timeout_seconds);
  }
}

// The next step after a refused TLS handshake: certificates, CA and names, not ports.
Text tls_hint(const std::string& message, const ConnectionOptions& options) {
  if (message.find("server does not support it") != std::string::npos) {
    return tx(
        "the server offers no TLS: enable it on the server (ssl-cert, ssl-key), or, on a trusted network "
        "only, --ssl-mode PREFERRED");
  }
  if (message.find("certificate has expired") != std::string::npos ||
      message.find("certificate is not yet valid") != std::string::npos) {
    return tx(
        "a certificate of the server's chain is outside its dates of validity: renew it on the server, or, if "
        "it is recent, check this machine's clock (date)");
  }
  if (!options.ssl_cert.empty() &&
      (message.find("key values mismatch") != std::string::npos || message.find("PEM") != std::string::npos ||
       message.find("no start line") != std::string::npos || message.find("unsupported") != std::string::npos)) {
    return tx(
        "the client certificate or its key could not be used: --ssl-cert must be a PEM certificate and "
        "--ssl-key the PEM private key of that same certificate");
  }
  if (message.find("Fingerprint") != std::string::npos) {
    return tx(
        "the server's certificate changed since it was read for --ssl-fingerprint: run again, and if this "
        "repeats something between you and the server shows another certificate");
  }
  if (message.find("Validation of SSL server certificate") != std::string::npos) {
    return tx(
        "the server's certificate does not carry the name '{}' (--ssl-mode VERIFY_IDENTITY checks it): connect by a "
        "name it carries (openssl x509 -noout -subject -ext subjectAltName), or use --ssl-mode VERIFY_CA (its CA "
        "checked, not its names), or pin it with --ssl-fingerprint",
        options.host.empty() ? std::string("localhost") : options.host);
  }
  return tx(
      "the server's certificate was not accepted: give --ssl-ca the CA certificate that signed it (a managed "
      "service publishes it; without --ssl-ca the system's CAs in /etc/ssl/certs are used), or pin the "
      "certificate with --ssl-fingerprint; a client certificate (--ssl-cert, --ssl-key) must be one the "
      "server's CA signed");
}

}  // namespace ifnbackup::db
