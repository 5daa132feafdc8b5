// restore --tables on a file with a section index: which sections are read, loaded and scanned.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "restore/table_sections.hpp"

namespace ifnbackup::restore {
namespace {

Section section(SectionKind kind, std::string table = {}, bool with_previous = false) {
  Section made;
  made.kind = kind;
  made.table = std::move(table);
  made.with_previous = with_previous;
  return made;
}

// prologue | a, its part | b and c sharing a range | d | objects sharing d's range
const std::vector<Section> k_index = {
    section(SectionKind::prologue),           // 0
    section(SectionKind::table, "a"),         // 1
    section(SectionKind::part, "a"),          // 2
    section(SectionKind::table, "b"),         // 3
    section(SectionKind::table, "c", true),   // 4: in b's range
    section(SectionKind::table, "d"),         // 5
    section(SectionKind::objects, {}, true),  // 6: in d's range
};

struct Read {
  std::size_t index;
  bool load;
  bool scan;
  friend bool operator==(const Read&, const Read&) = default;
};

std::vector<Read> reads(const std::vector<std::string>& tables) {
  std::vector<Read> out;
  for (const SectionRead& read : choose_sections(k_index, tables)) {
    out.push_back(Read{read.index, read.load, read.scan});
  }
  return out;
}

TEST(TableSections, TheChosenTablesRangesThePrologueAndTheObjects) {
  struct Case {
    std::vector<std::string> tables;
    std::vector<Read> expected;
  };
  const std::vector<Case> cases = {
      // a table with a part: both its ranges; the objects' range read for the manifest only
      {{"a"}, {{0, true, true}, {1, true, false}, {2, true, false}, {5, false, true}}},
      // a table in a shared range: that range, whole
      {{"c"}, {{0, true, true}, {3, true, false}, {5, false, true}}},
      {{"b", "c"}, {{0, true, true}, {3, true, false}, {5, false, true}}},
      // the objects share the chosen table's range: loaded and scanned
      {{"d"}, {{0, true, true}, {5, true, true}}},
      // a name the index does not hold: the prologue and the objects only
      {{"zz"}, {{0, true, true}, {5, false, true}}},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(reads(c.tables), c.expected) << ::testing::PrintToString(c.tables);
  }
}

std::vector<Read> schema_reads(const std::vector<Section>& index) {
  std::vector<Read> out;
  for (const SectionRead& read : choose_schema_sections(index)) {
    out.push_back(Read{read.index, read.load, read.scan});
  }
  return out;
}

TEST(SchemaSections, EveryRangeButTheRowsOnlyParts) {
  // a: three parts, the first two rows alone | b and c share a range | d: one part, the objects in it
  const std::vector<Section> index = {
      section(SectionKind::prologue),           // 0
      section(SectionKind::table, "a"),         // 1: its structure and first rows
      section(SectionKind::part, "a"),          // 2: rows only
      section(SectionKind::part, "a"),          // 3: rows only
      section(SectionKind::part, "a"),          // 4: its last rows, then its deferred keys
      section(SectionKind::table, "b"),         // 5
      section(SectionKind::table, "c", true),   // 6: in b's range
      section(SectionKind::table, "d"),         // 7
      section(SectionKind::part, "d"),          // 8: the last, holding the objects
      section(SectionKind::objects, {}, true),  // 9: in d's part's range
  };
  EXPECT_EQ(
      schema_reads(index),
      (std::vector<Read>{
          {0, true, true}, {1, true, false}, {4, true, false}, {5, true, false}, {7, true, false}, {8, true, true}}));
  // a part of another table right after a table's part is its own table's last: read
  const std::vector<Section> adjacent = {section(SectionKind::prologue),  section(SectionKind::table, "a"),
                                         section(SectionKind::part, "a"), section(SectionKind::table, "b"),
                                         section(SectionKind::part, "b"), section(SectionKind::objects)};
  EXPECT_EQ(
      schema_reads(adjacent),
      (std::vector<Read>{
          {0, true, true}, {1, true, false}, {2, true, false}, {3, true, false}, {4, true, false}, {5, true, true}}));
  // the index given, every range is read
  EXPECT_EQ(
      schema_reads(k_index),
      (std::vector<Read>{{0, true, true}, {1, true, false}, {2, true, false}, {3, true, false}, {5, true, true}}));
}

}  // namespace
}  // namespace ifnbackup::restore
