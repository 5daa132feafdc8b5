#pragma once
// A minimal JSON writer for --json outputs and the run journal. The one JSON read back, a journal
// line, is parsed by ops/journal.cpp's own flat-object parser (strings and integers only).
#include <cstdint>
#include <string>
#include <string_view>

namespace ifnbackup::util {

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view name);
  JsonWriter& value(std::string_view text);
  JsonWriter& value(const char* text) { return value(std::string_view(text)); }
  JsonWriter& value(const std::string& text) { return value(std::string_view(text)); }
  JsonWriter& value(std::int64_t number);
  JsonWriter& value(std::uint64_t number);
  JsonWriter& value(int number) { return value(static_cast<std::int64_t>(number)); }
  JsonWriter& value(double number);
  JsonWriter& value(bool flag);
  JsonWriter& null();
  // key(name).value(v): one field per line in a chain.
  template <typename T>
  JsonWriter& field(std::string_view name, const T& v) {
    return key(name).value(v);
  }
  const std::string& str() const { return m_out; }

 private:
  void separate();
  std::string m_out;
  bool m_need_comma = false;
};

// "text" with JSON escapes, appended to out.
void append_json_string(std::string& out, std::string_view text);

}  // namespace ifnbackup::util
