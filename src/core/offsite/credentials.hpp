#pragma once
// The S3 access key, from the environment or the shared credentials file; never from an option, never logged.
#include <string>

namespace ifnbackup::offsite {

struct Credentials {
  std::string access_key;
  std::string secret_key;
  std::string session_token;  // may be empty
  std::string origin;         // "the environment" or "<file> [profile]": for messages, never the keys
};

// AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN), else the shared credentials file
// (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials) at `profile` (empty: AWS_PROFILE, else "default").
// Throws Error(config) when the file may be read by group or others, Error(offsite) when none is found.
Credentials load_credentials(const std::string& profile);

}  // namespace ifnbackup::offsite
