#include "restore/key_builds.hpp"

#include <vector>

#include "restore/sql_tokens.hpp"

namespace ifnbackup::restore {
namespace {

bool identifier(TokenReader& in) {
  if (const Token* t = in.peek(); t != nullptr && t->type == TokenType::identifier) {
    in.skip();
    return true;
  }
  return false;
}

// "( ... )", balanced: a key's or foreign key's columns (names, prefix lengths, ASC/DESC).
bool parenthesized(TokenReader& in) {
  if (!in.punct('(')) {
    return false;
  }
  for (int depth = 1; depth > 0;) {
    const Token* t = in.peek();
    if (t == nullptr) {
      return false;
    }
    if (t->type == TokenType::punct && t->text == "(") {
      ++depth;
    } else if (t->type == TokenType::punct && t->text == ")") {
      --depth;
    }
    in.skip();
  }
  return true;
}

// [`name`] (columns) [USING BTREE] [COMMENT 'text'] [IGNORED | NOT IGNORED]
bool key_clause(TokenReader& in) {
  identifier(in);
  if (!parenthesized(in)) {
    return false;
  }
  for (;;) {
    if (in.word("USING")) {
      if (!in.word("BTREE")) {
        return false;  // HASH: a long UNIQUE, built by copying the table
      }
    } else if (in.word("COMMENT")) {
      const Token* t = in.peek();
      if (t == nullptr || t->type != TokenType::string) {
        return false;
      }
      in.skip();
    } else if (in.word("NOT")) {
      if (!in.word("IGNORED")) {
        return false;
      }
    } else if (!in.word("IGNORED")) {
      return true;
    }
  }
}

}  // namespace

bool adds_keys_in_place(std::string_view statement, bool ansi_quotes, bool backslash_escapes) {
  std::vector<Token> tokens;
  if (!tokenize(statement, ansi_quotes, backslash_escapes, tokens)) {
    return false;
  }
  TokenReader in(tokens);
  if (!in.word("ALTER") || !in.word("TABLE") || !identifier(in)) {
    return false;
  }
  for (;;) {
    if (!in.word("ADD")) {
      return false;
    }
    bool clause = false;
    if (in.word("UNIQUE")) {
      (void)(in.word("KEY") || in.word("INDEX"));
      clause = key_clause(in);
    } else if (in.word("KEY") || in.word("INDEX")) {
      clause = key_clause(in);
    }
    if (!clause) {
      return false;
    }
    in.punct(';');
    if (in.done()) {
      return true;
    }
    if (!in.punct(',')) {
      return false;
    }
  }
}

}  // namespace ifnbackup::restore
