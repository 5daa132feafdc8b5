// The encryption options (--encrypt-to, --encrypt-to-file, --encrypt-local) and --identity.
#include <fmt/format.h>

#include "cli.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/push.hpp"
#include "ifnbackup/restore.hpp"

namespace ifnbackup::cli {

void add_encryption_options(CLI::App& app, GlobalSettings& settings) {
  const char* group = "Encryption with age (docs/offsite.md)";
  app.add_option("--encrypt-to", settings.encrypt_to,
                 "age recipient (age1..., the public key age-keygen prints), repeatable: the offsite copy is "
                 "NAME.sql.gz.age, decryptable by 'age -d -i key.txt'")
      ->group(group);
  app.add_option("--encrypt-to-file", settings.encrypt_to_file,
                 "File of age recipients, one a line, # comments (as age -R reads it)")
      ->group(group);
  app.add_flag("--encrypt-local", settings.encrypt_local,
               "Also keep the local copy encrypted (NAME.sql.gz.age, the plain file removed once verified and "
               "copied); verify, restore and drill of it need --identity")
      ->group(group);
  app.add_option("--identity", settings.identity_file,
                 "age secret key file (age-keygen's, 0600) that verify, restore and drill decrypt .age backups with")
      ->group(group);
}

Encryption make_encryption(const GlobalSettings& settings) {
  Encryption encryption;
  for (const std::string& given : settings.encrypt_to) {
    // One value may hold several (an environment variable, a config line): blanks or commas between.
    std::size_t start = 0;
    while (start < given.size()) {
      const std::size_t end = given.find_first_of(" \t,", start);
      const std::string word = given.substr(start, end == std::string::npos ? std::string::npos : end - start);
      start = end == std::string::npos ? given.size() : end + 1;
      if (word.empty()) {
        continue;
      }
      std::string why;
      const auto recipient = parse_age_recipient(word, &why);
      if (!recipient) {
        throw Error(ErrorCode::usage, tx("--encrypt-to '{}' is not an age recipient: {}", word, why),
                    tx("give the public key age-keygen printed (age1... in lowercase), or --encrypt-to-file FILE"));
      }
      encryption.recipients.push_back(*recipient);
    }
  }
  if (!settings.encrypt_to_file.empty()) {
    for (const auto& recipient : read_age_recipients_file(settings.encrypt_to_file)) {
      encryption.recipients.push_back(recipient);
    }
  }
  encryption.local = settings.encrypt_local;
  if (encryption.local && !encryption.enabled()) {
    throw Error(ErrorCode::usage, tx("--encrypt-local needs a recipient to encrypt to"),
                tx("give --encrypt-to age1... or --encrypt-to-file FILE"));
  }
  return encryption;
}

std::vector<AgeIdentity> make_identities(const GlobalSettings& settings) {
  if (settings.identity_file.empty()) {
    return {};
  }
  return read_age_identity_file(settings.identity_file);
}

std::string plain_backup_file(const GlobalSettings& settings, const std::string& file, bool from_offsite) {
  if (const auto address = parse_offsite_address(file)) {
    // The bucket of the address, reached with the --s3-* settings (endpoint, region, credentials).
    GlobalSettings bucket = settings;
    bucket.offsite.url = address->url;
    return fetch_offsite_backup(make_offsite_options(bucket), address->name, make_identities(settings),
                                settings.backup_dir)
        .file.string();
  }
  if (from_offsite) {
    if (!settings.offsite.enabled()) {
      throw Error(ErrorCode::usage, tx("--from-offsite needs --offsite s3://BUCKET/PREFIX"),
                  tx("give --offsite (or offsite = ... in the config file), or the object as s3://BUCKET/PREFIX/NAME"));
    }
    const auto offsite = make_offsite_options(settings);
    const std::string name = file == "latest" ? newest_offsite_backup(offsite, settings.prefix) : file;
    return fetch_offsite_backup(offsite, name, make_identities(settings), settings.backup_dir).file.string();
  }
  std::error_code ec;
  if (settings.backup_dir.empty() || !std::filesystem::is_directory(settings.backup_dir, ec)) {
    return file;
  }
  bool folder_encrypted = false;
  for (const auto& entry : scan_backup_folder(settings.backup_dir, settings.prefix)) {
    folder_encrypted = folder_encrypted || entry.encrypted;
  }
  if (!is_encrypted_name(file) && !folder_encrypted) {
    return file;
  }
  const auto path = resolve_backup_file(file, settings.backup_dir, settings.prefix, settings.connection.database);
  if (!is_encrypted_name(path.filename().string())) {
    return path.string();
  }
  return decrypt_backup_into(path, make_identities(settings), settings.backup_dir).string();
}

}  // namespace ifnbackup::cli
