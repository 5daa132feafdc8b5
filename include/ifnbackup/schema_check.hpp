#pragma once
// The schema check of a new backup (issue 19): its tables, keys, triggers, routines and views,
// without rows, loaded into a scratch database on the same server and dropped. A statement the
// server refuses means no restore of this file can succeed as it is: the backup is kept (its rows
// are still worth having) but marked not restorable, so list, check and status say so at 02:00
// rather than during an emergency.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include "ifnbackup/options.hpp"

namespace ifnbackup {

enum class SchemaCheckOutcome {
  passed,   // every statement of the schema ran
  failed,   // the server refused a statement for a reason a restore by any account would meet
  not_run,  // the check could not run, or could not prove (the account lacks a privilege)
};
// "passed", "FAILED", "not run"
const char* schema_check_outcome_name(SchemaCheckOutcome outcome) noexcept;

struct SchemaCheckResult {
  SchemaCheckOutcome outcome = SchemaCheckOutcome::not_run;
  // failed: the first refused statement and the server's error; not_run: why.
  std::string detail;
  std::uint64_t statements = 0;  // run in the scratch database
  std::uint64_t refused = 0;     // of which the server refused
  // Tables not loaded, each with the same statements, its name aside, as a table that was, and named
  // by nothing else (issue 20: per-tenant tables cost one check per definition).
  std::uint64_t tables_shared = 0;
  std::string scratch_database;
  // Uncompressed bytes of the file read (a file with a section index: not the parts that hold only
  // rows), of file_bytes; 0 and 0: the whole file, as one stream.
  std::uint64_t bytes_read = 0;
  std::uint64_t file_bytes = 0;
  std::chrono::milliseconds duration{0};
};

// A fresh scratch database name: "ifnbackup_schemacheck_" and 16 random hex digits (the pid alone
// repeats across containers and hosts sharing a server). The check creates it with CREATE DATABASE
// (never IF NOT EXISTS) and drops only a database it created: an existing one of that name is never
// touched (another name is drawn). A killed run leaves its scratch database; its name says what it is.
std::string schema_check_database();

// Loads `file` (one of ours, already verified) without rows and events into a scratch database of
// the server `connection` names, then drops it. Never throws for what the server says of the schema;
// throws Error(interrupted) on SIGINT/SIGTERM (the scratch database dropped first, when possible).
SchemaCheckResult check_schema(const ConnectionOptions& connection, const std::filesystem::path& file);

}  // namespace ifnbackup
