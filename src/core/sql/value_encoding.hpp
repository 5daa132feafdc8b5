#pragma once
// How one column value is written into an INSERT (mysqldump's rules, DUMP_NOTES "Values"). Pure
// text, here rather than in backup/: the dumper and the restore's content proof both write rows
// through proof/table_reading, and must encode every value the same way.
#include <string>
#include <string_view>

namespace ifnbackup::sql {

// How a column's values are written, decided by db::Connection from the field's type and charset.
enum class ValueKind { numeric, binary, text };

// NULL -> NULL; numeric -> as the server printed it; binary -> 0x<hex> ('' when empty);
// text -> quoted with backslash escapes.
void append_sql_value(std::string& out, ValueKind kind, const char* data, std::size_t size);

void append_hex(std::string& out, std::string_view bytes);

}  // namespace ifnbackup::sql
