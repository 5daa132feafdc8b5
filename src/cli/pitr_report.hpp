#pragma once
// What restore --until shows: the span it replays (before the plan) and what it replayed (at the end).
#include <string>

#include "ifnbackup/binlog.hpp"

namespace ifnbackup::cli {

std::string format_recovery_span(const RecoverySpan& span);
std::string format_replay_end(const PointInTimeResult& result);

}  // namespace ifnbackup::cli
