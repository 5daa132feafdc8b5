# Every dependency is a Debian 12 package (scripts/install-deps installs them).
find_package(Threads REQUIRED)
find_package(ZLIB REQUIRED)
# libdeflate (libdeflate-dev): whole-block gzip compression for the backup writer, 2-3x zlib's
# speed at the same level and smaller output. Debian 12 ships a pkg-config file, no CMake config.
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBDEFLATE REQUIRED IMPORTED_TARGET libdeflate)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 REQUIRED)
find_package(MySQL REQUIRED)
# OpenSSL (libssl-dev): Ed25519 signatures of backups (src/core/sign/ed25519.cpp), the age format
# (src/core/crypto/primitives.cpp, with crypto/openssl.hpp) and the server certificate read for
# --ssl-fingerprint (src/core/db/server_certificate.cpp, libssl): the only files that include its headers.
find_package(OpenSSL 3.0 REQUIRED COMPONENTS Crypto SSL)
if(IFNBACKUP_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
# libcurl (libcurl4-openssl-dev, 7.88): the S3 client of offsite copies, signed by CURLOPT_AWS_SIGV4
# (src/core/offsite/s3_client.cpp, the only user).
find_package(CURL 7.75 REQUIRED)
