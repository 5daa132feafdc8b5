#pragma once
// The two halves of restore/statement_policy's reading of a statement's tokens, so that neither
// needs all of them at once: the first tokens say what the statement is (statement_policy.cpp,
// read with look-ahead), and for some statements a check reads every token after them, one at a
// time, to the end (statement_classifier.cpp).
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "restore/sql_tokens.hpp"
#include "restore/statement_policy.hpp"

namespace ifnbackup::restore::policy_detail {

// What the tokens after a statement's first ones must pass.
enum class TailKind {
  none,        // nothing: the first tokens decided
  table_body,  // CREATE TABLE's (...): no SELECT, no other database's name but after REFERENCES
  sequence,    // CREATE SEQUENCE's options: no other database's name
  alter_add,   // ALTER TABLE ... ADD: keys only, no other database's name but after REFERENCES
  lock,        // LOCK TABLES: no other database's name
  rows,        // INSERT's columns and VALUES: literals only
};

// What the first tokens of a statement say: its class, or the check the rest must pass from token
// `from` on (counted from the statement's first), and the class when it passes.
struct HeadReading {
  StatementClass verdict;
  TailKind tail = TailKind::none;
  std::size_t from = 0;
};

HeadReading read_head(TokenReader& in, bool ours);

StatementClass foreign(std::string reason);
// A name as written: an identifier's content, a word's own spelling.
const std::string& spelled(const Token& token);

// Found anywhere in a table's definition, rows or settings, these words read or write the server's
// files, or stop it: LOAD_FILE, OUTFILE, DUMPFILE, SHUTDOWN.
bool is_dangerous_word(const Token& token);

// The check of TailKind, fed each token from `from` to the end.
class TailCheck {
 public:
  // `before`: the token right before the first one fed, if any (a name right after REFERENCES).
  TailCheck(TailKind kind, StatementClass passed, const Token* before);
  void take(const Token& token);
  StatementClass verdict() const;

 private:
  void look_for_qualified_name(const Token& token);

  TailKind m_kind;
  StatementClass m_passed;
  std::optional<std::string> m_refused;  // the first reason found
  // CREATE TABLE ... SELECT and ALTER TABLE ... DROP come before a qualified name, wherever they are.
  std::optional<std::string> m_refused_word;
  bool m_in_values = false;
  // The last three tokens fed (a ring, by count), for `db`.`name`, and the one before the first.
  std::array<Token, 3> m_recent;
  std::optional<Token> m_before;
  std::uint64_t m_fed = 0;
};

}  // namespace ifnbackup::restore::policy_detail
