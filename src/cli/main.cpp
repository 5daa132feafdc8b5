#include "cli.hpp"

int main(int argc, char** argv) {
  return ifnbackup::cli::run(argc, argv);
}
