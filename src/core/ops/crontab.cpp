// The `crontab` command: read (-l) and replace (-) the current user's crontab. Its input and
// outputs go through anonymous temporary files: no pipe to deadlock on, whatever the size.
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include <fmt/format.h>

#include "ifnbackup/error.hpp"
#include "ifnbackup/schedule.hpp"

namespace ifnbackup {

namespace {

Text install_hint() {
  return tx("install the cron package (Debian: apt-get install cron), or use the systemd timer");
}

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};
using TempFile = std::unique_ptr<std::FILE, FileCloser>;

TempFile temp_file() {
  TempFile file(std::tmpfile());
  if (!file) {
    throw Error(ErrorCode::io, tx("cannot create a temporary file: {}", errno_text(errno)),
                tx("check that TMPDIR (or /tmp) is writable"));
  }
  return file;
}

std::string read_all(std::FILE* file) {
  std::rewind(file);
  std::string text;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) {
    text.append(buffer, n);
  }
  return text;
}

struct Outcome {
  int status = 0;  // exit status, or 127 when it could not run
  std::string out;
  std::string err;
};

Outcome run_crontab(const char* argument, const std::string& input) {
  auto in = temp_file();
  auto out = temp_file();
  auto err = temp_file();
  if (!input.empty() && std::fwrite(input.data(), 1, input.size(), in.get()) != input.size()) {
    throw Error(ErrorCode::io, tx("cannot write the new crontab to a temporary file"),
                tx("check that TMPDIR (or /tmp) is writable"));
  }
  std::fflush(in.get());
  std::rewind(in.get());
  const pid_t pid = ::fork();
  if (pid < 0) {
    throw Error(ErrorCode::io, tx("cannot start crontab: {}", errno_text(errno)), install_hint());
  }
  if (pid == 0) {
    ::dup2(::fileno(in.get()), 0);
    ::dup2(::fileno(out.get()), 1);
    ::dup2(::fileno(err.get()), 2);
    ::execlp("crontab", "crontab", argument, static_cast<char*>(nullptr));
    std::fprintf(stderr, "cannot run crontab: %s", std::strerror(errno));
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      throw Error(ErrorCode::internal, tx("waitpid(crontab): {}", errno_text(errno)));
    }
  }
  Outcome outcome;
  outcome.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  outcome.out = read_all(out.get());
  outcome.err = read_all(err.get());
  while (!outcome.err.empty() && (outcome.err.back() == '\n' || outcome.err.back() == ' ')) {
    outcome.err.pop_back();
  }
  return outcome;
}

}  // namespace

std::string read_crontab() {
  auto outcome = run_crontab("-l", {});
  if (outcome.status == 0) {
    return outcome.out;
  }
  // Vixie cron (Debian) says "no crontab for <user>" and exits 1: an empty crontab to us.
  if (outcome.status == 1 && outcome.err.find("no crontab for") != std::string::npos) {
    return {};
  }
  throw Error(ErrorCode::io, tx("crontab -l failed (exit {}): {}", outcome.status, outcome.err),
              outcome.status == 127 ? install_hint() : tx("check /etc/cron.allow and /etc/cron.deny"));
}

void write_crontab(const std::string& text) {
  auto outcome = run_crontab("-", text);
  if (outcome.status != 0) {
    throw Error(ErrorCode::io, tx("crontab - failed (exit {}): {}", outcome.status, outcome.err),
                outcome.status == 127 ? install_hint() : tx("check /etc/cron.allow and /etc/cron.deny"));
  }
}

}  // namespace ifnbackup
