#include "status_line.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>

namespace ifnbackup::cli {

namespace {

std::size_t terminal_width() {
  winsize size{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
    return size.ws_col;
  }
  return 80;
}

// `text` cut to `columns` characters (UTF-8: a character is a lead byte and its continuation bytes).
std::string cut_to(std::string text, std::size_t columns) {
  std::size_t characters = 0;
  for (std::size_t at = 0; at < text.size(); ++at) {
    if ((static_cast<unsigned char>(text[at]) & 0xC0) != 0x80 && ++characters > columns) {
      text.resize(at);
      break;
    }
  }
  return text;
}

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
  m_text = cut_to(std::move(text), terminal_width() - 1);
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
