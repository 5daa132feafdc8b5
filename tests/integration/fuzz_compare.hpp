#pragma once
// What the differential restore test compares between databases: every table's definition, CHECKSUM
// TABLE EXTENDED, row count, AUTO_INCREMENT counter and rows (each column hex-encoded, sorted, so a
// difference is shown as the first differing row), and every trigger, routine, event, view and
// sequence definition with the sql_mode, time zone and character sets it was created under. Database
// names are replaced by <db> and DEFINER clauses removed: they depend on where and by whom it was loaded.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "db/connection.hpp"

namespace ifnbackup::test::fuzz {

using HexRow = std::vector<std::optional<std::string>>;

struct TableRows {
  std::vector<std::string> columns;
  std::vector<HexRow> rows;  // sorted
};

struct DatabaseState {
  // "table t: create", "trigger x: sql_mode", ...: the object's key, a colon, the property.
  std::map<std::string, std::string> properties;
  std::map<std::string, TableRows> tables;  // base tables by name
};

DatabaseState read_database_state(db::Connection& connection, const std::string& database);

// The object key a property belongs to: "table t" for "table t: create".
std::string object_of(const std::string& property);
// The property's own name: "create" for "table t: create".
std::string property_of(const std::string& property);

// The properties of `state` whose key `keep` chooses; no table rows.
DatabaseState only(const DatabaseState& state, const std::function<bool(const std::string& key)>& keep);

// Every difference between two states, one text each (empty: the same). `compared` chooses the
// objects (by key) to compare; the others are left out on both sides.
std::vector<std::string> compare_states(const DatabaseState& expected, const std::string& expected_label,
                                        const DatabaseState& actual, const std::string& actual_label,
                                        const std::function<bool(const std::string& object)>& compared);

}  // namespace ifnbackup::test::fuzz
