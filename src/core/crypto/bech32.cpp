#include "crypto/bech32.hpp"

#include <cstdint>

#include "crypto/primitives.hpp"

namespace ifnbackup::crypto {
namespace {

constexpr std::string_view k_charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
constexpr std::size_t k_checksum_chars = 6;

char to_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}
char to_upper(char c) {
  return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

std::uint32_t polymod(const std::vector<unsigned char>& values) {
  constexpr std::uint32_t k_generator[] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
  std::uint32_t checksum = 1;
  for (const unsigned char value : values) {
    const std::uint32_t top = checksum >> 25;
    checksum = (checksum & 0x1ffffff) << 5 ^ value;
    for (int i = 0; i < 5; ++i) {
      if ((top >> i) & 1) {
        checksum ^= k_generator[i];
      }
    }
  }
  return checksum;
}

// The human-readable part, lowercased, expanded as BIP 173 says, followed by the 5-bit values.
std::vector<unsigned char> checksum_input(std::string_view hrp, const std::vector<unsigned char>& values) {
  std::vector<unsigned char> out;
  out.reserve(hrp.size() * 2 + 1 + values.size() + k_checksum_chars);
  for (const char c : hrp) {
    out.push_back(static_cast<unsigned char>(to_lower(c)) >> 5);
  }
  out.push_back(0);
  for (const char c : hrp) {
    out.push_back(static_cast<unsigned char>(to_lower(c)) & 31);
  }
  out.insert(out.end(), values.begin(), values.end());
  return out;
}

// The 5-bit groups of an identity are its secret too.
void wipe_vector(std::vector<unsigned char>& values) {
  wipe(values.data(), values.size());
}

bool fail(std::string* why, const char* reason) {
  if (why) {
    *why = reason;
  }
  return false;
}

}  // namespace

std::string bech32_encode(std::string_view hrp, const std::vector<unsigned char>& data) {
  std::vector<unsigned char> values;
  values.reserve((data.size() * 8 + 4) / 5 + k_checksum_chars);
  std::uint32_t accumulator = 0;
  int bits = 0;
  for (const unsigned char byte : data) {
    accumulator = accumulator << 8 | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      values.push_back(static_cast<unsigned char>((accumulator >> bits) & 31));
    }
  }
  if (bits > 0) {
    values.push_back(static_cast<unsigned char>((accumulator << (5 - bits)) & 31));
  }
  std::vector<unsigned char> input = checksum_input(hrp, values);
  input.insert(input.end(), k_checksum_chars, 0);
  const std::uint32_t checksum = polymod(input) ^ 1;
  wipe_vector(input);
  for (std::size_t i = 0; i < k_checksum_chars; ++i) {
    values.push_back(static_cast<unsigned char>((checksum >> (5 * (5 - i))) & 31));
  }
  const bool upper = !hrp.empty() && to_lower(hrp.front()) != hrp.front();
  std::string text(hrp);
  text.push_back('1');
  for (const unsigned char value : values) {
    text.push_back(upper ? to_upper(k_charset[value]) : k_charset[value]);
  }
  wipe_vector(values);
  return text;
}

std::optional<Bech32> bech32_decode(std::string_view text, std::string* why) {
  bool has_lower = false;
  bool has_upper = false;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 33 || byte > 126) {
      fail(why, "a character that is not printable ASCII");
      return std::nullopt;
    }
    has_lower = has_lower || (c >= 'a' && c <= 'z');
    has_upper = has_upper || (c >= 'A' && c <= 'Z');
  }
  if (has_lower && has_upper) {
    fail(why, "mixed upper and lower case");
    return std::nullopt;
  }
  const std::size_t separator = text.rfind('1');
  if (separator == std::string_view::npos || separator == 0 || text.size() - separator - 1 < k_checksum_chars) {
    fail(why, "no '1' separator followed by a checksum");
    return std::nullopt;
  }
  std::vector<unsigned char> values;
  values.reserve(text.size() - separator - 1);
  for (const char c : text.substr(separator + 1)) {
    const std::size_t value = k_charset.find(to_lower(c));
    if (value == std::string_view::npos) {
      fail(why, "a character outside the bech32 alphabet");
      return std::nullopt;
    }
    values.push_back(static_cast<unsigned char>(value));
  }
  Bech32 out;
  out.hrp = std::string(text.substr(0, separator));
  std::vector<unsigned char> input = checksum_input(out.hrp, values);
  const bool checksum_ok = polymod(input) == 1;
  wipe_vector(input);
  if (!checksum_ok) {
    wipe_vector(values);
    fail(why, "a wrong checksum (a character mistyped or lost when copied)");
    return std::nullopt;
  }
  values.resize(values.size() - k_checksum_chars);
  std::uint32_t accumulator = 0;
  int bits = 0;
  for (const unsigned char value : values) {
    accumulator = (accumulator << 5 | value) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.data.push_back(static_cast<unsigned char>((accumulator >> bits) & 0xff));
    }
  }
  wipe_vector(values);
  // What is left must be padding: fewer than 5 bits, all zero (one text per byte string).
  if (bits >= 5 || (accumulator & ((1u << bits) - 1)) != 0) {
    wipe_vector(out.data);
    fail(why, "a data part that is not a whole number of bytes");
    return std::nullopt;
  }
  return out;
}

}  // namespace ifnbackup::crypto
