#include "restore/script_loader.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "ifnbackup/error.hpp"
#include "io/gzip_reader.hpp"
#include "restore/sql_splitter.hpp"
#include "util/interrupt.hpp"

namespace ifnbackup::restore {

namespace {

constexpr int k_warnings_logged = 20;

bool starts_with_word(std::string_view text, std::string_view word) {
  if (text.size() < word.size()) {
    return false;
  }
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(text[i])) != word[i]) {
      return false;
    }
  }
  return text.size() == word.size() || std::isspace(static_cast<unsigned char>(text[word.size()])) ||
         text[word.size()] == '`';
}

bool switches_database(std::string_view text) {
  if (starts_with_word(text, "USE")) {
    return true;
  }
  if (!starts_with_word(text, "CREATE")) {
    return false;
  }
  auto rest = text.substr(6);
  rest.remove_prefix(std::min(rest.find_first_not_of(" \t\r\n"), rest.size()));
  return starts_with_word(rest, "DATABASE") || starts_with_word(rest, "SCHEMA");
}

std::string excerpt(std::string_view text) {
  std::string out(text.substr(0, 120));
  std::replace(out.begin(), out.end(), '\n', ' ');
  return text.size() > 120 ? out + "..." : out;
}

void log_warnings(db::Connection& connection, std::uint64_t line) {
  try {
    for (const auto& row : connection.query("SHOW WARNINGS").rows) {
      if (row.size() >= 3) {
        spdlog::warn("line {}: {} {}: {}", line, row[0].value_or(""), row[1].value_or(""), row[2].value_or(""));
      }
    }
  } catch (const Error&) {
    // Reading warnings is best effort; the count is still reported.
  }
}

}  // namespace

LoadStats load_script(db::Connection& connection, const std::filesystem::path& file, const LoadSettings& settings) {
  LoadStats stats;
  io::GzipReader reader(file);
  SqlSplitter splitter;
  splitter.set_backslash_escapes(!connection.no_backslash_escapes());
  auto last_report = std::chrono::steady_clock::now();
  auto report = [&](bool force) {
    if (!settings.progress) {
      return;
    }
    const auto now = std::chrono::steady_clock::now();
    if (!force && now - last_report < std::chrono::milliseconds(200)) {
      return;
    }
    last_report = now;
    settings.progress(LoadProgress{settings.phase, reader.compressed_read(), reader.compressed_total(),
                                   stats.statements});
  };

  auto execute = [&](Statement&& statement) {
    if (settings.interruptible) {
      util::check_interrupted();
    }
    if (switches_database(statement.text)) {
      throw Error(ErrorCode::server,
                  fmt::format("{} line {}: the script changes database ({}); it was made for several databases "
                              "(--databases/--all-databases)",
                              file.filename().string(), statement.line, excerpt(statement.text)),
                  "restore single-database dumps only, or load this file with the mariadb client");
    }
    const auto result = connection.run_statement(statement.text);
    // A dump switches to a trigger's or routine's own sql_mode around its body: follow the server
    // on backslashes, as the mariadb client does, or '\\' under NO_BACKSLASH_ESCAPES never ends.
    splitter.set_backslash_escapes(!connection.no_backslash_escapes());
    ++stats.statements;
    if (!result.ok) {
      ++stats.failed;
      const std::string message = fmt::format("{} line {}: error {}: {} (statement: {})", file.filename().string(),
                                              statement.line, result.error_number, result.error,
                                              excerpt(statement.text));
      if (!settings.keep_going) {
        throw Error(ErrorCode::server, message);
      }
      spdlog::error("{}", message);
    }
    if (result.warnings > 0) {
      if (stats.warnings < k_warnings_logged) {
        log_warnings(connection, statement.line);
      }
      stats.warnings += result.warnings;
    }
    report(false);
  };
  reader.read_all([&](std::string_view chunk) { splitter.feed(chunk, execute); });
  splitter.finish(execute);
  report(true);
  return stats;
}

}  // namespace ifnbackup::restore
