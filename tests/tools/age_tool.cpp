// A small command over ifnbackup/age.hpp for tests/cli/test_age_interop.sh and scripts/bench-age:
// it lets Debian's `age` CLI check what our library writes and reads, without touching ifnbackup's
// own command line. stdin to stdout; errors as ifnbackup prints them, the exit code the error's.
//   age_tool keygen                          an identity file, as age-keygen writes one
//   age_tool encrypt -r age1… [-R FILE]...   encrypt stdin to these recipients
//   age_tool decrypt -i FILE                 decrypt stdin with the identities of FILE
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "ifnbackup/age.hpp"
#include "ifnbackup/error.hpp"

namespace {

using namespace ifnbackup;

void write_stdout(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(STDOUT_FILENO, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      throw Error(ErrorCode::io, std::string("writing stdout: ") + std::strerror(errno));
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::size_t read_stdin(std::span<char> out) {
  for (;;) {
    const ssize_t n = ::read(STDIN_FILENO, out.data(), out.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      throw Error(ErrorCode::io, std::string("reading stdin: ") + std::strerror(errno));
    }
    return static_cast<std::size_t>(n);
  }
}

int usage() {
  std::cerr << "usage: age_tool keygen | encrypt -r RECIPIENT... [-R FILE]... | decrypt -i FILE\n";
  return 2;
}

int run(const std::vector<std::string>& args) {
  if (args.empty()) {
    return usage();
  }
  if (args[0] == "keygen" && args.size() == 1) {
    const AgeIdentity identity = AgeIdentity::generate();
    std::string text = "# public key: " + identity.recipient().text() + "\n" + identity.text() + "\n";
    write_stdout(text);
    return 0;
  }
  if (args[0] == "encrypt") {
    std::vector<AgeRecipient> recipients;
    for (std::size_t i = 1; i + 1 < args.size(); i += 2) {
      if (args[i] == "-r") {
        std::string why;
        const auto recipient = parse_age_recipient(args[i + 1], &why);
        if (!recipient) {
          throw Error(ErrorCode::usage, "not an age recipient: " + why);
        }
        recipients.push_back(*recipient);
      } else if (args[i] == "-R") {
        for (const AgeRecipient& recipient : read_age_recipients_file(args[i + 1])) {
          recipients.push_back(recipient);
        }
      } else {
        return usage();
      }
    }
    if (args.size() % 2 == 0) {
      return usage();
    }
    age_encrypt(recipients, read_stdin, write_stdout);
    return 0;
  }
  if (args[0] == "decrypt" && args.size() == 3 && args[1] == "-i") {
    AgeDecryptor decryptor(read_age_identity_file(args[2]), write_stdout, "stdin");
    std::vector<char> buffer(256 * 1024);
    while (const std::size_t n = read_stdin(buffer)) {
      decryptor.write(std::string_view(buffer.data(), n));
    }
    decryptor.finish();
    return 0;
  }
  return usage();
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    if (!e.hint().empty()) {
      std::cerr << "hint: " << e.hint() << "\n";
    }
    return static_cast<int>(e.code());
  }
}
