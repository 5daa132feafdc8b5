// Issue 18: raw control bytes of a failing statement (ESC, CR) reached the terminal and restore.log.
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "ifnbackup/printable.hpp"

namespace ifnbackup {
namespace {

TEST(Printable, EscapesControlBytesButNewlineAndTab) {
  EXPECT_EQ(printable("plain text, 'quotes' and \\ backslash"), "plain text, 'quotes' and \\ backslash");
  EXPECT_EQ(printable("two\nlines\tand a tab"), "two\nlines\tand a tab");
  EXPECT_EQ(printable("\x1b[2J\x1b]0;owned\x07"), "\\x1b[2J\\x1b]0;owned\\x07");
  EXPECT_EQ(printable("ok\rERROR"), "ok\\x0dERROR");
  EXPECT_EQ(printable(std::string("nul\0byte", 8)), "nul\\x00byte");
  EXPECT_EQ(printable("del\x7f"), "del\\x7f");
  EXPECT_EQ(printable("\x01\x1f"), "\\x01\\x1f");
}

TEST(Printable, EscapesUtf8C1ControlsAndKeepsOtherUtf8) {
  EXPECT_EQ(printable("caf\xc3\xa9 \xe2\x82\xac"), "caf\xc3\xa9 \xe2\x82\xac");  // é €
  EXPECT_EQ(printable("csi \xc2\x9b"
                      "31m"),
            "csi \\xc2\\x9b31m");                        // U+009B
  EXPECT_EQ(printable("nbsp\xc2\xa0"), "nbsp\xc2\xa0");  // U+00A0 is text
  EXPECT_EQ(printable("cut \xc2"), "cut \xc2");          // a lone lead byte
}

TEST(PrintableSink, WritesEveryMessageEscapedThroughTheInnerSinksPattern) {
  std::ostringstream out;
  auto inner = std::make_shared<spdlog::sinks::ostream_sink_st>(out);
  auto sink = printable_sink(inner);
  sink->set_pattern("%l: %v");
  spdlog::logger logger("test", sink);
  logger.error("statement failed: {}", "Table 'shop.\x1b[31mred' doesn't exist\r");
  logger.info("a line\nand the next");
  EXPECT_EQ(out.str(),
            "error: statement failed: Table 'shop.\\x1b[31mred' doesn't exist\\x0d\n"
            "info: a line\nand the next\n");
}

TEST(PrintableSink, KeepsTheInnerSinksLevel) {
  std::ostringstream out;
  auto inner = std::make_shared<spdlog::sinks::ostream_sink_st>(out);
  inner->set_level(spdlog::level::warn);
  auto sink = printable_sink(inner);
  EXPECT_EQ(sink->level(), spdlog::level::warn);
  spdlog::logger logger("test", sink);
  logger.info("not shown");
  EXPECT_EQ(out.str(), "");
}

// Issue 14: an error's next step is one line labelled `hint:`, not `error: hint:`, in every sink (the
// terminal's in the operator's language, the log file's in English), and at the error level (--quiet
// keeps it).
TEST(PrintableSink, TheHintIsALineOfItsOwnLabelledHint) {
  std::ostringstream terminal_out;
  std::ostringstream file_out;
  auto terminal = printable_sink(std::make_shared<spdlog::sinks::ostream_sink_st>(terminal_out), true);
  auto file = printable_sink(std::make_shared<spdlog::sinks::ostream_sink_st>(file_out));
  terminal->set_formatter(labelled_formatter("%*: %v"));
  terminal->set_level(spdlog::level::err);  // --quiet
  file->set_formatter(labelled_formatter("[x] %*: %v"));
  const auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("ifnbackup", spdlog::sinks_init_list{terminal, file}));
  log_text(spdlog::level::err, Text("cannot connect", "connexion impossible"));
  log_hint(Text("check the host", "vérifiez l'hôte"));
  log_warn("not on a quiet terminal");
  spdlog::set_default_logger(previous);
  EXPECT_EQ(terminal_out.str(), "error: connexion impossible\nhint: vérifiez l'hôte\n");
  EXPECT_EQ(file_out.str(),
            "[x] error: cannot connect\n[x] hint: check the host\n[x] warning: not on a quiet terminal\n");
}

}  // namespace
}  // namespace ifnbackup
