#include "util/shell_word.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace ifnbackup::util {

std::string shell_word(std::string_view word) {
  const std::string_view safe = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+,:@";
  if (!word.empty() && word.find_first_not_of(safe) == std::string_view::npos) {
    return std::string(word);
  }
  // A control byte must not reach the terminal raw: $'...' with it as \xHH (bash, zsh, ksh).
  const bool control = std::any_of(word.begin(), word.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) == 0x7f;
  });
  if (control) {
    std::string quoted = "$'";
    for (const char c : word) {
      const auto byte = static_cast<unsigned char>(c);
      quoted += byte < 0x20 || byte == 0x7f ? fmt::format("\\x{:02x}", byte)
                : c == '\'' || c == '\\'    ? std::string{'\\', c}
                                            : std::string(1, c);
    }
    return quoted + "'";
  }
  std::string out = "'";
  for (char c : word) {
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  out += "'";
  return out;
}

}  // namespace ifnbackup::util
