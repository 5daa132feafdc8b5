// ifnbackup doctor: gathers the facts (file modes, devices, grants) and runs the pure checks.
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

#include <fmt/format.h>

#include "db/connection.hpp"
#include "ifnbackup/doctor.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/schema_check.hpp"
#include "sql/text.hpp"

namespace ifnbackup {

namespace {

namespace fs = std::filesystem;

std::optional<struct stat> stat_path(const fs::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    return std::nullopt;
  }
  return info;
}

Owner owner_of(uid_t uid) {
  Owner owner{uid, {}};
  struct passwd entry {};
  struct passwd* found = nullptr;
  std::vector<char> buffer(16384);
  if (::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr) {
    owner.name = found->pw_name;
  }
  return owner;
}

void check_file_if_set(DoctorReport& report, const std::string& what, const fs::path& path) {
  if (path.empty()) {
    return;
  }
  if (auto info = stat_path(path)) {
    report.findings.push_back(check_secret_file(what, path, info->st_mode));
  } else {
    report.findings.push_back({what, DoctorStatus::warning, trf("{} cannot be read", path.string()),
                               trf("create it, mode 0600, or fix the {} setting", what)});
  }
}

void check_folder(DoctorReport& report, const DoctorOptions& options) {
  const auto& folder = options.backup_dir;
  if (folder.empty()) {
    report.findings.push_back({"backup folder", DoctorStatus::warning, tr("no backup folder is set"),
                               tr("set backup-dir in the config file (or --backup-dir)")});
    return;
  }
  auto info = stat_path(folder);
  if (!info) {
    report.findings.push_back({"backup folder",
                               DoctorStatus::note,
                               trf("{} does not exist yet: the first backup creates it, mode 0700", folder.string()),
                               {}});
    return;
  }
  report.findings.push_back(check_backup_folder(folder, info->st_mode));
  std::vector<FileMode> files;
  std::vector<FileOwner> owners;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    const std::string name = entry.path().filename().string();
    const bool ours = name.ends_with(".sql.gz") || name.ends_with(".partial") || name.ends_with(".log");
    // Whoever owns these can also make a fake pass: the verification state, the run journal.
    const bool trusted = ours || name == ".ifnbackup-verify.tsv" || name == "journal.jsonl";
    struct stat file_info {};
    if (trusted && ::lstat(entry.path().c_str(), &file_info) == 0 && S_ISREG(file_info.st_mode)) {
      if (ours) {
        files.push_back({name, file_info.st_mode});
      }
      owners.push_back({name, owner_of(file_info.st_uid)});
    }
  }
  if (ec) {
    report.findings.push_back({"backup files", DoctorStatus::warning,
                               trf("cannot list {}: {}", folder.string(), ec.message()),
                               tr("run doctor as the user that runs the backups")});
    return;
  }
  report.findings.push_back(check_backup_files(folder, files));
  report.findings.push_back(check_owners(folder, owner_of(info->st_uid), owners, owner_of(::geteuid())));
}

bool is_local(const ConnectionOptions& connection) {
  const auto& host = connection.host;
  return host.empty() || host == "localhost" || host == "127.0.0.1" || host == "::1";
}

// 'user'@'host' from CURRENT_USER()'s user@host.
std::string account_name(const std::string& current_user) {
  const auto at = current_user.rfind('@');
  if (at == std::string::npos) {
    return trf("'{}'", current_user);
  }
  return fmt::format("'{}'@'{}'", current_user.substr(0, at), current_user.substr(at + 1));
}

void check_datadir(DoctorReport& report, const DoctorOptions& options, db::Connection& connection) {
  const auto datadir = connection.query_value("SELECT @@datadir").value_or("");
  if (!is_local(options.connection)) {
    report.findings.push_back(
        {"backup location",
         DoctorStatus::ok,
         trf("the server is remote ({}): the backups are on another machine", connection.description()),
         {}});
    return;
  }
  // The folder may not exist yet: its nearest existing parent is where it will be.
  fs::path folder = options.backup_dir;
  std::optional<struct stat> folder_info;
  while (!folder.empty() && !(folder_info = stat_path(folder))) {
    folder = folder.has_parent_path() && folder.parent_path() != folder ? folder.parent_path() : fs::path();
  }
  auto datadir_info = stat_path(datadir);
  if (datadir.empty() || !datadir_info || !folder_info) {
    report.findings.push_back({"backup location", DoctorStatus::note,
                               trf("cannot compare the backup folder's filesystem with the datadir {}", datadir),
                               tr("run doctor on the database server as a user that can stat the datadir")});
    return;
  }
  report.findings.push_back(
      check_separate_filesystem(options.backup_dir, folder_info->st_dev, datadir, datadir_info->st_dev));
}

// Whether every backup's schema check can run: the account creates its scratch database and drops it.
void check_schema_check_rights(DoctorReport& report, db::Connection& connection) {
  const std::string name = sql::quote_identifier(schema_check_database());
  const auto created = connection.run_statement("CREATE DATABASE " + name);
  if (created.ok) {
    connection.run_statement("DROP DATABASE " + name);
    report.findings.push_back({"schema check",
                               DoctorStatus::ok,
                               tr("the account may create the scratch database: each backup's schema is loaded "
                                  "there (no rows) to prove the server takes it"),
                               {}});
    return;
  }
  report.findings.push_back(
      {"schema check", DoctorStatus::warning,
       trf("the account may not create the scratch database ({}): backups are not schema-checked "
           "(error {}: {})",
           schema_check_database(), created.error_number, created.error),
       tr("GRANT ALL ON `ifnbackup\\_schemacheck\\_%`.* TO the backup account, or accept it (backup "
          "--no-schema-check silences the warning of each run)")});
}

// Whether the connection is encrypted, as the server sees it (its Ssl_cipher for this session).
void check_tls(DoctorReport& report, db::Connection& connection) {
  std::string cipher;
  std::string version;
  for (const auto& row :
       connection.query("SHOW SESSION STATUS WHERE Variable_name IN ('Ssl_cipher', 'Ssl_version')").rows) {
    if (row.size() == 2 && row[0] && row[1]) {
      (*row[0] == "Ssl_cipher" ? cipher : version) = *row[1];
    }
  }
  if (!cipher.empty()) {
    report.findings.push_back(
        {"tls", DoctorStatus::ok, trf("the connection is encrypted: {} {}", version, cipher), {}});
  } else if (connection.description().find("TCP/IP") == std::string::npos) {
    report.findings.push_back(
        {"tls", DoctorStatus::ok, tr("the connection is not encrypted: a local socket, nothing on a network"), {}});
  } else {
    report.findings.push_back({"tls", DoctorStatus::warning,
                               tr("the connection is not encrypted: anyone on the network path can read the rows"),
                               tr("enable TLS on the server and set ssl-mode = VERIFY_IDENTITY (or VERIFY_CA with "
                                  "ssl-ca, or ssl-fingerprint) in the config file")});
  }
}

BinlogFacts binlog_facts(db::Connection& connection, const DoctorOptions& options) {
  BinlogFacts facts;
  if (connection.server().is_tidb) {
    return facts;
  }
  const auto row = connection.query("SELECT @@GLOBAL.log_bin, @@GLOBAL.binlog_format, @@GLOBAL.expire_logs_days");
  if (!row.rows.empty()) {
    facts.log_bin = row.rows[0][0].value_or("0") == "1";
    facts.format = row.rows[0][1].value_or("?");
    facts.expire_days = std::strtoull(row.rows[0][2].value_or("0").c_str(), nullptr, 10);
  }
  try {
    facts.expire_seconds = std::strtoull(
        connection.query_value("SELECT @@GLOBAL.binlog_expire_logs_seconds").value_or("0").c_str(), nullptr, 10);
  } catch (const Error&) {
    // Before MariaDB 10.6 / MySQL 8.0: expire_logs_days only.
  }
  std::error_code error;
  facts.archive_in_use = !options.backup_dir.empty() && fs::is_directory(options.backup_dir / "binlog", error);
  return facts;
}

void check_server(DoctorReport& report, const DoctorOptions& options) {
  std::unique_ptr<db::Connection> connection;
  try {
    auto connection_options = options.connection;
    connection_options.require_private_option_file = false;  // reported above as a finding
    connection = db::Connection::open(connection_options, false);
  } catch (const Error& error) {
    report.findings.push_back({"server", DoctorStatus::warning, error.message().local, error.hint_text().local});
    return;
  }
  const auto& server = connection->server();
  report.findings.push_back(
      {"server", DoctorStatus::ok, trf("connected to {} ({})", connection->description(), server.version), {}});
  try {
    check_tls(report, *connection);
    const auto& database = options.connection.database;
    if (database.empty()) {
      report.findings.push_back({"database", DoctorStatus::warning, tr("no database is set"),
                                 tr("set database in the config file (or --database)")});
    } else {
      const auto found = connection->query_value(fmt::format(
          "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = {}", sql::quote_string(database)));
      if (!found) {
        report.findings.push_back({"database", DoctorStatus::warning,
                                   trf("database '{}' does not exist or is not visible to the account", database),
                                   tr("check the database setting, and the account's grants")});
      }
    }
    std::vector<std::string> lines;
    for (const auto& row : connection->query("SHOW GRANTS FOR CURRENT_USER").rows) {
      if (!row.empty() && row.front()) {
        lines.push_back(*row.front());
      }
    }
    const auto flavour =
        server.is_tidb ? ServerFlavour::tidb : (server.is_mariadb ? ServerFlavour::mariadb : ServerFlavour::mysql);
    const auto account = account_name(connection->query_value("SELECT CURRENT_USER()").value_or("?"));
    const auto grants = parse_grants(lines);
    for (auto& finding : check_privileges(grants, flavour, database, account)) {
      report.findings.push_back(std::move(finding));
    }
    report.findings.push_back(check_schema_change_mode(grants, flavour, account));
    for (auto& finding : check_binary_log(binlog_facts(*connection, options), grants, flavour, account)) {
      report.findings.push_back(std::move(finding));
    }
    check_datadir(report, options, *connection);
    check_schema_check_rights(report, *connection);
  } catch (const Error& error) {
    report.findings.push_back({"server", DoctorStatus::warning, error.message().local, error.hint_text().local});
  }
}

}  // namespace

DoctorReport run_doctor(const DoctorOptions& options) {
  DoctorReport report;
  check_file_if_set(report, "config file", options.config_file);
  check_file_if_set(report, "password file", options.connection.password_file);
  fs::path defaults = options.connection.defaults_file;
  if (defaults.empty()) {
    // What libmysqlclient reads by default, with the password in it when there is one.
    if (const char* home = std::getenv("HOME"); home != nullptr && fs::exists(fs::path(home) / ".my.cnf")) {
      defaults = fs::path(home) / ".my.cnf";
    }
  }
  check_file_if_set(report, "defaults file", defaults);
  check_folder(report, options);
  check_server(report, options);
  return report;
}

}  // namespace ifnbackup
