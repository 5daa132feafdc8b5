// The doctor's pure checks: facts in, a finding with its fix out.
#include <sys/stat.h>

#include <fmt/format.h>

#include "ifnbackup/doctor.hpp"
#include "ifnbackup/i18n.hpp"

namespace ifnbackup {

namespace {

std::string octal(mode_t mode) {
  return fmt::format("{:04o}", mode & 07777);
}

// A path for a shell command line: single-quoted when it holds anything but safe characters.
std::string shell_path(const std::string& path) {
  if (path.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+,:@") ==
      std::string::npos) {
    return path;
  }
  std::string out = "'";
  for (char c : path) {
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  return out + "'";
}

std::string user_text(const Owner& owner) {
  return owner.name.empty() ? trf("uid {}", owner.uid) : trf("{} (uid {})", owner.name, owner.uid);
}

}  // namespace

DoctorFinding check_secret_file(const std::string& what, const std::filesystem::path& path, mode_t mode) {
  DoctorFinding finding{what, DoctorStatus::ok, trf("{} is mode {}", path.string(), octal(mode)), {}};
  if ((mode & 077) != 0) {
    finding.status = DoctorStatus::warning;
    finding.message = trf("{} is mode {}: {} can read it", path.string(), octal(mode),
                          (mode & 007) != 0 ? "every local user" : "its group");
    finding.fix = fmt::format("chmod 600 {}", shell_path(path.string()));
  }
  return finding;
}

DoctorFinding check_backup_folder(const std::filesystem::path& folder, mode_t mode) {
  DoctorFinding finding{"backup folder", DoctorStatus::ok, trf("{} is mode {}", folder.string(), octal(mode)), {}};
  if ((mode & 077) != 0) {
    finding.status = DoctorStatus::warning;
    finding.message =
        trf("{} is mode {}: other users can list (and maybe read) the backups", folder.string(), octal(mode));
    finding.fix = fmt::format("chmod 700 {}", shell_path(folder.string()));
  }
  return finding;
}

DoctorFinding check_backup_files(const std::filesystem::path& folder, const std::vector<FileMode>& files) {
  std::vector<std::string> loose;
  for (const auto& file : files) {
    if ((file.mode & 077) != 0) {
      loose.push_back(fmt::format("{} ({})", file.name, octal(file.mode)));
    }
  }
  DoctorFinding finding{"backup files",
                        DoctorStatus::ok,
                        trf("{} file(s) in {}, all 0600 or stricter", files.size(), folder.string()),
                        {}};
  if (!loose.empty()) {
    finding.status = DoctorStatus::warning;
    finding.message = trf("{} file(s) in {} readable by others than the owner: {}", loose.size(), folder.string(),
                          fmt::join(loose, ", "));
    finding.fix = fmt::format("chmod 600 {}/*", shell_path(folder.string()));
  }
  return finding;
}

DoctorFinding check_owners(const std::filesystem::path& folder, const Owner& folder_owner,
                           const std::vector<FileOwner>& files, const Owner& runner) {
  std::vector<std::string> problems;
  if (folder_owner.uid != runner.uid) {
    problems.push_back(trf("{} belongs to {}", folder.string(), user_text(folder_owner)));
  }
  std::vector<std::string> foreign;
  for (const auto& file : files) {
    if (file.owner.uid != runner.uid) {
      foreign.push_back(fmt::format("{} ({})", file.name, user_text(file.owner)));
    }
  }
  if (!foreign.empty()) {
    problems.push_back(trf("{} file(s) in it belong to another user: {}", foreign.size(), fmt::join(foreign, ", ")));
  }
  DoctorFinding finding{"backup owner",
                        DoctorStatus::ok,
                        trf("{} and its {} file(s) belong to {}", folder.string(), files.size(), user_text(runner)),
                        {}};
  if (!problems.empty()) {
    finding.status = DoctorStatus::warning;
    finding.message = trf("{}, not to {} who runs this: that user can replace or remove the backups",
                          fmt::join(problems, "; "), user_text(runner));
    finding.fix = trf("chown -R {} {} (and run doctor as the user that runs the backups)",
                      runner.name.empty() ? std::to_string(runner.uid) : runner.name, shell_path(folder.string()));
  }
  return finding;
}

DoctorFinding check_separate_filesystem(const std::filesystem::path& folder, dev_t folder_device,
                                        const std::filesystem::path& datadir, dev_t datadir_device) {
  DoctorFinding finding{
      "backup location",
      DoctorStatus::ok,
      trf("{} is not on the filesystem of the server's datadir {}", folder.string(), datadir.string()),
      {}};
  if (folder_device == datadir_device) {
    finding.status = DoctorStatus::warning;
    finding.message =
        trf("{} is on the same filesystem as the server's datadir {}: a disk failure loses the database and its "
            "backups together, and a full disk stops both",
            folder.string(), datadir.string());
    finding.fix =
        tr("set backup-dir to a folder on another disk (or mount one there), and copy the backups off "
           "the machine");
  }
  return finding;
}

bool DoctorReport::has_warnings() const {
  for (const auto& finding : findings) {
    if (finding.status == DoctorStatus::warning) {
      return true;
    }
  }
  return false;
}

}  // namespace ifnbackup
