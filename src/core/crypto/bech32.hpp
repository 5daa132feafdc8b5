#pragma once
// Bech32 (BIP 173) as the age format uses it: no length limit on the data part, a string all
// lowercase or all uppercase, the checksum always computed over the lowercase string. age recipients
// are "age1…" and identities "AGE-SECRET-KEY-1…".
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ifnbackup::crypto {

struct Bech32 {
  std::string hrp;  // the human-readable part, as written (its case kept)
  std::vector<unsigned char> data;
};

// The text of `data` under `hrp`, in the case of `hrp` (lowercase hrp: lowercase text).
std::string bech32_encode(std::string_view hrp, const std::vector<unsigned char>& data);
// std::nullopt and `why` for a mixed-case string, a missing separator, a character outside the
// alphabet, a wrong checksum or a data part that is no whole number of bytes.
std::optional<Bech32> bech32_decode(std::string_view text, std::string* why = nullptr);

}  // namespace ifnbackup::crypto
