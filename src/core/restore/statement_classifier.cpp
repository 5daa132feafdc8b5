// A statement's class from its tokens one at a time, whatever its length (issue 18, item 7): a
// crafted 1 MB gzip can inflate to a statement of a gigabyte, and a vector of all its tokens would
// take some seventy times its size. What is kept: the first k_head_tokens tokens, read with
// look-ahead by statement_policy.cpp, then only the state of the TailCheck that reads on.
#include <cctype>
#include <vector>

#include <fmt/format.h>

#include "restore/plain_insert.hpp"
#include "restore/sql_tokens.hpp"
#include "restore/statement_policy.hpp"
#include "restore/statement_reading.hpp"

namespace ifnbackup::restore {
namespace policy_detail {
namespace {

// Far more than any statement a dump writes needs before it says what it is (a SET of a dozen
// variables, a DROP of one name); a longer beginning is refused, not read.
constexpr std::size_t k_head_tokens = 4096;
// Every word and name the policy compares or quotes is shorter; a longer text is only quoted.
constexpr std::size_t k_token_text_keep = 256;

bool is_name(const Token& token) {
  return token.type == TokenType::identifier || token.type == TokenType::word;
}

bool is_word(const Token& token, std::string_view word) {
  return token.type == TokenType::word && token.text == word;
}

}  // namespace

TailCheck::TailCheck(TailKind kind, StatementClass passed, const Token* before)
    : m_kind(kind), m_passed(std::move(passed)) {
  if (before != nullptr) {
    m_before = *before;
  }
}

// The first name qualified by a database (`db`.`name`), except right after REFERENCES where a
// foreign key may name another database's table.
void TailCheck::look_for_qualified_name(const Token& token) {
  const std::uint64_t at = m_fed;  // this token's place among those fed
  if (!m_refused && at >= 2) {
    const Token& first = m_recent[(at - 2) % 3];
    const Token& dot = m_recent[(at - 1) % 3];
    if (is_name(first) && dot.type == TokenType::punct && dot.text == "." && is_name(token)) {
      const Token* previous = at >= 3 ? &m_recent[(at - 3) % 3] : (m_before ? &*m_before : nullptr);
      const bool after_references = (m_kind == TailKind::table_body || m_kind == TailKind::alter_add) &&
                                    previous != nullptr && is_word(*previous, "REFERENCES");
      if (!after_references) {
        m_refused = fmt::format("qualified name `{}`.`{}`", spelled(first), spelled(token));
      }
    }
  }
  m_recent[at % 3] = token;
}

void TailCheck::take(const Token& token) {
  switch (m_kind) {
    case TailKind::none:
      break;
    case TailKind::table_body:
      if (!m_refused_word && is_word(token, "SELECT")) {
        m_refused_word = "CREATE TABLE ... SELECT";
      }
      look_for_qualified_name(token);
      break;
    case TailKind::alter_add:
      if (!m_refused_word && token.type == TokenType::word &&
          (token.text == "RENAME" || token.text == "DROP" || token.text == "SELECT" || token.text == "DISCARD" ||
           token.text == "IMPORT" || token.text == "EXCHANGE")) {
        m_refused_word = "ALTER TABLE ... " + token.text;
      }
      look_for_qualified_name(token);
      break;
    case TailKind::sequence:
    case TailKind::lock:
      look_for_qualified_name(token);
      break;
    case TailKind::rows:
      // The first token that is not a literal decides; column names before VALUES are words too.
      if (m_refused) {
        break;
      }
      if (token.type == TokenType::variable) {
        m_refused = "an INSERT reading a variable";
      } else if (token.type == TokenType::word) {
        const std::string& w = token.text;
        if (w == "VALUES" || w == "VALUE") {
          m_in_values = true;
        } else if (m_in_values) {
          const bool literal_word = w == "NULL" || w == "TRUE" || w == "FALSE" || w == "DEFAULT" || w == "X" ||
                                    w == "B" || w == "N" || w.starts_with("_");
          if (!literal_word) {
            m_refused = "an INSERT whose values are not literals (" + w + ")";
          }
        } else if (w == "SELECT" || w == "SET" || w == "TABLE") {
          m_refused = "INSERT ... " + w;
        }
      }
      break;
  }
  ++m_fed;
}

StatementClass TailCheck::verdict() const {
  if (m_refused_word) {
    return foreign(*m_refused_word);
  }
  if (m_refused) {
    return foreign(*m_refused);
  }
  if (m_kind == TailKind::rows && !m_in_values) {
    return foreign("an INSERT without VALUES");
  }
  return m_passed;
}

namespace {

// The tokens of one statement, in order: the first ones kept until they say what it is, the rest
// fed to the check they ask for; words that touch the server's files looked for throughout.
class TokenClassifier {
 public:
  explicit TokenClassifier(bool ours) : m_ours(ours) {}

  void take(Token&& token) {
    if (!m_dangerous && is_dangerous_word(token)) {
      m_dangerous = token.text;
    }
    if (m_count++ == 0 && token.type == TokenType::word) {
      m_first_word = token.text;
    }
    if (!m_head_read) {
      if (m_head.size() < k_head_tokens) {
        m_head.push_back(std::move(token));
        return;
      }
      read_first_tokens(true);
    }
    if (m_tail) {
      m_tail->take(token);
    }
  }

  // `lexed_whole`: false when the text ended inside a quote or comment.
  StatementClass finish(bool lexed_whole) {
    if (!lexed_whole) {
      return foreign("an unterminated quote or comment");
    }
    if (m_count == 0) {
      return StatementClass{StatementKind::session, {}, {}, {}};
    }
    if (!m_head_read) {
      read_first_tokens(false);
    }
    if (m_head_too_long) {
      return foreign(
          fmt::format("a{} statement whose first {} tokens do not say what it does (no dump writes one "
                      "so long)",
                      m_first_word.empty() ? "" : " " + m_first_word, k_head_tokens));
    }
    StatementClass result = m_tail ? m_tail->verdict() : m_reading.verdict;
    // A table's definition, its rows and settings never read or write the server's files. (A view,
    // trigger, routine or event body may: it runs later with the rights it was created with.)
    if (result.kind != StatementKind::object && result.kind != StatementKind::foreign && m_dangerous) {
      return foreign(*m_dangerous);
    }
    return result;
  }

  const std::string& first_word() const noexcept { return m_first_word; }

 private:
  // `more_follow`: the head is full and more tokens come, so what lies past it is unknown.
  void read_first_tokens(bool more_follow) {
    m_head_read = true;
    TokenReader in(m_head, more_follow);
    m_reading = read_head(in, m_ours);
    m_head_too_long = in.looked_past_end();
    if (!m_head_too_long && m_reading.tail != TailKind::none) {
      const std::size_t from = m_reading.from;
      m_tail.emplace(m_reading.tail, m_reading.verdict, from > 0 ? &m_head[from - 1] : nullptr);
      for (std::size_t i = from; i < m_head.size(); ++i) {
        m_tail->take(m_head[i]);
      }
    }
    m_head = {};
  }

  bool m_ours;
  std::vector<Token> m_head;
  std::uint64_t m_count = 0;
  std::string m_first_word;
  bool m_head_read = false;
  bool m_head_too_long = false;
  HeadReading m_reading;
  std::optional<TailCheck> m_tail;
  std::optional<std::string> m_dangerous;
};

}  // namespace
}  // namespace policy_detail

StatementClass classify_statement(std::string_view statement, bool ours, bool ansi_quotes, bool backslash_escapes) {
  std::string_view trimmed = statement;
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.front())) != 0) {
    trimmed.remove_prefix(1);
  }
  if (is_plain_row_insert(trimmed, backslash_escapes)) {
    return StatementClass{StatementKind::rows, {}, {}, {}};
  }
  policy_detail::TokenClassifier tokens(ours);
  Lexer lexer(ansi_quotes, backslash_escapes, policy_detail::k_token_text_keep);
  const Lexer::Sink sink = [&tokens](Token&& token) { tokens.take(std::move(token)); };
  lexer.feed(statement, sink);
  const bool whole = lexer.finish(sink);
  return tokens.finish(whole);
}

// Both readings at once, since the plain check may fail only at the statement's last byte, when the
// tokens before it are gone.
struct StatementClassifier::State {
  State(bool ours, bool ansi_quotes, bool backslash_escapes)
      : plain(backslash_escapes),
        tokens(ours),
        lexer(ansi_quotes, backslash_escapes, policy_detail::k_token_text_keep),
        sink([this](Token&& token) { tokens.take(std::move(token)); }) {}

  PlainInsertCheck plain;
  bool started = false;  // past the leading whitespace the plain check does not read
  policy_detail::TokenClassifier tokens;
  Lexer lexer;
  Lexer::Sink sink;
};

StatementClassifier::StatementClassifier(bool ours, bool ansi_quotes, bool backslash_escapes)
    : m_state(std::make_unique<State>(ours, ansi_quotes, backslash_escapes)) {}

StatementClassifier::~StatementClassifier() = default;

void StatementClassifier::feed(std::string_view piece) {
  State& s = *m_state;
  s.lexer.feed(piece, s.sink);
  if (!s.started) {
    while (!piece.empty() && std::isspace(static_cast<unsigned char>(piece.front())) != 0) {
      piece.remove_prefix(1);
    }
    s.started = !piece.empty();
  }
  s.plain.feed(piece);
}

StatementClass StatementClassifier::finish() {
  State& s = *m_state;
  const bool whole = s.lexer.finish(s.sink);
  if (s.plain.finish()) {
    return StatementClass{StatementKind::rows, {}, {}, {}};
  }
  return s.tokens.finish(whole);
}

const std::string& StatementClassifier::first_word() const noexcept {
  return m_state->tokens.first_word();
}

}  // namespace ifnbackup::restore
