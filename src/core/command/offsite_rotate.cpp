// The retention policy applied to the --offsite bucket (rotate.hpp): the objects of ours, judged by
// apply_retention with the offsite retention days, removed only when a second reading of the bucket
// agrees with the first.
#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "command/offsite_archive.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/printable.hpp"
#include "ifnbackup/rotate.hpp"
#include "util/interrupt.hpp"

namespace ifnbackup {
namespace {

constexpr std::string_view k_age_suffix = ".age";

// The backup an object holds: NAME.sql.gz for NAME.sql.gz and NAME.sql.gz.age; nullopt when the object
// is not named as one of our backups (another key, a sub-folder, a safety snapshot, a partial).
std::optional<std::string> backup_of(std::string_view object, std::string_view prefix) {
  std::string_view base = object;
  if (base.ends_with(k_age_suffix)) {
    base.remove_suffix(k_age_suffix.size());
  }
  const auto parsed = parse_backup_name(base, prefix);
  if (!parsed || parsed->kind != BackupKind::backup) {
    return std::nullopt;
  }
  return std::string(base);
}

// One backup in the bucket: its objects as listed and what their HEAD said.
struct Held {
  std::vector<OffsiteObject> objects;
  bool good = true;  // every object carries our header and the listed size
};

struct Reading {
  std::map<std::string, Held> backups;  // by backup name
  std::vector<std::string> not_ours;
  std::size_t other_keys = 0;
};

// Lists the bucket (every page) and reads each object named as ours by a HEAD.
Reading read_bucket(const OffsiteOptions& options, std::string_view prefix) {
  Reading reading;
  for (auto& listed : list_offsite(options, {}, false)) {
    const auto backup = backup_of(listed.name, prefix);
    if (!backup) {
      ++reading.other_keys;
      continue;
    }
    util::check_interrupted();
    const auto head = head_offsite(options, listed.name);
    if (!head) {
      continue;  // removed since the listing: the second reading decides whether that is expected
    }
    if (!is_our_sha256(head->sha256)) {
      reading.not_ours.push_back(listed.name);
      continue;
    }
    Held& held = reading.backups[*backup];
    held.good = held.good && head->size == listed.size;
    listed.sha256 = head->sha256;
    listed.binlog = head->binlog;
    listed.headed = true;
    held.objects.push_back(std::move(listed));
  }
  return reading;
}

std::set<std::string> object_names(const Reading& reading) {
  std::set<std::string> names;
  for (const auto& [backup, held] : reading.backups) {
    for (const auto& object : held.objects) {
      names.insert(object.name);
    }
  }
  names.insert(reading.not_ours.begin(), reading.not_ours.end());
  return names;
}

// The second reading, before anything is removed: every object of ours the first listing showed is
// still listed, and each good backup the policy keeps still answers a HEAD with our header and its size.
void confirm_reading(const OffsiteRotateOptions& options, const Reading& first,
                     const std::vector<OffsiteDecision>& decisions, const std::string& url) {
  // The objects named, the first five and how many more: the operator looks for them in the bucket.
  const auto named_few = [](const std::vector<std::string>& names) {
    constexpr std::size_t k_shown = 5;
    std::string out;
    for (std::size_t i = 0; i < names.size() && i < k_shown; ++i) {
      out += (i == 0 ? "" : ", ") + names[i];
    }
    return names.size() > k_shown ? Text(out + ", ...") : Text(out);
  };
  std::set<std::string> now_listed;
  for (const auto& object : list_offsite(options.offsite, {}, false)) {
    now_listed.insert(object.name);
  }
  std::vector<std::string> vanished;
  for (const auto& name : object_names(first)) {
    if (now_listed.count(name) == 0) {
      vanished.push_back(name);
    }
  }
  if (!vanished.empty()) {
    throw Error(ErrorCode::offsite,
                tx("{}: the second listing of the bucket lacks {} object(s) of ours the first one showed "
                   "({}); the listing is not trusted, nothing removed",
                   url, vanished.size(), named_few(vanished)),
                tx("another rotate, a lifecycle rule or a person removed objects meanwhile, or the storage listed "
                   "only part of the bucket: run 'ifnbackup list --offsite' and rotate again"));
  }
  for (const auto& backup : decisions) {
    if (backup.decision.remove || !backup.good) {
      continue;
    }
    for (const auto& name : backup.objects) {
      util::check_interrupted();
      const auto head = head_offsite(options.offsite, name);
      const auto listed = std::find_if(first.backups.at(backup.decision.entry.name).objects.begin(),
                                       first.backups.at(backup.decision.entry.name).objects.end(),
                                       [&](const OffsiteObject& o) { return o.name == name; });
      if (!head || !is_our_sha256(head->sha256) || head->size != listed->size) {
        throw Error(ErrorCode::offsite,
                    tx("{}: {}, a good backup the rotation keeps, is {} on a second reading; nothing "
                       "removed",
                       url, name, head ? "changed" : "gone"),
                    tx("the bucket changed under the rotation: run 'ifnbackup list --offsite' and rotate again"));
      }
    }
  }
}

}  // namespace

OffsiteRotateResult rotate_offsite(const OffsiteRotateOptions& options) {
  check_retention_policy(options.policy);
  const auto location = parse_offsite_url(options.offsite.url);
  OffsiteRotateResult result;
  result.url = fmt::format("s3://{}/{}", location.bucket, location.prefix);
  const auto now = std::chrono::system_clock::now();

  const Reading first = read_bucket(options.offsite, options.prefix);
  result.not_ours = first.not_ours;
  result.other_keys = first.other_keys;
  std::vector<RetentionCandidate> candidates;
  for (const auto& [backup, held] : first.backups) {
    RetentionCandidate candidate{catalog_entry_from_name({}, backup, options.prefix),
                                 held.good ? Health::good : Health::unknown};
    for (const auto& object : held.objects) {
      candidate.entry.size += object.size;
    }
    candidates.push_back(std::move(candidate));
  }
  for (auto& decision : apply_retention(candidates, options.policy, now)) {
    const Held& held = first.backups.at(decision.entry.name);
    OffsiteDecision backup;
    backup.good = held.good;
    backup.bytes = decision.entry.size;
    for (const auto& object : held.objects) {
      backup.objects.push_back(object.name);
    }
    backup.decision = std::move(decision);
    if (!held.good) {
      // The storage contradicts itself about this object: no fact to decide on, so it is neither counted
      // in the floor nor removed (a gateway lying about sizes must not turn every old backup into "unknown,
      // past retention: remove").
      backup.decision.remove = false;
      backup.decision.reason =
          tx("its HEAD size differs from the listing's: not counted in the floor, never removed on such an answer");
    }
    if (result.newest_good.empty() && backup.good && !dated_in_future(backup.decision.entry.timestamp, now)) {
      result.newest_good = backup.decision.entry.name;
      result.newest_good_time = backup.decision.entry.timestamp;
    }
    result.backups.push_back(std::move(backup));
  }

  // The archive's copies the kept backups need, decided on the backups the policy keeps (a dry run's too).
  std::vector<KeptOffsiteBackup> kept;
  for (const auto& backup : result.backups) {
    if (!backup.decision.remove) {
      KeptOffsiteBackup one{backup.decision.entry.name, std::nullopt};
      for (const auto& object : first.backups.at(backup.decision.entry.name).objects) {
        one.binlog = one.binlog ? one.binlog : object.binlog;
      }
      kept.push_back(std::move(one));
    }
  }
  const auto rotate_archive = [&] {
    result.binlog = rotate_offsite_archive(options.offsite, options.backup_dir, kept, options.dry_run, result.failed,
                                           result.binlog_problem);
  };
  const bool removing = std::any_of(result.backups.begin(), result.backups.end(),
                                    [](const OffsiteDecision& backup) { return backup.decision.remove; });
  if (!removing || options.dry_run) {
    for (const auto& backup : result.backups) {
      if (backup.decision.remove) {
        log_info("offsite: would remove {}: {}", fmt::join(backup.objects, ", "), backup.decision.reason);
      }
    }
    rotate_archive();
    return result;
  }
  confirm_reading(options, first, result.backups, result.url);

  for (auto& backup : result.backups) {
    if (!backup.decision.remove) {
      continue;
    }
    for (const auto& name : backup.objects) {
      try {
        delete_offsite(options.offsite, name);
      } catch (const Error& error) {
        if (error.code() == ErrorCode::interrupted) {
          throw;
        }
        backup.failure = error.what();
        ++result.failed;
        log_error("offsite: cannot remove {}{}: {}", location.prefix, name, error.message());
        continue;
      }
      backup.removed.push_back(name);
      ++result.removed;
      log_info("offsite: removed {}{}: {}", location.prefix, name, backup.decision.reason);
    }
    for (const auto& object : first.backups.at(backup.decision.entry.name).objects) {
      if (std::find(backup.removed.begin(), backup.removed.end(), object.name) != backup.removed.end()) {
        result.bytes_freed += object.size;
      }
    }
  }
  rotate_archive();
  return result;
}

}  // namespace ifnbackup
