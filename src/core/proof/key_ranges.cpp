#include "proof/key_ranges.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <system_error>

#include <fmt/format.h>

#include "sql/text.hpp"

namespace ifnbackup::proof {

namespace {

constexpr std::uint64_t k_sign_bit = std::uint64_t{1} << 63;

// An integer's place in one unsigned order: signed values with their sign bit flipped, so that
// INT64_MIN is 0 and INT64_MAX is 2^64 - 1, and the distance between any two fits 64 bits.
std::optional<std::uint64_t> ordinal(std::string_view text, bool is_unsigned) {
  const char* end = text.data() + text.size();
  if (is_unsigned) {
    std::uint64_t value = 0;
    const auto parsed = std::from_chars(text.data(), end, value);
    return parsed.ec == std::errc() && parsed.ptr == end ? std::optional(value) : std::nullopt;
  }
  std::int64_t value = 0;
  const auto parsed = std::from_chars(text.data(), end, value);
  if (parsed.ec != std::errc() || parsed.ptr != end) {
    return std::nullopt;
  }
  return static_cast<std::uint64_t>(value) ^ k_sign_bit;
}

std::string integer_text(std::uint64_t ordinal, bool is_unsigned) {
  return is_unsigned ? fmt::format("{}", ordinal) : fmt::format("{}", static_cast<std::int64_t>(ordinal ^ k_sign_bit));
}

std::size_t column_index(const db::ResultTable& result, std::string_view name) {
  const auto found = std::find(result.columns.begin(), result.columns.end(), name);
  return static_cast<std::size_t>(found - result.columns.begin());
}

}  // namespace

std::vector<std::string> integer_boundaries(std::string_view min, std::string_view max, bool is_unsigned,
                                            std::size_t parts) {
  const auto low = ordinal(min, is_unsigned);
  const auto high = ordinal(max, is_unsigned);
  if (!low || !high || *low >= *high || parts < 2) {
    return {};
  }
  // The width W = high - low + 1 values (2^64 at most) as q * p + r, without overflow; at most W parts.
  const std::uint64_t span = *high - *low;  // W - 1
  std::uint64_t p = parts;
  if (span < std::numeric_limits<std::uint64_t>::max()) {
    p = std::min<std::uint64_t>(p, span + 1);
  }
  std::uint64_t q = span / p;
  std::uint64_t r = span % p + 1;
  if (r == p) {
    ++q;
    r = 0;
  }
  // Boundary i = low + floor(i * W / p) = low + i * q + floor(i * r / p): q >= 1, so each range holds
  // at least one value, and the last boundary is at most high.
  std::vector<std::string> boundaries;
  for (std::uint64_t i = 1; i < p; ++i) {
    boundaries.push_back(integer_text(*low + i * q + i * r / p, is_unsigned));
  }
  return boundaries;
}

std::vector<std::string> range_conditions(const std::string& quoted_column,
                                          const std::vector<std::string>& boundaries) {
  if (boundaries.empty()) {
    return {std::string()};
  }
  std::vector<std::string> conditions;
  conditions.push_back(fmt::format("{} < {}", quoted_column, boundaries.front()));
  for (std::size_t i = 1; i < boundaries.size(); ++i) {
    conditions.push_back(
        fmt::format("{} >= {} AND {} < {}", quoted_column, boundaries[i - 1], quoted_column, boundaries[i]));
  }
  conditions.push_back(fmt::format("{} >= {}", quoted_column, boundaries.back()));
  return conditions;
}

std::optional<IntegerKey> clustered_integer_key(db::Connection& connection, const std::string& database,
                                                const std::string& table) {
  const auto keys = connection.query(
      fmt::format("SHOW INDEX FROM {}.{}", sql::quote_identifier(database), sql::quote_identifier(table)));
  const std::size_t non_unique = column_index(keys, "Non_unique");
  const std::size_t key_name = column_index(keys, "Key_name");
  const std::size_t sequence = column_index(keys, "Seq_in_index");
  const std::size_t column = column_index(keys, "Column_name");
  const std::size_t nullable = column_index(keys, "Null");
  const std::size_t width = std::max({non_unique, key_name, sequence, column, nullable});
  // Keys in the table's order (the primary key first, then unique keys of NOT NULL columns): the
  // first unique one whose columns are all NOT NULL is the one InnoDB stores the rows in.
  std::optional<std::string> chosen;
  std::string first_column;
  bool all_not_null = true;
  const auto settle = [&] { return chosen && all_not_null && !first_column.empty(); };
  for (const auto& row : keys.rows) {
    if (row.size() <= width) {
      return std::nullopt;
    }
    const std::string name = row[key_name].value_or("");
    if (!chosen || name != *chosen) {
      if (settle()) {
        break;
      }
      chosen.reset();
      if (row[non_unique].value_or("1") != "0") {
        continue;
      }
      chosen = name;
      first_column.clear();
      all_not_null = true;
    }
    all_not_null = all_not_null && row[nullable].value_or("").empty();
    if (row[sequence].value_or("") == "1") {
      first_column = row[column].value_or("");
    }
  }
  if (!settle()) {
    return std::nullopt;
  }
  const auto kind = connection.query(fmt::format(
      "SELECT t.ENGINE, c.DATA_TYPE, c.COLUMN_TYPE FROM information_schema.TABLES t JOIN information_schema.COLUMNS c "
      "ON c.TABLE_SCHEMA = t.TABLE_SCHEMA AND c.TABLE_NAME = t.TABLE_NAME WHERE t.TABLE_SCHEMA = {} AND "
      "t.TABLE_NAME = {} AND c.COLUMN_NAME = {}",
      sql::quote_string(database), sql::quote_string(table), sql::quote_string(first_column)));
  if (kind.rows.size() != 1 || kind.rows[0].size() < 3) {
    return std::nullopt;
  }
  const std::string engine = kind.rows[0][0].value_or("");
  const std::string type = kind.rows[0][1].value_or("");
  const bool integer =
      type == "tinyint" || type == "smallint" || type == "mediumint" || type == "int" || type == "bigint";
  // Another engine's index is not where its rows are: a range would read them one lookup at a time.
  if (engine != "InnoDB" || !integer) {
    return std::nullopt;
  }
  return IntegerKey{first_column, kind.rows[0][2].value_or("").find("unsigned") != std::string::npos};
}

std::vector<std::string> key_ranges(db::Connection& connection, const std::string& database, const std::string& table,
                                    std::size_t parts) {
  const auto key = clustered_integer_key(connection, database, table);
  if (!key) {
    return {std::string()};
  }
  const std::string column = sql::quote_identifier(key->column);
  const auto extremes = connection.query(fmt::format("SELECT MIN({}), MAX({}) FROM {}.{}", column, column,
                                                     sql::quote_identifier(database), sql::quote_identifier(table)));
  if (extremes.rows.size() != 1 || extremes.rows[0].size() != 2 || !extremes.rows[0][0] || !extremes.rows[0][1]) {
    return {std::string()};  // empty
  }
  return range_conditions(column,
                          integer_boundaries(*extremes.rows[0][0], *extremes.rows[0][1], key->is_unsigned, parts));
}

}  // namespace ifnbackup::proof
