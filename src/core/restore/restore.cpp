// The restore, in the order that keeps the operator's data safe: nothing is touched before the
// file is verified, the plan confirmed and the safety snapshot written. Each phase is in its own
// file (restore/phases.hpp).
#include <algorithm>
#include <functional>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "db/database_lock.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/printable.hpp"
#include "ifnbackup/restore.hpp"
#include "io/atomic_file.hpp"
#include "io/folder_lock.hpp"
#include "restore/file_checks.hpp"
#include "restore/phases.hpp"
#include "util/interrupt.hpp"

namespace ifnbackup {

const char* restore_step_name(RestoreStep step) noexcept {
  switch (step) {
    case RestoreStep::verifying:
      return "verifying";
    case RestoreStep::safety_snapshot:
      return "safety snapshot";
    case RestoreStep::loading_rows:
      return "loading rows";
    case RestoreStep::building_indexes:
      return "building indexes";
    case RestoreStep::restoring_objects:
      return "restoring objects";
    case RestoreStep::proving:
      return "proving content";
    case RestoreStep::rolling_back:
      return "rolling back";
    case RestoreStep::checking_schema:
      return "checking schema";
  }
  return "?";
}

namespace {

// Times each step as the progress reports enter it, and hands the reports on to the caller's.
class StepClock {
 public:
  explicit StepClock(std::function<void(const LoadProgress&)> forward) : m_forward(std::move(forward)) {}

  void operator()(const LoadProgress& progress) {
    const auto now = std::chrono::steady_clock::now();
    if (!m_current || *m_current != progress.step) {
      close(now);
      m_current = progress.step;
      m_since = now;
    }
    if (m_forward) {
      m_forward(progress);
    }
  }
  void enter(RestoreStep step) {
    LoadProgress progress;
    progress.step = step;
    (*this)(progress);
  }
  std::vector<StepTime> finish() {
    close(std::chrono::steady_clock::now());
    m_current.reset();
    return std::exchange(m_steps, {});
  }

 private:
  void close(std::chrono::steady_clock::time_point now) {
    if (!m_current) {
      return;
    }
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(now - m_since);
    const auto same =
        std::find_if(m_steps.begin(), m_steps.end(), [&](const StepTime& step) { return step.step == *m_current; });
    if (same == m_steps.end()) {
      m_steps.push_back(StepTime{*m_current, took});
    } else {
      same->took += took;
    }
  }

  std::function<void(const LoadProgress&)> m_forward;
  std::optional<RestoreStep> m_current;
  std::chrono::steady_clock::time_point m_since;
  std::vector<StepTime> m_steps;
};

}  // namespace

RestoreResult run_restore(const RestoreOptions& options, const RestoreCallbacks& outer_callbacks) {
  const auto started = std::chrono::steady_clock::now();
  util::install_interrupt_handlers();
  StepClock clock(outer_callbacks.progress);
  RestoreCallbacks callbacks = outer_callbacks;
  callbacks.progress = [&clock](const LoadProgress& progress) { clock(progress); };
  RestorePlan plan = restore::plan_target(options);

  // 1-2. The file, verified in full before anything else.
  // "latest" is the newest backup of the configured database, also when restoring it --into another.
  plan.file = resolve_backup_file(options.file, options.backup_dir, options.prefix, options.connection.database);
  const auto verified_identity = restore::file_identity(plan.file);
  // One open file from the verification to the load: what is loaded is the file that was
  // verified, even if its name is replaced meanwhile (its content is hashed again as it loads).
  const restore::PinnedFile pinned(plan.file);
  clock.enter(RestoreStep::verifying);
  restore::plan_file(plan, options, pinned.path(), callbacks.progress);

  // 3. The plan, and the operator's answer.
  restore::plan_server(plan, options);
  const std::vector<StepTime> verified = clock.finish();  // the time spent reading the plan is no step
  // Ctrl-C during the verification stops here, not after a plan and a question the operator no
  // longer wants; at the question, it is an interruption too, not a refusal.
  const auto stop_if_interrupted = [] {
    if (util::interrupt_requested()) {
      throw Error(ErrorCode::interrupted, tx("restore interrupted (SIGINT or SIGTERM) before anything was changed"),
                  tx("run the restore again when you want it"));
    }
  };
  stop_if_interrupted();
  if (!callbacks.confirm || !callbacks.confirm(plan)) {
    stop_if_interrupted();
    throw Error(ErrorCode::aborted, tx("restore aborted: not confirmed; nothing was changed"),
                tx("type OUI (in capitals) at the question, or give --yes in scripts"));
  }
  util::check_interrupted();

  // 4. The safety snapshot, under the folder's lock so no backup or rotation runs meanwhile.
  io::ensure_private_folder(options.backup_dir);
  std::optional<io::FolderLock> lock;
  if (options.lock_backup_folder || plan.target_exists) {
    lock.emplace(options.backup_dir);
  }
  // The folder lock does not see a restore of the same database from another folder.
  const db::DatabaseLock database_lock(options.connection, plan.target_database);
  // The lock was not held while the operator read the plan: a rotation may have removed or
  // replaced the file meanwhile. Check before anything is dropped. (Unlocked, a drill loads the
  // file it holds open, whatever a rotation does to its name.)
  if (lock && restore::file_identity(plan.file) != verified_identity) {
    throw Error(
        ErrorCode::not_found,
        tx("{} was removed or changed while waiting for the confirmation; nothing was restored", plan.file.string()),
        tx("run the restore again (ifnbackup list shows the backups)"));
  }
  if (plan.target_exists) {
    clock.enter(RestoreStep::safety_snapshot);
  }
  const restore::SafetySnapshot snapshot = restore::take_safety_snapshot(plan, options, callbacks.progress);
  clock.enter(RestoreStep::loading_rows);

  // 5-7. The load, and what is now in the tables against what the backup recorded (a restore that
  // changed a row is a failed restore); the roll-back if either fails.
  RestoreResult result;
  result.file = plan.file;
  result.target_database = plan.target_database;
  result.safety_snapshot = snapshot.file;
  if (!snapshot.file.empty()) {
    result.undo_command = restore::snapshot_restore_command(plan, options, snapshot);
  }
  bool target_changed = false;
  try {
    // The proof reads the tables as the load left them, before any event restored with them ran;
    // it is closed before a roll-back (its transaction would hold the roll-back's DROP TABLE).
    restore::ProofReader proof;
    const restore::LoadStats stats =
        restore::load_backup(plan, options, callbacks, pinned.path(), proof, target_changed);
    result.statements = stats.statements;
    result.warnings = stats.warnings;
    result.failed_statements = stats.failed;
    result.checks = restore::check_restored(plan, options, callbacks, !snapshot.file.empty(), std::move(proof));
    if (callbacks.after_checks) {
      callbacks.after_checks(plan.target_database);
    }
  } catch (const Error& error) {
    if (!target_changed) {
      // The load's connections are opened before anything is dropped: a server that refused one
      // leaves the target as it was, and a roll-back (the whole safety snapshot loaded again)
      // would only risk it.
      log_error("restore stopped before the load changed anything: {}", error.message());
      throw Error(error.code(),
                  tx("restore stopped before anything was changed: {}; database '{}' is as it was", error.message(),
                     plan.target_database),
                  error.code() == ErrorCode::connection
                      ? tx("the load opens all its connections first: the restore's lock, the load's and, "
                           "unless --no-proof, the content proof's; allow the account more connections at once "
                           "(MAX_USER_CONNECTIONS) or raise the server's max_connections")
                      : error.hint_text());
    }
    restore::roll_back(plan, options, callbacks, snapshot, error);
  }

  result.duration = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  result.steps = verified;
  const std::vector<StepTime> after = clock.finish();
  result.steps.insert(result.steps.end(), after.begin(), after.end());
  // --force: statements failed and the operator chose to go on; the checks are reported, not rolled back.
  restore::throw_if_not_as_dumped(result.checks, !result.safety_snapshot.empty());
  return result;
}

}  // namespace ifnbackup
