#pragma once
// Messages in the operator's language (gettext, domain "ifnbackup"): English as written in the code,
// French from po/fr.po when LANGUAGE/LC_ALL/LC_MESSAGES/LANG ask for it and the system has that
// locale. Only LC_MESSAGES is taken from the environment: numbers, dates and character classes stay
// those of the C locale, so no parsing or formatting changes with the language. JSON, the journal
// and the log file stay English (machines and support read them).
#include <string>
#include <type_traits>
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

// Marks a text for the catalog without translating it (a constant handed on, translated where it is
// used: tx(text) or tr(text)).
constexpr const char* N_(const char* text) noexcept {
  return text;
}

// A text in two languages: English for the log file, the journal and JSON (machines and support
// read them), and the operator's language for the terminal. An Error carries its message and hint
// as Texts; a plain string (a server's message, a file name) converts to a Text that is the same in
// both. Build translated ones with tx().
struct Text {
  std::string english;
  std::string local;

  Text() = default;
  Text(std::string same) : english(same), local(std::move(same)) {}           // NOLINT: implicit on purpose
  Text(const char* same) : Text(std::string(same == nullptr ? "" : same)) {}  // NOLINT
  Text(std::string english_text, std::string local_text)
      : english(std::move(english_text)), local(std::move(local_text)) {}
  bool empty() const noexcept { return english.empty(); }
};

namespace detail {
template <typename T>
const T& text_side(const T& value, bool) {
  return value;
}
inline const std::string& text_side(const Text& value, bool local) {
  return local ? value.local : value.english;
}
}  // namespace detail

// Both languages of a message: fmt::format of the English text and of its translation. A Text
// argument gives its English side to the English text and its local side to the translation, so
// messages nest ("restore failed: {}" around the load's error) in one language at a time.
template <typename... Args>
Text tx(const char* msgid, const Args&... args) {
  std::string english = fmt::format(fmt::runtime(msgid), detail::text_side(args, false)...);
  const char* translated = tr(msgid);
  if (translated == msgid) {  // gettext hands back msgid itself when it has no translation
    return Text(english);
  }
  try {
    return Text(std::move(english), fmt::format(fmt::runtime(translated), detail::text_side(args, true)...));
  } catch (const fmt::format_error&) {
    return Text(english);
  }
}

// The system's description of an errno value: English (the C locale's) and the operator's language.
Text errno_text(int error_number);

// True when messages are French now (the plan's number and date wording follows it).
bool messages_in_french() noexcept;

}  // namespace ifnbackup
