#pragma once
// ifnbackup doctor: checks the set-up an operator can get wrong without any run failing yet —
// file modes, where the backups live, the account's privileges — and says how to fix each.
// The checks are pure functions of facts (modes, devices, SHOW GRANTS lines), unit-tested;
// run_doctor gathers the facts from the disk and the server.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ifnbackup/options.hpp"

namespace ifnbackup {

enum class DoctorStatus {
  ok,       // nothing to do
  note,     // worth knowing, not a fault (an optional privilege, a check that could not run)
  warning,  // fix it: `ifnbackup doctor` exits 1
};

struct DoctorFinding {
  std::string check;  // "config file", "backup folder", "privileges", ...
  DoctorStatus status = DoctorStatus::ok;
  std::string message;
  std::string fix;  // a command to run, or what to change; empty when ok
};

// A file holding settings or secrets: a warning when group or others have any access.
DoctorFinding check_secret_file(const std::string& what, const std::filesystem::path& path, mode_t mode);
// The backup folder must be 0700 or stricter.
DoctorFinding check_backup_folder(const std::filesystem::path& folder, mode_t mode);
struct FileMode {
  std::string name;
  mode_t mode = 0;
};
// Every backup file must be 0600 or stricter; one finding for all of them.
DoctorFinding check_backup_files(const std::filesystem::path& folder, const std::vector<FileMode>& files);
// A user, as the checks name it: "bob (uid 1001)", or "uid 1001" when it has no name.
struct Owner {
  uid_t uid = 0;
  std::string name;  // from the password database; empty when unknown
};
struct FileOwner {
  std::string name;
  Owner owner;
};
// Whoever owns the backup folder or a file in it (backups, logs, the verification state) can
// replace or remove the backups: a warning when that is not `runner`, the user running doctor (which
// should be the one that runs the backups). One finding for the folder and its files.
DoctorFinding check_owners(const std::filesystem::path& folder, const Owner& folder_owner,
                           const std::vector<FileOwner>& files, const Owner& runner);
// A backup on the server's own disk dies with it: warning when both are on the same device.
DoctorFinding check_separate_filesystem(const std::filesystem::path& folder, dev_t folder_device,
                                        const std::filesystem::path& datadir, dev_t datadir_device);

// What SHOW GRANTS FOR CURRENT_USER gives, reduced to the privileges that matter.
struct Grants {
  std::vector<std::string> global;  // on *.*, upper case ("SELECT", "ALL PRIVILEGES", "BINLOG MONITOR")
  struct OnDatabase {
    std::string pattern;  // the database name as granted, possibly with % and _ wildcards
    std::vector<std::string> privileges;
  };
  std::vector<OnDatabase> databases;
};
// Parses GRANT lines; roles, table, column and routine grants are ignored.
Grants parse_grants(const std::vector<std::string>& lines);
// True when the account holds privilege on the whole of database (empty: on *.*).
bool has_privilege(const Grants& grants, const std::string& privilege, const std::string& database);

enum class ServerFlavour { mysql, mariadb, tidb };
// One finding per needed privilege that is missing (warning when the backup cannot do without it,
// note when it is optional, saying why), or a single ok finding. account ('backup'@'localhost') goes in
// the GRANT statements of the fixes.
std::vector<DoctorFinding> check_privileges(const Grants& grants, ServerFlavour flavour, const std::string& database,
                                            const std::string& account);

// How a schema change during the backup is met (issue 14): the dump starts again (--retries); whether
// the account could instead hold DDL back for the dump (MariaDB BACKUP STAGE BLOCK_DDL needs RELOAD;
// MySQL LOCK INSTANCE FOR BACKUP needs BACKUP_ADMIN), which ifnbackup does not take (a migration would
// wait for the whole dump); TiDB reads the snapshot's own schema. An ok or a note, never a warning.
DoctorFinding check_schema_change_mode(const Grants& grants, ServerFlavour flavour, const std::string& account);

// What the server says of its binary log, for point-in-time recovery (docs/pitr.md).
struct BinlogFacts {
  bool log_bin = false;
  std::string format;                // binlog_format: ROW, MIXED, STATEMENT
  std::uint64_t expire_seconds = 0;  // binlog_expire_logs_seconds (0: not set, or unknown)
  std::uint64_t expire_days = 0;     // expire_logs_days
  bool archive_in_use = false;       // the backup folder holds a binlog archive: missing things are warnings
};
// log_bin, binlog_format (ROW recommended), the privileges of binlog archive and restore --until,
// the server's retention of its logs. Notes unless an archive is in use.
std::vector<DoctorFinding> check_binary_log(const BinlogFacts& facts, const Grants& grants, ServerFlavour flavour,
                                            const std::string& account);

struct DoctorOptions {
  ConnectionOptions connection;
  std::filesystem::path backup_dir;
  std::filesystem::path config_file;  // empty: none in use
};

struct DoctorReport {
  std::vector<DoctorFinding> findings;
  bool has_warnings() const;
};

// Never throws for what it checks: a server that cannot be reached is a warning finding.
DoctorReport run_doctor(const DoctorOptions& options);

}  // namespace ifnbackup
