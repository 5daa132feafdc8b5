#pragma once
// The phases of run_restore (restore.cpp), in their order: the plan (plan.cpp), the safety
// snapshot (safety_snapshot.cpp), the load (load.cpp), the row check and the content proof
// (content_proof.cpp), and the roll-back of a load or check that failed (rollback.cpp).
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/connection.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/restore.hpp"
#include "restore/content_proof.hpp"
#include "restore/script_loader.hpp"

namespace ifnbackup::restore {

inline constexpr std::string_view k_no_binlog = "SET SESSION sql_log_bin = 0";

// The plan: each step throws the Error the operator sees, with nothing changed.
// The database restored into: --into, else the configured one.
RestorePlan plan_target(const RestoreOptions& options);
// plan.file, read at `pinned` (held open from here to the load), verified — for --tables on a file
// with a section index, only the prologue and those tables' sections —, its origin judged, and the
// tables it replaces: refused when it is not good, runs foreign statements without
// --allow-foreign-statements, is not trusted, or lacks a chosen table.
// `progress`: the verification's (step verifying).
void plan_file(RestorePlan& plan, const RestoreOptions& options, const std::filesystem::path& pinned,
               const std::function<void(const LoadProgress&)>& progress = {});
// What the server says: the target's existence, collation and what it holds now (plan.target_now), the
// chosen tables' kind there, and whether this account may turn binary logging off.
void plan_server(RestorePlan& plan, const RestoreOptions& options);

struct SafetySnapshot {
  std::filesystem::path file;  // empty: nothing to snapshot (the target or the chosen tables are absent)
  // --tables: the chosen tables that existed before the load, the ones the snapshot holds; a
  // roll-back drops the others, which the load created.
  std::vector<std::string> replaced_tables;
};
// Of what the load replaces, written as a backup of ours; Error(its code) when it fails.
// `progress`: SQL bytes and rows written (step safety_snapshot).
SafetySnapshot take_safety_snapshot(const RestorePlan& plan, const RestoreOptions& options,
                                    const std::function<void(const LoadProgress&)>& progress = {});

// The command that loads the safety snapshot back into the target, with this run's connection
// settings written out (an environment variable or a config file of this run may be gone by then).
// Its own restore asks for OUI, and takes a snapshot of what it replaces, as any restore. Printed
// by a failed roll-back and at the end of every restore (RestoreResult::undo_command).
std::string snapshot_restore_command(const RestorePlan& plan, const RestoreOptions& options,
                                     const SafetySnapshot& snapshot);

// A connection for the restore's writes; with no_binlog they stay out of the binary log (the
// session only: nothing to put back).
std::unique_ptr<db::Connection> open_writer(const ConnectionOptions& connection, bool select_database, bool no_binlog);
// How many of `wanted` more connections this restore takes, asking `connection`'s server: at most
// half of those free under max_connections (Threads_connected counted) and under the account's
// max_user_connections, so that other clients still connect; logged when fewer. All of them when the
// limits cannot be read (a connection refused then costs a worker, see load_into).
unsigned connection_room(db::Connection& connection, unsigned wanted);
// The content proof's reading session: opened with the load's connections, its snapshot started
// right before the first CREATE EVENT (none in the file: when the checks start).
struct ProofReader {
  std::unique_ptr<db::Connection> connection;
  // Loading connections that read for the proof too, in the same snapshot (start_proof_helper): idle
  // once the rows are in, they cost the server no connection more.
  std::vector<std::unique_ptr<db::Connection>> helpers;
  std::vector<db::Connection*> started_helpers;  // those whose snapshot started
  bool started = false;
  // The proof beside the key builds (prove_beside_key_builds): its verdicts, reported by
  // check_restored, and how it read.
  std::optional<std::vector<TableCheck>> checks;
  ProofSettings::Reading reading;
  // How many loading connections read beside it, when idle (--threads - 1: the cores the load used).
  unsigned helpers_wanted = 0;
};
// The content proof while the last key builds run (LoadSettings::proof_beside_keys), into
// `proof.checks`: read on the proof's connection and up to proof.helpers_wanted of the loading
// connections that are `idle` (the others build keys), in one
// snapshot begun now, every row loaded; `building`: the tables whose keys are being built. False,
// nothing read, when one of those is not an InnoDB table with a primary key (its build could copy
// the table, which a snapshot begun before cannot read: the proof then runs after the load).
// The helpers' sessions are put back as they were: they load on after it.
bool prove_beside_key_builds(const RestorePlan& plan, const RestoreOptions& options, const RestoreCallbacks& callbacks,
                             ProofReader& proof, const std::vector<db::Connection*>& idle,
                             const std::vector<std::string>& building);
// The tables a restore proves (the plan's, or --tables'), and the proof's settings but its snapshot.
std::vector<TableCount> restored_tables(const RestorePlan& plan);
ProofSettings proof_settings(const RestorePlan& plan, const RestoreOptions& options, const RestoreCallbacks& callbacks);
// The snapshot started on `proof.connection` and on `helpers` (into proof.started_helpers; one that
// refuses is left out).
void start_snapshots(ProofReader& proof, const std::string& database, const std::vector<db::Connection*>& helpers);
// The proof's snapshot started on `proof.connection` and its helpers (one that refuses is left out).
void start_proof_snapshots(ProofReader& proof, const std::string& database);
// Loads `file` into `database`, dropped and re-created first (or, for only_tables, created if
// missing), on the main connection and `workers` more (connection_room's share of them). With
// `proof_reader`, a connection for the content proof is opened into it too, before the workers': a server that refuses
// some of them costs workers, never the proof; and up to `proof_helpers` of the workers are handed to it, to read
// beside it.
LoadStats load_into(const ConnectionOptions& connection, const std::string& database, const std::filesystem::path& file,
                    LoadSettings settings, bool no_binlog, unsigned workers, const std::string& collation,
                    ProofReader* proof_reader = nullptr, bool* target_changed = nullptr, unsigned proof_helpers = 0);
// The planned file (read at `pinned`) into the target; with the content to prove, `proof` opened.
// Any failure is an Error.
// `target_changed` is set once the load is about to change the target (its database dropped or
// created): a failure before that (a connection the server refused) needs no roll-back.
LoadStats load_backup(const RestorePlan& plan, const RestoreOptions& options, const RestoreCallbacks& callbacks,
                      const std::filesystem::path& pinned, ProofReader& proof, bool& target_changed);

// What is now in the tables the load restored against what the backup recorded: row counts, and
// the content digests read back as the dumper reads (in `proof_snapshot` when there is one, closed
// after). Unless --force, a difference is thrown (check_mismatch, content_mismatch).
std::vector<TableCheck> check_restored(const RestorePlan& plan, const RestoreOptions& options,
                                       const RestoreCallbacks& callbacks, bool snapshot_taken, ProofReader proof);

// After `error` in the load or the checks: the target put back as it was — the safety snapshot
// loaded, what the load created dropped — unless --no-rollback. Always throws: `error` as the
// operator sees it, or restore_failed when the roll-back failed too.
[[noreturn]] void roll_back(const RestorePlan& plan, const RestoreOptions& options, const RestoreCallbacks& callbacks,
                            const SafetySnapshot& snapshot, const Error& error);

}  // namespace ifnbackup::restore
