// The offsite options (backup's copy, push, list --offsite) and `ifnbackup push`.
#include <algorithm>
#include <cstdlib>
#include <iostream>

#include <fmt/format.h>

#include "cli.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/json.hpp"
#include "ifnbackup/printable.hpp"
#include "ifnbackup/push.hpp"
#include "status_line.hpp"

namespace ifnbackup::cli {

void add_offsite_options(CLI::App& app, GlobalSettings& settings) {
  auto& o = settings.offsite;
  const char* group = "Offsite copies (S3, GCS, MinIO: docs/offsite.md)";
  app.add_option("--offsite", o.url,
                 "s3://BUCKET/PREFIX: backup uploads each verified backup there; push and list --offsite read it. "
                 "Credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, else ~/.aws/credentials (0600)")
      ->group(group);
  app.add_option("--s3-endpoint", o.endpoint,
                 "S3 endpoint URL (default: AWS for the region; https://storage.googleapis.com for GCS with HMAC keys)")
      ->group(group);
  app.add_option("--s3-region", o.region,
                 "Region the requests are signed for (default: AWS_REGION, AWS_DEFAULT_REGION, else us-east-1)")
      ->group(group);
  app.add_flag("--s3-path-style", o.path_style,
               "Address the bucket in the path (ENDPOINT/BUCKET/KEY) rather than the host name (MinIO, most "
               "self-hosted servers)")
      ->group(group);
  app.add_option("--s3-storage-class", o.storage_class,
                 "x-amz-storage-class of the objects (STANDARD_IA, GLACIER_IR...; default: the bucket's)")
      ->group(group);
  app.add_option("--s3-max-parts", o.max_parts,
                 "Most parts of a multipart upload: the part size is derived from it and the file size (1000 for "
                 "providers with that limit)")
      ->capture_default_str()
      ->check(whole_number_in(1, k_s3_max_parts, "parts"))
      ->group(group);
  app.add_option("--s3-profile", o.profile,
                 "Profile of the shared credentials file (default: AWS_PROFILE, else default)")
      ->group(group);
  app.add_option("--s3-retry-time", settings.s3_retry_seconds,
                 "Seconds a failing request (5xx, timeouts, SlowDown, broken connection) is retried, with backoff")
      ->capture_default_str()
      ->check(whole_number_in(0, 86400, "seconds"))
      ->group(group);
}

OffsiteOptions make_offsite_options(const GlobalSettings& settings) {
  OffsiteOptions options = settings.offsite;
  if (options.region.empty()) {
    for (const char* name : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
      if (const char* value = std::getenv(name); value != nullptr && *value != '\0') {
        options.region = value;
        break;
      }
    }
  }
  if (options.region.empty()) {
    options.region = "us-east-1";
  }
  options.retry_time = std::chrono::seconds(settings.s3_retry_seconds);
  // For the tests only: the test server takes parts below S3's 5 MiB, so a small file shows a multipart upload.
  if (const char* value = std::getenv("IFNBACKUP_TEST_S3_MIN_PART_SIZE"); value != nullptr && *value != '\0') {
    options.min_part_size = std::strtoull(value, nullptr, 10);
  }
  parse_offsite_url(options.url);  // a usage error now, not after the dump
  return options;
}

namespace {

// The outcome's word on the terminal ("sent", "envoyé"), padded to the widest of the language.
std::string outcome_label(OffsiteCopy::Outcome outcome) {
  std::size_t width = 8;
  for (const auto each : {OffsiteCopy::Outcome::sent, OffsiteCopy::Outcome::present, OffsiteCopy::Outcome::failed,
                          OffsiteCopy::Outcome::skipped}) {
    width = std::max(width, display_columns(tr(offsite_outcome_name(each))));
  }
  return pad_columns(tr(offsite_outcome_name(outcome)), width);
}

void copies_json(util::JsonWriter& json, const std::vector<OffsiteCopy>& copies) {
  json.key("files").begin_array();
  for (const auto& file : copies) {
    json.begin_object()
        .field("name", file.name)
        .field("outcome", offsite_outcome_name(file.outcome))
        .field("message", file.message.english)
        .end_object();
  }
  json.end_array();
}

std::string push_json(const PushResult& result) {
  util::JsonWriter json;
  json.begin_object();
  copies_json(json, result.files);
  json.field("sent", static_cast<std::uint64_t>(result.sent))
      .field("present", static_cast<std::uint64_t>(result.present))
      .field("failed", static_cast<std::uint64_t>(result.failed))
      .field("skipped", static_cast<std::uint64_t>(result.skipped))
      .key("binlog");
  if (!result.archive_exists) {
    json.null();
  } else {
    json.begin_object();
    copies_json(json, result.archive);
    json.field("sent", static_cast<std::uint64_t>(result.archive_sent))
        .field("present", static_cast<std::uint64_t>(result.archive_present))
        .field("failed", static_cast<std::uint64_t>(result.archive_failed))
        .field("skipped", static_cast<std::uint64_t>(result.archive_skipped))
        .field("newest", result.archive_newest)
        .end_object();
  }
  json.end_object();
  return json.str() + "\n";
}

}  // namespace

Command add_push_command(CLI::App& app, GlobalSettings& settings) {
  Command command;
  command.log_name = "push";
  command.results_on_stdout = true;
  command.app = app.add_subcommand("push", "Send to the --offsite bucket the backups it lacks (or one named)");
  auto which = std::make_shared<std::string>("all");
  command.app->add_option("file", *which, "A backup's file name, or all (default)");
  command.app->add_flag("--json", settings.json, "Print the outcome as JSON");
  command.app->footer(
      "Lists the bucket, then sends each backup of the folder that verifies as good and is not there with\n"
      "the same size and SHA-256 (x-amz-meta-ifnbackup-sha256); each upload is checked by a HEAD. A file\n"
      "that does not verify is never sent. Then the binary log archive's whole files (binlog/, with all),\n"
      "the same way, as <prefix>binlog/NAME. Exit 22 when a copy failed (the local files are untouched).");
  command.action = [&settings, which]() {
    if (!settings.offsite.enabled()) {
      throw Error(ErrorCode::usage, tx("push needs --offsite s3://BUCKET/PREFIX"),
                  tx("give --offsite (or IFNBACKUP_OFFSITE, or offsite = ... in the config file)"));
    }
    PushOptions options;
    options.backup_dir = settings.backup_dir;
    options.prefix = settings.prefix;
    options.offsite = make_offsite_options(settings);
    options.which = *which;
    options.encrypt_to = make_encryption(settings).recipients;
    options.identities = make_identities(settings);
    const auto result = push_backups(options);
    if (settings.json) {
      std::cout << push_json(result);
    } else {
      for (const auto& file : result.files) {
        std::cout << printable(fmt::format("{} {}\n", outcome_label(file.outcome), file.message.local));
      }
      std::cout << trf("{} sent, {} already offsite, {} failed, {} not verified (not sent)\n", result.sent,
                       result.present, result.failed, result.skipped);
      for (const auto& file : result.archive) {
        std::cout << printable(fmt::format("{} binlog/{}\n", outcome_label(file.outcome), file.message.local));
      }
      if (result.archive_exists) {
        std::cout << trf("binary log archive: {} sent, {} already offsite, {} failed, {} not sent; offsite up to {}\n",
                         result.archive_sent, result.archive_present, result.archive_failed, result.archive_skipped,
                         result.archive_newest.empty() ? std::string("-") : result.archive_newest);
      }
    }
    const unsigned failed = result.failed + result.archive_failed;
    settings.run.offsite = failed == 0 ? "ok" : "failed";
    settings.run.binlog_offsite = result.archive_newest;
    // Newest first: the first file sent or found there is the newest copy the bucket holds.
    for (const auto& file : result.files) {
      if (file.outcome == OffsiteCopy::Outcome::sent || file.outcome == OffsiteCopy::Outcome::present) {
        settings.run.offsite_file = file.name;
        break;
      }
    }
    settings.run.offsite_message = fmt::format("{} sent, {} present, {} failed, {} skipped", result.sent,
                                               result.present, result.failed, result.skipped);
    if (result.archive_exists) {
      settings.run.offsite_message += fmt::format("; binlog: {} sent, {} present, {} failed", result.archive_sent,
                                                  result.archive_present, result.archive_failed);
    }
    if (failed > 0) {
      for (const auto* files : {&result.files, &result.archive}) {
        for (const auto& file : *files) {
          if (file.outcome == OffsiteCopy::Outcome::failed) {
            throw Error(ErrorCode::offsite,
                        tx("{} of {} offsite copies failed; first: {}", failed,
                           result.files.size() + result.archive.size(), file.message),
                        tx("the local backups are untouched; fix the cause and run 'ifnbackup push' again"));
          }
        }
      }
    }
    return 0;
  };
  return command;
}

}  // namespace ifnbackup::cli
