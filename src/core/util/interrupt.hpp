#pragma once
// SIGINT/SIGTERM turn into Error(interrupted) at the next check point, so partial files are
// removed by the normal unwinding. The flag is the one piece of global state a signal needs.
namespace ifnbackup::util {

// Installs the handlers (idempotent) and ignores SIGPIPE and SIGXFSZ (a file size limit then
// shows up as EFBIG from write(), handled like a full disk).
void install_interrupt_handlers();
bool interrupt_requested() noexcept;
// Throws Error(interrupted) if a signal arrived.
void check_interrupted();

}  // namespace ifnbackup::util
