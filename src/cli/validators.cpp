// Option values checked before anything runs, with messages in words: CLI11's own Range prints its
// bounds as doubles ("not in range 0.000000 to 1.79769e+308") and cannot say why a bound is there.
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "cli.hpp"

namespace ifnbackup::cli {

namespace {

// MariaDB and MySQL refuse a database name longer than 64 characters.
constexpr std::size_t k_max_database_name = 64;

// Characters of UTF-8 text: the bytes that do not continue a sequence.
std::size_t utf8_length(std::string_view text) {
  std::size_t count = 0;
  for (const char c : text) {
    count += (static_cast<unsigned char>(c) & 0xc0) != 0x80 ? 1 : 0;
  }
  return count;
}

}  // namespace

CLI::Validator whole_number_in(long long low, long long high, const std::string& unit, const std::string& note) {
  const std::string range = fmt::format("a whole number of {} from {} to {}", unit, low, high);
  return CLI::Validator(
      [low, high, range, note](std::string& input) -> std::string {
        const std::string why = note.empty() ? "" : " (" + note + ")";
        long long value = 0;
        const char* end = input.data() + input.size();
        const auto [at, error] = std::from_chars(input.data(), end, value);
        if (input.empty() || at != end || (error != std::errc() && error != std::errc::result_out_of_range)) {
          return fmt::format("'{}' is not {}{}", input, range, why);
        }
        // A number too big for long long is out of range too, whatever its sign says.
        if (error == std::errc::result_out_of_range || value < low || value > high) {
          return fmt::format("{} is out of range: give {}{}", input, range, why);
        }
        return {};
      },
      fmt::format("{}..{}", low, high));
}

CLI::Validator number_in(double low, double high, const std::string& unit) {
  const std::string range = fmt::format("a number from {} to {} ({})", low, high, unit);
  return CLI::Validator(
      [low, high, range](std::string& input) -> std::string {
        double value = 0;
        const char* end = input.data() + input.size();
        const auto [at, error] = std::from_chars(input.data(), end, value);
        if (input.empty() || at != end || error != std::errc() || !std::isfinite(value)) {
          return fmt::format("'{}' is not {}", input, range);
        }
        if (value < low || value > high) {
          return fmt::format("{} is out of range: give {}", input, range);
        }
        return {};
      },
      fmt::format("{}..{}", low, high));
}

CLI::Validator database_name_check() {
  return CLI::Validator(
      [](std::string& name) -> std::string {
        const std::size_t length = utf8_length(name);
        if (length > k_max_database_name) {
          return fmt::format("database name '{}' is too long: {} characters, {} at most", name, length,
                             k_max_database_name);
        }
        return {};
      },
      "NAME");
}

}  // namespace ifnbackup::cli
