#include "offsite/credentials.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include <fmt/format.h>

#include "ifnbackup/error.hpp"

namespace ifnbackup::offsite {
namespace {

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

std::string trim(std::string text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string::npos) {
    return {};
  }
  const auto last = text.find_last_not_of(" \t\r");
  return text.substr(first, last - first + 1);
}

std::string credentials_file() {
  if (auto file = env("AWS_SHARED_CREDENTIALS_FILE"); !file.empty()) {
    return file;
  }
  if (auto home = env("HOME"); !home.empty()) {
    return home + "/.aws/credentials";
  }
  return {};
}

Error not_found(const std::string& why) {
  return Error(ErrorCode::offsite, tx("no S3 credentials: {}", why),
               tx("export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or write them in ~/.aws/credentials (mode 0600) "
                  "under [default] or the profile of --s3-profile; docs/offsite.md"));
}

}  // namespace

Credentials load_credentials(const std::string& profile_option) {
  Credentials credentials;
  credentials.access_key = env("AWS_ACCESS_KEY_ID");
  credentials.secret_key = env("AWS_SECRET_ACCESS_KEY");
  if (!credentials.access_key.empty() || !credentials.secret_key.empty()) {
    if (credentials.access_key.empty() || credentials.secret_key.empty()) {
      throw not_found("only one of AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY is set");
    }
    credentials.session_token = env("AWS_SESSION_TOKEN");
    credentials.origin = "the environment (AWS_ACCESS_KEY_ID)";
    return credentials;
  }
  std::string profile = profile_option.empty() ? env("AWS_PROFILE") : profile_option;
  if (profile.empty()) {
    profile = "default";
  }
  const std::string path = credentials_file();
  struct stat st {};
  if (path.empty() || ::stat(path.c_str(), &st) != 0) {
    throw not_found(fmt::format("AWS_ACCESS_KEY_ID is not set and {} does not exist",
                                path.empty() ? std::string("~/.aws/credentials") : path));
  }
  if ((st.st_mode & 077) != 0) {
    throw Error(ErrorCode::config,
                tx("S3 credentials file {} is readable by others (mode {:04o})", path, st.st_mode & 07777),
                tx("chmod 600 {}", path));
  }
  std::ifstream in(path);
  if (!in) {
    throw Error(ErrorCode::config, tx("cannot read S3 credentials file {}", path),
                tx("check its owner and mode (0600, the user running ifnbackup)"));
  }
  std::string line;
  std::string section;
  bool found = false;
  while (std::getline(in, line)) {
    line = trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') {
      continue;
    }
    if (line.front() == '[' && line.back() == ']') {
      section = trim(line.substr(1, line.size() - 2));
      if (section.starts_with("profile ")) {
        section = trim(section.substr(8));
      }
      found = found || section == profile;
      continue;
    }
    if (section != profile) {
      continue;
    }
    const auto equals = line.find('=');
    if (equals == std::string::npos) {
      continue;
    }
    const std::string key = trim(line.substr(0, equals));
    const std::string value = trim(line.substr(equals + 1));
    if (key == "aws_access_key_id") {
      credentials.access_key = value;
    } else if (key == "aws_secret_access_key") {
      credentials.secret_key = value;
    } else if (key == "aws_session_token") {
      credentials.session_token = value;
    }
  }
  if (!found) {
    throw not_found(fmt::format("{} has no profile [{}]", path, profile));
  }
  if (credentials.access_key.empty() || credentials.secret_key.empty()) {
    throw not_found(fmt::format("profile [{}] of {} lacks aws_access_key_id or aws_secret_access_key", profile, path));
  }
  credentials.origin = fmt::format("{} [{}]", path, profile);
  return credentials;
}

}  // namespace ifnbackup::offsite
