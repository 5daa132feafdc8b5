#pragma once
// What the splitter's two files share (sql_splitter.cpp reads the input, byte by byte as mysql.cc's
// add_line() does; sql_splitter_statement.cpp holds, streams and hands over the statement being cut).
#include <algorithm>
#include <cstddef>
#include <string_view>

namespace ifnbackup::restore::splitter_text {

constexpr std::string_view k_default_delimiter = ";";
// stream_beyond(): the trailing bytes kept back from the piece sink, for emit() to trim.
constexpr std::size_t k_trailing_junk_keep = 64 * 1024;
// expect_largest(): a statement grows by doubling up to this size, then to the largest at once.
constexpr std::size_t k_room_for_largest_from = 4 * 1024 * 1024;
constexpr std::string_view k_delimiter_command = "delimiter";

// remove_cntrl(): the client drops trailing bytes that are not graphic.
constexpr bool is_trailing_junk(unsigned char c) noexcept {
  return c <= 0x20 || c == 0x7f;
}

enum class Prefix { no, partial, full };

inline Prefix match_prefix(const char* p, std::size_t available, std::string_view word, bool ignore_case) noexcept {
  const std::size_t n = std::min(available, word.size());
  for (std::size_t i = 0; i < n; ++i) {
    char c = p[i];
    if (ignore_case && c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
    if (c != word[i]) {
      return Prefix::no;
    }
  }
  return n == word.size() ? Prefix::full : Prefix::partial;
}

}  // namespace ifnbackup::restore::splitter_text
