#pragma once
// One status line on a terminal (stderr), redrawn in place. Every other line the program prints to
// the terminal — log messages through the console sink, the plan, the tables — goes through it:
// the status line is erased first and drawn again after, so no line ever holds both.
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <spdlog/sinks/sink.h>

namespace ifnbackup::cli {

// The columns `text` takes on a terminal: one per UTF-8 character (an accented letter is one), two
// for a wide one. Aligns the labels of a table whatever their language.
std::size_t display_columns(std::string_view text);
// `text` followed by the spaces that make it `width` columns wide (display_columns), as it is when wider.
std::string pad_columns(std::string_view text, std::size_t width);

class StatusLine {
 public:
  static StatusLine& instance();

  bool on_terminal() const noexcept { return m_tty; }
  // Shows `text` on one line: control bytes escaped, line breaks and tabs made spaces, cut to the
  // terminal's width in columns (a wide character takes two): a wrapped line could not be erased. Not
  // a terminal: nothing.
  void show(std::string text);
  // Erases the line for good (the step it told of is over).
  void close();
  // Prints `text` (whole lines) to stderr with the status line out of the way.
  void print(std::string_view text);
  // Runs `write` (which writes to stderr) with the status line out of the way.
  template <typename Write>
  void around(Write&& write) {
    const std::lock_guard lock(m_mutex);
    erase();
    write();
    draw();
  }

 private:
  StatusLine();
  void erase();
  void draw();

  std::mutex m_mutex;
  bool m_tty;
  std::string m_text;  // empty: no line shown
  bool m_drawn = false;
};

// A console sink whose lines go around the status line.
std::shared_ptr<spdlog::sinks::sink> around_status_line(std::shared_ptr<spdlog::sinks::sink> inner);

}  // namespace ifnbackup::cli
