#include "restore/statement_policy.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

#include <fmt/format.h>

#include "restore/plain_insert.hpp"
#include "restore/sql_tokens.hpp"

namespace ifnbackup::restore {
namespace {

using Reader = TokenReader;

StatementClass foreign(std::string reason) {
  return StatementClass{StatementKind::foreign, std::move(reason), {}};
}

// A name as written: an identifier's content, a word's own spelling.
const std::string& spelled(const Token& token) {
  return token.type == TokenType::word ? token.raw : token.text;
}

bool is_name(const Token& token) {
  return token.type == TokenType::identifier || token.type == TokenType::word;
}

// The first name qualified by a database (`db`.`name`) from `from` on, except where `allowed`
// says the place is fine (a REFERENCES clause).
std::optional<std::string> qualified_name(const std::vector<Token>& tokens, std::size_t from,
                                          bool allow_after_references) {
  for (std::size_t i = from; i + 2 < tokens.size(); ++i) {
    if (is_name(tokens[i]) && tokens[i + 1].type == TokenType::punct && tokens[i + 1].text == "." &&
        is_name(tokens[i + 2])) {
      if (allow_after_references && i > 0 && tokens[i - 1].type == TokenType::word && tokens[i - 1].text == "REFERENCES") {
        continue;
      }
      return fmt::format("qualified name `{}`.`{}`", spelled(tokens[i]), spelled(tokens[i + 2]));
    }
  }
  return std::nullopt;
}

// The words that read or write files of the server, or stop it: never in a dump, anywhere.
std::optional<std::string> dangerous_word(const std::vector<Token>& tokens, std::size_t from) {
  for (std::size_t i = from; i < tokens.size(); ++i) {
    if (tokens[i].type != TokenType::word) {
      continue;
    }
    const std::string& w = tokens[i].text;
    if (w == "LOAD_FILE" || w == "OUTFILE" || w == "DUMPFILE" || w == "SHUTDOWN") {
      return w;
    }
  }
  return std::nullopt;
}

constexpr std::array<std::string_view, 9> k_dump_session_variables = {
    "SQL_MODE",         "TIME_ZONE",   "CHARACTER_SET_CLIENT", "CHARACTER_SET_RESULTS", "COLLATION_CONNECTION",
    "UNIQUE_CHECKS",    "FOREIGN_KEY_CHECKS", "SQL_NOTES",      "NAMES"};

// SET a = v, b = v ...: session and user variables only; values without calls or subqueries.
StatementClass classify_set(Reader& in, bool ours) {
  if (in.word("GLOBAL") || in.word("PERSIST") || in.word("PERSIST_ONLY")) {
    return foreign("SET GLOBAL");
  }
  if (in.word("PASSWORD") || in.word("ROLE") || in.word("DEFAULT")) {
    return foreign("an account statement (SET PASSWORD / ROLE)");
  }
  if (in.word("TRANSACTION") || in.word("STATEMENT")) {
    return ours ? foreign("SET TRANSACTION / STATEMENT") : StatementClass{StatementKind::session, {}, {}};
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
      return StatementClass{StatementKind::session, {}, {}};
    }
    if (!in.punct(',')) {
      return foreign("an unreadable SET");
    }
  }
}

// What CREATE / DROP name, after their modifiers: TABLE, VIEW, ...; empty when none.
std::string object_word(Reader& in) {
  for (const std::string_view kind : {"TABLE", "VIEW", "TRIGGER", "PROCEDURE", "FUNCTION", "EVENT", "SEQUENCE",
                                      "PACKAGE", "DATABASE", "SCHEMA", "USER", "ROLE", "SERVER", "INDEX",
                                      "TABLESPACE", "LOGFILE"}) {
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
  return StatementClass{object ? StatementKind::object : StatementKind::schema, {}, "DROP " + kind};
}

StatementClass classify_create(Reader& in) {
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
    return foreign("CREATE DATABASE (a dump of several databases)");
  }
  if (kind == "USER" || kind == "ROLE" || kind == "SERVER") {
    return foreign("an account statement (CREATE " + kind + ")");
  }
  if (kind.empty() || kind == "INDEX" || kind == "TABLESPACE" || kind == "LOGFILE") {
    return foreign("CREATE of something a dump never creates");
  }
  if (kind == "PACKAGE") {
    in.word("BODY");
  }
  in.word("IF") && in.word("NOT") && in.word("EXISTS");
  if (auto problem = unqualified_name(in, "CREATE " + kind)) {
    return foreign(*problem);
  }
  if (kind == "TABLE") {
    if (!in.punct('(')) {
      return foreign("CREATE TABLE without a column list (LIKE, AS SELECT)");
    }
    for (std::size_t i = in.position(); i < in.tokens().size(); ++i) {
      const Token& t = in.tokens()[i];
      // (LIKE is fine here: CHECK (c LIKE 'x%'); CREATE TABLE t LIKE u has no column list.)
      if (t.type == TokenType::word && t.text == "SELECT") {
        return foreign("CREATE TABLE ... SELECT");
      }
    }
    if (auto problem = qualified_name(in.tokens(), in.position(), true)) {
      return foreign(*problem);
    }
    return StatementClass{StatementKind::schema, {}, kind};
  }
  if (kind == "SEQUENCE") {
    if (auto problem = qualified_name(in.tokens(), in.position(), false)) {
      return foreign(*problem);
    }
    return StatementClass{StatementKind::schema, {}, kind};
  }
  if (kind == "TRIGGER") {
    // BEFORE|AFTER INSERT|UPDATE|DELETE ON table: the table must be this database's.
    if (!(in.word("BEFORE") || in.word("AFTER")) || !(in.word("INSERT") || in.word("UPDATE") || in.word("DELETE"))) {
      return foreign("an unreadable CREATE TRIGGER");
    }
    if (!in.word("ON")) {
      return foreign("an unreadable CREATE TRIGGER");
    }
    if (auto problem = unqualified_name(in, "CREATE TRIGGER ... ON")) {
      return foreign(*problem);
    }
  }
  // VIEW, TRIGGER, PROCEDURE, FUNCTION, EVENT, PACKAGE: the body runs later, with the rights it
  // was created with; it may name other databases as the source's did.
  return StatementClass{StatementKind::object, {}, kind};
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
  return StatementClass{StatementKind::schema, {}, {}};
}

StatementClass classify_alter(Reader& in) {
  if (in.word("DATABASE") || in.word("SCHEMA")) {
    return classify_alter_database(in);
  }
  in.word("ONLINE") || in.word("IGNORE");
  if (!in.word("TABLE")) {
    return foreign("ALTER of something a dump never alters");
  }
  if (auto problem = unqualified_name(in, "ALTER TABLE")) {
    return foreign(*problem);
  }
  if (in.word("DISABLE") || in.word("ENABLE")) {
    return in.word("KEYS") && in.done() ? StatementClass{StatementKind::schema, {}, {}}
                                        : foreign("ALTER TABLE other than keys");
  }
  if (!in.word("ADD")) {
    return foreign("ALTER TABLE other than keys");
  }
  for (std::size_t i = in.position(); i < in.tokens().size(); ++i) {
    const Token& t = in.tokens()[i];
    if (t.type == TokenType::word && (t.text == "RENAME" || t.text == "DROP" || t.text == "SELECT" ||
                                      t.text == "DISCARD" || t.text == "IMPORT" || t.text == "EXCHANGE")) {
      return foreign("ALTER TABLE ... " + t.text);
    }
  }
  if (auto problem = qualified_name(in.tokens(), in.position(), true)) {
    return foreign(*problem);
  }
  return StatementClass{StatementKind::schema, {}, {}};
}

// VALUES of literals only: numbers, strings, NULL and friends, charset introducers, x'', b''.
StatementClass classify_rows(Reader& in) {
  in.word("IGNORE");
  if (!in.word("INTO")) {
    return foreign("an unreadable INSERT");
  }
  if (auto problem = unqualified_name(in, "INSERT")) {
    return foreign(*problem);
  }
  bool in_values = false;  // column names before VALUES are words too
  for (std::size_t i = in.position(); i < in.tokens().size(); ++i) {
    const Token& t = in.tokens()[i];
    if (t.type == TokenType::variable) {
      return foreign("an INSERT reading a variable");
    }
    if (t.type != TokenType::word) {
      continue;
    }
    const std::string& w = t.text;
    if (w == "VALUES" || w == "VALUE") {
      in_values = true;
      continue;
    }
    const bool literal_word = w == "NULL" || w == "TRUE" || w == "FALSE" || w == "DEFAULT" || w == "X" || w == "B" ||
                              w == "N" || w.starts_with("_");
    if (in_values && !literal_word) {
      return foreign("an INSERT whose values are not literals (" + w + ")");
    }
    if (!in_values && (w == "SELECT" || w == "SET" || w == "TABLE")) {
      return foreign("INSERT ... " + w);
    }
  }
  return in_values ? StatementClass{StatementKind::rows, {}, {}} : foreign("an INSERT without VALUES");
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
    if (t == nullptr || (t->type != TokenType::number && !(t->type == TokenType::word && (t->text == "TRUE" || t->text == "FALSE")))) {
      return foreign("SETVAL with other than numbers");
    }
    in.skip();
  }
  return in.punct(')') && in.done() ? StatementClass{StatementKind::rows, {}, {}}
                                    : foreign("DO / SELECT other than SETVAL of a sequence");
}

StatementClass classify_tokens(const std::vector<Token>& tokens, bool ours) {
  Reader in(tokens);
  if (in.word("SET")) {
    return classify_set(in, ours);
  }
  if (in.word("DROP")) {
    return classify_drop(in);
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
    return classify_setval(in);
  }
  if (!ours) {
    if (in.word("REPLACE")) {
      return classify_rows(in);
    }
    if (in.word("SELECT")) {
      return classify_setval(in);
    }
    if (in.word("LOCK")) {
      if (!(in.word("TABLES") || in.word("TABLE"))) {
        return foreign("LOCK other than TABLES");
      }
      if (auto problem = qualified_name(tokens, in.position(), false)) {
        return foreign(*problem);
      }
      return StatementClass{StatementKind::schema, {}, {}};
    }
    if ((in.word("UNLOCK") && (in.word("TABLES") || in.word("TABLE")) && in.done()) ||
        ((in.word("BEGIN") || in.word("COMMIT") || in.word("ROLLBACK")) && in.done()) ||
        (in.word("START") && in.word("TRANSACTION") && in.done())) {
      return StatementClass{StatementKind::schema, {}, {}};
    }
  }
  if (tokens.front().type == TokenType::word && tokens.front().text == "USE") {
    return foreign("USE (a change of database)");
  }
  if (tokens.front().type == TokenType::word &&
      (tokens.front().text == "GRANT" || tokens.front().text == "REVOKE" || tokens.front().text == "RENAME" ||
       tokens.front().text == "FLUSH" || tokens.front().text == "INSTALL" || tokens.front().text == "KILL")) {
    return foreign(tokens.front().text);
  }
  std::string words;
  for (std::size_t i = 0; i < tokens.size() && i < 3; ++i) {
    words += (words.empty() ? "" : " ") + tokens[i].text;
  }
  return foreign("not a statement a dump writes (" + words + " ...)");
}

}  // namespace

StatementClass classify_statement(std::string_view statement, bool ours, bool ansi_quotes, bool backslash_escapes) {
  std::string_view trimmed = statement;
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.front())) != 0) {
    trimmed.remove_prefix(1);
  }
  if (is_plain_row_insert(trimmed, backslash_escapes)) {
    return StatementClass{StatementKind::rows, {}, {}};
  }
  std::vector<Token> tokens;
  if (!tokenize(statement, ansi_quotes, backslash_escapes, tokens)) {
    return foreign("an unterminated quote or comment");
  }
  if (tokens.empty()) {
    return StatementClass{StatementKind::session, {}, {}};
  }
  StatementClass result = classify_tokens(tokens, ours);
  // A table's definition, its rows and settings never read or write the server's files. (A view,
  // trigger, routine or event body may: it runs later with the rights it was created with.)
  if (result.kind != StatementKind::object && result.kind != StatementKind::foreign) {
    if (auto word = dangerous_word(tokens, 0)) {
      return foreign(*word);
    }
  }
  return result;
}

}  // namespace ifnbackup::restore
