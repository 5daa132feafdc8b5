#include "restore/table_sections.hpp"

#include <algorithm>
#include <numeric>
#include <optional>
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

LoadOrder biggest_first(const std::vector<Section>& index,
                        const std::vector<std::pair<std::string, std::string>>& parents_after_children) {
  // Ranges that must be read together, in file order: a range, then the parts that go on with its
  // last table's rows.
  struct Unit {
    std::vector<std::size_t> ranges;
    std::uint64_t bytes = 0;
    // Its parts' table, or else its last table: the only one that can hold more than k_min_range_bytes
    // (a table starts a range of its own once the range holds that much).
    std::string table;
    std::set<std::string> tables;  // every table with a section in it
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
    if (section.kind == SectionKind::table || section.kind == SectionKind::part) {
      unit.tables.insert(section.table);
    }
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
  // Each unit's place in the file, then the units a unit must follow: those holding a child whose
  // foreign key names one of its tables, written before it (the stock client adds that constraint
  // before the parent exists; read after, the server would check it against the parent).
  std::vector<std::size_t> file_place(units.size());
  std::iota(file_place.begin(), file_place.end(), std::size_t{0});
  const auto unit_of = [&](const std::string& table) -> std::optional<std::size_t> {
    for (std::size_t i = 0; i < units.size(); ++i) {
      if (units[i].tables.contains(table)) {
        return i;
      }
    }
    return std::nullopt;
  };
  std::vector<std::set<std::size_t>> after(units.size());  // by file place
  for (const auto& [child, parent] : parents_after_children) {
    const auto child_unit = unit_of(child);
    const auto parent_unit = unit_of(parent);
    if (child_unit && parent_unit && *child_unit < *parent_unit) {
      after[*parent_unit].insert(*child_unit);
    }
  }
  std::vector<std::size_t> middle(file_place.begin() + (middle_begin - units.begin()),
                                  file_place.begin() + (middle_end - units.begin()));
  std::stable_sort(middle.begin(), middle.end(),
                   [&](std::size_t a, std::size_t b) { return units[a].bytes > units[b].bytes; });
  // The biggest unit whose children are placed, each time (the file's order always is one such).
  const std::set<std::size_t> in_middle(middle.begin(), middle.end());
  std::vector<std::size_t> placed_order;
  std::set<std::size_t> placed;
  while (!middle.empty()) {
    auto next = std::find_if(middle.begin(), middle.end(), [&](std::size_t unit) {
      return std::all_of(after[unit].begin(), after[unit].end(),
                         [&](std::size_t child) { return placed.contains(child) || !in_middle.contains(child); });
    });
    if (next == middle.end()) {
      next = middle.begin();  // not reachable: a child is always earlier in the file than its parent
    }
    placed.insert(*next);
    placed_order.push_back(*next);
    middle.erase(next);
  }
  std::vector<Unit> ordered;
  ordered.reserve(units.size());
  ordered.push_back(std::move(units.front()));
  for (const std::size_t unit : placed_order) {
    ordered.push_back(std::move(units[unit]));
  }
  for (auto rest = middle_end; rest != units.end(); ++rest) {
    ordered.push_back(std::move(*rest));
  }
  units = std::move(ordered);
  const auto sorted_begin = units.begin() + 1;
  const auto sorted_end = units.begin() + 1 + static_cast<std::ptrdiff_t>(placed_order.size());
  for (const Unit& unit : units) {
    order.ranges.insert(order.ranges.end(), unit.ranges.begin(), unit.ranges.end());
  }
  if (units.size() > 1 && sorted_begin != sorted_end) {
    order.lead = sorted_begin->table;
    order.lead_bytes = sorted_begin->bytes;
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
