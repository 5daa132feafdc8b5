#pragma once
// Text work on the definitions SHOW CREATE gives, before the dumper writes them (pure).
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ifnbackup::backup {

// A trigger made as `CREATE TRIGGER db.tr` comes back from SHOW CREATE TRIGGER qualified by its
// database: the qualifier is removed (see the .cpp). `sql_mode`: the trigger's own.
std::string without_trigger_schema(std::string text, const std::string& sql_mode);

// A routine's or event's COMMENT, printed with backslash escapes by SHOW CREATE whatever the mode,
// rewritten as `sql_mode` reads strings (under NO_BACKSLASH_ESCAPES). `comment`: the stored one;
// `what` names the object in a warning when it cannot be rewritten.
std::string comment_for_mode(std::string text, const std::string& sql_mode, const std::string& comment,
                             const std::string& what);

// The order to create views in, each after the views whose `name` its text holds; name order in a cycle.
// Whether SHOW CREATE TABLE text describes a partitioned table (MariaDB's "PARTITION BY" line,
// MySQL's /*!50100 PARTITION BY ...*/): looked for after the closing ") ENGINE=" line only.
bool is_partitioned(std::string_view create);

std::vector<std::size_t> dependency_order(const std::vector<std::string>& names, const std::vector<std::string>& texts);

}  // namespace ifnbackup::backup
