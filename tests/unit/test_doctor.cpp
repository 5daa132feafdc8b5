#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ifnbackup/doctor.hpp"

namespace ifnbackup {
namespace {

TEST(DoctorModes, SecretFileMustBeOwnerOnly) {
  EXPECT_EQ(check_secret_file("config file", "/etc/ifnbackup.conf", 0100600).status, DoctorStatus::ok);
  EXPECT_EQ(check_secret_file("config file", "/etc/ifnbackup.conf", 0100400).status, DoctorStatus::ok);
  const auto others = check_secret_file("password file", "/etc/ifn pw", 0100644);
  EXPECT_EQ(others.status, DoctorStatus::warning);
  EXPECT_EQ(others.fix, "chmod 600 '/etc/ifn pw'");
  EXPECT_NE(others.message.find("0644: every local user"), std::string::npos) << others.message;
  const auto group = check_secret_file("defaults file", "/root/.my.cnf", 0100640);
  EXPECT_EQ(group.status, DoctorStatus::warning);
  EXPECT_NE(group.message.find("its group"), std::string::npos) << group.message;
  EXPECT_EQ(check_secret_file("x", "/x", 0100602).status, DoctorStatus::warning);  // others may write
}

TEST(DoctorModes, BackupFolderMustBe0700) {
  EXPECT_EQ(check_backup_folder("/var/backups/ifn", 040700).status, DoctorStatus::ok);
  const auto loose = check_backup_folder("/var/backups/ifn", 040750);
  EXPECT_EQ(loose.status, DoctorStatus::warning);
  EXPECT_EQ(loose.fix, "chmod 700 /var/backups/ifn");
}

TEST(DoctorModes, BackupFilesMustBe0600AndTheLooseOnesAreNamed) {
  const std::vector<FileMode> good = {{"a.sql.gz", 0100600}, {"backup.log", 0100400}};
  EXPECT_EQ(check_backup_files("/b", good).status, DoctorStatus::ok);
  EXPECT_EQ(check_backup_files("/b", {}).status, DoctorStatus::ok);
  const std::vector<FileMode> mixed = {{"a.sql.gz", 0100600}, {"b.sql.gz", 0100644}, {"c.sql.gz", 0100660}};
  const auto finding = check_backup_files("/b", mixed);
  EXPECT_EQ(finding.status, DoctorStatus::warning);
  EXPECT_NE(finding.message.find("2 file(s)"), std::string::npos) << finding.message;
  EXPECT_NE(finding.message.find("b.sql.gz (0644)"), std::string::npos) << finding.message;
  EXPECT_NE(finding.message.find("c.sql.gz (0660)"), std::string::npos) << finding.message;
  EXPECT_EQ(finding.message.find("a.sql.gz"), std::string::npos) << finding.message;
  EXPECT_EQ(finding.fix, "chmod 600 /b/*");
}

// Issue 18: doctor said the backup folder was fine when another user owned it (that user can swap
// the backups).
TEST(DoctorOwners, AnotherUsersFolderOrFilesAreAWarning) {
  const Owner root{0, "root"};
  const Owner bob{1001, "bob"};
  const std::vector<FileOwner> mine = {{"a.sql.gz", root}, {".ifnbackup-verify.tsv", root}};
  const auto fine = check_owners("/var/backups/ifn", root, mine, root);
  EXPECT_EQ(fine.status, DoctorStatus::ok);
  EXPECT_EQ(fine.message, "/var/backups/ifn and its 2 file(s) belong to root (uid 0)");

  const auto folder = check_owners("/var/backups/ifn", bob, mine, root);
  EXPECT_EQ(folder.status, DoctorStatus::warning);
  EXPECT_EQ(folder.message,
            "/var/backups/ifn belongs to bob (uid 1001), not to root (uid 0) who runs this: that user can "
            "replace or remove the backups");
  EXPECT_EQ(folder.fix, "chown -R root /var/backups/ifn (and run doctor as the user that runs the backups)");

  const std::vector<FileOwner> swapped = {{"a.sql.gz", root}, {"b.sql.gz", bob}, {"c.sql.gz", Owner{4242, ""}}};
  const auto files = check_owners("/b", root, swapped, root);
  EXPECT_EQ(files.status, DoctorStatus::warning);
  EXPECT_NE(files.message.find("2 file(s) in it belong to another user: b.sql.gz (bob (uid 1001)), "
                               "c.sql.gz (uid 4242)"),
            std::string::npos)
      << files.message;
  EXPECT_EQ(files.message.find("a.sql.gz"), std::string::npos) << files.message;

  // Run by another user than the owner of everything: the fix names the runner.
  const auto other_runner = check_owners("/b", root, mine, Owner{1001, ""});
  EXPECT_EQ(other_runner.status, DoctorStatus::warning);
  EXPECT_EQ(other_runner.fix, "chown -R 1001 /b (and run doctor as the user that runs the backups)");
}

TEST(DoctorLocation, SameDeviceAsTheDatadirIsAWarning) {
  EXPECT_EQ(check_separate_filesystem("/backup", 2049, "/var/lib/mysql", 2049).status, DoctorStatus::warning);
  EXPECT_EQ(check_separate_filesystem("/backup", 2050, "/var/lib/mysql", 2049).status, DoctorStatus::ok);
}

TEST(DoctorGrants, ParsesGlobalAndDatabaseGrants) {
  const auto grants = parse_grants({
      "GRANT USAGE ON *.* TO `ro`@`localhost` IDENTIFIED BY PASSWORD '*D8218'",
      "GRANT SELECT, SHOW VIEW, INSERT (`a`, `b`) ON `shop`.* TO `ro`@`localhost`",
      "GRANT RELOAD, PROCESS ON *.* TO `ro`@`localhost`",
      "GRANT SELECT ON `other`.`t1` TO `ro`@`localhost`",
      "GRANT EXECUTE ON PROCEDURE `shop`.`p` TO `ro`@`localhost`",
      "GRANT `backup_role` TO `ro`@`localhost`",
      "GRANT PROXY ON ''@'%' TO 'root'@'localhost' WITH GRANT OPTION",
  });
  EXPECT_EQ(grants.global, (std::vector<std::string>{"USAGE", "RELOAD", "PROCESS"}));
  ASSERT_EQ(grants.databases.size(), 1u);
  EXPECT_EQ(grants.databases[0].pattern, "shop");
  EXPECT_EQ(grants.databases[0].privileges, (std::vector<std::string>{"SELECT", "SHOW VIEW"}));
  EXPECT_TRUE(has_privilege(grants, "SELECT", "shop"));
  EXPECT_FALSE(has_privilege(grants, "INSERT", "shop"));   // column-level only
  EXPECT_FALSE(has_privilege(grants, "SELECT", "other"));  // table-level only
  EXPECT_FALSE(has_privilege(grants, "SELECT", ""));
  EXPECT_TRUE(has_privilege(grants, "PROCESS", ""));
}

TEST(DoctorGrants, AllPrivilegesAndWildcards) {
  const auto grants = parse_grants({
      "GRANT ALL ON `ifn\\_%`.* TO 'b'@'%'",
      "GRANT ALL PRIVILEGES ON `we``ird.db`.* TO `b`@`%`",
      "GRANT REPLICATION CLIENT ON *.* TO `b`@`%`",
  });
  EXPECT_TRUE(has_privilege(grants, "EVENT", "ifn_connect"));
  EXPECT_FALSE(has_privilege(grants, "EVENT", "ifnXconnect"));  // \_ is a literal underscore
  EXPECT_FALSE(has_privilege(grants, "EVENT", "ifn"));
  EXPECT_TRUE(has_privilege(grants, "TRIGGER", "we`ird.db"));
  EXPECT_TRUE(has_privilege(grants, "BINLOG MONITOR", ""));  // MariaDB's new name of the same privilege
  EXPECT_FALSE(has_privilege(grants, "RELOAD", ""));
  const auto root = parse_grants({"GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` WITH GRANT OPTION"});
  EXPECT_TRUE(has_privilege(root, "RELOAD", ""));
  EXPECT_TRUE(has_privilege(root, "SHOW VIEW", "anything"));
}

std::vector<std::string> missing(const std::vector<DoctorFinding>& findings, DoctorStatus status) {
  std::vector<std::string> out;
  for (const auto& finding : findings) {
    if (finding.status == status) {
      out.push_back(finding.fix);
    }
  }
  return out;
}

TEST(DoctorPrivileges, SelectOnlyAccountLacksTheRequiredOnes) {
  const auto grants = parse_grants({"GRANT SELECT ON `shop`.* TO `ro`@`localhost`"});
  const auto findings = check_privileges(grants, ServerFlavour::mariadb, "shop", "'ro'@'localhost'");
  EXPECT_EQ(missing(findings, DoctorStatus::warning),
            (std::vector<std::string>{"GRANT SHOW VIEW ON `shop`.* TO 'ro'@'localhost';",
                                      "GRANT TRIGGER ON `shop`.* TO 'ro'@'localhost';",
                                      "GRANT EVENT ON `shop`.* TO 'ro'@'localhost';"}));
  EXPECT_EQ(missing(findings, DoctorStatus::note),
            (std::vector<std::string>{
                "GRANT LOCK TABLES ON `shop`.* TO 'ro'@'localhost';", "GRANT RELOAD ON *.* TO 'ro'@'localhost';",
                "GRANT PROCESS ON *.* TO 'ro'@'localhost';", "GRANT BINLOG MONITOR ON *.* TO 'ro'@'localhost';"}));
  for (const auto& finding : findings) {
    EXPECT_NE(finding.message.find(": "), std::string::npos) << "says why: " << finding.message;
  }
}

TEST(DoctorPrivileges, MysqlNeedsReplicationClientForThePosition) {
  const auto grants = parse_grants({"GRANT SELECT, SHOW VIEW, TRIGGER, EVENT, LOCK TABLES ON `shop`.* TO `b`@`%`"});
  const auto findings = check_privileges(grants, ServerFlavour::mysql, "shop", "'b'@'%'");
  EXPECT_EQ(missing(findings, DoctorStatus::warning),
            (std::vector<std::string>{"GRANT REPLICATION CLIENT ON *.* TO 'b'@'%';"}));
}

TEST(DoctorPrivileges, AFullAccountIsOneOkFinding) {
  const auto grants =
      parse_grants({"GRANT SELECT, SHOW VIEW, TRIGGER, EVENT, LOCK TABLES, RELOAD, PROCESS, BINLOG MONITOR ON *.* "
                    "TO `backup`@`localhost`"});
  const auto findings = check_privileges(grants, ServerFlavour::mariadb, "shop", "'backup'@'localhost'");
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].status, DoctorStatus::ok);
}

TEST(DoctorSchemaChanges, SaysWhetherTheAccountCouldHoldDdlBack) {
  const auto with_reload = parse_grants({"GRANT SELECT, RELOAD ON *.* TO `backup`@`localhost`"});
  const auto mariadb = check_schema_change_mode(with_reload, ServerFlavour::mariadb, "'backup'@'localhost'");
  EXPECT_EQ(mariadb.status, DoctorStatus::ok);
  EXPECT_NE(mariadb.message.find("could also hold BACKUP STAGE BLOCK_DDL (RELOAD)"), std::string::npos)
      << mariadb.message;
  const auto select_only = parse_grants({"GRANT SELECT ON `shop`.* TO `ro`@`localhost`"});
  const auto without = check_schema_change_mode(select_only, ServerFlavour::mariadb, "'ro'@'localhost'");
  EXPECT_EQ(without.status, DoctorStatus::note);
  EXPECT_NE(without.message.find("could not hold BACKUP STAGE BLOCK_DDL (it lacks RELOAD)"), std::string::npos)
      << without.message;
  const auto mysql = check_schema_change_mode(with_reload, ServerFlavour::mysql, "'backup'@'localhost'");
  EXPECT_NE(mysql.message.find("LOCK INSTANCE FOR BACKUP (it lacks BACKUP_ADMIN)"), std::string::npos) << mysql.message;
  EXPECT_EQ(check_schema_change_mode(select_only, ServerFlavour::tidb, "'ro'@'%'").status, DoctorStatus::ok);
}

TEST(DoctorReportStatus, WarningsDecideTheExit) {
  DoctorReport report;
  report.findings.push_back({"a", DoctorStatus::ok, "", ""});
  report.findings.push_back({"b", DoctorStatus::note, "", ""});
  EXPECT_FALSE(report.has_warnings());
  report.findings.push_back({"c", DoctorStatus::warning, "", ""});
  EXPECT_TRUE(report.has_warnings());
}

}  // namespace
}  // namespace ifnbackup
