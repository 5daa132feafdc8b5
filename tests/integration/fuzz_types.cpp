// Column types of the differential restore test: every type the dumper writes, with the attributes
// that change how a value is stored (widths, signs, scales, character sets and collations, members).
#include <fmt/format.h>

#include "fuzz_values.hpp"

namespace ifnbackup::test::fuzz {

namespace {

ColumnType text_type(Random& random) {
  static const std::vector<std::string> collations{
      "utf8mb4_general_ci", "utf8mb4_unicode_ci", "utf8mb4_bin", "latin1_swedish_ci",
      "latin1_bin",         "latin1_general_cs",  "binary"};
  ColumnType type;
  type.family = Family::text;
  const std::string collation = random.pick(collations);
  type.collation = collation;
  type.charset = collation == "binary" ? "binary" : collation.substr(0, collation.find('_'));
  const std::string charset_sql = collation == "binary"
                                      ? " CHARACTER SET binary"
                                      : fmt::format(" CHARACTER SET {} COLLATE {}", type.charset, collation);
  static const std::vector<std::string> keywords{"CHAR", "VARCHAR",    "VARCHAR", "TINYTEXT",
                                                 "TEXT", "MEDIUMTEXT", "LONGTEXT"};
  type.keyword = random.pick(keywords);
  if (type.keyword == "CHAR" || type.keyword == "VARCHAR") {
    type.size = static_cast<int>(type.keyword == "CHAR" ? 1 + random.below(40) : 1 + random.below(300));
    type.sql = fmt::format("{}({}){}", type.keyword, type.size, charset_sql);
  } else {
    type.size = type.keyword == "TINYTEXT" ? 255 : 65535;
    type.key_needs_prefix = true;
    type.can_be_long = type.keyword == "MEDIUMTEXT" || type.keyword == "LONGTEXT";
    type.sql = type.keyword + charset_sql;
  }
  type.name = type.keyword;
  return type;
}

ColumnType binary_type(Random& random) {
  static const std::vector<std::string> keywords{"BINARY", "VARBINARY",  "VARBINARY", "TINYBLOB",
                                                 "BLOB",   "MEDIUMBLOB", "LONGBLOB"};
  ColumnType type;
  type.family = Family::binary;
  type.keyword = random.pick(keywords);
  if (type.keyword == "BINARY" || type.keyword == "VARBINARY") {
    type.size = static_cast<int>(type.keyword == "BINARY" ? 1 + random.below(32) : 1 + random.below(300));
    type.sql = fmt::format("{}({})", type.keyword, type.size);
  } else {
    type.size = type.keyword == "TINYBLOB" ? 255 : 65535;
    type.key_needs_prefix = true;
    type.can_be_long = type.keyword == "MEDIUMBLOB" || type.keyword == "LONGBLOB";
    type.sql = type.keyword;
  }
  type.name = type.keyword;
  return type;
}

ColumnType enumeration_type(Random& random) {
  // Raw member texts: no two equal in a case-insensitive collation, no comma (SET), no four-byte
  // character (MariaDB 10.11 keeps member names in utf8mb3: SHOW CREATE TABLE prints '?', see
  // RestoreFuzzCase.EnumMemberWithAFourByteCharacter).
  // clang-format off
  static const std::vector<std::string> pool{
      "a", "B", "quote's", "back\\slash", "with space", "d\xC3\xA9p\xC3\xB4t", "\xE2\x82\xAC", "semi;colon",
      "x\"y", "tab\there", "NULL", "0", "1", "--", "#"};
  // clang-format on
  ColumnType type;
  type.family = Family::enumeration;
  type.keyword = random.percent(50) ? "ENUM" : "SET";
  std::vector<std::string> chosen;
  for (const auto& member : pool) {
    if (random.percent(40)) {
      chosen.push_back(member);
    }
  }
  if (chosen.empty()) {
    chosen.push_back(pool[random.below(pool.size())]);
  }
  std::string list;
  for (const auto& member : chosen) {
    list += (list.empty() ? "" : ",") + quoted_literal(member);
  }
  type.members = chosen;
  type.sql = fmt::format("{}({}) CHARACTER SET utf8mb4", type.keyword, list);
  type.name = type.keyword;
  return type;
}

}  // namespace

std::string integer_max(const ColumnType& type) {
  const int bits = type.size * 8;
  if (type.is_unsigned) {
    return fmt::format("{}", bits >= 64 ? UINT64_MAX : (std::uint64_t{1} << bits) - 1);
  }
  return fmt::format("{}", (std::uint64_t{1} << (bits - 1)) - 1);
}

std::string integer_min(const ColumnType& type) {
  if (type.is_unsigned) {
    return "0";
  }
  return fmt::format("-{}", std::uint64_t{1} << (type.size * 8 - 1));
}

ColumnType random_integer_type(Random& random, bool allow_tiny) {
  static const std::vector<std::pair<std::string, int>> kinds{
      {"TINYINT", 1}, {"SMALLINT", 2}, {"MEDIUMINT", 3}, {"INT", 4}, {"BIGINT", 8}};
  const auto& kind = kinds[allow_tiny ? random.below(kinds.size()) : 1 + random.below(kinds.size() - 1)];
  ColumnType type;
  type.family = Family::integer;
  type.size = kind.second;
  type.is_unsigned = random.percent(50);
  type.keyword = kind.first;
  type.sql = kind.first + (type.is_unsigned ? " UNSIGNED" : "");
  type.name = type.sql;
  return type;
}

ColumnType random_column_type(Random& random) {
  const std::uint64_t roll = random.below(100);
  if (roll < 14) {
    ColumnType type = random_integer_type(random, true);
    if (type.is_unsigned && random.percent(15)) {
      type.sql += " ZEROFILL";
    }
    return type;
  }
  ColumnType type;
  if (roll < 20) {
    type.family = Family::decimal;
    type.size = static_cast<int>(1 + random.below(65));
    type.scale = static_cast<int>(random.below(static_cast<std::uint64_t>(std::min(type.size, 30)) + 1));
    type.is_unsigned = random.percent(20);
    type.sql = fmt::format("DECIMAL({},{}){}", type.size, type.scale, type.is_unsigned ? " UNSIGNED" : "");
    type.name = "DECIMAL";
  } else if (roll < 26) {
    type.family = Family::floating;
    type.is_double = random.percent(50);
    type.sql = type.is_double ? "DOUBLE" : "FLOAT";
    type.name = type.sql;
  } else if (roll < 31) {
    type.family = Family::bit;
    type.size = static_cast<int>(random.percent(30) ? (random.percent(50) ? 1 : 64) : 1 + random.below(64));
    type.sql = fmt::format("BIT({})", type.size);
    type.name = "BIT";
  } else if (roll < 49) {
    return text_type(random);
  } else if (roll < 61) {
    return binary_type(random);
  } else if (roll < 75) {
    static const std::vector<std::string> keywords{"DATE", "TIME", "DATETIME", "TIMESTAMP", "YEAR"};
    type.family = Family::temporal;
    type.keyword = random.pick(keywords);
    type.size = type.keyword == "DATE" || type.keyword == "YEAR" ? 0 : static_cast<int>(random.below(7));
    type.sql = type.size > 0 ? fmt::format("{}({})", type.keyword, type.size) : type.keyword;
    // An explicit NULL default: the first TIMESTAMP of a table would otherwise get ON UPDATE NOW().
    if (type.keyword == "TIMESTAMP") {
      type.sql += " NULL DEFAULT NULL";
    }
    type.name = type.keyword;
  } else if (roll < 81) {
    return enumeration_type(random);
  } else if (roll < 86) {
    type.family = Family::json;
    type.sql = "JSON";
    type.name = "JSON";
    type.indexable = false;
  } else if (roll < 91) {
    static const std::vector<std::string> keywords{"GEOMETRY", "POINT",      "LINESTRING",
                                                   "POLYGON",  "MULTIPOINT", "GEOMETRYCOLLECTION"};
    type.family = Family::spatial;
    type.keyword = random.pick(keywords);
    type.sql = type.keyword;
    type.name = type.keyword;
    type.indexable = false;
  } else {
    static const std::vector<std::string> keywords{"INET4", "INET6", "UUID"};
    type.family = Family::network;
    type.keyword = random.pick(keywords);
    type.sql = type.keyword;
    type.name = type.keyword;
  }
  return type;
}

ColumnType random_unique_type(Random& random) {
  const std::uint64_t roll = random.below(5);
  ColumnType type;
  if (roll == 0) {
    return random_integer_type(random, false);
  }
  if (roll == 1) {
    type.family = Family::binary;
    type.keyword = "VARBINARY";
    type.size = 16;
    type.sql = "VARBINARY(16)";
  } else if (roll == 2) {
    type.family = Family::network;
    type.keyword = "UUID";
    type.sql = "UUID";
  } else if (roll == 3) {
    type.family = Family::network;
    type.keyword = "INET6";
    type.sql = "INET6";
  } else {
    type.family = Family::text;
    type.keyword = "CHAR";
    type.charset = "utf8mb4";
    type.size = 24;
    type.collation = "utf8mb4_bin";
    type.sql = "CHAR(24) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin";
  }
  type.name = type.keyword;
  return type;
}

}  // namespace ifnbackup::test::fuzz
