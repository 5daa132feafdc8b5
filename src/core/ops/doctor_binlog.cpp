// The doctor's binary log checks (point-in-time recovery, docs/pitr.md): pure, facts in.
#include <fmt/format.h>

#include "ifnbackup/doctor.hpp"
#include "ifnbackup/i18n.hpp"

namespace ifnbackup {

namespace {

constexpr const char* k_check = N_("binary log");

DoctorStatus wanted(bool archive_in_use) {
  return archive_in_use ? DoctorStatus::warning : DoctorStatus::note;
}

}  // namespace

std::vector<DoctorFinding> check_binary_log(const BinlogFacts& facts, const Grants& grants, ServerFlavour flavour,
                                            const std::string& account) {
  std::vector<DoctorFinding> findings;
  if (flavour == ServerFlavour::tidb) {
    findings.push_back({k_check, DoctorStatus::note,
                        tr("TiDB: ifnbackup does not archive its changes (point-in-time recovery is BR's log backup)"),
                        tr("see docs/pitr.md")});
    return findings;
  }
  if (!facts.log_bin) {
    findings.push_back(
        {k_check, wanted(facts.archive_in_use),
         tr("log_bin is OFF: restore --until (point-in-time recovery) is not possible"),
         tr("set log_bin and server_id in the server's configuration, binlog_format=ROW, and restart it")});
    return findings;
  }
  findings.push_back({k_check, DoctorStatus::ok, trf("log_bin is ON, binlog_format {}", facts.format), {}});
  if (facts.format != "ROW") {
    findings.push_back(
        {N_("binlog format"), DoctorStatus::note,
         trf("binlog_format is {}: statements are replayed by their default database (USE), so one written "
             "from another database is not replayed into this one",
             facts.format),
         tr("SET GLOBAL binlog_format = 'ROW'; and binlog_format=ROW in the server's configuration")});
  }
  std::vector<std::string> missing;
  const bool mariadb = flavour == ServerFlavour::mariadb;
  if (!has_privilege(grants, "REPLICATION SLAVE", "")) {
    missing.push_back("REPLICATION SLAVE");
  }
  const char* monitor = mariadb ? "BINLOG MONITOR" : "REPLICATION CLIENT";
  if (!has_privilege(grants, monitor, "") && !has_privilege(grants, "SUPER", "")) {
    missing.push_back(monitor);
  }
  if (mariadb && !has_privilege(grants, "BINLOG REPLAY", "") && !has_privilege(grants, "SUPER", "")) {
    missing.push_back("BINLOG REPLAY");
  }
  if (missing.empty()) {
    findings.push_back({N_("binlog privileges"),
                        DoctorStatus::ok,
                        tr("the account may read the binary log (binlog archive) and replay it (restore --until)"),
                        {}});
  } else {
    findings.push_back({N_("binlog privileges"), wanted(facts.archive_in_use),
                        trf("the account lacks {} for binlog archive and restore --until", fmt::join(missing, ", ")),
                        fmt::format("GRANT {} ON *.* TO {};", fmt::join(missing, ", "), account)});
  }
  const std::uint64_t keep = facts.expire_seconds != 0 ? facts.expire_seconds : facts.expire_days * 86400;
  if (keep == 0) {
    findings.push_back({N_("binlog retention"),
                        DoctorStatus::ok,
                        tr("the server never removes its binary logs itself (watch its disk)"),
                        {}});
  } else {
    findings.push_back(
        {N_("binlog retention"), keep < 86400 ? wanted(facts.archive_in_use) : DoctorStatus::ok,
         trf("the server removes its binary logs after {} h: an archiver stopped longer leaves a gap", keep / 3600),
         keep < 86400 ? tr("SET GLOBAL binlog_expire_logs_seconds = 604800; (7 days) and the same in the configuration")
                      : std::string()});
  }
  return findings;
}

}  // namespace ifnbackup
