#pragma once
// Just enough XML for S3's answers (ListObjectsV2, InitiateMultipartUpload, errors): elements found by name,
// their text with the five predefined entities and numeric references decoded. Not a general parser.
#include <string>
#include <string_view>
#include <vector>

namespace ifnbackup::offsite {

// The raw inner text of every <tag>...</tag> in `xml`, in order (nested elements left as text).
std::vector<std::string_view> xml_elements(std::string_view xml, std::string_view tag);
// The decoded text of the first <tag>, or "" when there is none.
std::string xml_text(std::string_view xml, std::string_view tag);
// &amp; &lt; &gt; &quot; &apos; &#N; &#xN; decoded (an unknown entity is left as is).
std::string xml_decode(std::string_view text);
// The reverse, for the names we send (CompleteMultipartUpload's ETags).
std::string xml_escape(std::string_view text);

}  // namespace ifnbackup::offsite
