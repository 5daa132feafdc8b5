// Where option values come from: the command line, then IFNBACKUP_* environment variables,
// then the config file (INI). CLI11 2.1 applies the file before the environment, so both are
// applied here, only to options the command line left unset.
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

#include <fmt/format.h>

#include "cli.hpp"
#include "ifnbackup/error.hpp"

namespace ifnbackup::cli {

namespace {

constexpr const char* k_default_config = "/etc/ifnbackup.conf";

std::string env_name(const std::string& option_name) {
  std::string out = "IFNBACKUP_";
  for (char c : option_name) {
    out.push_back(c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return out;
}

std::string normalise_key(std::string key) {
  std::replace(key.begin(), key.end(), '_', '-');
  return key;
}

// key -> value of the config file, from the top level, [ifnbackup] or [<subcommand>].
std::map<std::string, std::string> read_config(const std::string& path, const std::string& subcommand) {
  std::map<std::string, std::string> values;
  std::vector<CLI::ConfigItem> items;
  try {
    items = CLI::ConfigINI().from_file(path);
  } catch (const CLI::Error& error) {
    throw Error(ErrorCode::usage, tx("cannot read config file {}: {}", path, std::string(error.what())),
                tx("fix the line it names (INI: 'key = value' lines, [ifnbackup] or [command] sections)"));
  }
  for (const auto& item : items) {
    if (item.name == "++" || item.name == "--") {
      continue;
    }
    const std::string section = item.parents.empty() ? "" : item.parents.front();
    if (!(section.empty() || section == "default" || section == "ifnbackup" || section == subcommand)) {
      continue;
    }
    const std::string key = normalise_key(item.name);
    if (key == "password") {
      throw Error(ErrorCode::config, tx("{} holds a password", path),
                  tx("use password-file = <0600 file> or defaults-file = <MySQL option file> instead"));
    }
    std::string value;
    for (const auto& input : item.inputs) {
      value += (value.empty() ? "" : " ") + input;
    }
    values[key] = value;
  }
  return values;
}

void set_value(CLI::Option* option, const std::string& value, const std::string& origin) {
  try {
    option->clear();
    option->add_result(value);
    option->run_callback();
  } catch (const CLI::Error& error) {
    throw Error(
        ErrorCode::usage,
        tx("invalid value '{}' for {} from {}: {}", value, option->get_name(), origin, std::string(error.what())),
        tx("fix that setting: it takes what the option of the same name takes ('ifnbackup --help')"));
  }
}

// Decisions an operator makes for one run: an environment variable or a config file must never
// answer the OUI question of restore, change what a failed restore does or load a file of unproven origin.
bool is_command_line_only(const std::string& name) {
  return name == "yes" || name == "force" || name == "no-rollback" || name == "trust-unsigned";
}

}  // namespace

void apply_environment_and_config(CLI::App& app, CLI::App* subcommand, GlobalSettings& settings) {
  std::string config_path = settings.config_file;
  if (config_path.empty()) {
    if (const char* env = std::getenv("IFNBACKUP_CONFIG")) {
      config_path = env;
    } else if (std::filesystem::exists(k_default_config)) {
      config_path = k_default_config;
    }
  }
  std::map<std::string, std::string> config;
  if (!config_path.empty()) {
    std::error_code ec;
    const auto status = std::filesystem::status(config_path, ec);
    if (!std::filesystem::exists(status)) {
      throw Error(
          ErrorCode::usage, tx("config file {} does not exist", config_path),
          tx("give the path of an INI file (example: packaging/ifnbackup.conf.example), or leave --config out"));
    }
    // CLI11 reads a folder as an empty file: every setting would silently fall back to its default.
    if (std::filesystem::is_directory(status)) {
      throw Error(ErrorCode::usage, tx("config file {} is a folder, not a file", config_path),
                  tx("give the config file itself, e.g. --config /etc/ifnbackup.conf"));
    }
    config = read_config(config_path, subcommand->get_name());
  }

  std::vector<CLI::Option*> options = app.get_options();
  std::set<std::string> global_names;
  for (auto* option : options) {
    global_names.insert(option->get_single_name());
  }
  for (auto* option : subcommand->get_options()) {
    // A command's flag named as a global option (list --offsite) is for the command line only: the
    // environment and the file set the global option.
    if (global_names.count(option->get_single_name()) == 0) {
      options.push_back(option);
    }
  }
  for (auto* option : options) {
    const std::string name = option->get_single_name();
    if (name.empty() || name == "help" || name == "version" || name == "config" || name == "password" ||
        option->get_lnames().empty() || is_command_line_only(name)) {
      continue;  // a command-line-only setting left in a config file is reported below as unknown
    }
    auto from_config = config.find(name);
    if (option->count() > 0) {
      if (from_config != config.end()) {
        config.erase(from_config);
      }
      continue;
    }
    if (const char* env = std::getenv(env_name(name).c_str()); env != nullptr && *env != '\0') {
      set_value(option, env, env_name(name));
    } else if (from_config != config.end()) {
      set_value(option, from_config->second, config_path);
    }
    if (from_config != config.end()) {
      config.erase(name);
    }
  }
  if (!config.empty()) {
    throw Error(ErrorCode::usage, tx("unknown setting '{}' in {}", config.begin()->first, config_path),
                tx("settings are the long option names of 'ifnbackup --help', without the dashes"));
  }
}

}  // namespace ifnbackup::cli
