#include "restore/statement_policy.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

#include <fmt/format.h>

namespace ifnbackup::restore {
namespace {

enum class TokenType { word, number, identifier, string, variable, punct };

struct Token {
  TokenType type = TokenType::punct;
  std::string text;  // word: upper-cased; identifier/string: content, unquoted; else as written
  std::string raw;   // word: as written (for messages)
};

bool is_word_char(unsigned char c) noexcept {
  return std::isalnum(c) != 0 || c == '_' || c == '$' || c >= 0x80;
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

// The statement as the server's lexer sees it, roughly: enough to name what a statement does.
// Executable comments (/*!NNNNN ... */, /*M!NNNNN ... */) count as code; hints /*+ */ as nothing.
class Lexer {
 public:
  Lexer(std::string_view text, bool ansi_quotes, bool backslash_escapes)
      : m_text(text), m_ansi_quotes(ansi_quotes), m_backslash_escapes(backslash_escapes) {}

  // False when the text cannot be read (an unterminated quote).
  bool run(std::vector<Token>& out) {
    while (m_at < m_text.size()) {
      const auto c = static_cast<unsigned char>(m_text[m_at]);
      if (std::isspace(c) != 0) {
        ++m_at;
      } else if (starts("/*!") || starts("/*M!")) {
        m_at += starts("/*M!") ? 4 : 3;
        while (m_at < m_text.size() && std::isdigit(static_cast<unsigned char>(m_text[m_at])) != 0) {
          ++m_at;
        }
      } else if (starts("/*")) {
        const std::size_t end = m_text.find("*/", m_at + 2);
        if (end == std::string_view::npos) {
          return false;
        }
        m_at = end + 2;
      } else if (starts("*/")) {
        m_at += 2;
      } else if (c == '\'' || (c == '"' && !m_ansi_quotes)) {
        std::string content;
        if (!quoted(static_cast<char>(c), m_backslash_escapes, content)) {
          return false;
        }
        out.push_back(Token{TokenType::string, std::move(content), {}});
      } else if (c == '`' || c == '"') {
        std::string content;
        if (!quoted(static_cast<char>(c), false, content)) {
          return false;
        }
        out.push_back(Token{TokenType::identifier, std::move(content), {}});
      } else if (c == '@') {
        const std::size_t start = m_at;
        while (m_at < m_text.size() && m_text[m_at] == '@') {
          ++m_at;
        }
        if (m_at < m_text.size() && (m_text[m_at] == '`' || m_text[m_at] == '\'' || m_text[m_at] == '"')) {
          std::string content;
          // @'x' and @"x" are read like strings (backslash escapes as the session has them), @`x` like a name.
          const char quote = m_text[m_at];
          const bool escapes = quote != '`' && m_backslash_escapes && !(quote == '"' && m_ansi_quotes);
          if (!quoted(quote, escapes, content)) {
            return false;
          }
          out.push_back(Token{TokenType::variable, std::string(m_text.substr(start, 1)) + upper(content), {}});
          continue;
        }
        // @@session.sql_mode, @@GLOBAL.x: the scope and the name, one token.
        while (m_at < m_text.size() &&
               (is_word_char(static_cast<unsigned char>(m_text[m_at])) || m_text[m_at] == '.')) {
          ++m_at;
        }
        out.push_back(Token{TokenType::variable, upper(m_text.substr(start, m_at - start)), {}});
      } else if (std::isdigit(c) != 0 || (c == '.' && m_at + 1 < m_text.size() &&
                                          std::isdigit(static_cast<unsigned char>(m_text[m_at + 1])) != 0 &&
                                          (out.empty() || out.back().type == TokenType::punct))) {
        const std::size_t start = m_at;
        while (m_at < m_text.size()) {
          const char d = m_text[m_at];
          const bool exponent_sign = (d == '+' || d == '-') && m_at > start &&
                                     (m_text[m_at - 1] == 'e' || m_text[m_at - 1] == 'E') &&
                                     m_text[start] != '0';
          if (is_word_char(static_cast<unsigned char>(d)) || d == '.' || exponent_sign) {
            ++m_at;
          } else {
            break;
          }
        }
        out.push_back(Token{TokenType::number, std::string(m_text.substr(start, m_at - start)), {}});
      } else if (is_word_char(c)) {
        const std::size_t start = m_at;
        while (m_at < m_text.size() && is_word_char(static_cast<unsigned char>(m_text[m_at]))) {
          ++m_at;
        }
        const std::string_view word = m_text.substr(start, m_at - start);
        out.push_back(Token{TokenType::word, upper(word), std::string(word)});
      } else {
        out.push_back(Token{TokenType::punct, std::string(1, static_cast<char>(c)), {}});
        ++m_at;
      }
    }
    return true;
  }

 private:
  bool starts(std::string_view prefix) const noexcept { return m_text.substr(m_at).starts_with(prefix); }

  bool quoted(char quote, bool escapes, std::string& content) {
    ++m_at;
    while (m_at < m_text.size()) {
      const char c = m_text[m_at];
      if (escapes && c == '\\' && m_at + 1 < m_text.size()) {
        content.push_back(m_text[m_at + 1]);
        m_at += 2;
      } else if (c == quote) {
        if (m_at + 1 < m_text.size() && m_text[m_at + 1] == quote) {
          content.push_back(quote);
          m_at += 2;
        } else {
          ++m_at;
          return true;
        }
      } else {
        content.push_back(c);
        ++m_at;
      }
    }
    return false;
  }

  std::string_view m_text;
  std::size_t m_at = 0;
  bool m_ansi_quotes;
  bool m_backslash_escapes;
};

// Reads tokens with look-ahead; every check below is written against it.
class Reader {
 public:
  explicit Reader(const std::vector<Token>& tokens) : m_tokens(tokens) {}
  bool done() const noexcept { return m_at >= m_tokens.size(); }
  const Token* peek(std::size_t ahead = 0) const noexcept {
    return m_at + ahead < m_tokens.size() ? &m_tokens[m_at + ahead] : nullptr;
  }
  bool word(std::string_view w) {
    if (const Token* t = peek(); t != nullptr && t->type == TokenType::word && t->text == w) {
      ++m_at;
      return true;
    }
    return false;
  }
  bool punct(char p) {
    if (const Token* t = peek(); t != nullptr && t->type == TokenType::punct && t->text.size() == 1 &&
                                 t->text[0] == p) {
      ++m_at;
      return true;
    }
    return false;
  }
  // A name: an identifier or a word. nullopt when the next token is neither.
  std::optional<std::string> name() {
    if (const Token* t = peek(); t != nullptr && (t->type == TokenType::identifier || t->type == TokenType::word)) {
      ++m_at;
      return t->text;
    }
    return std::nullopt;
  }
  void skip() noexcept { ++m_at; }
  std::size_t position() const noexcept { return m_at; }
  const std::vector<Token>& tokens() const noexcept { return m_tokens; }

 private:
  const std::vector<Token>& m_tokens;
  std::size_t m_at = 0;
};

StatementClass foreign(std::string reason) {
  return StatementClass{StatementKind::foreign, std::move(reason)};
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
    return ours ? foreign("SET TRANSACTION / STATEMENT") : StatementClass{StatementKind::session, {}};
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
      return StatementClass{StatementKind::session, {}};
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
  return StatementClass{object ? StatementKind::object : StatementKind::schema, {}};
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
    return StatementClass{StatementKind::schema, {}};
  }
  if (kind == "SEQUENCE") {
    if (auto problem = qualified_name(in.tokens(), in.position(), false)) {
      return foreign(*problem);
    }
    return StatementClass{StatementKind::schema, {}};
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
  return StatementClass{StatementKind::object, {}};
}

StatementClass classify_alter(Reader& in) {
  in.word("ONLINE") || in.word("IGNORE");
  if (!in.word("TABLE")) {
    return foreign("ALTER of something a dump never alters");
  }
  if (auto problem = unqualified_name(in, "ALTER TABLE")) {
    return foreign(*problem);
  }
  if (in.word("DISABLE") || in.word("ENABLE")) {
    return in.word("KEYS") && in.done() ? StatementClass{StatementKind::schema, {}}
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
  return StatementClass{StatementKind::schema, {}};
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
  return in_values ? StatementClass{StatementKind::rows, {}} : foreign("an INSERT without VALUES");
}

// The common case, without tokens: `INSERT INTO `t` [(`a`,...)] VALUES (...),(...)` with literal
// values only (what our dumper and mariadb-dump write). False means "look closer", not "refuse".
bool is_plain_row_insert(std::string_view s, bool backslash_escapes) {
  std::size_t i = 0;
  const auto literal = [&](std::string_view text) {
    if (s.substr(i, text.size()) != text) {
      return false;
    }
    i += text.size();
    return true;
  };
  const auto backquoted = [&]() {
    if (i >= s.size() || s[i] != '`') {
      return false;
    }
    for (++i; i < s.size(); ++i) {
      if (s[i] == '`') {
        if (i + 1 < s.size() && s[i + 1] == '`') {
          ++i;
          continue;
        }
        ++i;
        return true;
      }
    }
    return false;
  };
  if (!literal("INSERT INTO ") || !backquoted()) {
    return false;
  }
  if (literal(" (")) {
    do {
      if (!backquoted()) {
        return false;
      }
    } while (literal(","));
    if (!literal(")")) {
      return false;
    }
  }
  if (!literal(" VALUES ") && !literal(" VALUES")) {
    return false;
  }
  do {
    if (!literal("(")) {
      return false;
    }
    do {
      if (literal("NULL")) {
        continue;
      }
      literal("_binary ");
      if (i < s.size() && s[i] == '\'') {
        for (++i;; ++i) {
          const std::size_t stop = s.find_first_of(backslash_escapes ? "\\'" : "'", i);
          if (stop == std::string_view::npos) {
            return false;
          }
          i = stop;
          if (s[i] == '\\') {
            ++i;  // the escaped byte
            continue;
          }
          if (i + 1 < s.size() && s[i + 1] == '\'') {
            ++i;  // '' inside
            continue;
          }
          ++i;
          break;
        }
        continue;
      }
      const std::size_t start = i;
      if (literal("0x")) {
        while (i < s.size() && std::isxdigit(static_cast<unsigned char>(s[i])) != 0) {
          ++i;
        }
      } else {
        while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) != 0 || s[i] == '-' || s[i] == '+' ||
                                s[i] == '.' || s[i] == 'e' || s[i] == 'E')) {
          ++i;
        }
      }
      if (i == start) {
        return false;
      }
    } while (literal(","));
    if (!literal(")")) {
      return false;
    }
  } while (literal(","));
  return i == s.size();
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
  return in.punct(')') && in.done() ? StatementClass{StatementKind::rows, {}}
                                    : foreign("DO / SELECT other than SETVAL of a sequence");
}

StatementClass classify_tokens(const std::vector<Token>& tokens, bool ours);

}  // namespace

StatementClass classify_statement(std::string_view statement, bool ours, bool ansi_quotes, bool backslash_escapes) {
  std::string_view trimmed = statement;
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.front())) != 0) {
    trimmed.remove_prefix(1);
  }
  if (is_plain_row_insert(trimmed, backslash_escapes)) {
    return StatementClass{StatementKind::rows, {}};
  }
  std::vector<Token> tokens;
  if (!Lexer(statement, ansi_quotes, backslash_escapes).run(tokens)) {
    return foreign("an unterminated quote or comment");
  }
  if (tokens.empty()) {
    return StatementClass{StatementKind::session, {}};
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

namespace {

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
      return StatementClass{StatementKind::schema, {}};
    }
    if ((in.word("UNLOCK") && (in.word("TABLES") || in.word("TABLE")) && in.done()) ||
        ((in.word("BEGIN") || in.word("COMMIT") || in.word("ROLLBACK")) && in.done()) ||
        (in.word("START") && in.word("TRANSACTION") && in.done())) {
      return StatementClass{StatementKind::schema, {}};
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

namespace {

bool mode_has(const std::string& mode, std::string_view flag) {
  // sql_mode is a comma-separated list; ANSI, ORACLE, ... imply ANSI_QUOTES.
  std::size_t start = 0;
  while (start <= mode.size()) {
    const std::size_t end = std::min(mode.find(',', start), mode.size());
    const std::string_view item = std::string_view(mode).substr(start, end - start);
    if (item == flag) {
      return true;
    }
    if (flag == "ANSI_QUOTES" && (item == "ANSI" || item == "ORACLE" || item == "POSTGRESQL" || item == "MSSQL" ||
                                  item == "DB2" || item == "MAXDB")) {
      return true;
    }
    start = end + 1;
  }
  return false;
}

}  // namespace

bool SessionModeTracker::ansi_quotes() const noexcept {
  return m_mode && mode_has(*m_mode, "ANSI_QUOTES");
}

bool SessionModeTracker::backslash_escapes() const noexcept {
  return !(m_mode && mode_has(*m_mode, "NO_BACKSLASH_ESCAPES"));
}

void SessionModeTracker::observe(std::string_view statement) {
  std::vector<Token> tokens;
  if (!Lexer(statement, ansi_quotes(), backslash_escapes()).run(tokens)) {
    return;
  }
  Reader in(tokens);
  if (!in.word("SET")) {
    return;
  }
  in.word("SESSION") || in.word("LOCAL");
  const auto is_sql_mode = [](const Token& t) {
    return (t.type == TokenType::word && t.text == "SQL_MODE") ||
           (t.type == TokenType::variable &&
            (t.text == "@@SQL_MODE" || t.text == "@@SESSION.SQL_MODE" || t.text == "@@LOCAL.SQL_MODE"));
  };
  // Each assignment: target = one token (a literal, @@sql_mode, @var); anything else is unknown.
  while (!in.done()) {
    in.word("SESSION") || in.word("LOCAL");
    const Token* target = in.peek();
    if (target == nullptr) {
      return;
    }
    in.skip();
    if (!in.punct('=')) {
      return;
    }
    const Token* value = in.peek();
    std::optional<std::string> assigned;
    if (value != nullptr) {
      in.skip();
      if (value->type == TokenType::string) {
        assigned = upper(value->text);
      } else if (is_sql_mode(*value)) {
        assigned = m_mode;
      } else if (value->type == TokenType::variable && !value->text.starts_with("@@")) {
        const auto found = m_variables.find(value->text);
        assigned = found == m_variables.end() ? std::nullopt : found->second;
      } else if (value->type == TokenType::word && value->text == "DEFAULT") {
        assigned = std::nullopt;  // the server's default: not known here
      }
    }
    const bool simple = in.done() || in.punct(',');
    if (is_sql_mode(*target)) {
      m_mode = simple ? assigned : std::nullopt;
    } else if (target->type == TokenType::variable && !target->text.starts_with("@@")) {
      m_variables[target->text] = simple ? assigned : std::nullopt;
    }
    if (!simple) {
      return;
    }
  }
}

}  // namespace ifnbackup::restore
