#pragma once
// The common row statement, checked without tokens: `INSERT INTO `t` [(`a`,...)] VALUES (...),...`
// with literal values only (what our dumper and mariadb-dump write). Pure; the fast path of
// restore/statement_policy over the bulk of a file.
#include <string_view>

namespace ifnbackup::restore {

// True for such a statement; false means "look closer", not "refuse".
bool is_plain_row_insert(std::string_view statement, bool backslash_escapes);

}  // namespace ifnbackup::restore
