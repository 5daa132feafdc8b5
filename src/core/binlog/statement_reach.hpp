#pragma once
// What a statement of the binary log reaches beyond its default database (docs/pitr.md, "What is
// replayed"). mariadb-binlog --database chooses a Query event by its default database only (`USE
// shop` then `INSERT INTO other.t ...` is shop's), and --rewrite-db rewrites that default database,
// never the names in the statement's text: replayed as they are, such statements would change another
// database than the one restored, or with --into and drill --until the source database itself, and
// an account statement (CREATE USER run from `USE shop`) would change the server's accounts. Pure text
// work over restore's lexer; the caller tells a database's name from a table's by the server's list.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ifnbackup::binlog {

struct StatementReach {
  // Not a change of any database: accounts and roles (GRANT, REVOKE, CREATE/ALTER/DROP/RENAME USER or
  // ROLE, SET PASSWORD, SET DEFAULT ROLE), servers, plugins, FLUSH. Its first words, for messages.
  std::optional<std::string> server_wide;
  // The names it may use as a database's: every qualifier of a name (`db`.`t`, db.t.c; a table's name
  // before its column's is one too), and the name of CREATE/ALTER/DROP DATABASE or SCHEMA. In a view,
  // trigger, routine, event or package only the names before its body count: the body runs later,
  // and creating it changes no other database. Each name once, in order, as written (unquoted).
  std::vector<std::string> names;
};

StatementReach statement_reach(std::string_view statement);

// The server-wide verdict alone, from the statement's first words (the replay's check of each
// statement mariadb-binlog prints, however long).
std::optional<std::string> server_wide_statement(std::string_view statement);

}  // namespace ifnbackup::binlog
