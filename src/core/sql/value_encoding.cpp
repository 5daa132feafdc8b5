#include "sql/value_encoding.hpp"

#include "sql/text.hpp"

namespace ifnbackup::sql {

void append_hex(std::string& out, std::string_view bytes) {
  static constexpr char k_digits[] = "0123456789ABCDEF";
  const std::size_t start = out.size();
  out.resize(start + 2 * bytes.size());
  char* p = out.data() + start;
  for (unsigned char c : bytes) {
    *p++ = k_digits[c >> 4];
    *p++ = k_digits[c & 0x0f];
  }
}

void append_sql_value(std::string& out, ValueKind kind, const char* data, std::size_t size) {
  if (data == nullptr) {
    out.append("NULL");
    return;
  }
  switch (kind) {
    case ValueKind::numeric:
      out.append(data, size);
      return;
    case ValueKind::binary:
      if (size == 0) {
        out.append("''");
        return;
      }
      out.append("0x");
      append_hex(out, {data, size});
      return;
    case ValueKind::text:
      append_quoted_string(out, {data, size});
      return;
  }
}

}  // namespace ifnbackup::sql
