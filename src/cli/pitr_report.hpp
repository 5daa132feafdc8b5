#pragma once
// What restore --until shows: the span it replays (before the plan) and what it replayed (at the end).
#include <chrono>
#include <cstdint>
#include <string>

#include "ifnbackup/binlog.hpp"

namespace ifnbackup::cli {

std::string format_recovery_span(const RecoverySpan& span);
std::string format_replay_end(const RecoverySpan& span, std::uint64_t statements, std::chrono::milliseconds took);

}  // namespace ifnbackup::cli
