#include "cli.hpp"
#include "ifnbackup/i18n.hpp"

int main(int argc, char** argv) {
  ifnbackup::setup_messages(argc > 0 ? argv[0] : nullptr);
  return ifnbackup::cli::run(argc, argv);
}
