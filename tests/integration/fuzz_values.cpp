#include "fuzz_values.hpp"

#include <cmath>
#include <cstring>

#include <fmt/format.h>

namespace ifnbackup::test::fuzz {

namespace {

// Long values: past the dumper's ~1 MiB statement size, so their row is a statement of its own.
constexpr std::size_t k_long_min = (std::size_t{1} << 20) + 4096;
constexpr std::size_t k_long_spread = 256 * 1024;

// Pieces of text that have broken SQL writers, splitters and LOAD DATA converters: quotes, backslash
// sequences, delimiters, comment openers, control bytes, NUL, and characters of two, three and four
// bytes (é, Œ which latin1 lacks, 😀, 你好, right-to-left مر, e + combining acute, no-break space).
const std::vector<std::string>& text_pieces() {
  // clang-format off
  static const std::vector<std::string> pieces{
      "a", "Z", "0", " ", "'", "''", "\"", "\\", "\\\\", "`", ";", ";;", "$$", "#", "-- ", "/*", "*/", "\t",
      "\n", "\r\n", "\r", std::string(1, '\0'), "\x1a", "%", "_", "\\N", "\\n", "\\'", "NULL", "\\t",
      "\xC3\xA9", "\xC5\x92", "\xF0\x9F\x98\x80", "\xE4\xBD\xA0\xE5\xA5\xBD", "\xD9\x85\xD8\xB1",
      "e\xCC\x81", "\xC2\xA0"};
  // clang-format on
  return pieces;
}

// Bytes a binary value favours: the ones an escaper or a tab-separated loader must get right.
constexpr unsigned char k_special_bytes[] = {0x00, 0x27, 0x5C, 0x09, 0x0A, 0x0D, 0x1A, 0x22, 0x60,
                                             0x3B, 0x23, 0x2D, 0x25, 0x5F, 0x4E, 0x80, 0xC0, 0xF0,
                                             0xF5, 0xF8, 0xFB, 0xFC, 0xFD, 0xFE, 0xFF};

std::size_t utf8_length(const std::string& text) {
  std::size_t characters = 0;
  for (unsigned char c : text) {
    characters += (c & 0xC0) != 0x80 ? 1 : 0;
  }
  return characters;
}

std::string random_utf8(Random& random, std::size_t max_characters) {
  const auto& pieces = text_pieces();
  const std::size_t target =
      random.percent(15) ? max_characters : random.below(std::min<std::size_t>(max_characters, 24) + 1);
  std::string out;
  std::size_t characters = 0;
  while (characters < target) {
    const std::string& piece = random.percent(60) ? pieces[random.below(pieces.size())]
                                                  : std::string(1, static_cast<char>('a' + random.below(26)));
    const std::size_t length = utf8_length(piece);
    if (characters + length > target) {
      break;
    }
    out += piece;
    characters += length;
  }
  return out;
}

std::string random_bytes(Random& random, std::size_t max_bytes, bool latin1) {
  const std::size_t target = random.percent(15) ? max_bytes : random.below(std::min<std::size_t>(max_bytes, 24) + 1);
  std::string out;
  for (std::size_t i = 0; i < target; ++i) {
    unsigned char c = 0;
    if (random.percent(50)) {
      c = k_special_bytes[random.below(sizeof k_special_bytes)];
    } else {
      c = static_cast<unsigned char>(random.below(256));
    }
    if (latin1 && random.percent(30)) {
      c = static_cast<unsigned char>(0xC0 + random.below(64));  // accented letters
    }
    out.push_back(static_cast<char>(c));
  }
  return out;
}

// Over 1 MiB: a random block repeated (cheap to make, still every kind of byte).
std::string long_value(Random& random, bool utf8) {
  const std::string block = utf8 ? random_utf8(random, 900) : random_bytes(random, 4096, false);
  const std::size_t target = k_long_min + random.below(k_long_spread);
  std::string out;
  out.reserve(target + block.size());
  while (out.size() < target) {
    out += block.empty() ? std::string("x") : block;
  }
  return out;
}

std::string double_literal(double value, bool is_double) {
  if (value == 0.0) {
    return std::signbit(value) ? "-0e0" : "0e0";
  }
  // 17 and 9 significant digits: enough to give the same DOUBLE or FLOAT back.
  std::string text = is_double ? fmt::format("{:.17g}", value) : fmt::format("{:.9g}", value);
  if (text.find_first_of("eE") == std::string::npos) {
    text += "e0";
  }
  return text;
}

std::string floating_value(Random& random, const ColumnType& type) {
  if (random.percent(35)) {
    // clang-format off
    static const std::vector<double> float_edges{
        0.0, -0.0, 3.4028234663852886e38, -3.4028234663852886e38, 1.1754943508222875e-38,
        1.401298464324817e-45, 0.1, 16777217.0, -1.0, 3.14159274101257324};
    // clang-format on
    // clang-format off
    static const std::vector<double> double_edges{
        0.0, -0.0, 1.7976931348623157e308, -1.7976931348623157e308, 2.2250738585072014e-308,
        4.9406564584124654e-324, 0.1, 9007199254740993.0, -1.0, 3.141592653589793};
    // clang-format on
    return double_literal(random.pick(type.is_double ? double_edges : float_edges), type.is_double);
  }
  // A random bit pattern reaches every exponent, subnormals included; NaN and infinities are skipped.
  for (;;) {
    const std::uint64_t bits = random.next();
    double value = 0;
    if (type.is_double) {
      std::memcpy(&value, &bits, sizeof value);
    } else {
      float narrow = 0;
      const auto bits32 = static_cast<std::uint32_t>(bits);
      std::memcpy(&narrow, &bits32, sizeof narrow);
      value = narrow;
    }
    if (std::isfinite(value)) {
      return double_literal(value, type.is_double);
    }
  }
}

std::string decimal_value(Random& random, const ColumnType& type) {
  const int whole = type.size - type.scale;
  const bool negative = !type.is_unsigned && random.percent(40);
  std::string digits;
  std::string fraction_digits;
  const int edge = static_cast<int>(random.below(6));
  if (edge == 0) {  // the largest
    digits = whole > 0 ? std::string(static_cast<std::size_t>(whole), '9') : "0";
    fraction_digits = std::string(static_cast<std::size_t>(type.scale), '9');
  } else if (edge == 1) {  // the smallest step, or negative zero
    digits = "0";
    fraction_digits = type.scale > 0 ? std::string(static_cast<std::size_t>(type.scale - 1), '0') + "1" : "";
    if (random.percent(50)) {
      fraction_digits = std::string(static_cast<std::size_t>(type.scale), '0');
    }
  } else {
    const int length = whole > 0 ? 1 + static_cast<int>(random.below(static_cast<std::uint64_t>(whole))) : 0;
    for (int i = 0; i < length; ++i) {
      digits.push_back(static_cast<char>('0' + random.below(10)));
    }
    if (digits.empty()) {
      digits = "0";
    }
    for (int i = 0; i < type.scale; ++i) {
      fraction_digits.push_back(static_cast<char>('0' + random.below(10)));
    }
  }
  return (negative ? "-" : "") + digits + (fraction_digits.empty() ? "" : "." + fraction_digits);
}

std::string integer_value(Random& random, const ColumnType& type) {
  if (random.percent(30)) {
    const std::vector<std::string> edges{integer_max(type), integer_min(type), "0", "1", type.is_unsigned ? "2" : "-1"};
    return random.pick(edges);
  }
  // A random bit length first, so small and large magnitudes are both common.
  const int bits = type.size * 8 - (type.is_unsigned ? 0 : 1);
  const int length = 1 + static_cast<int>(random.below(static_cast<std::uint64_t>(bits)));
  const std::uint64_t magnitude = length >= 64 ? random.next() : random.next() & ((std::uint64_t{1} << length) - 1);
  if (type.is_unsigned || random.percent(50)) {
    return fmt::format("{}", magnitude);
  }
  return fmt::format("-{}", magnitude);
}

std::string bit_value(Random& random, const ColumnType& type) {
  const std::uint64_t mask = type.size >= 64 ? UINT64_MAX : (std::uint64_t{1} << type.size) - 1;
  const int edge = static_cast<int>(random.below(5));
  const std::uint64_t value = edge == 0 ? 0 : edge == 1 ? mask : random.next() & mask;
  if (random.percent(50)) {
    std::string bits;
    for (int i = type.size - 1; i >= 0; --i) {
      bits.push_back(((value >> i) & 1) != 0 ? '1' : '0');
    }
    return "b'" + bits + "'";
  }
  return fmt::format("{}", value);
}

}  // namespace

std::string quoted_literal(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'' || c == '\\') {
      out.push_back('\\');
    }
    out.push_back(c);
  }
  return out + "'";
}

std::string hex_literal(const std::string& bytes, const std::string& charset) {
  if (bytes.empty()) {
    return "''";
  }
  static constexpr char k_digits[] = "0123456789ABCDEF";
  std::string out = charset.empty() || charset == "binary" ? "X'" : "_" + charset + " X'";
  out.reserve(out.size() + 2 * bytes.size() + 1);
  for (unsigned char c : bytes) {
    out.push_back(k_digits[c >> 4]);
    out.push_back(k_digits[c & 0x0F]);
  }
  return out + "'";
}

std::string distinct_value(const ColumnType& type, std::uint64_t n, std::uint64_t salt) {
  switch (type.family) {
    case Family::integer:
      // SMALLINT at least: 30000 distinct values, signed or not.
      return fmt::format("{}", (salt % 8) * 3000 + n);
    case Family::binary: {
      std::string bytes;
      for (int i = 7; i >= 0; --i) {
        bytes.push_back(static_cast<char>((n >> (8 * i)) & 0xFF));
      }
      bytes += std::string("\x00\x27\x5C\xFF", 4);
      bytes.push_back(static_cast<char>(salt & 0xFF));
      return hex_literal(bytes);
    }
    case Family::network:
      if (type.keyword == "UUID") {
        return fmt::format("'{:08x}-0000-4000-8000-{:012x}'", salt & 0xFFFFFFFF, n);
      }
      return fmt::format("'2001:db8::{:x}:{:x}'", salt & 0xFFFF, n);
    default:
      return hex_literal(fmt::format("k{}\xC3\xA9'\\{}", n, salt % 97), "utf8mb4");
  }
}

std::string random_value(Random& random, const ColumnType& type, bool allow_long) {
  switch (type.family) {
    case Family::integer:
      return integer_value(random, type);
    case Family::decimal:
      return decimal_value(random, type);
    case Family::floating:
      return floating_value(random, type);
    case Family::bit:
      return bit_value(random, type);
    case Family::text: {
      if (allow_long && type.can_be_long && random.percent(50)) {
        return hex_literal(long_value(random, type.charset == "utf8mb4"), type.charset);
      }
      const auto max = static_cast<std::size_t>(std::min(type.size, 400));
      if (type.charset == "utf8mb4") {
        return hex_literal(random_utf8(random, max), "utf8mb4");
      }
      return hex_literal(random_bytes(random, max, type.charset == "latin1"), type.charset);
    }
    case Family::binary: {
      if (allow_long && type.can_be_long && random.percent(50)) {
        return hex_literal(long_value(random, false));
      }
      std::string bytes = random_bytes(random, static_cast<std::size_t>(std::min(type.size, 400)), false);
      if (type.keyword == "BINARY" && random.percent(20) && !bytes.empty()) {
        bytes.back() = '\0';  // a value ending in the padding byte
      }
      return hex_literal(bytes);
    }
    case Family::temporal:
      return temporal_value(random, type);
    case Family::enumeration: {
      if (random.percent(10)) {
        return "''";  // not a member: stored as the empty error value (index 0)
      }
      if (random.percent(10)) {
        const std::uint64_t limit =
            type.keyword == "ENUM" ? type.members.size() : (std::uint64_t{1} << type.members.size()) - 1;
        return fmt::format("{}", 1 + random.below(limit));  // by index or bit mask
      }
      if (type.keyword == "ENUM") {
        return quoted_literal(random.pick(type.members));
      }
      std::string value;
      for (const auto& member : type.members) {
        if (random.percent(40)) {
          value += (value.empty() ? "" : ",") + member;
        }
      }
      return quoted_literal(value);
    }
    case Family::json:
      return hex_literal(json_text(random, 0), "utf8mb4");
    case Family::spatial:
      return fmt::format("ST_GeomFromText('{}'{})", geometry_text(random, type.keyword),
                         random.percent(20) ? ", 4326" : "");
    case Family::network:
      return network_value(random, type);
  }
  return "NULL";
}

}  // namespace ifnbackup::test::fuzz
