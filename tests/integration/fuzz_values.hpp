#pragma once
// Column types and values of the differential restore test: every type the dumper writes, with
// the values that have broken dumpers and loaders before (limits, negative zero, zero dates, NUL,
// quote, backslash, tab, newline and 0xF0-0xFF bytes, strings over 1 MiB). Values are SQL literals
// for the generator's session (sql_mode NO_AUTO_VALUE_ON_ZERO, time_zone +00:00, utf8mb4).
#include <string>
#include <vector>

#include "fuzz_random.hpp"

namespace ifnbackup::test::fuzz {

enum class Family {
  integer,
  decimal,
  floating,
  bit,
  text,    // CHAR, VARCHAR, TEXT: utf8mb4, latin1 or binary character set
  binary,  // BINARY, VARBINARY, BLOB
  temporal,
  enumeration,  // ENUM and SET
  json,
  spatial,
  network,  // INET4, INET6, UUID
};

struct ColumnType {
  std::string sql;   // as written after the column name: "SMALLINT UNSIGNED", "VARCHAR(30) CHARACTER SET latin1 ..."
  std::string name;  // the type's keyword for the coverage check: "SMALLINT UNSIGNED", "VARCHAR", "POINT"
  Family family = Family::integer;
  int size = 0;   // integer bytes, DECIMAL precision, BIT width, string length, fractional digits
  int scale = 0;  // DECIMAL scale
  bool is_unsigned = false;
  bool is_double = false;
  std::string charset;               // text: utf8mb4, latin1 or binary
  std::string collation;             // text: utf8mb4_bin, latin1_swedish_ci, binary...
  std::string keyword;               // temporal/spatial/network/string kind: DATE, POINT, INET6, VARCHAR, MEDIUMBLOB...
  std::vector<std::string> members;  // ENUM/SET members, as SQL literals
  bool can_be_long = false;          // may hold a value over 1 MiB
  bool key_needs_prefix = false;     // BLOB/TEXT: a key on it needs a prefix length
  bool indexable = true;             // JSON-free, spatial-free: an ordinary key may use it
};

// Any column type the dumper supports.
ColumnType random_column_type(Random& random);
// A type whose values can be told apart for a unique key, and its values can be drawn distinct.
ColumnType random_unique_type(Random& random);
// The integer types, for keys: TINYINT ... BIGINT, signed or not.
ColumnType random_integer_type(Random& random, bool allow_tiny);

// A value of the type as an SQL literal (never NULL; the caller decides NULLs). `allow_long` lets a
// text or blob value pass 1 MiB, so the dumper has to give its row a statement of its own.
std::string random_value(Random& random, const ColumnType& type, bool allow_long);
// The n-th of a run of distinct values of a unique type (see random_unique_type).
std::string distinct_value(const ColumnType& type, std::uint64_t n, std::uint64_t salt);

// The largest value (signed or not) and the smallest of an integer type.
std::string integer_max(const ColumnType& type);
std::string integer_min(const ColumnType& type);

// Bytes as an SQL hex literal ('' for none), with a character set introducer when one is given.
std::string hex_literal(const std::string& bytes, const std::string& charset = {});
// 'text' with quotes and backslashes backslash-escaped (the generator's session reads backslashes).
std::string quoted_literal(const std::string& text);

// Values of the structured types (fuzz_values_structured.cpp), as SQL literals.
std::string temporal_value(Random& random, const ColumnType& type);  // DATE, TIME, DATETIME, TIMESTAMP, YEAR
std::string json_text(Random& random, int depth);                    // JSON text, not yet a literal
std::string geometry_text(Random& random, const std::string& kind);  // WKT of a POINT, ... GEOMETRY
std::string network_value(Random& random, const ColumnType& type);   // INET4, INET6, UUID

}  // namespace ifnbackup::test::fuzz
