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

}  // namespace ifnbackup
