// ifnbackup key show | key trust LINE: this machine's public signing key, to hand to the machines that
// restore its backups, and the keys of other machines whose backups restore may load here.
#include <pwd.h>
#include <unistd.h>

#include <iostream>

#include <fmt/format.h>

#include "cli.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/signing.hpp"

namespace ifnbackup::cli {

namespace {

struct KeyFlags {
  std::string action;
  std::vector<std::string> words;
};

// "root@db1": which machine a line in another machine's trusted-keys file stands for.
std::string user_at_host() {
  const struct passwd* user = ::getpwuid(::geteuid());
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) {
    host[0] = '\0';
  }
  return fmt::format("{}@{}", user != nullptr ? user->pw_name : std::to_string(::geteuid()),
                     host[0] != '\0' ? host : "localhost");
}

int key_command(const GlobalSettings& settings, const KeyFlags& flags) {
  SigningOptions signing;
  signing.key_file = settings.signing_key;
  if (flags.action == "show") {
    if (!flags.words.empty()) {
      throw Error(ErrorCode::usage, tx("key show takes no argument"),
                  tx("to trust another machine's key: ifnbackup key trust \"<its line>\""));
    }
    const OwnKey own = ensure_signing_key(signing);
    if (own.created && !settings.quiet) {
      std::cerr << trf("created signing key {} (mode 0600): the next backups are signed with it\n", own.file.string());
    }
    std::cout << own.key.line() << " " << user_at_host() << "\n";
    return 0;
  }
  std::string line;
  for (const auto& word : flags.words) {
    line += (line.empty() ? "" : " ") + word;
  }
  if (line.empty()) {
    throw Error(ErrorCode::usage, tx("key trust needs the public key line to trust"),
                tx("run 'ifnbackup key show' on the machine that made the backups and give its line here, in quotes"));
  }
  const TrustResult result = trust_public_key(signing, line);
  switch (result.change) {
    case TrustChange::added:
      std::cout << trf("trusted key {}, added to {}: restore now loads the backups it signed\n",
                       result.key.fingerprint(), result.file.string());
      break;
    case TrustChange::already_trusted:
      std::cout << trf("key {} is already trusted ({})\n", result.key.fingerprint(), result.file.string());
      break;
    case TrustChange::own_key:
      std::cout << trf("key {} is this machine's own signing key: always trusted\n", result.key.fingerprint());
      break;
  }
  return 0;
}

}  // namespace

Command add_key_command(CLI::App& app, GlobalSettings& settings) {
  auto flags = std::make_shared<KeyFlags>();
  Command command;
  command.results_on_stdout = true;
  command.app = app.add_subcommand("key", "Show this machine's public signing key, or trust another machine's");
  command.app
      ->add_option("action", flags->action,
                   "show: print this machine's public key (made now if there is none); trust: add the key "
                   "LINE to the trusted keys")
      ->required()
      ->check(CLI::IsMember({"show", "trust"}));
  command.app->add_option("line", flags->words,
                          "trust: the line 'ifnbackup key show' printed on the machine that made the backups");
  command.app->footer(
      "Every backup is signed with this machine's key (--signing-key, made 0600 at the first backup).\n"
      "restore loads our own files only when signed by that key or by one listed in 'trusted-keys' in\n"
      "the key's folder. On a new machine that must restore the old one's backups:\n"
      "  old machine:  ifnbackup key show\n"
      "  new machine:  ifnbackup key trust \"ifnbackup-ed25519 <base64> <fingerprint> <name>\"");
  command.action = [&settings, flags]() { return key_command(settings, *flags); };
  return command;
}

}  // namespace ifnbackup::cli
