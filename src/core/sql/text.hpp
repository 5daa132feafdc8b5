#pragma once
// SQL text, pure: quoting identifiers and string literals, reading a quoted identifier back, the
// names that are safe unquoted. Used by backup, restore, verify, proof and db without a connection.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace ifnbackup::sql {

// 'text' with the characters that need it backslash-escaped, for utf8mb4 (no multi-byte
// encodings whose bytes can look like a quote). Appends to out.
void append_quoted_string(std::string& out, std::string_view text);
// The same, returned: "'db'", for information_schema filters.
std::string quote_string(std::string_view text);
// `name` with backticks doubled.
std::string quote_identifier(std::string_view name);
// The name of the backquoted identifier starting at text[at] (doubled backquotes undone); `at`
// moves past its closing quote. nullopt (and `at` unchanged) when there is none.
std::optional<std::string> parse_quoted_identifier(std::string_view text, std::size_t& at);

// Database names, and lock names, are at most this many characters (not bytes).
inline constexpr std::size_t k_max_identifier_length = 64;
// The characters of a UTF-8 name, as the server counts them against that limit.
std::size_t identifier_length(std::string_view name);

// A character set or collation name: letters, digits and underscores, at most 64 of them; safe to
// write unquoted in a statement.
bool is_plain_name(std::string_view name);

}  // namespace ifnbackup::sql
