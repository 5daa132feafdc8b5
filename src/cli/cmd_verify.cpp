#include <iostream>

#include <fmt/format.h>

#include <spdlog/spdlog.h>
#include "cli.hpp"
#include "format.hpp"

#include "ifnbackup/encrypted_backup.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/folder_verification.hpp"
#include "ifnbackup/json.hpp"
#include "ifnbackup/printable.hpp"
#include "ifnbackup/push.hpp"
#include "ifnbackup/signing.hpp"

namespace ifnbackup::cli {

namespace {

struct VerifyFlags {
  std::vector<std::string> files;
  std::string offsite;  // NAME or latest in the --offsite bucket
  bool all = false;     // said explicitly (the weekly schedule line); the same as no file
};

std::string status_word(VerifyStatus status) {
  switch (status) {
    case VerifyStatus::ok:
    case VerifyStatus::ok_legacy:
      return tr("OK");
    case VerifyStatus::corrupt:
      return tr("CORRUPT");
    case VerifyStatus::incomplete:
      return tr("INCOMPLETE");
  }
  return "?";
}

void print_file(const FileVerification& file) {
  const VerifyResult& result = file.result;
  const std::string name = printable(file.path.filename().string());
  if (!result.ok()) {
    // The reason may quote the file's content: no raw control byte reaches the terminal.
    std::cout << fmt::format("{}: {}: {}\n", status_word(result.status), name,
                             printable(result.reason_local.empty() ? result.reason : result.reason_local));
    return;
  }
  const bool vouched = result.signer.trust == SignerTrust::ours || result.signer.trust == SignerTrust::trusted;
  std::cout << fmt::format(
      "{:<12}{}{}{}{}{}{}{}\n", tr("OK"), name,
      file.database ? trf("  database '{}'", printable(*file.database)) : std::string(),
      result.status == VerifyStatus::ok_legacy
          ? std::string(tr("  (legacy: no content checksum)"))
          : (result.sections > 0
                 ? trf("  ({} tables, {} rows, sha256 and section index verified)", result.tables.size(), file.rows)
                 : trf("  ({} tables, {} rows, sha256 verified)", result.tables.size(), file.rows)),
      result.holds_tables() ? "" : tr("; holds no table: never 'latest', not in --min-keep"),
      file.not_restorable() ? trf("; NOT RESTORABLE as is (its schema check: {})", file.schema_check) : std::string(),
      trf("; signature: {}", describe_signer(result)),
      result.status == VerifyStatus::ok && !vouched ? tr(": restore needs --trust-unsigned") : "");
}

void add_json(util::JsonWriter& json, const FileVerification& file) {
  const VerifyResult& result = file.result;
  json.begin_object()
      .field("file", file.path.filename().string())
      .field("path", file.path.string())
      .field("status", verify_status_name(result.status))
      .field("ok", result.ok())
      .field("reason", result.reason)
      .field("compressed_bytes", result.compressed_bytes)
      .field("uncompressed_bytes", result.uncompressed_bytes)
      .field("sha256", result.sha256)
      .field("tables", static_cast<std::uint64_t>(result.tables.size()))
      .field("rows", file.rows)
      .field("completed_at", result.completed_at)
      .field("sections", result.sections)
      .field("holds_tables", result.holds_tables())
      .field("schema_check", file.schema_check)
      .key("database");
  file.database ? json.value(*file.database) : json.null();
  json.field("restorable", result.ok() && !file.not_restorable())
      .field("signature", signer_trust_name(result.signer.trust))
      .field("signer", result.signer.fingerprint)
      .end_object();
}

int verify_files(const GlobalSettings& settings, const VerifyFlags& flags) {
  FolderVerificationOptions options;
  options.backup_dir = settings.backup_dir;
  options.prefix = settings.prefix;
  options.files = flags.files;
  options.threads = settings.threads;
  options.signing_key = settings.signing_key;
  options.identities = make_identities(settings);
  // Text: each file's line as soon as it is done (a folder of big files takes minutes).
  const FolderVerification outcome = verify_folder_files(options, [&](const FileVerification& file) {
    if (!settings.json) {
      print_file(file);
    }
  });
  if (settings.json) {
    util::JsonWriter json;
    json.begin_object().key("files").begin_array();
    for (const auto& file : outcome.files) {
      add_json(json, file);
    }
    json.end_array()
        .key("summary")
        .begin_object()
        .field("files", static_cast<std::uint64_t>(outcome.files.size()))
        .field("ok", static_cast<std::uint64_t>(outcome.ok))
        .field("corrupt", static_cast<std::uint64_t>(outcome.corrupt))
        .field("incomplete", static_cast<std::uint64_t>(outcome.incomplete))
        .end_object()
        .end_object();
    std::cout << json.str() << "\n";
  } else {
    std::cout << trf("{} file(s): {} ok, {} corrupt, {} incomplete\n", outcome.files.size(), outcome.ok,
                     outcome.corrupt, outcome.incomplete);
  }
  return outcome.exit_code();
}

// verify --offsite NAME|latest: the object streamed into the verification (decrypted when a .age),
// nothing written to disk.
int verify_offsite(const GlobalSettings& settings, const VerifyFlags& flags) {
  if (!settings.offsite.enabled()) {
    throw Error(ErrorCode::usage, tx("verify --offsite needs the bucket: --offsite s3://BUCKET/PREFIX before 'verify'"),
                tx("set it once as offsite = s3://... in the config file or IFNBACKUP_OFFSITE"));
  }
  const auto offsite = make_offsite_options(settings);
  const std::string name = flags.offsite == "latest" ? newest_offsite_backup(offsite, settings.prefix) : flags.offsite;
  FileVerification file{name, verify_offsite_backup(offsite, name, make_identities(settings)), {}, {}, 0};
  try {
    SigningOptions signing;
    signing.key_file = settings.signing_key;
    Keyring::load(signing).judge(file.result);
  } catch (const Error& error) {
    log_warn("signers not judged: {}", error.message());
  }
  file.database = header_database(file.result.header);
  for (const auto& table : file.result.tables) {
    file.rows += table.rows;
  }
  const Text reason(file.result.reason,
                    file.result.reason_local.empty() ? file.result.reason : file.result.reason_local);
  const Text word(verify_status_name(file.result.status), status_word(file.result.status));
  log_text(file.result.ok() ? spdlog::level::info : spdlog::level::err,
           file.result.reason.empty() ? tx("verify {}/{}: {}", offsite.url, name, word)
                                      : tx("verify {}/{}: {}: {}", offsite.url, name, word, reason));
  if (settings.json) {
    util::JsonWriter json;
    json.begin_object().field("offsite", offsite.url).key("files").begin_array();
    add_json(json, file);
    json.end_array().end_object();
    std::cout << json.str() << "\n";
  } else {
    print_file(file);
  }
  if (file.result.ok()) {
    return 0;
  }
  return static_cast<int>(file.result.status == VerifyStatus::corrupt ? ErrorCode::corrupt : ErrorCode::incomplete);
}

}  // namespace

Command add_verify_command(CLI::App& app, GlobalSettings& settings) {
  auto flags = std::make_shared<VerifyFlags>();
  Command command;
  command.log_name = "backup";
  command.results_on_stdout = true;
  command.log_file_optional = true;  // verify must work in a read-only folder
  command.app = app.add_subcommand("verify", "Prove backup files complete and unaltered (more than gzip -t)");
  auto* files =
      command.app->add_option("files", flags->files, "Files to verify (default: every backup and safety snapshot)");
  command.app
      ->add_flag("--all", flags->all,
                 "Every backup and safety snapshot of the folder, however recently verified (the weekly schedule's "
                 "line: bit rot keeps a file's name, size and mtime)")
      ->excludes(files);
  command.app
      ->add_option("--offsite", flags->offsite,
                   "Verify NAME (or latest) in the --offsite bucket instead: streamed, decrypted with --identity "
                   "when a .age, proven as a local file is, without a local copy")
      ->excludes(files);
  command.app->add_flag("--json", settings.json, "Machine-readable output (fields: docs/json-output.md)");
  command.app->footer(
      "Checks every gzip member's CRC, the completion marker, the content SHA-256 and the manifest.\n"
      "Exit 0 if all pass, 10 if one is corrupt, 11 if one is incomplete.");
  command.action = [&settings, flags]() {
    return flags->offsite.empty() ? verify_files(settings, *flags) : verify_offsite(settings, *flags);
  };
  return command;
}

}  // namespace ifnbackup::cli
