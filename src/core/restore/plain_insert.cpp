#include "restore/plain_insert.hpp"

#include <cctype>

namespace ifnbackup::restore {

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

}  // namespace ifnbackup::restore
