#include "drill/scratch_record.hpp"

#include <fstream>
#include <iterator>

#include "io/file_io.hpp"

namespace ifnbackup::drill {

namespace fs = std::filesystem;

ScratchRecord ScratchRecord::load(const fs::path& backup_dir) {
  std::ifstream in(backup_dir / k_file_name, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ScratchRecord record = parse(text);
  record.m_path = backup_dir / k_file_name;
  return record;
}

ScratchRecord ScratchRecord::parse(std::string_view text) {
  ScratchRecord record;
  while (!text.empty()) {
    const auto end = text.find('\n');
    if (end == std::string_view::npos) {
      break;  // a torn last line: a name cut short must not make some other database ours
    }
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(end + 1);
    const auto tab = line.find('\t');
    if (tab == std::string_view::npos || tab == 0 || tab + 1 == line.size() ||
        line.find('\t', tab + 1) != std::string_view::npos) {
      continue;
    }
    record.m_entries.emplace(std::string(line.substr(0, tab)), std::string(line.substr(tab + 1)));
  }
  return record;
}

std::string ScratchRecord::format() const {
  std::string text;
  for (const auto& [server, database] : m_entries) {
    text += server + '\t' + database + '\n';
  }
  return text;
}

bool ScratchRecord::contains(std::string_view server, std::string_view database) const {
  return m_entries.contains({std::string(server), std::string(database)});
}

void ScratchRecord::add(std::string server, std::string database) {
  m_entries.emplace(std::move(server), std::move(database));
}

void ScratchRecord::remove(std::string_view server, std::string_view database) {
  m_entries.erase({std::string(server), std::string(database)});
}

void ScratchRecord::save() const {
  io::replace_file(m_path, format(), 0600);
}

}  // namespace ifnbackup::drill
