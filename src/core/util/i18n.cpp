#include "ifnbackup/i18n.hpp"

#include "ifnbackup/printable.hpp"

#include <libintl.h>
#include <locale.h>

#include <clocale>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace ifnbackup {

namespace {

constexpr const char* k_domain = "ifnbackup";

std::filesystem::path catalog_folder(const char* argv0) {
  if (const char* forced = std::getenv("IFNBACKUP_LOCALEDIR"); forced != nullptr && *forced != '\0') {
    return forced;
  }
  // The build tree: build/ifnbackup beside build/locale/fr/LC_MESSAGES/ifnbackup.mo.
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  const auto bin = (ec ? std::filesystem::path(argv0 == nullptr ? "" : argv0) : self).parent_path();
  const auto beside = bin / "locale";
  if (std::filesystem::exists(beside / "fr" / "LC_MESSAGES" / "ifnbackup.mo", ec)) {
    return beside;
  }
  // Installed: <prefix>/bin/ifnbackup beside <prefix>/share/locale (/usr from the .deb, /usr/local).
  const auto installed = bin.parent_path() / "share" / "locale";
  if (std::filesystem::exists(installed / "fr" / "LC_MESSAGES" / "ifnbackup.mo", ec)) {
    return installed;
  }
  return IFNBACKUP_LOCALEDIR;
}

}  // namespace

void setup_messages(const char* argv0) {
  std::setlocale(LC_MESSAGES, "");
  const auto folder = catalog_folder(argv0);
  bindtextdomain(k_domain, folder.c_str());
  bind_textdomain_codeset(k_domain, "UTF-8");
}

namespace {
thread_local bool t_english_only = false;
}  // namespace

EnglishOnly::EnglishOnly() noexcept : m_was(t_english_only) {
  t_english_only = true;
}
EnglishOnly::~EnglishOnly() {
  t_english_only = m_was;
}

const char* tr(const char* msgid) noexcept {
  return t_english_only ? msgid : dgettext(k_domain, msgid);
}

const char* trn(const char* singular, const char* plural, unsigned long n) noexcept {
  if (t_english_only) {
    return n == 1 ? singular : plural;
  }
  return dngettext(k_domain, singular, plural, n);
}

Text errno_text(int error_number) {
  static const locale_t c_locale = ::newlocale(LC_ALL_MASK, "C", static_cast<locale_t>(nullptr));
  std::string english =
      c_locale == static_cast<locale_t>(nullptr) ? std::strerror(error_number) : ::strerror_l(error_number, c_locale);
  return Text(std::move(english), std::strerror(error_number));
}

bool messages_in_french() noexcept {
  // The catalog's own answer: its translation of this marker is "fr" when French is in use.
  return std::strcmp(tr("language-code: en"), "language-code: en") != 0;
}

}  // namespace ifnbackup
