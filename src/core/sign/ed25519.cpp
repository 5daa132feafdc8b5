#include "sign/ed25519.hpp"

#include <memory>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "crypto/openssl.hpp"
#include "ifnbackup/error.hpp"

namespace ifnbackup::sign {
namespace {

using crypto::Pkey;
using crypto::PkeyCtxFree;
using crypto::throw_openssl;

struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};
struct BioFree {
  void operator()(BIO* bio) const noexcept { BIO_free(bio); }
};
const unsigned char* bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

Pkey private_key(std::string_view seed) {
  if (seed.size() != k_seed_bytes) {
    throw Error(ErrorCode::internal, "Ed25519 private key of " + std::to_string(seed.size()) + " bytes");
  }
  Pkey key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, bytes(seed), seed.size()));
  if (!key) {
    throw_openssl("loading an Ed25519 private key");
  }
  return key;
}

std::string raw_public_key(EVP_PKEY* key) {
  std::string out(k_public_key_bytes, '\0');
  std::size_t length = out.size();
  if (EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(out.data()), &length) != 1 ||
      length != k_public_key_bytes) {
    throw_openssl("reading an Ed25519 public key");
  }
  return out;
}

// A PEM reader asks for a passphrase through this: never on the terminal of a cron job.
int no_passphrase(char*, int, int, void*) {
  return 0;
}

}  // namespace

KeyPair generate_key_pair() {
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr));
  EVP_PKEY* generated = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_keygen(ctx.get(), &generated) != 1) {
    throw_openssl("generating an Ed25519 key");
  }
  Pkey key(generated);
  KeyPair pair;
  pair.seed.assign(k_seed_bytes, '\0');
  std::size_t length = pair.seed.size();
  if (EVP_PKEY_get_raw_private_key(key.get(), reinterpret_cast<unsigned char*>(pair.seed.data()), &length) != 1 ||
      length != k_seed_bytes) {
    throw_openssl("reading a new Ed25519 private key");
  }
  pair.public_key = raw_public_key(key.get());
  return pair;
}

std::string public_key_of(std::string_view seed) {
  return raw_public_key(private_key(seed).get());
}

std::string private_key_pem(std::string_view seed) {
  const Pkey key = private_key(seed);
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    throw_openssl("writing an Ed25519 private key");
  }
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  std::string pem(data, static_cast<std::size_t>(length));
  OPENSSL_cleanse(data, static_cast<std::size_t>(length));
  return pem;
}

std::optional<std::string> seed_from_pem(std::string_view pem) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) {
    throw_openssl("reading a private key");
  }
  Pkey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  ERR_clear_error();  // a file that is not a key is an answer, not an OpenSSL failure
  if (!key || EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_ED25519) {
    return std::nullopt;
  }
  std::string seed(k_seed_bytes, '\0');
  std::size_t length = seed.size();
  if (EVP_PKEY_get_raw_private_key(key.get(), reinterpret_cast<unsigned char*>(seed.data()), &length) != 1 ||
      length != k_seed_bytes) {
    ERR_clear_error();
    return std::nullopt;
  }
  return seed;
}

std::string sign_message(std::string_view seed, std::string_view message) {
  const Pkey key = private_key(seed);
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  std::string signature(k_signature_bytes, '\0');
  std::size_t length = signature.size();
  // Ed25519 hashes the message itself: no digest is named (nullptr).
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length, bytes(message),
                     message.size()) != 1 ||
      length != k_signature_bytes) {
    throw_openssl("signing");
  }
  return signature;
}

bool signature_matches(std::string_view public_key, std::string_view message, std::string_view signature) {
  if (public_key.size() != k_public_key_bytes || signature.size() != k_signature_bytes) {
    return false;
  }
  Pkey key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, bytes(public_key), public_key.size()));
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!key || !ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1) {
    ERR_clear_error();
    return false;  // a public key OpenSSL refuses verifies nothing
  }
  const bool matches =
      EVP_DigestVerify(ctx.get(), bytes(signature), signature.size(), bytes(message), message.size()) == 1;
  ERR_clear_error();
  return matches;
}

}  // namespace ifnbackup::sign
