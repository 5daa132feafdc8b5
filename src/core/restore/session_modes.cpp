#include <algorithm>

#include "restore/sql_tokens.hpp"
#include "restore/statement_policy.hpp"

namespace ifnbackup::restore {

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

void SessionModeTracker::forget() noexcept {
  m_mode.reset();
  m_variables.clear();  // a variable never seen is unknown
}

void SessionModeTracker::observe(std::string_view statement) {
  // Only a SET statement changes what is tracked, and a SET statement is short: the tokens are read
  // a piece at a time, and the reading stops at the first token when it is not SET (a 16 MiB INSERT
  // of tiny values made ~70 bytes a token: over a gigabyte). A SET statement of more tokens than
  // kept, or a string longer than kept, makes what it assigns unknown.
  constexpr std::size_t k_piece = 4096;
  constexpr std::size_t k_max_tokens = 4096;
  constexpr std::size_t k_text_keep = 64 * 1024;
  std::vector<Token> tokens;
  bool too_many = false;
  Lexer lexer(ansi_quotes(), backslash_escapes(), k_text_keep);
  const Lexer::Sink sink = [&](Token&& token) {
    if (tokens.size() < k_max_tokens) {
      tokens.push_back(std::move(token));
    } else {
      too_many = true;
    }
  };
  for (std::size_t at = 0; at < statement.size() && !too_many; at += k_piece) {
    lexer.feed(statement.substr(at, k_piece), sink);
    if (!tokens.empty() && !(tokens.front().type == TokenType::word && tokens.front().text == "SET")) {
      return;
    }
  }
  if (too_many) {
    forget();
    return;
  }
  if (!lexer.finish(sink)) {
    return;
  }
  TokenReader in(tokens);
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
        assigned = value->text.size() < k_text_keep ? std::optional<std::string>(upper(value->text)) : std::nullopt;
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
