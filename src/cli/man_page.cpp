// ifnbackup(1) and the bash completion, generated from the CLI11 App: the help text is the one
// source (the build runs `ifnbackup --help-man` and `--help-bash-completion`).
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "cli.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/version.hpp"

namespace ifnbackup::cli {

namespace {

// One line per code; the names come from the library so a new code shows up here by name.
const char* exit_meaning(ErrorCode code) {
  switch (code) {
    case ErrorCode::ok:
      return "success (doctor: nothing to fix)";
    case ErrorCode::internal:
      return "a bug or an unexpected condition (doctor: at least one warning)";
    case ErrorCode::usage:
      return "bad command line, option value or config file";
    case ErrorCode::config:
      return "a password or config file readable by others, or unreadable";
    case ErrorCode::connection:
      return "cannot connect or authenticate";
    case ErrorCode::lock_held:
      return "another ifnbackup run holds the backup folder's lock";
    case ErrorCode::io:
      return "cannot create, write, sync or rename a file (disk full, permissions)";
    case ErrorCode::server:
      return "the server failed a query or went away during the run";
    case ErrorCode::interrupted:
      return "SIGINT or SIGTERM; partial files removed";
    case ErrorCode::unknown_database:
      return "the database to back up does not exist";
    case ErrorCode::corrupt:
      return "a backup file fails its gzip CRC, content checksum or manifest";
    case ErrorCode::incomplete:
      return "a backup file is truncated or has no completion marker";
    case ErrorCode::aborted:
      return "restore: the answer was not exactly OUI";
    case ErrorCode::restore_rolled_back:
      return "restore failed; the safety snapshot was loaded back";
    case ErrorCode::restore_failed:
      return "restore failed and the database was NOT rolled back";
    case ErrorCode::not_found:
      return "the named backup file does not exist";
    case ErrorCode::check_mismatch:
      return "restore loaded, but a row count differs from the manifest";
    case ErrorCode::doctor_warnings:
      return "doctor: something to fix was found (nothing failed)";
    case ErrorCode::content_mismatch:
      return "restore loaded, but a table's content differs from the backup's digest (rolled back)";
    case ErrorCode::foreign_statement:
      return "restore: the file holds a statement a backup may not hold (another database, SET GLOBAL...)";
    case ErrorCode::untrusted_signature:
      return "restore: the file is one of ours but unsigned, or signed by a key neither ours nor trusted "
             "(--trust-unsigned, ifnbackup key trust)";
    case ErrorCode::not_restorable:
      return "backup: the file is written and verified, but the server refused its schema in a scratch database: "
             "it is kept and marked not restorable as is";
    case ErrorCode::wrong_identity:
      return "verify, restore, drill of a .age file (local or offsite): it is addressed to none of the identities "
             "given (--identity); nothing restored";
    case ErrorCode::binlog_gap:
      return "binlog archive: the server purged a binary log file not yet archived; restore --until: the archive "
             "misses a part of the span (named); never a silent gap";
    case ErrorCode::offsite:
      return "backup, push, list --offsite, verify --offsite, restore and drill from offsite: the offsite copy "
             "(S3) failed or cannot be read (credentials, bucket, clock, network); the local files are kept, "
             "verified. rotate with --offsite: the bucket's rotation failed or was refused (a removal denied, a "
             "second listing that contradicts the first); the folder's rotation is kept";
  }
  return "";
}

// Text for roff: backslashes and dashes escaped, no line starting with a control character.
std::string roff(const std::string& text) {
  std::string out;
  bool line_start = true;
  for (char c : text) {
    if (line_start && (c == '.' || c == '\'')) {
      out += "\\&";
    }
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
    line_start = c == '\n';
  }
  return out;
}

std::vector<const CLI::Option*> visible_options(const CLI::App& app) {
  return app.get_options([](const CLI::Option* option) {
    return !option->get_group().empty() && option->nonpositional() && option->get_single_name() != "help";
  });
}

void write_options(std::ostringstream& out, const CLI::App& app, bool grouped) {
  std::vector<std::string> groups;
  for (const auto* option : visible_options(app)) {
    if (std::find(groups.begin(), groups.end(), option->get_group()) == groups.end()) {
      groups.push_back(option->get_group());
    }
  }
  for (const auto& group : groups) {
    if (grouped) {
      out << ".SS \"" << roff(group) << "\"\n";
    }
    for (const auto* option : visible_options(app)) {
      if (option->get_group() != group) {
        continue;
      }
      std::string names;
      for (const auto& s : option->get_snames()) {
        names += (names.empty() ? "" : ", ") + fmt::format("\\fB\\-{}\\fR", s);
      }
      for (const auto& l : option->get_lnames()) {
        names += (names.empty() ? "" : ", ") + fmt::format("\\fB{}\\fR", roff("--" + l));
      }
      if (option->get_expected_max() > 0 && !option->get_type_name().empty()) {
        names += fmt::format(" \\fI{}\\fR", roff(option->get_type_name()));
      }
      std::string description = option->get_description();
      if (!option->get_default_str().empty()) {
        description += fmt::format(" (default: {})", option->get_default_str());
      }
      out << ".TP\n" << names << "\n" << roff(description) << "\n";
    }
  }
}

std::vector<const CLI::App*> commands_of(const CLI::App& app) {
  return app.get_subcommands([](const CLI::App* sub) { return !sub->get_group().empty(); });
}

}  // namespace

std::string man_page(const CLI::App& app) {
  std::ostringstream out;
  out << ".\\\" Generated by `ifnbackup --help-man` from the CLI11 help text: edit src/cli, not this file.\n"
      << ".TH IFNBACKUP 1 \"\" \"ifnbackup " << k_version << "\" \"User Commands\"\n";
  std::string summary = app.get_description();
  if (summary.rfind("ifnbackup: ", 0) == 0) {
    summary = summary.substr(11);
  }
  out << ".SH NAME\nifnbackup \\- " << roff(summary) << "\n";
  out << ".SH SYNOPSIS\n.B ifnbackup\n[\\fIOPTIONS\\fR] \\fICOMMAND\\fR [\\fICOMMAND OPTIONS\\fR]\n";
  for (const auto* command : commands_of(app)) {
    out << ".br\n.B ifnbackup\n[\\fIOPTIONS\\fR] \\fB" << roff(command->get_name()) << "\\fR [\\fIOPTIONS\\fR]\n";
  }
  out << ".SH DESCRIPTION\n"
      << roff(app.get_description()) << "\n.PP\n"
      << "Options are taken from the command line, then from IFNBACKUP_* environment variables, then from "
         "the "
         "config file; global options go before or after the command name.\n";
  out << ".SH OPTIONS\n";
  write_options(out, app, true);
  out << ".SH COMMANDS\n";
  for (const auto* command : commands_of(app)) {
    out << ".SS \"" << roff(command->get_name()) << "\"\n" << roff(command->get_description()) << "\n";
    write_options(out, *command, false);
    std::string footer = command->get_footer();
    if (!footer.empty()) {
      out << ".PP\n.nf\n" << roff(footer) << "\n.fi\n";
    }
  }
  out << ".SH EXIT STATUS\nStable numbers, never renumbered; an exit status not listed here is a failure "
         "(docs/exit\\-codes.md).\n";
  for (int code = 0; code < 256; ++code) {
    const auto error_code = static_cast<ErrorCode>(code);
    if (std::string(error_code_name(error_code)) == "unknown") {
      break;
    }
    out << ".TP\n.B " << code << "\n" << error_code_name(error_code) << ": " << roff(exit_meaning(error_code)) << "\n";
  }
  out << ".SH ENVIRONMENT\n.TP\n.B IFNBACKUP_CONFIG\nThe config file, when --config is not given.\n"
      << ".TP\n.B LANG, LC_MESSAGES, LC_ALL, LANGUAGE\nfr_*: messages, errors and hints in French on the "
         "terminal (the locale must exist); the log files, the journal and JSON stay English "
         "(docs/messages.md).\n"
      << ".TP\n.B IFNBACKUP_LOCALEDIR\nThe folder of the message catalogs (fr/LC_MESSAGES/ifnbackup.mo), "
         "instead of the one beside the binary or the installed one.\n";
  for (const auto* option : visible_options(app)) {
    const std::string name = option->get_single_name();
    if (option->get_lnames().empty() || name == "config" || name == "help" || name == "version") {
      continue;
    }
    std::string variable = "IFNBACKUP_";
    for (char c : name) {
      variable += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    out << ".TP\n.B " << variable << "\nThe value of " << roff("--" + name) << ".\n";
  }
  out << ".SH FILES\n"
      << ".TP\n.I /etc/ifnbackup.conf\nConfig file (INI, long option names without dashes; never a "
         "password), "
         "mode 0600.\n"
      << ".TP\n.I ~/.my.cnf\nMySQL option file read for [client] user and password when no --defaults-file "
         "is "
         "given.\n"
      << ".TP\n.I <backup\\-dir>/backup.log\nLog of backup and rotate runs (--log-dir to move it).\n"
      << ".TP\n.I /lib/systemd/system/ifnbackup.timer\nRuns ifnbackup.service every night at 02:00; "
         "or use \\fBifnbackup schedule \\-\\-install\\fR for cron.\n";
  out << ".SH SEE ALSO\n.BR mariadb\\-dump (1),\n.BR crontab (5),\n.BR systemd.timer (5)\n";
  return out.str();
}

std::string bash_completion(const CLI::App& app) {
  auto long_names = [](const CLI::App& from) {
    std::string names;
    for (const auto* option : visible_options(from)) {
      for (const auto& l : option->get_lnames()) {
        names += (names.empty() ? "--" : " --") + l;
      }
      for (const auto& s : option->get_snames()) {
        names += " -" + s;
      }
    }
    return names;
  };
  std::string commands;
  std::string cases;
  for (const auto* command : commands_of(app)) {
    commands += (commands.empty() ? "" : " ") + command->get_name();
    cases += fmt::format("        {}) opts=\"${{opts}} {}\" ;;\n", command->get_name(), long_names(*command));
  }
  return fmt::format(
      "# bash completion for ifnbackup, generated by `ifnbackup --help-bash-completion`.\n"
      "_ifnbackup() {{\n"
      "    local cur=${{COMP_WORDS[COMP_CWORD]}} prev=${{COMP_WORDS[COMP_CWORD-1]}}\n"
      "    local commands=\"{}\" command=\"\" word opts=\"{} --help --version\"\n"
      "    for word in \"${{COMP_WORDS[@]:1:COMP_CWORD-1}}\"; do\n"
      "        case \" ${{commands}} \" in *\" ${{word}} \"*) command=${{word}}; break ;; esac\n"
      "    done\n"
      "    case ${{prev}} in\n"
      "        --backup-dir|--log-dir) COMPREPLY=($(compgen -d -- \"${{cur}}\")); return ;;\n"
      "        --config|--defaults-file|--password-file|--ssl-ca|--ssl-cert|--ssl-key|--metrics-file|--signing-key)\n"
      "            COMPREPLY=($(compgen -f -- \"${{cur}}\")); return ;;\n"
      "        --ssl-mode) COMPREPLY=($(compgen -W \"DISABLED PREFERRED REQUIRED VERIFY_CA VERIFY_IDENTITY\" "
      "-- "
      "\"${{cur}}\")); return ;;\n"
      "    esac\n"
      "    case ${{command}} in\n{}"
      "    esac\n"
      "    if [[ ${{cur}} == -* ]]; then\n"
      "        COMPREPLY=($(compgen -W \"${{opts}}\" -- \"${{cur}}\"))\n"
      "    elif [[ -z ${{command}} ]]; then\n"
      "        COMPREPLY=($(compgen -W \"${{commands}}\" -- \"${{cur}}\"))\n"
      "    else\n"
      "        COMPREPLY=($(compgen -f -- \"${{cur}}\"))\n"
      "    fi\n"
      "}}\n"
      "complete -F _ifnbackup ifnbackup\n",
      commands, long_names(app), cases);
}

std::optional<std::string> generated_docs(const CLI::App& app, int argc, char** argv) {
  if (argc != 2) {
    return std::nullopt;
  }
  const std::string argument = argv[1];
  if (argument == "--help-man") {
    return man_page(app);
  }
  if (argument == "--help-bash-completion") {
    return bash_completion(app);
  }
  return std::nullopt;
}

}  // namespace ifnbackup::cli
