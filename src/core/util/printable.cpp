#include "ifnbackup/printable.hpp"

#include <fmt/format.h>
#include <spdlog/details/log_msg.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/spdlog.h>

namespace ifnbackup {

namespace {

bool is_c0_or_del(unsigned char c) {
  return (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f;
}

// The lead byte of a UTF-8 C1 control: 0xC2 followed by 0x80..0x9F.
bool is_c1_at(std::string_view text, std::size_t i) {
  return static_cast<unsigned char>(text[i]) == 0xc2 && i + 1 < text.size() &&
         static_cast<unsigned char>(text[i + 1]) >= 0x80 && static_cast<unsigned char>(text[i + 1]) <= 0x9f;
}

bool needs_escaping(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (is_c0_or_del(static_cast<unsigned char>(text[i])) || is_c1_at(text, i)) {
      return true;
    }
  }
  return false;
}

class PrintableSink final : public spdlog::sinks::sink {
 public:
  PrintableSink(std::shared_ptr<spdlog::sinks::sink> inner, bool terminal)
      : m_inner(std::move(inner)), m_terminal(terminal) {
    set_level(m_inner->level());
  }
  bool terminal() const noexcept { return m_terminal; }

  void log(const spdlog::details::log_msg& msg) override {
    const std::string_view payload(msg.payload.data(), msg.payload.size());
    if (!needs_escaping(payload)) {
      m_inner->log(msg);
      return;
    }
    const std::string safe = printable(payload);
    spdlog::details::log_msg copy(msg);
    copy.payload = spdlog::string_view_t(safe.data(), safe.size());
    m_inner->log(copy);
  }
  void flush() override { m_inner->flush(); }
  void set_pattern(const std::string& pattern) override { m_inner->set_pattern(pattern); }
  void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override {
    m_inner->set_formatter(std::move(formatter));
  }

 private:
  std::shared_ptr<spdlog::sinks::sink> m_inner;
  bool m_terminal;
};

// The logger name log_hint's lines carry: the label flag prints `hint` for them.
constexpr std::string_view k_hint_name = "hint";

class LabelFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    const std::string_view name(msg.logger_name.data(), msg.logger_name.size());
    const auto label = name == k_hint_name ? spdlog::string_view_t(k_hint_name.data(), k_hint_name.size())
                                           : spdlog::level::to_string_view(msg.level);
    dest.append(label.data(), label.data() + label.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<LabelFlag>(); }
};

// Logs one message per sink: the local side of `text` to the terminal's, the English side elsewhere.
void log_sides(spdlog::logger& logger, spdlog::string_view_t name, spdlog::level::level_enum level, const Text& text) {
  for (const auto& sink : logger.sinks()) {
    if (!sink->should_log(level)) {
      continue;
    }
    const auto* printable = dynamic_cast<const PrintableSink*>(sink.get());
    const std::string& side = printable != nullptr && printable->terminal() ? text.local : text.english;
    sink->log(spdlog::details::log_msg(name, level, side));
  }
  if (level >= logger.flush_level()) {
    logger.flush();
  }
}

}  // namespace

std::string printable(std::string_view text) {
  if (!needs_escaping(text)) {
    return std::string(text);
  }
  std::string out;
  out.reserve(text.size() + 16);
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (is_c0_or_del(c)) {
      out += fmt::format("\\x{:02x}", c);
    } else if (is_c1_at(text, i)) {
      out += fmt::format("\\x{:02x}\\x{:02x}", c, static_cast<unsigned char>(text[i + 1]));
      ++i;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::shared_ptr<spdlog::sinks::sink> printable_sink(std::shared_ptr<spdlog::sinks::sink> inner, bool terminal) {
  return std::make_shared<PrintableSink>(std::move(inner), terminal);
}

void log_text(spdlog::level::level_enum level, const Text& text) {
  auto* logger = spdlog::default_logger_raw();
  if (text.english == text.local) {
    logger->log(level, "{}", text.english);
    return;
  }
  if (!logger->should_log(level)) {
    return;
  }
  log_sides(*logger, logger->name(), level, text);
}

void log_hint(const Text& hint) {
  auto* logger = spdlog::default_logger_raw();
  if (!logger->should_log(spdlog::level::err)) {
    return;
  }
  log_sides(*logger, spdlog::string_view_t(k_hint_name.data(), k_hint_name.size()), spdlog::level::err, hint);
}

std::unique_ptr<spdlog::formatter> labelled_formatter(const std::string& pattern) {
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<LabelFlag>('*').set_pattern(pattern);
  return formatter;
}

}  // namespace ifnbackup
