#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "cli.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/printable.hpp"
#include "status_line.hpp"

namespace ifnbackup::cli {

void setup_logging(const GlobalSettings& settings, const Command& command) {
  const std::string& log_name = command.log_name;
  auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  console->set_formatter(labelled_formatter("%^%*%$: %v"));
  auto level = settings.verbose ? spdlog::level::debug : spdlog::level::info;
  if ((command.results_on_stdout || (command.own_screen && StatusLine::instance().on_terminal())) &&
      !settings.verbose) {
    level = spdlog::level::warn;
  }
  console->set_level(settings.quiet ? spdlog::level::err : level);
  std::vector<spdlog::sink_ptr> sinks{printable_sink(around_status_line(console), true)};

  std::string file_problem;  // why a log file the command can do without was not opened
  const std::string dir = settings.log_dir.empty() ? settings.backup_dir : settings.log_dir;
  if (!dir.empty() && !log_name.empty()) {
    std::error_code ec;
    if (!std::filesystem::exists(dir, ec)) {
      std::filesystem::create_directories(dir, ec);
      ::chmod(dir.c_str(), 0700);  // it may be the backup folder: owner only
    }
    const auto path = std::filesystem::path(dir) / (log_name + ".log");
    const mode_t old_mask = ::umask(077);  // logs name databases and files: owner only
    try {
      auto file = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path.string(), false);
      ::umask(old_mask);
      file->set_formatter(labelled_formatter("%Y-%m-%d %H:%M:%S.%e [%P] %*: %v"));
      file->set_level(settings.verbose ? spdlog::level::debug : spdlog::level::info);
      sinks.push_back(printable_sink(file));
    } catch (const spdlog::spdlog_ex& error) {
      ::umask(old_mask);
      if (!command.log_file_optional) {
        throw Error(ErrorCode::io, tx("cannot open log file {}: {}", path.string(), std::string(error.what())),
                    tx("check --log-dir and its permissions"));
      }
      file_problem = fmt::format("cannot open log file {} ({}): logging to stderr only", path.string(), error.what());
    }
  }
  auto logger = std::make_shared<spdlog::logger>("ifnbackup", sinks.begin(), sinks.end());
  logger->set_level(spdlog::level::debug);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
  if (!file_problem.empty()) {
    log_text(spdlog::level::warn, file_problem);
  }
}

}  // namespace ifnbackup::cli
