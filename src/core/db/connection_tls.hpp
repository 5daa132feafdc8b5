#pragma once
// The TLS side of a connection (connection.cpp): the options handed to Connector/C for --ssl-mode,
// CA, client certificate and the pinned server certificate, and the words of a TLS failure.
#include <mysql.h>

#include <string>

#include "ifnbackup/i18n.hpp"
#include "ifnbackup/options.hpp"

namespace ifnbackup::db {

// A file that may hold a password or a key is refused (Error(config)) unless only its owner can
// read it.
void check_private_file(const std::string& path, const char* what);

// What makes TLS required, for the message: REQUIRED, VERIFY_CA or VERIFY_IDENTITY (any case), a
// pinned certificate or a client certificate; empty when TLS is not required.
std::string tls_requirement(const ConnectionOptions& options);
// Sets the TLS options of `mysql` before it connects (Error(usage/config) for bad ones).
void set_ssl_options(MYSQL* mysql, const ConnectionOptions& options, unsigned timeout_seconds);
// The next step after a refused TLS handshake: certificates, CA and names, not ports.
Text tls_hint(const std::string& message, const ConnectionOptions& options);

}  // namespace ifnbackup::db
