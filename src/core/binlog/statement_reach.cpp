#include "binlog/statement_reach.hpp"

#include <algorithm>

#include "restore/sql_tokens.hpp"

namespace ifnbackup::binlog {

namespace {

using restore::Token;
using restore::TokenType;

// Enough for the words that say what a statement is (CREATE OR REPLACE DEFINER=`a`@`b` SQL SECURITY
// INVOKER VIEW ...); the rest is read one token at a time.
constexpr std::size_t k_head_tokens = 32;
// The server-wide verdict reads no further than this: a statement's first words.
constexpr std::size_t k_first_bytes = 512;
// Names are compared with the server's databases, 64 characters at most.
constexpr std::size_t k_name_keep = 256;

bool is_name(const Token& token) {
  return token.type == TokenType::identifier || token.type == TokenType::word;
}

bool is_word(const Token& token, std::string_view word) {
  return token.type == TokenType::word && token.text == word;
}

bool is_punct(const Token& token, char c) {
  return token.type == TokenType::punct && token.text.size() == 1 && token.text[0] == c;
}

// As written: a word's own spelling, an identifier unquoted.
const std::string& spelled(const Token& token) {
  return token.type == TokenType::word ? token.raw : token.text;
}

std::optional<std::string> server_wide_from(const std::vector<Token>& head) {
  const auto word = [&head](std::size_t i) -> std::string_view {
    return i < head.size() && head[i].type == TokenType::word ? std::string_view(head[i].text) : std::string_view();
  };
  const std::string_view first = word(0);
  if (first == "GRANT" || first == "REVOKE" || first == "FLUSH" || first == "INSTALL" || first == "UNINSTALL") {
    return std::string(first);
  }
  if (first == "RENAME" && word(1) == "USER") {
    return std::string("RENAME USER");
  }
  if (first == "SET" && (word(1) == "PASSWORD" || (word(1) == "DEFAULT" && word(2) == "ROLE"))) {
    return word(1) == "PASSWORD" ? std::string("SET PASSWORD") : std::string("SET DEFAULT ROLE");
  }
  if (first == "CREATE" || first == "DROP" || first == "ALTER") {
    const std::size_t at = word(1) == "OR" && word(2) == "REPLACE" ? 3 : 1;
    const std::string_view kind = word(at);
    if (kind == "USER" || kind == "ROLE" || kind == "SERVER") {
      return std::string(first) + " " + std::string(kind);
    }
  }
  return std::nullopt;
}

enum class Body { none, view, trigger, routine, event, package };

class ReachReader {
 public:
  void take(Token&& token) {
    if (m_head.size() < k_head_tokens) {
      m_head.push_back(std::move(token));
      return;
    }
    if (!m_decided) {
      decide();
    }
    look(token);
  }

  StatementReach finish() {
    if (!m_decided) {
      decide();
    }
    return std::move(m_reach);
  }

 private:
  void decide() {
    m_decided = true;
    m_reach.server_wide = server_wide_from(m_head);
    if (m_reach.server_wide) {
      m_done = true;
      return;
    }
    std::size_t database_name = 0;  // CREATE/ALTER/DROP DATABASE <name>: its place in the head
    if (!m_head.empty() &&
        (is_word(m_head[0], "CREATE") || is_word(m_head[0], "ALTER") || is_word(m_head[0], "DROP"))) {
      for (std::size_t i = 1; i < m_head.size(); ++i) {
        const Token& t = m_head[i];
        if (is_word(t, "DATABASE") || is_word(t, "SCHEMA")) {
          database_name = i + 1;
          while (database_name < m_head.size() &&
                 (is_word(m_head[database_name], "IF") || is_word(m_head[database_name], "NOT") ||
                  is_word(m_head[database_name], "EXISTS"))) {
            ++database_name;
          }
          break;
        }
        if (is_word(t, "VIEW") || is_word(t, "TRIGGER") || is_word(t, "PROCEDURE") || is_word(t, "FUNCTION") ||
            is_word(t, "EVENT") || is_word(t, "PACKAGE")) {
          m_body = is_word(t, "VIEW")      ? Body::view
                   : is_word(t, "TRIGGER") ? Body::trigger
                   : is_word(t, "EVENT")   ? Body::event
                   : is_word(t, "PACKAGE") ? Body::package
                                           : Body::routine;
          m_body = is_word(m_head[0], "DROP") ? Body::none : m_body;
          break;
        }
        if (is_word(t, "TABLE") || is_word(t, "INDEX") || is_word(t, "SEQUENCE") || is_punct(t, '(')) {
          break;
        }
      }
    }
    if (database_name > 0 && database_name < m_head.size() && is_name(m_head[database_name])) {
      add(spelled(m_head[database_name]));
    }
    for (const Token& token : m_head) {
      look(token);
    }
  }

  bool body_starts(const Token& token) const {
    switch (m_body) {
      case Body::none:
        return false;
      case Body::view:
        return is_word(token, "AS");
      case Body::trigger:
        return is_word(token, "ROW") && m_previous && is_word(*m_previous, "EACH");
      case Body::routine:
        return is_punct(token, '(');
      case Body::event:
        return is_word(token, "DO");
      case Body::package:
        return is_word(token, "AS") || is_word(token, "IS");
    }
    return false;
  }

  void look(const Token& token) {
    if (m_done) {
      return;
    }
    if (body_starts(token)) {
      m_done = true;
      return;
    }
    if (is_name(token) && m_dot && m_qualifier) {
      add(spelled(*m_qualifier));
    }
    m_dot = is_punct(token, '.') && m_previous && is_name(*m_previous);
    if (m_dot) {
      m_qualifier = m_previous;
    }
    m_previous = token;
  }

  void add(const std::string& name) {
    if (std::find(m_reach.names.begin(), m_reach.names.end(), name) == m_reach.names.end()) {
      m_reach.names.push_back(name);
    }
  }

  std::vector<Token> m_head;
  bool m_decided = false;
  bool m_done = false;
  Body m_body = Body::none;
  std::optional<Token> m_previous;
  std::optional<Token> m_qualifier;  // the name before the last '.'
  bool m_dot = false;                // the last token was a '.' after a name
  StatementReach m_reach;
};

}  // namespace

StatementReach statement_reach(std::string_view statement) {
  ReachReader reader;
  restore::Lexer lexer(false, true, k_name_keep);
  const restore::Lexer::Sink sink = [&reader](Token&& token) { reader.take(std::move(token)); };
  lexer.feed(statement, sink);
  lexer.finish(sink);
  return reader.finish();
}

std::optional<std::string> server_wide_statement(std::string_view statement) {
  std::vector<Token> head;
  restore::Lexer lexer(false, true, k_name_keep);
  const restore::Lexer::Sink sink = [&head](Token&& token) {
    if (head.size() < 4) {
      head.push_back(std::move(token));
    }
  };
  lexer.feed(statement.substr(0, k_first_bytes), sink);
  lexer.finish(sink);
  return server_wide_from(head);
}

}  // namespace ifnbackup::binlog
