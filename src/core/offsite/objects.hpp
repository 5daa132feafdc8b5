#pragma once
// Reading the bucket through one client: a HEAD, every page of a listing, a download.
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "ifnbackup/offsite.hpp"
#include "offsite/s3_client.hpp"

namespace ifnbackup::offsite {

// HEAD of <prefix><name>: size and our SHA-256 header; nullopt on 404.
std::optional<OffsiteObject> head_object(S3Client& client, std::string_view name);

// ListObjectsV2 under the prefix, every page (the continuation token is percent-encoded by the client).
std::vector<OffsiteObject> list_objects(S3Client& client);

// DELETE of <prefix><name> (S3 answers 204 whether or not it existed). Throws Error(offsite).
void delete_object(S3Client& client, std::string_view name);

}  // namespace ifnbackup::offsite
