#include "sign/file_signature.hpp"

#include <charconv>

#include <fmt/format.h>

#include "sign/ed25519.hpp"
#include "util/base64.hpp"

namespace ifnbackup {

const char* signer_trust_name(SignerTrust trust) noexcept {
  switch (trust) {
    case SignerTrust::none:
      return "unsigned";
    case SignerTrust::bad:
      return "bad_signature";
    case SignerTrust::unknown:
      return "unknown_key";
    case SignerTrust::trusted:
      return "trusted_key";
    case SignerTrust::ours:
      return "ours";
  }
  return "unknown";
}

}  // namespace ifnbackup

namespace ifnbackup::sign {
namespace {

constexpr std::string_view k_algorithm = "ed25519 ";
constexpr std::string_view k_message_domain = "ifnbackup-signature-v1\n";

}  // namespace

std::string signed_message(std::string_view sha256_hex, std::uint64_t bytes, std::string_view index_sha256_hex) {
  return fmt::format("{}{}\n{}\n{}\n", k_message_domain, sha256_hex, bytes, index_sha256_hex);
}

std::string format_signature_line(const PublicKey& key, std::string_view signature) {
  return fmt::format("{}{}{} {} {}\n", k_signature_prefix, k_algorithm, key.fingerprint(), util::base64_encode(key.raw),
                     util::base64_encode(signature));
}

int header_format(const std::map<std::string, std::string>& header) {
  const auto found = header.find("format");
  if (found == header.end()) {
    return 0;
  }
  int format = 0;
  const std::string& text = found->second;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), format);
  return ec == std::errc{} && end == text.data() + text.size() ? format : 0;
}

std::string check_signature(std::string_view line, const ChecksumLine& checksum, std::string_view index_sha256_hex,
                            int format, Signer& signer) {
  signer = Signer{};
  if (line.empty()) {
    if (format >= k_first_signed_format) {
      return fmt::format(
          "signature line missing: files of format {} and later are always signed, so this one was "
          "altered",
          k_first_signed_format);
    }
    return {};
  }
  signer.trust = SignerTrust::bad;
  std::string_view rest = line;
  if (!rest.starts_with(k_signature_prefix)) {
    return "malformed signature line";
  }
  rest.remove_prefix(k_signature_prefix.size());
  if (!rest.starts_with(k_algorithm)) {
    return fmt::format("signature of an unknown kind: {}", rest.substr(0, rest.find(' ')));
  }
  rest.remove_prefix(k_algorithm.size());
  const std::size_t first = rest.find(' ');
  const std::size_t second = first == std::string_view::npos ? first : rest.find(' ', first + 1);
  if (second == std::string_view::npos) {
    return "malformed signature line";
  }
  const std::string_view fingerprint = rest.substr(0, first);
  const auto key = util::base64_decode(rest.substr(first + 1, second - first - 1));
  const auto signature = util::base64_decode(rest.substr(second + 1));
  if (!key || key->size() != k_public_key_bytes || !signature || signature->size() != k_signature_bytes) {
    return "malformed signature line";
  }
  const PublicKey public_key{*key};
  signer.fingerprint = public_key.fingerprint();
  signer.public_key = *key;
  if (fingerprint != signer.fingerprint) {
    return fmt::format("malformed signature line: it names key {}, the key in it is {}", fingerprint.substr(0, 64),
                       signer.fingerprint);
  }
  if (!signature_matches(*key, signed_message(checksum.sha256_hex, checksum.bytes, index_sha256_hex), *signature)) {
    return fmt::format(
        "bad signature: the signature by key {} does not match the content's checksum line, so the "
        "file was altered after it was signed",
        signer.fingerprint);
  }
  signer.trust = SignerTrust::unknown;
  return {};
}

}  // namespace ifnbackup::sign
