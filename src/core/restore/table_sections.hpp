#pragma once
// restore --tables on a file with a section index: which of its sections are read, and those
// checked alone by verify (verify_sections) before they are loaded.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ifnbackup/manifest.hpp"
#include "ifnbackup/verify.hpp"

namespace ifnbackup::restore {

// Pure. The ranges to read, in file order: the prologue's, the chosen tables' (a small table's is
// the range it shares) with their parts, loaded; and the objects' (it holds the manifest, checked
// against the index), loaded only when it holds a chosen table too.
std::vector<SectionRead> choose_sections(const std::vector<Section>& index, const std::vector<std::string>& tables);

// Pure. The ranges the schema check reads, in file order: every range but a table's parts that
// another part of the same table follows. Those hold nothing but rows (a part starts at an INSERT);
// a table's last part is read, for the statements after its rows (its deferred keys, the objects
// sharing its range).
std::vector<SectionRead> choose_schema_sections(const std::vector<Section>& index);

// Pure. The whole file's ranges in the order a restore loading tables side by side reads them
// (issue 13): the prologue's range first (session settings, sequences), the objects' range last
// (views, routines, events need every table), and between them each table's ranges — a big table's
// first range and its parts together, in order — from the most bytes of SQL to the least, so that
// the biggest table's rows and index build start first, and the small tables load beside them on
// the other connections. Ranges of equal size keep their file order. `lead`: the table of the first
// range after the prologue's (a big table's parts name it), for the log.
struct LoadOrder {
  std::vector<std::size_t> ranges;  // indexes in the section index of sections with a range
  std::string lead;
  std::uint64_t lead_bytes = 0;  // the SQL bytes of its ranges
};
// `parents_after_children` (VerifyResult's): a unit holding a parent is read after every unit holding
// a child written before it whose foreign key names it, whatever their sizes.
LoadOrder biggest_first(const std::vector<Section>& index,
                        const std::vector<std::pair<std::string, std::string>>& parents_after_children = {});

struct TableSections {
  VerifyResult verification;    // status ok: partial, the manifest's tables, the prologue's header
  std::vector<Section> ranges;  // to load, in file order: the prologue, then the tables' ranges
};
// std::nullopt when the file has no index (the caller verifies it whole). A damaged section gives
// a verification with status corrupt or incomplete and its reason.
std::optional<TableSections> verify_table_sections(const std::filesystem::path& path,
                                                   const std::vector<std::string>& tables);

}  // namespace ifnbackup::restore
