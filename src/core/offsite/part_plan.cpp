// The pure arithmetic of an offsite upload: where it goes (the s3:// URL) and how a file is cut into parts.
#include <fmt/format.h>

#include "ifnbackup/error.hpp"
#include "ifnbackup/offsite.hpp"

namespace ifnbackup {

OffsiteLocation parse_offsite_url(std::string_view url) {
  constexpr std::string_view scheme = "s3://";
  const auto bad = [&](const std::string& why) {
    return Error(ErrorCode::usage, tx("invalid --offsite '{}': {}", url, why),
                 tx("write it s3://BUCKET or s3://BUCKET/PREFIX (the endpoint goes in --s3-endpoint)"));
  };
  if (!url.starts_with(scheme)) {
    throw bad("it does not start with s3://");
  }
  std::string_view rest = url.substr(scheme.size());
  const auto slash = rest.find('/');
  OffsiteLocation location;
  location.bucket = std::string(rest.substr(0, slash));
  std::string_view prefix = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  // S3's bucket rules (3-63 characters: lowercase letters, digits, '.', '-'); GCS allows '_' too.
  if (location.bucket.size() < 3 || location.bucket.size() > 222) {
    throw bad("a bucket name has 3 to 63 characters (222 on GCS)");
  }
  for (char c : location.bucket) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_')) {
      throw bad(fmt::format("'{}' may not be in a bucket name (lowercase letters, digits, '.', '-', '_')", c));
    }
  }
  while (prefix.starts_with('/')) {
    prefix.remove_prefix(1);
  }
  for (char c : prefix) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      throw bad("a control character in the prefix");
    }
  }
  location.prefix = std::string(prefix);
  if (!location.prefix.empty() && !location.prefix.ends_with('/')) {
    location.prefix.push_back('/');
  }
  if (location.prefix.size() > 512) {
    throw bad("the prefix is longer than 512 bytes");
  }
  return location;
}

OffsiteOptions offsite_subfolder(const OffsiteOptions& options, std::string_view folder) {
  const auto location = parse_offsite_url(options.url);
  OffsiteOptions sub = options;
  sub.url = fmt::format("s3://{}/{}{}", location.bucket, location.prefix, folder);
  return sub;
}

PartPlan plan_parts(std::uint64_t size, unsigned max_parts, std::uint64_t min_part_size) {
  if (max_parts < 1 || max_parts > k_s3_max_parts) {
    throw Error(ErrorCode::usage, tx("--s3-max-parts {} is outside 1..{}", max_parts, k_s3_max_parts),
                tx("use the storage's limit: 10000 for AWS S3, GCS and MinIO, 1000 for some other providers"));
  }
  if (size > k_s3_max_object_size) {
    throw Error(ErrorCode::offsite,
                tx("the file is {} bytes: S3 holds objects of at most 5 TiB ({} bytes)", size, k_s3_max_object_size),
                tx("keep such a backup on another kind of storage, or back up fewer tables per file"));
  }
  const std::uint64_t min_part = std::max<std::uint64_t>(min_part_size, 1);
  PartPlan plan;
  if (size <= min_part) {
    plan.part_size = std::max<std::uint64_t>(size, 1);
    plan.parts = 1;
    return plan;
  }
  // The smallest part size that keeps the count within max_parts, rounded up to a whole MiB when it is
  // above the smallest part.
  const std::uint64_t needed = (size + max_parts - 1) / max_parts;
  plan.part_size = needed <= min_part ? min_part : (needed + k_mib - 1) / k_mib * k_mib;
  if (plan.part_size > k_s3_max_part_size) {
    throw Error(ErrorCode::usage,
                tx("a file of {} bytes in at most {} parts needs parts of {} bytes, above S3's 5 GiB", size, max_parts,
                   plan.part_size),
                tx("raise --s3-max-parts (10000 on AWS S3, GCS and MinIO)"));
  }
  plan.parts = (size + plan.part_size - 1) / plan.part_size;
  return plan;
}

}  // namespace ifnbackup
