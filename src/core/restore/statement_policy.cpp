// What the first tokens of a statement say it is (restore/statement_reading.hpp): read with
// look-ahead from a bounded number of them; the checks that read on to the end are TailCheck's.
#include "restore/statement_policy.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include <fmt/format.h>

#include "restore/sql_tokens.hpp"
#include "restore/statement_reading.hpp"

namespace ifnbackup::restore::policy_detail {

StatementClass foreign(std::string reason) {
  return StatementClass{StatementKind::foreign, std::move(reason), {}, {}};
}

const std::string& spelled(const Token& token) {
  return token.type == TokenType::word ? token.raw : token.text;
}

namespace {

using Reader = TokenReader;

HeadReading decided(StatementClass verdict) {
  return HeadReading{std::move(verdict), TailKind::none, 0};
}

HeadReading read_on(TailKind tail, const TokenReader& in, StatementClass passed) {
  return HeadReading{std::move(passed), tail, in.position()};
}

constexpr std::array<std::string_view, 9> k_dump_session_variables = {"SQL_MODE",
                                                                      "TIME_ZONE",
                                                                      "CHARACTER_SET_CLIENT",
                                                                      "CHARACTER_SET_RESULTS",
                                                                      "COLLATION_CONNECTION",
                                                                      "UNIQUE_CHECKS",
                                                                      "FOREIGN_KEY_CHECKS",
                                                                      "SQL_NOTES",
                                                                      "NAMES"};

// SET a = v, b = v ...: session and user variables only; values without calls or subqueries.
StatementClass classify_set(Reader& in, bool ours) {
  if (in.word("GLOBAL") || in.word("PERSIST") || in.word("PERSIST_ONLY")) {
    return foreign("SET GLOBAL");
  }
  if (in.word("PASSWORD") || in.word("ROLE") || in.word("DEFAULT")) {
    return foreign("an account statement (SET PASSWORD / ROLE)");
  }
  if (in.word("TRANSACTION") || in.word("STATEMENT")) {
    return ours ? foreign("SET TRANSACTION / STATEMENT") : StatementClass{StatementKind::session, {}, {}, {}};
  }
  for (;;) {
    in.word("SESSION") || in.word("LOCAL");
    const Token* target = in.peek();
    if (target == nullptr) {
      return foreign("an incomplete SET");
    }
    std::string name;
    if (target->type == TokenType::variable) {
      name = target->text;
      if (name.starts_with("@@")) {
        std::string_view rest = std::string_view(name).substr(2);
        if (rest.starts_with("GLOBAL.") || rest.starts_with("PERSIST")) {
          return foreign("SET GLOBAL");
        }
        for (const std::string_view scope : {"SESSION.", "LOCAL."}) {
          if (rest.starts_with(scope)) {
            rest.remove_prefix(scope.size());
          }
        }
        name = std::string(rest);
      }
      in.skip();
    } else if (target->type == TokenType::word) {
      name = target->text;
      in.skip();
      if (name == "GLOBAL" || name == "PERSIST") {
        return foreign("SET GLOBAL");
      }
      if (name == "CHARACTER" && in.word("SET")) {
        name = "NAMES";
      }
    } else {
      return foreign("an unreadable SET");
    }
    if (!name.starts_with("@") && ours &&
        std::find(k_dump_session_variables.begin(), k_dump_session_variables.end(), name) ==
            k_dump_session_variables.end()) {
      return foreign(fmt::format("SET of {}, which our dumps never set", name));
    }
    if (name == "NAMES") {
      // NAMES charset [COLLATE collation]
      if (!in.name() && in.peek() != nullptr && in.peek()->type == TokenType::string) {
        in.skip();
      }
      if (in.word("COLLATE")) {
        in.skip();
      }
    } else {
      if (!in.punct('=') && !(in.punct(':') && in.punct('='))) {
        return foreign("an unreadable SET");
      }
      // The value: literals, variables, words (ON, DEFAULT); no parenthesis (a call, a subquery).
      for (const Token* t = in.peek(); t != nullptr && !(t->type == TokenType::punct && t->text == ",");
           t = in.peek()) {
        if (t->type == TokenType::punct && t->text != "-" && t->text != "+") {
          return foreign(fmt::format("a SET whose value is an expression ({})", t->text));
        }
        in.skip();
      }
    }
    if (in.done()) {
      return StatementClass{StatementKind::session, {}, {}, {}};
    }
    if (!in.punct(',')) {
      return foreign("an unreadable SET");
    }
  }
}

// What CREATE / DROP name, after their modifiers: TABLE, VIEW, ...; empty when none.
std::string object_word(Reader& in) {
  for (const std::string_view kind :
       {"TABLE", "VIEW", "TRIGGER", "PROCEDURE", "FUNCTION", "EVENT", "SEQUENCE", "PACKAGE", "DATABASE", "SCHEMA",
        "USER", "ROLE", "SERVER", "INDEX", "TABLESPACE", "LOGFILE"}) {
    if (in.word(kind)) {
      return std::string(kind);
    }
  }
  return {};
}

// An unqualified name, or why not.
std::optional<std::string> unqualified_name(Reader& in, std::string_view what) {
  if (!in.name()) {
    return fmt::format("{} without a name", what);
  }
  if (const Token* dot = in.peek(); dot != nullptr && dot->type == TokenType::punct && dot->text == ".") {
    const Token* second = in.peek(1);
    const Token* first = &in.tokens()[in.position() - 1];
    return fmt::format("qualified name `{}`.`{}`", spelled(*first), second != nullptr ? spelled(*second) : "");
  }
  return std::nullopt;
}

StatementClass classify_drop(Reader& in) {
  in.word("TEMPORARY");
  const std::string kind = object_word(in);
  if (kind == "PACKAGE") {
    in.word("BODY");
  }
  if (kind == "DATABASE" || kind == "SCHEMA") {
    return foreign("DROP DATABASE");
  }
  if (kind != "TABLE" && kind != "VIEW" && kind != "TRIGGER" && kind != "PROCEDURE" && kind != "FUNCTION" &&
      kind != "EVENT" && kind != "SEQUENCE" && kind != "PACKAGE") {
    return foreign(kind.empty() ? "DROP of something a dump never drops" : "DROP " + kind);
  }
  in.word("IF") && in.word("EXISTS");
  do {
    if (auto problem = unqualified_name(in, "DROP")) {
      return foreign(*problem);
    }
  } while (in.punct(','));
  in.word("CASCADE") || in.word("RESTRICT");
  if (!in.done()) {
    return foreign("DROP with more than names");
  }
  const bool object = kind != "TABLE" && kind != "SEQUENCE";
  return StatementClass{object ? StatementKind::object : StatementKind::schema, {}, "DROP " + kind, {}};
}

HeadReading classify_create(Reader& in) {
  // Modifiers mysqldump and SHOW CREATE write before the object word.
  for (;;) {
    if (in.word("OR")) {
      in.word("REPLACE");
    } else if (in.word("ALGORITHM") || in.word("DEFINER")) {
      in.punct('=');
      // a word, or user@host: name, variable token (@'host' / @host)
      in.name();
      if (const Token* t = in.peek(); t != nullptr && t->type == TokenType::variable) {
        in.skip();
      } else if (in.punct('(')) {
        in.punct(')');  // CURRENT_USER()
      }
    } else if (in.word("SQL")) {
      in.word("SECURITY");
      in.skip();
    } else if (in.word("AGGREGATE") || in.word("TEMPORARY") || in.word("UNIQUE") || in.word("FULLTEXT") ||
               in.word("SPATIAL")) {
    } else {
      break;
    }
  }
  const std::string kind = object_word(in);
  if (kind == "DATABASE" || kind == "SCHEMA") {
    return decided(foreign("CREATE DATABASE (a dump of several databases)"));
  }
  if (kind == "USER" || kind == "ROLE" || kind == "SERVER") {
    return decided(foreign("an account statement (CREATE " + kind + ")"));
  }
  if (kind.empty() || kind == "INDEX" || kind == "TABLESPACE" || kind == "LOGFILE") {
    return decided(foreign("CREATE of something a dump never creates"));
  }
  if (kind == "PACKAGE") {
    in.word("BODY");
  }
  in.word("IF") && in.word("NOT") && in.word("EXISTS");
  if (auto problem = unqualified_name(in, "CREATE " + kind)) {
    return decided(foreign(*problem));
  }
  if (kind == "TABLE") {
    if (!in.punct('(')) {
      return decided(foreign("CREATE TABLE without a column list (LIKE, AS SELECT)"));
    }
    // (LIKE is fine in the column list: CHECK (c LIKE 'x%'); CREATE TABLE t LIKE u has none.)
    return read_on(TailKind::table_body, in, StatementClass{StatementKind::schema, {}, kind, {}});
  }
  if (kind == "SEQUENCE") {
    return read_on(TailKind::sequence, in, StatementClass{StatementKind::schema, {}, kind, {}});
  }
  if (kind == "TRIGGER") {
    // BEFORE|AFTER INSERT|UPDATE|DELETE ON table: the table must be this database's.
    if (!(in.word("BEFORE") || in.word("AFTER")) || !(in.word("INSERT") || in.word("UPDATE") || in.word("DELETE"))) {
      return decided(foreign("an unreadable CREATE TRIGGER"));
    }
    if (!in.word("ON")) {
      return decided(foreign("an unreadable CREATE TRIGGER"));
    }
    if (auto problem = unqualified_name(in, "CREATE TRIGGER ... ON")) {
      return decided(foreign(*problem));
    }
    return decided(StatementClass{StatementKind::object, {}, kind, spelled(in.tokens()[in.position() - 1])});
  }
  // VIEW, TRIGGER, PROCEDURE, FUNCTION, EVENT, PACKAGE: the body runs later, with the rights it
  // was created with; it may name other databases as the source's did.
  return decided(StatementClass{StatementKind::object, {}, kind, {}});
}

// ALTER DATABASE [DEFAULT] COLLATE [=] name, the database unnamed (the one being restored): our
// dumps switch to the collation a routine was made under and back, as mariadb-dump does.
StatementClass classify_alter_database(Reader& in) {
  in.word("DEFAULT");
  if (!in.word("COLLATE")) {
    return foreign("ALTER DATABASE other than its collation, or of a named database");
  }
  in.punct('=');
  if (!in.name() || !in.done()) {
    return foreign("ALTER DATABASE other than its collation, or of a named database");
  }
  return StatementClass{StatementKind::schema, {}, {}, {}};
}

HeadReading classify_alter(Reader& in) {
  if (in.word("DATABASE") || in.word("SCHEMA")) {
    return decided(classify_alter_database(in));
  }
  in.word("ONLINE") || in.word("IGNORE");
  if (!in.word("TABLE")) {
    return decided(foreign("ALTER of something a dump never alters"));
  }
  if (auto problem = unqualified_name(in, "ALTER TABLE")) {
    return decided(foreign(*problem));
  }
  if (in.word("DISABLE") || in.word("ENABLE")) {
    return decided(in.word("KEYS") && in.done() ? StatementClass{StatementKind::schema, {}, {}, {}}
                                                : foreign("ALTER TABLE other than keys"));
  }
  if (!in.word("ADD")) {
    return decided(foreign("ALTER TABLE other than keys"));
  }
  return read_on(TailKind::alter_add, in, StatementClass{StatementKind::schema, {}, {}, {}});
}

// INSERT [IGNORE] INTO name, then VALUES of literals only (TailKind::rows).
HeadReading classify_rows(Reader& in) {
  in.word("IGNORE");
  if (!in.word("INTO")) {
    return decided(foreign("an unreadable INSERT"));
  }
  if (auto problem = unqualified_name(in, "INSERT")) {
    return decided(foreign(*problem));
  }
  return read_on(TailKind::rows, in, StatementClass{StatementKind::rows, {}, {}, {}});
}

// SETVAL(`seq`, n, 0[, n]) after DO or SELECT.
StatementClass classify_setval(Reader& in) {
  if (!in.word("SETVAL") || !in.punct('(')) {
    return foreign("DO / SELECT other than SETVAL of a sequence");
  }
  if (auto problem = unqualified_name(in, "SETVAL")) {
    return foreign(*problem);
  }
  while (in.punct(',')) {
    in.punct('-');
    const Token* t = in.peek();
    if (t == nullptr ||
        (t->type != TokenType::number && !(t->type == TokenType::word && (t->text == "TRUE" || t->text == "FALSE")))) {
      return foreign("SETVAL with other than numbers");
    }
    in.skip();
  }
  return in.punct(')') && in.done() ? StatementClass{StatementKind::rows, {}, {}, {}}
                                    : foreign("DO / SELECT other than SETVAL of a sequence");
}

}  // namespace

HeadReading read_head(TokenReader& in, bool ours) {
  const std::vector<Token>& tokens = in.tokens();
  if (in.word("SET")) {
    return decided(classify_set(in, ours));
  }
  if (in.word("DROP")) {
    return decided(classify_drop(in));
  }
  if (in.word("CREATE")) {
    return classify_create(in);
  }
  if (in.word("ALTER")) {
    return classify_alter(in);
  }
  if (in.word("INSERT")) {
    return classify_rows(in);
  }
  if (in.word("DO")) {
    return decided(classify_setval(in));
  }
  if (!ours) {
    if (in.word("REPLACE")) {
      return classify_rows(in);
    }
    if (in.word("SELECT")) {
      return decided(classify_setval(in));
    }
    if (in.word("LOCK")) {
      if (!(in.word("TABLES") || in.word("TABLE"))) {
        return decided(foreign("LOCK other than TABLES"));
      }
      return read_on(TailKind::lock, in, StatementClass{StatementKind::schema, {}, {}, {}});
    }
    if ((in.word("UNLOCK") && (in.word("TABLES") || in.word("TABLE")) && in.done()) ||
        ((in.word("BEGIN") || in.word("COMMIT") || in.word("ROLLBACK")) && in.done()) ||
        (in.word("START") && in.word("TRANSACTION") && in.done())) {
      return decided(StatementClass{StatementKind::schema, {}, {}, {}});
    }
  }
  if (tokens.front().type == TokenType::word && tokens.front().text == "USE") {
    return decided(foreign("USE (a change of database)"));
  }
  if (tokens.front().type == TokenType::word &&
      (tokens.front().text == "GRANT" || tokens.front().text == "REVOKE" || tokens.front().text == "RENAME" ||
       tokens.front().text == "FLUSH" || tokens.front().text == "INSTALL" || tokens.front().text == "KILL")) {
    return decided(foreign(tokens.front().text));
  }
  std::string words;
  for (std::size_t i = 0; i < tokens.size() && i < 3; ++i) {
    words += (words.empty() ? "" : " ") + tokens[i].text;
  }
  return decided(foreign("not a statement a dump writes (" + words + " ...)"));
}

bool is_dangerous_word(const Token& token) {
  if (token.type != TokenType::word) {
    return false;
  }
  const std::string& w = token.text;
  return w == "LOAD_FILE" || w == "OUTFILE" || w == "DUMPFILE" || w == "SHUTDOWN";
}

}  // namespace ifnbackup::restore::policy_detail
