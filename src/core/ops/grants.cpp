// SHOW GRANTS lines reduced to privileges on *.* and on databases, and the privileges a
// consistent dump needs.
#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "ifnbackup/doctor.hpp"
#include "ifnbackup/i18n.hpp"

namespace ifnbackup {

namespace {

std::string trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return std::string(text);
}

std::string upper(std::string text) {
  for (auto& c : text) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return text;
}

// Position of keyword (" ON ", " TO ") outside quotes and parentheses, or npos.
std::size_t find_keyword(std::string_view line, std::string_view keyword, std::size_t from = 0) {
  char quote = 0;
  int depth = 0;
  for (std::size_t i = from; i < line.size(); ++i) {
    const char c = line[i];
    if (quote != 0) {
      quote = c == quote ? 0 : quote;  // a doubled quote closes then reopens: same result
    } else if (c == '`' || c == '\'' || c == '"') {
      quote = c;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    } else if (depth == 0 && upper(std::string(line.substr(i, keyword.size()))) == keyword) {
      return i;
    }
  }
  return std::string_view::npos;
}

// "SELECT, SHOW VIEW, INSERT (`a`, `b`)" -> {"SELECT", "SHOW VIEW"}: column privileges dropped.
std::vector<std::string> split_privileges(std::string_view text) {
  std::vector<std::string> out;
  std::string current;
  int depth = 0;
  bool column_level = false;
  auto flush = [&]() {
    auto name = upper(trim(current));
    if (!name.empty() && !column_level) {
      out.push_back(name == "ALL" ? "ALL PRIVILEGES" : name);
    }
    current.clear();
    column_level = false;
  };
  for (char c : text) {
    if (c == '(') {
      ++depth;
      column_level = true;
    } else if (c == ')') {
      --depth;
    } else if (c == ',' && depth == 0) {
      flush();
    } else if (depth == 0) {
      current += c;
    }
  }
  flush();
  return out;
}

// `db` or "db" or db, with the doubled quote undone.
std::string unquote(std::string_view text) {
  if (text.size() >= 2 && (text.front() == '`' || text.front() == '"') && text.back() == text.front()) {
    const char q = text.front();
    std::string out;
    for (std::size_t i = 1; i + 1 < text.size(); ++i) {
      out += text[i];
      if (text[i] == q && i + 2 < text.size() && text[i + 1] == q) {
        ++i;
      }
    }
    return out;
  }
  return std::string(text);
}

// MySQL's LIKE-style database pattern of GRANT: % any run, _ any one character, \ escapes.
bool pattern_matches(std::string_view pattern, std::string_view name) {
  if (pattern.empty()) {
    return name.empty();
  }
  if (pattern.front() == '%') {
    for (std::size_t skip = 0; skip <= name.size(); ++skip) {
      if (pattern_matches(pattern.substr(1), name.substr(skip))) {
        return true;
      }
    }
    return false;
  }
  if (name.empty()) {
    return false;
  }
  if (pattern.front() == '\\' && pattern.size() >= 2) {
    return pattern[1] == name.front() && pattern_matches(pattern.substr(2), name.substr(1));
  }
  return (pattern.front() == '_' || pattern.front() == name.front()) &&
         pattern_matches(pattern.substr(1), name.substr(1));
}

bool contains(const std::vector<std::string>& privileges, const std::string& privilege) {
  // MariaDB 10.5 renamed REPLICATION CLIENT to BINLOG MONITOR; either name grants both.
  auto same = [&privilege](const std::string& held) {
    if (held == privilege || held == "ALL PRIVILEGES") {
      return true;
    }
    const bool binlog = privilege == "BINLOG MONITOR" || privilege == "REPLICATION CLIENT";
    return binlog && (held == "BINLOG MONITOR" || held == "REPLICATION CLIENT");
  };
  return std::any_of(privileges.begin(), privileges.end(), same);
}

}  // namespace

Grants parse_grants(const std::vector<std::string>& lines) {
  Grants grants;
  for (const auto& raw : lines) {
    const std::string line = trim(raw);
    if (upper(line.substr(0, 6)) != "GRANT ") {
      continue;
    }
    const auto on = find_keyword(line, " ON ", 5);
    if (on == std::string::npos) {
      continue;  // GRANT role TO user: the role's privileges are not listed here
    }
    const auto to = find_keyword(line, " TO ", on + 4);
    const std::string object = trim(std::string_view(line).substr(on + 4, to - on - 4));
    const std::string object_upper = upper(object);
    if (object_upper.starts_with("FUNCTION ") || object_upper.starts_with("PROCEDURE ") ||
        object_upper.starts_with("PACKAGE ") || object_upper.starts_with("TABLE ")) {
      continue;
    }
    auto privileges = split_privileges(std::string_view(line).substr(6, on - 6));
    if (object == "*.*") {
      grants.global.insert(grants.global.end(), privileges.begin(), privileges.end());
      continue;
    }
    const auto dot = find_keyword(object, ".");
    if (dot == std::string::npos || object.substr(dot + 1) != "*") {
      continue;  // a table's grant does not cover a whole-database dump
    }
    grants.databases.push_back({unquote(object.substr(0, dot)), std::move(privileges)});
  }
  return grants;
}

bool has_privilege(const Grants& grants, const std::string& privilege, const std::string& database) {
  if (contains(grants.global, privilege)) {
    return true;
  }
  if (database.empty()) {
    return false;
  }
  return std::any_of(grants.databases.begin(), grants.databases.end(), [&](const Grants::OnDatabase& on) {
    return pattern_matches(on.pattern, database) && contains(on.privileges, privilege);
  });
}

std::vector<DoctorFinding> check_privileges(const Grants& grants, ServerFlavour flavour, const std::string& database,
                                            const std::string& account) {
  struct Need {
    const char* privilege;
    bool global_only;
    DoctorStatus if_missing;
    const char* why;
  };
  std::vector<Need> needs = {
      {"SELECT", false, DoctorStatus::warning, N_("the dump reads every table's rows")},
      {"SHOW VIEW", false, DoctorStatus::warning, N_("views are dumped with SHOW CREATE VIEW")},
      {"TRIGGER", false, DoctorStatus::warning, N_("triggers are dumped with SHOW CREATE TRIGGER")},
  };
  if (flavour != ServerFlavour::tidb) {
    needs.push_back({"EVENT", false, DoctorStatus::warning, N_("events are dumped with SHOW CREATE EVENT")});
    needs.push_back({"LOCK TABLES", false, DoctorStatus::note,
                     N_("optional: ifnbackup's single-transaction dump takes no table locks, but mariadb-dump "
                        "or mysqldump without --single-transaction do")});
    needs.push_back({"RELOAD", true, DoctorStatus::note,
                     N_("optional: only FLUSH TABLES WITH READ LOCK needs it, which ifnbackup's single-connection "
                        "snapshot does not take (mariadb-dump --master-data does)")});
    needs.push_back({"PROCESS", true, DoctorStatus::note,
                     N_("optional: lets the account see, in SHOW PROCESSLIST, a long query the backup waits on; "
                        "mysqldump 8.0.21 and later need it for tablespaces")});
  }
  if (flavour == ServerFlavour::mariadb) {
    needs.push_back({"BINLOG MONITOR", true, DoctorStatus::note,
                     N_("optional on MariaDB: the binlog position is read from binlog_snapshot_* without it; "
                        "SHOW MASTER STATUS, the fallback, needs it")});
  } else {
    needs.push_back({"REPLICATION CLIENT", true, DoctorStatus::warning,
                     flavour == ServerFlavour::tidb
                         ? N_("SHOW MASTER STATUS gives the TSO the whole dump reads at")
                         : N_("SHOW MASTER STATUS gives the binlog position recorded for point-in-time recovery")});
  }

  const std::string scope = database.empty() ? "*.*" : fmt::format("`{}`.*", database);
  std::vector<DoctorFinding> findings;
  std::vector<std::string> held;
  for (const auto& need : needs) {
    const std::string on = need.global_only ? "*.*" : scope;
    if (has_privilege(grants, need.privilege, need.global_only ? std::string() : database)) {
      held.push_back(need.privilege);
      continue;
    }
    findings.push_back({"privileges", need.if_missing,
                        trf("the account lacks {} on {}: {}", need.privilege, on, need.why),
                        fmt::format("GRANT {} ON {} TO {};", need.privilege, on, account)});
  }
  if (findings.empty()) {
    findings.push_back(
        {"privileges", DoctorStatus::ok, trf("the account holds everything a consistent dump of {} needs", scope), {}});
  }
  return findings;
}

DoctorFinding check_schema_change_mode(const Grants& grants, ServerFlavour flavour, const std::string& account) {
  if (flavour == ServerFlavour::tidb) {
    return {"schema changes",
            DoctorStatus::ok,
            tr("TiDB documents that a read at the snapshot's TSO (tidb_snapshot) sees the schema of that time, so a "
               "migration during the backup should not break it; not tested here (the tests have no TiDB): run "
               "a backup during a migration on a staging cluster before counting on it"),
            {}};
  }
  const bool mariadb = flavour == ServerFlavour::mariadb;
  const char* privilege = mariadb ? "RELOAD" : "BACKUP_ADMIN";
  const char* hold = mariadb ? "BACKUP STAGE BLOCK_DDL" : "LOCK INSTANCE FOR BACKUP";
  if (has_privilege(grants, privilege, std::string())) {
    return {"schema changes",
            DoctorStatus::ok,
            trf("a table rebuilt or dropped during the backup starts the dump again (--retries); the "
                "account could also hold {} ({}), which ifnbackup does not take: a migration would wait "
                "for the whole dump",
                hold, privilege),
            {}};
  }
  return {"schema changes", DoctorStatus::note,
          trf("a table rebuilt or dropped during the backup starts the dump again (--retries); the account "
              "could not hold {} (it lacks {}), which ifnbackup does not take anyway",
              hold, privilege),
          trf("nothing to do; GRANT {} ON *.* TO {}; only if another tool holds {}", privilege, account, hold)};
}

}  // namespace ifnbackup
