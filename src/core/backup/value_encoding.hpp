#pragma once
// How one column value is written into an INSERT (mysqldump's rules, DUMP_NOTES "Values").
#include <string>
#include <string_view>

#include "db/connection.hpp"

namespace ifnbackup::backup {

// NULL -> NULL; numeric -> as the server printed it; binary -> 0x<hex> ('' when empty);
// text -> quoted with backslash escapes.
void append_sql_value(std::string& out, db::ValueKind kind, const char* data, std::size_t size);

void append_hex(std::string& out, std::string_view bytes);

}  // namespace ifnbackup::backup
