#include "util/shell_word.hpp"

namespace ifnbackup::util {

std::string shell_word(std::string_view word) {
  const std::string_view safe = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+,:@";
  if (!word.empty() && word.find_first_not_of(safe) == std::string_view::npos) {
    return std::string(word);
  }
  std::string out = "'";
  for (char c : word) {
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  out += "'";
  return out;
}

}  // namespace ifnbackup::util
