#pragma once
// The one translator from a file-system errno to an ifnbackup::Error, and a write that
// retries partial writes and EINTR.
#include <filesystem>
#include <string>
#include <string_view>

#include "ifnbackup/i18n.hpp"

namespace ifnbackup::io {

// Error(io) for errno while `what` (tx("writing {}", X), tx("renaming {} to {}", ...)): disk full, quota, file size
// limit and permissions get their own wording and hint.
[[noreturn]] void throw_io_error(int error_number, const Text& what);

// Writes all of data to fd. Throws Error(io) ("disk full while writing <name>" on ENOSPC).
void write_fully(int fd, std::string_view data, std::string_view name);

// Replaces path with content atomically: a temporary ".<name>.<pid>.tmp" in the same folder
// (created with mode, no symlink followed), fsynced, renamed over path. Throws Error(io).
void replace_file(const std::filesystem::path& path, std::string_view content, unsigned mode);

}  // namespace ifnbackup::io
