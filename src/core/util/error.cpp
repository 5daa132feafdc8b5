#include "ifnbackup/error.hpp"

namespace ifnbackup {

const char* error_code_name(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::ok:
      return "ok";
    case ErrorCode::internal:
      return "internal";
    case ErrorCode::usage:
      return "usage";
    case ErrorCode::config:
      return "config";
    case ErrorCode::connection:
      return "connection";
    case ErrorCode::lock_held:
      return "lock_held";
    case ErrorCode::io:
      return "io";
    case ErrorCode::server:
      return "server";
    case ErrorCode::interrupted:
      return "interrupted";
    case ErrorCode::unknown_database:
      return "unknown_database";
    case ErrorCode::corrupt:
      return "corrupt";
    case ErrorCode::incomplete:
      return "incomplete";
    case ErrorCode::aborted:
      return "aborted";
    case ErrorCode::restore_rolled_back:
      return "restore_rolled_back";
    case ErrorCode::restore_failed:
      return "restore_failed";
    case ErrorCode::not_found:
      return "not_found";
    case ErrorCode::check_mismatch:
      return "check_mismatch";
    case ErrorCode::doctor_warnings:
      return "doctor_warnings";
    case ErrorCode::content_mismatch:
      return "content_mismatch";
    case ErrorCode::foreign_statement:
      return "foreign_statement";
    case ErrorCode::untrusted_signature:
      return "untrusted_signature";
    case ErrorCode::not_restorable:
      return "not_restorable";
    case ErrorCode::wrong_identity:
      return "wrong_identity";
    case ErrorCode::binlog_gap:
      return "binlog_gap";
    case ErrorCode::offsite:
      return "offsite";
  }
  return "unknown";
}

}  // namespace ifnbackup
