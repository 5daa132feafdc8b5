#include <algorithm>
#include <array>
#include <optional>
#include <string_view>

#include <fmt/format.h>

#include "ifnbackup/error.hpp"
#include "ifnbackup/retention.hpp"

namespace ifnbackup {

namespace {

using Clock = std::chrono::system_clock;

std::chrono::sys_days civil_day(const LocalDateTime& t) {
  return std::chrono::year_month_day{std::chrono::year{t.year}, std::chrono::month{t.month}, std::chrono::day{t.day}};
}

// ISO 8601 week: weeks start on Monday and belong to the year of their Thursday, so 2024-12-30 is in
// 2025-W01 and 2027-01-01 in 2026-W53.
struct IsoWeek {
  int year;
  int week;
};

IsoWeek iso_week(const LocalDateTime& t) {
  const std::chrono::sys_days day = civil_day(t);
  const int weekday = static_cast<int>(std::chrono::weekday{day}.iso_encoding());  // Monday = 1
  const std::chrono::sys_days thursday = day + std::chrono::days{4 - weekday};
  const std::chrono::year year = std::chrono::year_month_day{thursday}.year();
  const std::chrono::sys_days first_day = std::chrono::year_month_day{year, std::chrono::January, std::chrono::day{1}};
  return {static_cast<int>(year), static_cast<int>((thursday - first_day).count() / 7 + 1)};
}

// A GFS rule: the newest backup of each of the last `count` buckets that hold a backup is kept.
struct GfsRule {
  const char* reason;  // "daily: newest backup of {}" (the bucket's label), translated by tx()
  int count;
  long long (*bucket)(const LocalDateTime&);
  std::string (*label)(const LocalDateTime&);
  std::optional<long long> last = std::nullopt;
};

long long day_bucket(const LocalDateTime& t) {
  return t.year * 10000LL + t.month * 100LL + t.day;
}
long long week_bucket(const LocalDateTime& t) {
  const IsoWeek w = iso_week(t);
  return w.year * 100LL + w.week;
}
long long month_bucket(const LocalDateTime& t) {
  return t.year * 100LL + t.month;
}

std::string day_label(const LocalDateTime& t) {
  return fmt::format("{:04}-{:02}-{:02}", t.year, t.month, t.day);
}
std::string week_label(const LocalDateTime& t) {
  const IsoWeek w = iso_week(t);
  return fmt::format("{:04}-W{:02}", w.year, w.week);
}
std::string month_label(const LocalDateTime& t) {
  return fmt::format("{:04}-{:02}", t.year, t.month);
}

// n units (days, hours) as a clock duration, saturated: 999999 days is more than a duration holds
// (106,751 days), and wrapping round would turn "keep for ever" into "remove everything".
template <class Unit>
Clock::duration saturating(long long n) {
  constexpr long long k_max_units = std::chrono::duration_cast<Unit>(Clock::duration::max()).count();
  if (n >= k_max_units) {
    return Clock::duration::max();
  }
  return std::chrono::duration_cast<Clock::duration>(Unit{n});
}

long long whole_days(Clock::duration d) {
  return std::chrono::floor<std::chrono::days>(d).count();
}
long long whole_hours(Clock::duration d) {
  return std::chrono::floor<std::chrono::hours>(d).count();
}

// "1 day", "7 days".
Text days_text(long long n) {
  return n == 1 ? tx("1 day") : tx("{} days", n);
}

Text floor_reason(int min_keep) {
  return min_keep == 1 ? tx("floor: the newest good backup") : tx("floor: one of the {} newest good backups", min_keep);
}

// "a; b" ("a ; b" in French).
Text join(const std::vector<Text>& parts) {
  Text out;
  for (const auto& part : parts) {
    out = out.empty() ? part : tx("{}; {}", out, part);
  }
  return out;
}

// Backups: within retention, floor of good backups, GFS. Candidates are in catalog order.
void decide_backups(std::vector<RetentionDecision>& decisions, const std::vector<Health>& health,
                    const RetentionPolicy& policy, Clock::time_point now) {
  const Clock::duration retention = saturating<std::chrono::days>(policy.retention_days);
  int floor_left = policy.min_keep;
  std::array<GfsRule, 3> rules{{
      {N_("daily: newest backup of {}"), policy.keep_daily, day_bucket, day_label},
      {N_("weekly: newest backup of week {}"), policy.keep_weekly, week_bucket, week_label},
      {N_("monthly: newest backup of {}"), policy.keep_monthly, month_bucket, month_label},
  }};
  const bool gfs = policy.keep_daily > 0 || policy.keep_weekly > 0 || policy.keep_monthly > 0;

  for (std::size_t i = 0; i < decisions.size(); ++i) {
    RetentionDecision& d = decisions[i];
    if (d.entry.kind != BackupKind::backup) {
      continue;
    }
    const Clock::duration age = now - d.entry.timestamp;
    const bool future = dated_in_future(d.entry.timestamp, now);
    std::vector<Text> reasons;
    if (age < retention) {
      reasons.push_back(age < Clock::duration::zero()
                            ? tx("within {} (dated in the future)", days_text(policy.retention_days))
                            : tx("within {}", days_text(policy.retention_days)));
    }
    if (health[i] == Health::good && !future && floor_left > 0) {
      --floor_left;
      reasons.push_back(floor_reason(policy.min_keep));
    }
    if (health[i] != Health::bad && health[i] != Health::empty && health[i] != Health::unrestorable && !future) {
      for (GfsRule& rule : rules) {
        const long long key = rule.bucket(d.entry.local);
        if (rule.count > 0 && rule.last != key) {
          rule.last = key;
          --rule.count;
          reasons.push_back(tx(rule.reason, rule.label(d.entry.local)));
        }
      }
    }

    d.remove = reasons.empty();
    if (!d.remove) {
      if (health[i] == Health::bad) {
        reasons.push_back(tx("verify failed (corrupt or incomplete): kept for inspection"));
      } else if (health[i] == Health::empty) {
        reasons.push_back(tx("holds no table: not counted in the floor"));
      } else if (health[i] == Health::unrestorable) {
        reasons.push_back(tx("its schema check failed (not restorable as is): not counted in the floor"));
      } else if (future) {
        reasons.push_back(
            tx("dated more than {} h in the future: not counted in the floor", k_future_tolerance.count()));
      }
      d.reason = join(reasons);
      continue;
    }
    const Text past = tx("{} old, past the {}-day retention", days_text(whole_days(age)), policy.retention_days);
    const Text not_gfs = gfs ? tx("; not the newest of a kept day, week or month") : Text();
    const Text floor = policy.min_keep == 1 ? tx("1 good backup") : tx("{} good backups", policy.min_keep);
    switch (health[i]) {
      case Health::bad:
        d.reason = tx("verify failed (corrupt or incomplete) and {}: useless", past);
        break;
      case Health::empty:
        d.reason = tx("{}; holds no table, so not counted in the floor of {}{}", past, floor, not_gfs);
        break;
      case Health::unrestorable:
        d.reason = tx("{}; its schema check failed, so not counted in the floor of {}{}", past, floor, not_gfs);
        break;
      case Health::unknown:
        d.reason = tx("{}; never verified, so not counted in the floor of {}{}", past, floor, not_gfs);
        break;
      case Health::good:
        d.reason = policy.min_keep == 1
                       ? tx("{}; older than the newest good backup{}", past, not_gfs)
                       : tx("{}; older than the {} newest good backups{}", past, policy.min_keep, not_gfs);
        break;
    }
  }
}

void decide_safety_snapshots(std::vector<RetentionDecision>& decisions, const RetentionPolicy& policy,
                             Clock::time_point now) {
  const Clock::duration retention = saturating<std::chrono::days>(policy.safety_retention_days);
  bool newest_seen = false;
  for (RetentionDecision& d : decisions) {
    if (d.entry.kind != BackupKind::safety_snapshot) {
      continue;
    }
    const Clock::duration age = now - d.entry.timestamp;
    std::vector<Text> reasons;
    if (!newest_seen) {
      newest_seen = true;
      reasons.push_back(tx("newest safety snapshot"));
    }
    if (age < retention) {
      reasons.push_back(tx("safety snapshot within {}", days_text(policy.safety_retention_days)));
    }
    d.remove = reasons.empty();
    d.reason = d.remove ? tx("safety snapshot {} old, past the {}-day safety retention, and a newer one exists",
                             days_text(whole_days(age)), policy.safety_retention_days)
                        : join(reasons);
  }
}

// A partial is dated by the newer of its name's time (start of the run) and its mtime (last write):
// a long dump still writing has an old name but a fresh mtime, and a partial copied with an old mtime
// still carries the run's time in its name. Taking the newer one never removes a file being written.
void decide_partial(RetentionDecision& d, const RetentionPolicy& policy, Clock::time_point now) {
  const Clock::duration age = now - std::max(d.entry.timestamp, d.entry.mtime);
  const long long max_hours = policy.partial_max_age.count();
  d.remove = age > saturating<std::chrono::hours>(max_hours);
  d.reason = d.remove
                 ? tx("partial file {} h old (newer of name time and mtime), past {} h: left by an interrupted run",
                      whole_hours(age), max_hours)
                 : tx("partial file younger than {} h: in progress?", max_hours);
}

}  // namespace

void check_retention_policy(const RetentionPolicy& policy) {
  if (policy.min_keep < 1) {
    throw Error(ErrorCode::usage,
                tx("min_keep must be at least 1 (got {}): rotation could remove every good backup", policy.min_keep),
                tx("keep at least one good backup, e.g. min_keep = 7"));
  }
  const std::array<std::pair<const char*, long long>, 6> counts{{
      {"retention_days", policy.retention_days},
      {"keep_daily", policy.keep_daily},
      {"keep_weekly", policy.keep_weekly},
      {"keep_monthly", policy.keep_monthly},
      {"safety_retention_days", policy.safety_retention_days},
      {"partial_max_age (hours)", policy.partial_max_age.count()},
  }};
  for (const auto& [name, value] : counts) {
    if (value < 0) {
      throw Error(ErrorCode::usage, tx("{} must not be negative (got {})", name, value),
                  tx("use 0 to turn a rule off"));
    }
  }
}

std::vector<RetentionDecision> apply_retention(const std::vector<RetentionCandidate>& candidates,
                                               const RetentionPolicy& policy, Clock::time_point now) {
  check_retention_policy(policy);

  std::vector<const RetentionCandidate*> order;
  order.reserve(candidates.size());
  for (const auto& c : candidates) {
    order.push_back(&c);
  }
  std::stable_sort(order.begin(), order.end(), [](const RetentionCandidate* a, const RetentionCandidate* b) {
    return newest_first(a->entry, b->entry);
  });

  std::vector<RetentionDecision> decisions;
  std::vector<Health> health;
  decisions.reserve(order.size());
  health.reserve(order.size());
  for (const RetentionCandidate* c : order) {
    decisions.push_back(RetentionDecision{c->entry, false, {}});
    health.push_back(c->health);
  }

  decide_backups(decisions, health, policy, now);
  decide_safety_snapshots(decisions, policy, now);
  bool had_good = false;
  bool kept_good = false;
  for (std::size_t i = 0; i < decisions.size(); ++i) {
    RetentionDecision& d = decisions[i];
    if (d.entry.kind == BackupKind::partial) {
      decide_partial(d, policy, now);
    } else if (d.entry.kind == BackupKind::foreign) {
      d.remove = false;
      d.reason = tx("not ours: never touched");
    } else if (d.entry.kind == BackupKind::backup && health[i] == Health::good) {
      had_good = true;
      kept_good = kept_good || !d.remove;
    }
  }
  // The floor guarantees this; checked because a mistake here deletes the last good backup.
  if (had_good && !kept_good) {
    throw Error(ErrorCode::internal, tx("retention would remove every good backup; nothing removed"));
  }
  return decisions;
}

}  // namespace ifnbackup
