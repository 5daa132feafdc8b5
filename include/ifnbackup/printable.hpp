#pragma once
// Text from outside — a server's messages, a backup file's content, a file name — on the way to a
// terminal or a log file. Raw control bytes in it would be obeyed by the terminal (ESC sequences
// that move the cursor, retitle the window or hide the lines before them; CR that writes over a
// line) and would forge or hide lines of restore.log. Every log sink and every line the commands
// print of such text go through printable().
#include <memory>
#include <string>
#include <string_view>

#include <spdlog/common.h>
#include <spdlog/formatter.h>
#include <spdlog/sinks/sink.h>

#include "ifnbackup/i18n.hpp"

namespace ifnbackup {

// `text` with each C0 control byte but newline and tab, DEL, and each UTF-8 C1 control
// (U+0080..U+009F) written as \xHH (one per byte). Anything else is left as it is.
std::string printable(std::string_view text);

// A sink that hands each message to `inner` through printable(). Its level starts as inner's;
// set_pattern and set_formatter go to inner. `terminal`: the sink is the operator's terminal, which
// log_text() gives the operator's language.
std::shared_ptr<spdlog::sinks::sink> printable_sink(std::shared_ptr<spdlog::sinks::sink> inner, bool terminal = false);

// Logs `text` on the default logger: its local side to the terminal's sink, its English side to every
// other sink (the log file stays English, docs/messages.md).
void log_text(spdlog::level::level_enum level, const Text& text);

// While one lives, tr(), trn(), trf(), tx() and messages_in_french() (ifnbackup/i18n.hpp) on this thread
// give English: a line built by code that calls them is built again in English for the log file.
class EnglishOnly {
 public:
  EnglishOnly() noexcept;
  ~EnglishOnly();
  EnglishOnly(const EnglishOnly&) = delete;
  EnglishOnly& operator=(const EnglishOnly&) = delete;

 private:
  bool m_was;
};

// A run's progress and warnings in both languages: log_text(level, tx(msgid, args...)). The message
// catalog's extractor knows these names (scripts/messages).
template <typename... Args>
void log_info(const char* msgid, const Args&... args) {
  log_text(spdlog::level::info, tx(msgid, args...));
}
template <typename... Args>
void log_warn(const char* msgid, const Args&... args) {
  log_text(spdlog::level::warn, tx(msgid, args...));
}
template <typename... Args>
void log_error(const char* msgid, const Args&... args) {
  log_text(spdlog::level::err, tx(msgid, args...));
}

// An error's next step: one line labelled `hint:` (not `error: hint:`) at the error level, so --quiet
// keeps it, on the terminal and in the log file alike. Only sinks whose pattern labels lines with
// `%*` (labelled_formatter) print the label; the line is `hint: <text>`.
void log_hint(const Text& hint);

// A pattern formatter whose flag `%*` is the line's label: the level's name (`error`, `warning`,
// `info`), or `hint` for log_hint's line.
std::unique_ptr<spdlog::formatter> labelled_formatter(const std::string& pattern);

}  // namespace ifnbackup
