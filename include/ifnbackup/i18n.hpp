#pragma once
// Messages in the operator's language (gettext, domain "ifnbackup"): English as written in the code,
// French from po/fr.po when LANGUAGE/LC_ALL/LC_MESSAGES/LANG ask for it and the system has that
// locale. Only LC_MESSAGES is taken from the environment: numbers, dates and character classes stay
// those of the C locale, so no parsing or formatting changes with the language. JSON, the journal
// and the log file stay English (machines and support read them).
#include <string>
#include <utility>

#include <fmt/format.h>

namespace ifnbackup {

// Binds the catalog: IFNBACKUP_LOCALEDIR when set, else the build tree's `locale/` beside the
// executable when it holds one, else the installed one. Call once, first thing in main.
void setup_messages(const char* argv0);

// The translation of `msgid`, or msgid itself.
const char* tr(const char* msgid) noexcept;
// The singular or plural form for n, translated.
const char* trn(const char* singular, const char* plural, unsigned long n) noexcept;

// fmt::format of the translated text; a translation whose placeholders do not fit the arguments
// (a broken catalog) falls back to the English text rather than failing the command.
template <typename... Args>
std::string trf(const char* msgid, Args&&... args) {
  try {
    return fmt::format(fmt::runtime(tr(msgid)), std::forward<Args>(args)...);
  } catch (const fmt::format_error&) {
    return fmt::format(fmt::runtime(msgid), std::forward<Args>(args)...);
  }
}

// True when messages are French now (the plan's number and date wording follows it).
bool messages_in_french() noexcept;

}  // namespace ifnbackup
