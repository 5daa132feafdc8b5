#pragma once
// The retention policy as a pure function: (files of the backup folder, policy, now) -> one decision
// per file, keep or remove, with the rule that decided it. Modelled on restic's ApplyPolicy.
//
// Backups (kind backup) are kept when any of these holds; the reason names every rule that matched:
//   - "within N days": the name's time is less than retention_days before now (or in the future);
//   - "floor": one of the min_keep newest backups whose verify result is good, whatever their age.
//     Bad, unverified and empty backups (no table), and backups dated in the future (a clock set
//     wrong, or a name made to look newest: dated_in_future) neither count toward the floor nor are
//     kept by it, so the floor reaches back past them to older good ones;
//   - "daily"/"weekly"/"monthly" (GFS): the newest backup of each of the last keep_daily days,
//     keep_weekly ISO weeks, keep_monthly months that have a backup (local calendar of the name),
//     counting good and unverified backups, never bad or empty ones nor ones dated in the future.
// Days and counts saturate: a huge retention (999999 days, "keep for ever") keeps for ever, it never
// wraps round into "remove".
// A bad backup (verify: corrupt or incomplete) within retention_days is KEPT, so the operator can
// inspect it; older than that it is removed: it is ours and useless. An unverified backup older than
// retention_days and not kept by GFS is removed: verify backups before rotating.
// Safety snapshots: kept within safety_retention_days; the newest one is always kept. Their health,
// and that of partial and foreign files, plays no part.
// Partial files: dated by the newer of the name's time and the mtime (the name gives the start of the
// run, the mtime moves while a long dump is still writing; the newer of the two never removes a file
// that is still growing). Older than partial_max_age: removed; otherwise kept ("in progress?").
// Foreign files are in the decisions, always kept, with the reason "not ours", so a dry run lists the
// whole folder; nothing of theirs is ever removed.
//
// Decisions come in catalog order (newest_first: newest first, foreign files last).
#include <chrono>
#include <string>
#include <vector>

#include "ifnbackup/catalog.hpp"
#include "ifnbackup/i18n.hpp"

namespace ifnbackup {

// The command line's bounds for days and counts (docs: README, ifnbackup --help). The policy itself
// accepts any non-negative int and saturates.
inline constexpr int k_max_retention_days = 1000000;  // about 2,700 years: "keep for ever"
inline constexpr int k_max_keep_count = 1000000;

struct RetentionPolicy {
  int retention_days = 30;  // keep every backup younger than this
  int min_keep = 7;         // floor: the newest good backups kept whatever their age; at least 1
  int keep_daily = 0;       // GFS; 0 = rule off
  int keep_weekly = 0;
  int keep_monthly = 0;
  int safety_retention_days = 30;
  std::chrono::hours partial_max_age{24};
};

// What verify said about a file.
enum class Health {
  good,   // complete and unaltered, and holds a table (VerifyResult::holds_tables)
  empty,  // complete and unaltered but holds no table: nothing to fall back on, never in the floor
  bad,    // corrupt or incomplete
  // complete and unaltered, but the server refused its schema (the schema check of its backup
  // run): kept like an empty one, never in the floor nor "latest"
  unrestorable,
  unknown,  // never verified
};

struct RetentionCandidate {
  CatalogEntry entry;
  Health health = Health::unknown;
};

struct RetentionDecision {
  CatalogEntry entry;
  bool remove = false;
  // "within 30 days; floor: one of the 7 newest good backups": English (JSON, the log file) and the
  // operator's language (the terminal).
  Text reason;
};

// Throws Error(usage) for a policy that could remove every good backup (min_keep < 1) or a negative
// count or duration.
void check_retention_policy(const RetentionPolicy& policy);

// One decision per candidate, newest first. Pure: same input, same output. Throws as
// check_retention_policy.
std::vector<RetentionDecision> apply_retention(const std::vector<RetentionCandidate>& candidates,
                                               const RetentionPolicy& policy,
                                               std::chrono::system_clock::time_point now);

}  // namespace ifnbackup
