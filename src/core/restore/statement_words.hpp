#pragma once
// Reading the leading keywords of one SQL statement of a script (pure text work): what kind of
// statement it is, for the loader (session settings, database switches) and restore --tables.
#include <initializer_list>
#include <string_view>

namespace ifnbackup::restore {

// Consumes `word` (upper case; matched ASCII case-insensitively) when the text starts with it as
// a whole word (followed by the end, a space or a backquote), and the spaces after it.
bool take_word(std::string_view& text, std::string_view word);
// All of `words` in order, or nothing consumed.
bool take_words(std::string_view& text, std::initializer_list<std::string_view> words);
// The text without its leading spaces and, inside a leading /*!NNNNN version comment, without
// the comment's opening (and the spaces after it).
std::string_view unwrap_version_comment(std::string_view text);

// Whether `phrase` (upper case; matched ASCII case-insensitively, each space of it matching white
// space and /* */ comments, at least one character of them) occurs anywhere in the text, as in "FOREIGN KEY" or
// "FOREIGN_KEY_CHECKS".
bool contains_any_case(std::string_view text, std::string_view phrase);

// SET ..., bare or inside a version comment: session state every connection of a load needs.
bool is_session_setting(std::string_view statement);
// USE, CREATE DATABASE, CREATE SCHEMA: a script made for several databases.
bool switches_database(std::string_view statement);

}  // namespace ifnbackup::restore
