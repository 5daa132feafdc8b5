#include "restore/table_sections.hpp"

#include <set>

namespace ifnbackup::restore {

std::vector<SectionRead> choose_sections(const std::vector<Section>& index, const std::vector<std::string>& tables) {
  const std::set<std::string> wanted(tables.begin(), tables.end());
  std::vector<SectionRead> read;  // in file order
  std::size_t owner = 0;          // the section that owns the current range
  auto add = [&](std::size_t section, bool load, bool scan) {
    if (!read.empty() && read.back().index == section) {
      read.back().load = read.back().load || load;
      read.back().scan = read.back().scan || scan;
      return;
    }
    read.push_back(SectionRead{section, load, scan});
  };
  add(0, true, true);
  for (std::size_t i = 0; i < index.size(); ++i) {
    const Section& section = index[i];
    if (!section.with_previous) {
      owner = i;
    }
    const bool of_wanted =
        (section.kind == SectionKind::table || section.kind == SectionKind::part) && wanted.contains(section.table);
    const bool objects = section.kind == SectionKind::objects;
    if (of_wanted || objects) {
      add(owner, of_wanted, objects);
    }
  }
  return read;
}

std::vector<SectionRead> choose_schema_sections(const std::vector<Section>& index) {
  std::vector<SectionRead> read;  // in file order
  std::size_t owner = 0;
  for (std::size_t i = 0; i < index.size(); ++i) {
    const Section& section = index[i];
    if (!section.with_previous) {
      owner = i;
    }
    const bool rows_only = section.kind == SectionKind::part && i + 1 < index.size() &&
                           index[i + 1].kind == SectionKind::part && index[i + 1].table == section.table;
    if (rows_only) {
      continue;
    }
    const bool scan = section.kind == SectionKind::prologue || section.kind == SectionKind::objects;
    if (!read.empty() && read.back().index == owner) {
      read.back().scan = read.back().scan || scan;
    } else {
      read.push_back(SectionRead{owner, true, scan});
    }
  }
  return read;
}

std::optional<TableSections> verify_table_sections(const std::filesystem::path& path,
                                                   const std::vector<std::string>& tables) {
  TableSections chosen;
  auto verification = verify_sections(path, [&](const std::vector<Section>& index) {
    std::vector<SectionRead> read = choose_sections(index, tables);
    for (const SectionRead& range : read) {
      if (range.load) {
        chosen.ranges.push_back(index[range.index]);
      }
    }
    return read;
  });
  if (!verification) {
    return std::nullopt;
  }
  chosen.verification = std::move(*verification);
  return chosen;
}

}  // namespace ifnbackup::restore
