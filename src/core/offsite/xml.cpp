#include "offsite/xml.hpp"

#include <charconv>

namespace ifnbackup::offsite {

std::vector<std::string_view> xml_elements(std::string_view xml, std::string_view tag) {
  std::vector<std::string_view> out;
  const std::string open = "<" + std::string(tag);
  const std::string close = "</" + std::string(tag) + ">";
  std::size_t at = 0;
  while ((at = xml.find(open, at)) != std::string_view::npos) {
    const std::size_t after_name = at + open.size();
    // <Key> or <Key attr="..."> but not <KeyCount>.
    if (after_name >= xml.size() || (xml[after_name] != '>' && xml[after_name] != ' ' && xml[after_name] != '/')) {
      at = after_name;
      continue;
    }
    const std::size_t open_end = xml.find('>', after_name);
    if (open_end == std::string_view::npos) {
      break;
    }
    if (xml[open_end - 1] == '/') {  // <Tag/>
      out.emplace_back();
      at = open_end + 1;
      continue;
    }
    const std::size_t end = xml.find(close, open_end + 1);
    if (end == std::string_view::npos) {
      break;
    }
    out.push_back(xml.substr(open_end + 1, end - open_end - 1));
    at = end + close.size();
  }
  return out;
}

std::string xml_text(std::string_view xml, std::string_view tag) {
  auto found = xml_elements(xml, tag);
  return found.empty() ? std::string() : xml_decode(found.front());
}

namespace {

void append_utf8(std::string& out, unsigned long code) {
  if (code < 0x80) {
    out.push_back(static_cast<char>(code));
  } else if (code < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code >> 6)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else if (code < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  }
}

}  // namespace

std::string xml_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out.push_back(text[i]);
      continue;
    }
    const std::size_t semi = text.find(';', i);
    if (semi == std::string_view::npos || semi - i > 10) {
      out.push_back('&');
      continue;
    }
    const std::string_view entity = text.substr(i + 1, semi - i - 1);
    if (entity == "amp") {
      out.push_back('&');
    } else if (entity == "lt") {
      out.push_back('<');
    } else if (entity == "gt") {
      out.push_back('>');
    } else if (entity == "quot") {
      out.push_back('"');
    } else if (entity == "apos") {
      out.push_back('\'');
    } else if (entity.size() > 1 && entity[0] == '#') {
      const bool hex = entity[1] == 'x' || entity[1] == 'X';
      const std::string_view digits = entity.substr(hex ? 2 : 1);
      unsigned long code = 0;
      const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), code, hex ? 16 : 10);
      if (ec != std::errc() || end != digits.data() + digits.size() || code > 0x10FFFF) {
        out.push_back('&');
        continue;
      }
      append_utf8(out, code);
    } else {
      out.push_back('&');
      continue;
    }
    i = semi;
  }
  return out;
}

std::string xml_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

}  // namespace ifnbackup::offsite
