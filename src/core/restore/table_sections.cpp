#include "restore/table_sections.hpp"

#include <algorithm>
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

LoadOrder biggest_first(const std::vector<Section>& index) {
  // Ranges that must be read together, in file order: a range, then the parts that go on with its
  // last table's rows.
  struct Unit {
    std::vector<std::size_t> ranges;
    std::uint64_t bytes = 0;
    // Its parts' table, or else its last table: the only one that can hold more than k_min_range_bytes
    // (a table starts a range of its own once the range holds that much).
    std::string table;
    bool parts = false;
    bool objects = false;
  };
  std::vector<Unit> units;
  for (std::size_t i = 0; i < index.size(); ++i) {
    const Section& section = index[i];
    if (!section.with_previous) {
      if (section.kind != SectionKind::part || units.empty()) {
        units.emplace_back();
      }
      Unit& unit = units.back();
      unit.ranges.push_back(i);
      unit.bytes += section.bytes;
    }
    if (units.empty()) {
      continue;  // not an index that verifies: its first section has a range
    }
    Unit& unit = units.back();
    if (section.kind == SectionKind::part) {
      unit.table = section.table;
      unit.parts = true;
    } else if (section.kind == SectionKind::table && !unit.parts) {
      unit.table = section.table;
    }
    if (section.kind == SectionKind::objects) {
      unit.objects = true;
    }
  }
  LoadOrder order;
  if (units.empty()) {
    return order;
  }
  // The prologue's unit stays first, the objects' last.
  const auto middle_begin = units.begin() + 1;
  auto middle_end = units.end();
  if (units.size() > 1 && units.back().objects) {
    --middle_end;
  }
  std::stable_sort(middle_begin, middle_end, [](const Unit& a, const Unit& b) { return a.bytes > b.bytes; });
  for (const Unit& unit : units) {
    order.ranges.insert(order.ranges.end(), unit.ranges.begin(), unit.ranges.end());
  }
  if (units.size() > 1 && middle_begin != middle_end) {
    order.lead = middle_begin->table;
    order.lead_bytes = middle_begin->bytes;
  }
  return order;
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
