// Values with a structure of their own: dates and times at their limits (zero dates included, allowed
// by the generator's sql_mode), JSON with escapes, geometries, network addresses and UUIDs.
#include <fmt/format.h>

#include "fuzz_values.hpp"

namespace ifnbackup::test::fuzz {

namespace {

std::string two(std::uint64_t n) {
  return fmt::format("{:02}", n);
}

std::string fraction(Random& random, int digits) {
  if (digits == 0) {
    return "";
  }
  std::string out = ".";
  for (int i = 0; i < digits; ++i) {
    out.push_back(static_cast<char>('0' + random.below(10)));
  }
  return out;
}

std::string random_date(Random& random) {
  return fmt::format("{:04}-{}-{}", random.between(1000, 9999), two(1 + random.below(12)), two(1 + random.below(28)));
}

std::string clock(Random& random) {
  return fmt::format("{}:{}:{}", two(random.below(24)), two(random.below(60)), two(random.below(60)));
}

std::string coordinate(Random& random) {
  if (random.percent(10)) {
    return random.percent(50) ? "-0" : "0";
  }
  return fmt::format("{:.6f}", static_cast<double>(random.between(-180000000, 180000000)) / 1e6);
}

std::string point_text(Random& random) {
  return coordinate(random) + " " + coordinate(random);
}

}  // namespace

std::string temporal_value(Random& random, const ColumnType& type) {
  const std::string& kind = type.keyword;
  const std::string nines = type.size > 0 ? "." + std::string(static_cast<std::size_t>(type.size), '9') : "";
  if (kind == "YEAR") {
    static const std::vector<std::string> edges{"1901", "2155", "0", "'0'", "'00'", "70", "69"};
    return random.percent(40) ? random.pick(edges) : fmt::format("{}", random.between(1901, 2155));
  }
  if (kind == "DATE") {
    static const std::vector<std::string> edges{"'1000-01-01'", "'9999-12-31'", "'0000-00-00'", "'2024-02-29'",
                                                "'1970-01-01'", "'2020-00-00'", "'2020-05-00'", "'0001-01-01'"};
    return random.percent(40) ? random.pick(edges) : "'" + random_date(random) + "'";
  }
  if (kind == "TIME") {
    if (random.percent(40)) {
      const std::vector<std::string> edges{"'-838:59:59'", "'838:59:59'",        "'00:00:00'",
                                           "'-00:00:01'",  "'-00:00:00.000001'", "'838:59:59" + nines + "'",
                                           "'24:00:00'"};
      return random.pick(edges);
    }
    return fmt::format("'{}{}:{}:{}{}'", random.percent(30) ? "-" : "", random.below(839), two(random.below(60)),
                       two(random.below(60)), fraction(random, type.size));
  }
  if (kind == "DATETIME") {
    if (random.percent(40)) {
      const std::vector<std::string> edges{"'1000-01-01 00:00:00'", "'9999-12-31 23:59:59" + nines + "'",
                                           "'0000-00-00 00:00:00'", "'2024-10-27 02:30:00'", "'2000-01-00 12:00:00'"};
      return random.pick(edges);
    }
    return fmt::format("'{} {}{}'", random_date(random), clock(random), fraction(random, type.size));
  }
  // TIMESTAMP, written in the generator's +00:00 session.
  if (random.percent(40)) {
    const std::vector<std::string> edges{"'1970-01-01 00:00:01'", "'2038-01-19 03:14:07" + nines + "'",
                                         "'0000-00-00 00:00:00'", "'2024-10-27 01:30:00'"};
    return random.pick(edges);
  }
  return fmt::format("'{:04}-{}-{} {}{}'", random.between(1971, 2037), two(1 + random.below(12)),
                     two(1 + random.below(28)), clock(random), fraction(random, type.size));
}

std::string json_text(Random& random, int depth) {
  static const std::vector<std::string> scalars{"0",    "-0",    "1e308", "-1.5E-7", "12345678901234567890", "3.14",
                                                "true", "false", "null",  "\"\"",    "-9223372036854775808"};
  // clang-format off
  static const std::vector<std::string> string_pieces{
      "a", "\\\"", "\\\\", "\\/", "\\n", "\\t", "\\u00e9", "\\ud83d\\ude00", "\xC3\xA9", "\xF0\x9F\x98\x80",
      "'", "''", ";;", "$$", "#", "-- ", "\\u0000", " "};
  // clang-format on
  auto string = [&] {
    std::string out = "\"";
    for (std::uint64_t i = random.below(6); i > 0; --i) {
      out += random.pick(string_pieces);
    }
    return out + "\"";
  };
  const std::uint64_t kind = depth >= 3 ? random.below(2) : random.below(4);
  if (kind == 0) {
    return random.pick(scalars);
  }
  if (kind == 1) {
    return string();
  }
  std::string out = kind == 2 ? "[" : "{";
  for (std::uint64_t i = 0, n = random.below(4); i < n; ++i) {
    out += i == 0 ? "" : random.percent(50) ? ", " : ",";
    if (kind == 3) {
      out += string() + ": ";
    }
    out += json_text(random, depth + 1);
  }
  return out + (kind == 2 ? "]" : "}");
}

std::string geometry_text(Random& random, const std::string& kind) {
  if (kind == "POINT") {
    return "POINT(" + point_text(random) + ")";
  }
  if (kind == "LINESTRING") {
    std::string out = "LINESTRING(" + point_text(random);
    for (std::uint64_t i = 1 + random.below(4); i > 0; --i) {
      out += "," + point_text(random);
    }
    return out + ")";
  }
  if (kind == "POLYGON") {
    const auto x = random.between(-1000, 1000);
    const auto y = random.between(-1000, 1000);
    const auto size = random.between(1, 500);
    return fmt::format("POLYGON(({0} {1},{2} {1},{2} {3},{0} {3},{0} {1}))", x, y, x + size, y + size);
  }
  if (kind == "MULTIPOINT") {
    return "MULTIPOINT(" + point_text(random) + "," + point_text(random) + ")";
  }
  static const std::vector<std::string> kinds{"POINT", "LINESTRING", "POLYGON", "MULTIPOINT"};
  if (kind == "GEOMETRYCOLLECTION") {
    return "GEOMETRYCOLLECTION(" + geometry_text(random, random.pick(kinds)) + "," +
           geometry_text(random, random.pick(kinds)) + ")";
  }
  return geometry_text(random, random.percent(80) ? random.pick(kinds) : std::string("GEOMETRYCOLLECTION"));
}

std::string network_value(Random& random, const ColumnType& type) {
  if (type.keyword == "INET4") {
    if (random.percent(30)) {
      return random.percent(50) ? "'0.0.0.0'" : "'255.255.255.255'";
    }
    return fmt::format("'{}.{}.{}.{}'", random.below(256), random.below(256), random.below(256), random.below(256));
  }
  if (type.keyword == "INET6") {
    // clang-format off
    static const std::vector<std::string> edges{
        "'::'", "'::1'", "'fe80::1'", "'::ffff:192.0.2.1'", "'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'",
        "'2001:db8::ff00:42:8329'"};
    // clang-format on
    if (random.percent(40)) {
      return random.pick(edges);
    }
    std::string out = "'";
    for (int i = 0; i < 8; ++i) {
      out += fmt::format("{}{:x}", i == 0 ? "" : ":", random.below(65536));
    }
    return out + "'";
  }
  if (random.percent(20)) {
    return random.percent(50) ? "'00000000-0000-0000-0000-000000000000'" : "'ffffffff-ffff-ffff-ffff-ffffffffffff'";
  }
  const std::uint64_t high = random.next();
  const std::uint64_t low = random.next();
  return fmt::format("'{:08x}-{:04x}-{:04x}-{:04x}-{:012x}'", high >> 32, (high >> 16) & 0xFFFF, high & 0xFFFF,
                     low >> 48, low & 0xFFFFFFFFFFFFULL);
}

}  // namespace ifnbackup::test::fuzz
