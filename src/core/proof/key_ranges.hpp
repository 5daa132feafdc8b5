#pragma once
// A big table cut into ranges of its clustered key's first column, so that several connections of
// one snapshot read it at once: its digest is the sum of the ranges' (row_digest.hpp, RowDigest::add).
// Only an integer first column is cut (the primary key's, else InnoDB's first unique key of NOT NULL
// columns): equal widths between MIN and MAX cost two index probes. A string or temporal key would
// need its values sampled (a scan of the key) and boundaries written as literals the column's
// collation compares exactly as the server orders them; such a table is read whole, beside others.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/connection.hpp"

namespace ifnbackup::proof {

struct IntegerKey {
  std::string column;  // its name, unquoted
  bool is_unsigned = false;
};

// The first column of the key InnoDB stores `table`'s rows in (the primary key, else the first
// unique key whose columns are all NOT NULL, as SHOW INDEX lists keys), when the table is InnoDB's
// and that column is an integer; nullopt otherwise.
std::optional<IntegerKey> clustered_integer_key(db::Connection& connection, const std::string& database,
                                                const std::string& table);

// Pure. The values that cut [min, max] (SQL integer text, as MIN() and MAX() print them) into at
// most `parts` ranges of about equal width, ascending, each above min and at most max: range i runs
// from boundary i-1 (included) to boundary i (excluded). Empty when there is nothing to cut (one
// part, min == max, text that is not such an integer, min > max).
std::vector<std::string> integer_boundaries(std::string_view min, std::string_view max, bool is_unsigned,
                                            std::size_t parts);

// Pure. The WHERE conditions of those ranges on `quoted_column`: the first open below, the last open
// above, so that every value of the column is in exactly one of them (a key column is never NULL).
// One empty condition (the whole table) for no boundary.
std::vector<std::string> range_conditions(const std::string& quoted_column, const std::vector<std::string>& boundaries);

// `table`'s ranges as read now on `connection` (MIN and MAX of its clustered integer key): at most
// `parts` conditions; one empty condition when the table cannot be cut (no such key, empty, one value).
std::vector<std::string> key_ranges(db::Connection& connection, const std::string& database, const std::string& table,
                                    std::size_t parts);

}  // namespace ifnbackup::proof
