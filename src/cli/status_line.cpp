#include "status_line.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "ifnbackup/printable.hpp"

namespace ifnbackup::cli {

namespace {

std::size_t terminal_width() {
  winsize size{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
    return size.ws_col;
  }
  return 80;
}

// The columns a terminal gives code point `c`: 2 for the East Asian wide and fullwidth ranges and
// the emoji, 1 otherwise. Erring wide only makes the line shorter; erring narrow would wrap it.
std::size_t columns_of(char32_t c) {
  const bool wide = (c >= 0x1100 && c <= 0x115F) || c == 0x2329 || c == 0x232A || (c >= 0x2E80 && c <= 0xA4CF) ||
                    (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE10 && c <= 0xFE19) ||
                    (c >= 0xFE30 && c <= 0xFE6F) || (c >= 0xFF00 && c <= 0xFF60) || (c >= 0xFFE0 && c <= 0xFFE6) ||
                    (c >= 0x1F000 && c <= 0x1FAFF) || (c >= 0x20000 && c <= 0x3FFFD);
  return wide ? 2 : 1;
}

// The length in bytes of the well-formed UTF-8 character at `at` and its code point; 0 when the
// bytes there are not one (the terminal shows a replacement character for each such byte).
std::size_t utf8_at(std::string_view text, std::size_t at, char32_t& c) {
  const auto lead = static_cast<unsigned char>(text[at]);
  const std::size_t length = lead < 0x80                    ? 1
                             : lead >= 0xC2 && lead <= 0xDF ? 2
                             : lead >= 0xE0 && lead <= 0xEF ? 3
                             : lead >= 0xF0 && lead <= 0xF4 ? 4
                                                            : 0;
  if (length == 0 || at + length > text.size()) {
    return 0;
  }
  c = length == 1 ? lead : lead & (0x7F >> length);
  for (std::size_t i = 1; i < length; ++i) {
    const auto next = static_cast<unsigned char>(text[at + i]);
    if ((next & 0xC0) != 0x80) {
      return 0;
    }
    c = (c << 6) | (next & 0x3F);
  }
  return length;
}

// `text` on one line (a line break, a tab or a control byte would move the cursor: the line could
// not be erased), cut to what fits in `columns` columns of the terminal, never inside a character.
std::string one_line_cut_to(std::string_view raw, std::size_t columns) {
  std::string text = printable(raw);
  std::replace(text.begin(), text.end(), '\n', ' ');
  std::replace(text.begin(), text.end(), '\t', ' ');
  std::size_t used = 0;
  for (std::size_t at = 0; at < text.size();) {
    char32_t c = 0;
    const std::size_t length = utf8_at(text, at, c);
    const std::size_t width = length == 0 ? 1 : columns_of(c);
    if (used + width > columns) {
      text.resize(at);
      break;
    }
    used += width;
    at += length == 0 ? 1 : length;
  }
  return text;
}

}  // namespace

std::size_t display_columns(std::string_view text) {
  std::size_t used = 0;
  for (std::size_t at = 0; at < text.size();) {
    char32_t c = 0;
    const std::size_t length = utf8_at(text, at, c);
    used += length == 0 ? 1 : columns_of(c);
    at += length == 0 ? 1 : length;
  }
  return used;
}

std::string pad_columns(std::string_view text, std::size_t width) {
  const std::size_t used = display_columns(text);
  return std::string(text) + std::string(width - std::min(width, used), ' ');
}

namespace {

void write_stderr(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

class AroundStatusLine final : public spdlog::sinks::sink {
 public:
  explicit AroundStatusLine(std::shared_ptr<spdlog::sinks::sink> inner) : m_inner(std::move(inner)) {
    set_level(m_inner->level());
  }
  void log(const spdlog::details::log_msg& msg) override {
    StatusLine::instance().around([&] {
      m_inner->log(msg);
      m_inner->flush();
    });
  }
  void flush() override { m_inner->flush(); }
  void set_pattern(const std::string& pattern) override { m_inner->set_pattern(pattern); }
  void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override {
    m_inner->set_formatter(std::move(formatter));
  }

 private:
  std::shared_ptr<spdlog::sinks::sink> m_inner;
};

}  // namespace

StatusLine& StatusLine::instance() {
  static StatusLine line;
  return line;
}

StatusLine::StatusLine() : m_tty(::isatty(STDERR_FILENO) == 1) {}

void StatusLine::show(std::string text) {
  if (!m_tty) {
    return;
  }
  const std::lock_guard lock(m_mutex);
  // One column short of the width: a line that fills it leaves the cursor past the edge.
  m_text = one_line_cut_to(text, terminal_width() - 1);
  erase();
  draw();
}

void StatusLine::close() {
  const std::lock_guard lock(m_mutex);
  erase();
  m_text.clear();
}

void StatusLine::print(std::string_view text) {
  around([&] { write_stderr(text); });
}

void StatusLine::erase() {
  if (m_drawn) {
    write_stderr("\r\033[K");
    m_drawn = false;
  }
}

void StatusLine::draw() {
  if (m_tty && !m_text.empty()) {
    write_stderr(m_text);
    m_drawn = true;
  }
}

std::shared_ptr<spdlog::sinks::sink> around_status_line(std::shared_ptr<spdlog::sinks::sink> inner) {
  return std::make_shared<AroundStatusLine>(std::move(inner));
}

}  // namespace ifnbackup::cli
