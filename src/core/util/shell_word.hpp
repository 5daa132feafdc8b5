#pragma once
// Words of a command an operator is told to run, quoted for /bin/sh.
#include <string>
#include <string_view>

namespace ifnbackup::util {

// Bare when it only holds safe characters, else single-quoted ('\'' for a quote inside).
std::string shell_word(std::string_view word);

}  // namespace ifnbackup::util
