#include "sql/text.hpp"

#include <algorithm>
#include <array>

namespace ifnbackup::sql {

namespace {

// The letter after the backslash for each byte that is escaped (mysql_real_escape_string's set), 0 for
// the others: one load per byte, where a switch compared each byte with seven (every value of a dump
// goes through here).
constexpr std::array<char, 256> k_escapes = [] {
  std::array<char, 256> table{};
  table[static_cast<unsigned char>('\0')] = '0';
  table[static_cast<unsigned char>('\n')] = 'n';
  table[static_cast<unsigned char>('\r')] = 'r';
  table[static_cast<unsigned char>('\\')] = '\\';
  table[static_cast<unsigned char>('\'')] = '\'';
  table[static_cast<unsigned char>('"')] = '"';
  table[static_cast<unsigned char>('\x1a')] = 'Z';
  return table;
}();

}  // namespace

void append_quoted_string(std::string& out, std::string_view text) {
  out.push_back('\'');
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char replacement = k_escapes[static_cast<unsigned char>(text[i])];
    if (replacement == 0) {
      continue;
    }
    out.append(text.data() + start, i - start);
    out.push_back('\\');
    out.push_back(replacement);
    start = i + 1;
  }
  out.append(text.data() + start, text.size() - start);
  out.push_back('\'');
}

std::string quote_string(std::string_view text) {
  std::string out;
  append_quoted_string(out, text);
  return out;
}

std::string quote_identifier(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 2);
  out.push_back('`');
  for (char c : name) {
    if (c == '`') {
      out.push_back('`');
    }
    out.push_back(c);
  }
  out.push_back('`');
  return out;
}

std::optional<std::string> parse_quoted_identifier(std::string_view text, std::size_t& at) {
  if (at >= text.size() || text[at] != '`') {
    return std::nullopt;
  }
  std::string name;
  for (std::size_t i = at + 1; i < text.size(); ++i) {
    if (text[i] != '`') {
      name.push_back(text[i]);
    } else if (i + 1 < text.size() && text[i + 1] == '`') {
      name.push_back('`');
      ++i;
    } else {
      at = i + 1;
      return name;
    }
  }
  return std::nullopt;
}

std::size_t identifier_length(std::string_view name) {
  return static_cast<std::size_t>(
      std::count_if(name.begin(), name.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; }));
}

bool is_plain_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace ifnbackup::sql
