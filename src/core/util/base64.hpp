#pragma once
// Base64 (RFC 4648, standard alphabet, padded): how keys and signatures are written in text.
#include <optional>
#include <string>
#include <string_view>

namespace ifnbackup::util {

std::string base64_encode(std::string_view bytes);
// std::nullopt for anything base64_encode would not have written (wrong length, padding, characters).
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace ifnbackup::util
