#include "restore/table_filter.hpp"

#include "db/connection.hpp"

#include <cctype>
#include <optional>

namespace ifnbackup::restore {
namespace {

void skip_space(std::string_view& text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
}

// Consumes `word` (ASCII, case-insensitive) and the space after it.
bool take_word(std::string_view& text, std::string_view word) {
  if (text.size() < word.size()) {
    return false;
  }
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(text[i])) != word[i]) {
      return false;
    }
  }
  if (text.size() > word.size() && !std::isspace(static_cast<unsigned char>(text[word.size()])) &&
      text[word.size()] != '`') {
    return false;
  }
  text.remove_prefix(word.size());
  skip_space(text);
  return true;
}

bool take_words(std::string_view& text, std::initializer_list<std::string_view> words) {
  std::string_view rest = text;
  for (const auto word : words) {
    if (!take_word(rest, word)) {
      return false;
    }
  }
  text = rest;
  return true;
}

// A table name: `quoted` (doubled backquotes undone) or bare up to a space, '(' or '*'.
std::optional<std::string> table_name(std::string_view text) {
  if (text.starts_with('`')) {
    std::size_t at = 0;
    return db::parse_quoted_identifier(text, at);
  }
  std::size_t end = 0;
  while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end])) && text[end] != '(' &&
         text[end] != '*') {
    ++end;
  }
  return end == 0 ? std::nullopt : std::optional<std::string>(text.substr(0, end));
}

// The text inside a leading /*!NNNNN version comment, or the text itself.
std::string_view unwrap_version_comment(std::string_view text) {
  if (text.starts_with("/*!")) {
    text.remove_prefix(3);
    while (!text.empty() && std::isdigit(static_cast<unsigned char>(text.front()))) {
      text.remove_prefix(1);
    }
    skip_space(text);
  }
  return text;
}

}  // namespace

bool TableFilter::keep(std::string_view statement) {
  std::string_view text = statement;
  skip_space(text);
  text = unwrap_version_comment(text);
  if (take_word(text, "SET")) {
    return true;
  }
  std::string_view rest = text;
  if (take_words(rest, {"DROP", "TABLE", "IF", "EXISTS"}) || take_words(rest, {"CREATE", "TABLE"}) ||
      take_words(rest, {"INSERT", "INTO"}) || take_words(rest, {"ALTER", "TABLE"})) {
    const auto name = table_name(rest);
    m_current_kept = name && m_tables.contains(*name);
    return m_current_kept;
  }
  rest = text;
  // CREATE [DEFINER=...] TRIGGER name ...: views, routines and events come after every table in
  // our dumps, each after a DROP that ends the kept table, so the word alone tells.
  if (take_word(rest, "CREATE") &&
      (rest.starts_with("TRIGGER ") || rest.find(" TRIGGER ") != std::string_view::npos)) {
    return m_current_kept;
  }
  m_current_kept = false;
  return false;
}

}  // namespace ifnbackup::restore
