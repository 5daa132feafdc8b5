#include "offsite/objects.hpp"

#include <charconv>

#include <fmt/format.h>

#include "ifnbackup/error.hpp"
#include "offsite/xml.hpp"

namespace ifnbackup::offsite {
namespace {

std::uint64_t parse_size(std::string_view text, std::string_view what) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    throw Error(ErrorCode::offsite, tx("{}: the size '{}' is not a number", what, text),
                tx("the endpoint may not be S3-compatible: check --s3-endpoint"));
  }
  return value;
}

}  // namespace

std::optional<OffsiteObject> head_object(S3Client& client, std::string_view name) {
  S3Request head;
  head.method = "HEAD";
  head.key = client.location().key_of(name);
  head.what = fmt::format("HEAD of {}", head.key);
  const auto answer = client.perform(head, true);
  if (answer.status == 404) {
    return std::nullopt;
  }
  OffsiteObject object;
  object.name = std::string(name);
  object.key = head.key;
  object.headed = true;
  const auto length = answer.headers.find("content-length");
  object.size = length == answer.headers.end() ? 0 : parse_size(length->second, head.what);
  if (auto sha = answer.headers.find(std::string(k_offsite_sha256_header)); sha != answer.headers.end()) {
    object.sha256 = sha->second;
  }
  if (auto plain = answer.headers.find(std::string(k_offsite_plain_sha256_header)); plain != answer.headers.end()) {
    object.plain_sha256 = plain->second;
  }
  if (auto binlog = answer.headers.find(std::string(k_offsite_binlog_header)); binlog != answer.headers.end()) {
    object.binlog = binlog->second;
  }
  if (auto modified = answer.headers.find("last-modified"); modified != answer.headers.end()) {
    object.last_modified = modified->second;
  }
  return object;
}

std::vector<OffsiteObject> list_objects(S3Client& client) {
  std::vector<OffsiteObject> objects;
  const std::string& prefix = client.location().prefix;
  std::string token;
  for (unsigned page = 1;; ++page) {
    S3Request list;
    list.query = {{"list-type", "2"}, {"prefix", prefix}};
    if (!token.empty()) {
      list.query.emplace_back("continuation-token", token);
    }
    list.what = fmt::format("listing of s3://{}/{} (page {})", client.location().bucket, prefix, page);
    const auto answer = client.perform(list);
    for (auto contents : xml_elements(answer.body, "Contents")) {
      OffsiteObject object;
      object.key = xml_text(contents, "Key");
      if (!object.key.starts_with(prefix)) {
        continue;
      }
      object.name = object.key.substr(prefix.size());
      object.size = parse_size(xml_text(contents, "Size"), list.what);
      object.last_modified = xml_text(contents, "LastModified");
      objects.push_back(std::move(object));
    }
    if (xml_text(answer.body, "IsTruncated") != "true") {
      break;
    }
    token = xml_text(answer.body, "NextContinuationToken");
    if (token.empty()) {
      throw Error(ErrorCode::offsite, tx("{}: a truncated page without NextContinuationToken", list.what),
                  tx("the endpoint may not speak ListObjectsV2: check --s3-endpoint"));
    }
  }
  return objects;
}

void delete_object(S3Client& client, std::string_view name) {
  S3Request remove;
  remove.method = "DELETE";
  remove.key = client.location().key_of(name);
  remove.what = fmt::format("removal of s3://{}/{}", client.location().bucket, remove.key);
  client.perform(remove, true);
}

}  // namespace ifnbackup::offsite

namespace ifnbackup {

std::optional<OffsiteObject> head_offsite(const OffsiteOptions& options, std::string_view name) {
  offsite::S3Client client(options, offsite::load_credentials(options.profile));
  return offsite::head_object(client, name);
}

void delete_offsite(const OffsiteOptions& options, std::string_view name) {
  offsite::S3Client client(options, offsite::load_credentials(options.profile));
  offsite::delete_object(client, name);
}

std::vector<OffsiteObject> list_offsite(const OffsiteOptions& options,
                                        const std::function<bool(std::string_view name)>& want, bool head) {
  offsite::S3Client client(options, offsite::load_credentials(options.profile));
  std::vector<OffsiteObject> wanted;
  for (auto& object : offsite::list_objects(client)) {
    if (want && !want(object.name)) {
      continue;
    }
    if (head) {
      if (auto headed = offsite::head_object(client, object.name)) {
        object.sha256 = headed->sha256;
        object.headed = true;
      } else {
        continue;  // removed since the listing
      }
    }
    wanted.push_back(std::move(object));
  }
  return wanted;
}

}  // namespace ifnbackup
