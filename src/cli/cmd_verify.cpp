#include <iostream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli.hpp"
#include "format.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/json.hpp"
#include "ifnbackup/printable.hpp"
#include "ifnbackup/restore.hpp"
#include "ifnbackup/signing.hpp"
#include "ifnbackup/verification_state.hpp"

namespace ifnbackup::cli {

namespace {

struct VerifyFlags {
  std::vector<std::string> files;
  bool all = false;  // said explicitly (the weekly schedule line); the same as no file
};

std::string status_word(VerifyStatus status) {
  switch (status) {
    case VerifyStatus::ok:
    case VerifyStatus::ok_legacy: return "OK";
    case VerifyStatus::corrupt: return "CORRUPT";
    case VerifyStatus::incomplete: return "INCOMPLETE";
  }
  return "?";
}

// The gzip reader's messages start with the path, which the output line already names.
std::string reason_without_path(const std::string& reason, const std::filesystem::path& path) {
  const std::string prefix = path.string() + ": ";
  return reason.rfind(prefix, 0) == 0 ? reason.substr(prefix.size()) : reason;
}

int verify_files(const GlobalSettings& settings, const VerifyFlags& flags) {
  namespace fs = std::filesystem;
  const fs::path dir = settings.backup_dir;
  std::vector<CatalogEntry> folder;
  if (!dir.empty() && fs::is_directory(dir)) {
    folder = scan_backup_folder(dir, settings.prefix);
  }
  auto state = VerificationState::load(dir);
  // Who signed each file; integrity does not depend on it, so a key file that cannot be used only
  // leaves the signers unjudged ("unknown key").
  Keyring keys;
  try {
    SigningOptions signing;
    signing.key_file = settings.signing_key;
    keys = Keyring::load(signing);
  } catch (const Error& error) {
    spdlog::warn("signers not judged: {}{}", error.what(), error.hint().empty() ? "" : " (hint: " + error.hint() + ")");
  }

  // No argument: every backup and safety snapshot of the folder (the procedure's "Scénario 2").
  std::vector<fs::path> paths;
  if (flags.files.empty()) {
    if (dir.empty()) {
      throw Error(ErrorCode::usage, "no file to verify and no backup folder", "give FILE... or --backup-dir");
    }
    for (const auto& entry : folder) {
      if (entry.kind == BackupKind::backup || entry.kind == BackupKind::safety_snapshot) {
        paths.push_back(entry.path);
      }
    }
  } else {
    for (const auto& file : flags.files) {
      paths.push_back(resolve_backup_file(file, dir, settings.prefix));
    }
  }

  std::size_t ok = 0, corrupt = 0, incomplete = 0;
  util::JsonWriter json;
  json.begin_object().key("files").begin_array();
  for (const auto& path : paths) {
    VerifyResult result = verify_backup_file(path, {}, settings.threads);
    keys.judge(result);
    result.reason = reason_without_path(result.reason, path);
    std::error_code ec;
    std::string schema_check;  // what the backup run's schema check found, kept in the state
    for (const auto& entry : folder) {
      // A foreign entry (a symlink named like a backup, pointing at this file) gets no record.
      if (entry.kind != BackupKind::foreign && fs::equivalent(entry.path, path, ec)) {
        state.record(entry, result, std::chrono::system_clock::now());
        if (const VerificationRecord* record = state.find(entry); record != nullptr) {
          schema_check = record->schema_check;
        }
      }
    }
    const bool not_restorable = schema_check.starts_with("FAILED");
    // Which database the file is a backup of, as its header says (mysqldump files say none).
    const std::optional<std::string> source = header_database(result.header);
    std::uint64_t rows = 0;
    for (const auto& table : result.tables) {
      rows += table.rows;
    }
    if (result.ok()) {
      ++ok;
    } else if (result.status == VerifyStatus::corrupt) {
      ++corrupt;
    } else {
      ++incomplete;
    }
    if (settings.json) {
      json.begin_object()
          .key("file").value(path.filename().string())
          .key("path").value(path.string())
          .key("status").value(verify_status_name(result.status))
          .key("ok").value(result.ok())
          .key("reason").value(result.reason)
          .key("compressed_bytes").value(result.compressed_bytes)
          .key("uncompressed_bytes").value(result.uncompressed_bytes)
          .key("sha256").value(result.sha256)
          .key("tables").value(static_cast<std::uint64_t>(result.tables.size()))
          .key("rows").value(rows)
          .key("completed_at").value(result.completed_at)
          .key("sections").value(result.sections)
          .key("holds_tables").value(result.holds_tables())
          .key("schema_check").value(schema_check)
          .key("database");
      source ? json.value(*source) : json.null();
      json
          .key("restorable").value(result.ok() && !not_restorable)
          .key("signature").value(signer_trust_name(result.signer.trust))
          .key("signer").value(result.signer.fingerprint)
          .end_object();
    } else if (result.ok()) {
      const bool vouched = result.signer.trust == SignerTrust::ours || result.signer.trust == SignerTrust::trusted;
      std::cout << fmt::format("OK          {}{}{}{}{}; signature: {}{}\n", printable(path.filename().string()),
                               source ? fmt::format("  database '{}'", printable(*source)) : std::string(),
                               result.status == VerifyStatus::ok_legacy
                                   ? "  (legacy: no content checksum)"
                                   : fmt::format("  ({} tables, {} rows, sha256{} verified)", result.tables.size(),
                                                 rows, result.sections > 0 ? " and section index" : ""),
                               result.holds_tables() ? "" : "; holds no table: never 'latest', not in --min-keep",
                               not_restorable ? "; NOT RESTORABLE as is (its schema check: " + schema_check + ")" : "",
                               describe_signer(result),
                               result.status == VerifyStatus::ok && !vouched ? ": restore needs --trust-unsigned" : "");
    } else {
      // The reason may quote the file's content: no raw control byte reaches the terminal.
      std::cout << fmt::format("{}: {}: {}\n", status_word(result.status), printable(path.filename().string()),
                               printable(result.reason));
    }
    spdlog::log(result.ok() ? spdlog::level::info : spdlog::level::err, "verify {}: {}{}", path.string(),
                verify_status_name(result.status), result.reason.empty() ? "" : ": " + result.reason);
  }
  json.end_array()
      .key("summary").begin_object()
      .key("files").value(static_cast<std::uint64_t>(paths.size()))
      .key("ok").value(static_cast<std::uint64_t>(ok))
      .key("corrupt").value(static_cast<std::uint64_t>(corrupt))
      .key("incomplete").value(static_cast<std::uint64_t>(incomplete))
      .end_object().end_object();
  if (!dir.empty() && fs::is_directory(dir)) {
    try {
      state.save();
    } catch (const Error& error) {
      spdlog::warn("verification results not remembered: {}", error.what());
    }
  }
  if (settings.json) {
    std::cout << json.str() << "\n";
  } else {
    std::cout << fmt::format("{} file(s): {} ok, {} corrupt, {} incomplete\n", paths.size(), ok, corrupt, incomplete);
  }
  if (corrupt > 0) {
    return static_cast<int>(ErrorCode::corrupt);
  }
  return incomplete > 0 ? static_cast<int>(ErrorCode::incomplete) : 0;
}

}  // namespace

Command add_verify_command(CLI::App& app, GlobalSettings& settings) {
  auto flags = std::make_shared<VerifyFlags>();
  Command command;
  command.log_name = "backup";
  command.results_on_stdout = true;
  command.log_file_optional = true;  // verify must work in a read-only folder
  command.app = app.add_subcommand("verify", "Prove backup files complete and unaltered (more than gzip -t)");
  auto* files = command.app->add_option("files", flags->files,
                                        "Files to verify (default: every backup and safety snapshot)");
  command.app
      ->add_flag(
          "--all", flags->all,
          "Every backup and safety snapshot of the folder, however recently verified (the weekly schedule's "
          "line: bit rot keeps a file's name, size and mtime)")
      ->excludes(files);
  command.app->add_flag("--json", settings.json, "Machine-readable output (fields: docs/json-output.md)");
  command.app->footer(
      "Checks every gzip member's CRC, the completion marker, the content SHA-256 and the manifest.\n"
      "Exit 0 if all pass, 10 if one is corrupt, 11 if one is incomplete.");
  command.action = [&settings, flags]() { return verify_files(settings, *flags); };
  return command;
}

}  // namespace ifnbackup::cli
