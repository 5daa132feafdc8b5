#include "restore/statement_words.hpp"

#include <cctype>

namespace ifnbackup::restore {
namespace {

void skip_space(std::string_view& text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
}

// Moves `at` past white space and /* */ comments (the server reads either between two words).
void skip_gap(std::string_view text, std::size_t& at) {
  while (at < text.size()) {
    if (std::isspace(static_cast<unsigned char>(text[at]))) {
      ++at;
    } else if (text.substr(at, 2) == "/*" && text.substr(at, 3) != "/*!") {
      const auto end = text.find("*/", at + 2);
      if (end == std::string_view::npos) {
        return;
      }
      at = end + 2;
    } else {
      return;
    }
  }
}

}  // namespace

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

std::string_view unwrap_version_comment(std::string_view text) {
  skip_space(text);
  if (text.starts_with("/*!")) {
    text.remove_prefix(3);
    while (!text.empty() && std::isdigit(static_cast<unsigned char>(text.front()))) {
      text.remove_prefix(1);
    }
    skip_space(text);
  }
  return text;
}

bool contains_any_case(std::string_view text, std::string_view phrase) {
  for (std::size_t start = 0; start < text.size(); ++start) {
    std::size_t at = start;
    std::size_t matched = 0;
    for (; matched < phrase.size(); ++matched) {
      if (phrase[matched] == ' ') {
        const std::size_t gap = at;
        skip_gap(text, at);
        if (at == gap) {
          break;
        }
      } else if (at < text.size() && std::toupper(static_cast<unsigned char>(text[at])) == phrase[matched]) {
        ++at;
      } else {
        break;
      }
    }
    if (matched == phrase.size()) {
      return true;
    }
  }
  return false;
}

bool is_session_setting(std::string_view statement) {
  std::string_view text = unwrap_version_comment(statement);
  return take_word(text, "SET");
}

bool switches_database(std::string_view statement) {
  skip_space(statement);
  std::string_view text = statement;
  return take_word(text, "USE") || take_words(text, {"CREATE", "DATABASE"}) || take_words(text, {"CREATE", "SCHEMA"});
}

}  // namespace ifnbackup::restore
