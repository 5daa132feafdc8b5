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

Section sized(SectionKind kind, std::string table, std::uint64_t bytes) {
  Section made = section(kind, std::move(table));
  made.bytes = bytes;
  return made;
}

// A whole restore, tables side by side (issue 13): the prologue's range first, the objects' last, each
// table's ranges together (a big table's parts after its first range), the most bytes first.
TEST(LoadOrder, TheBiggestTablesRangesFirstThePrologueFirstAndTheObjectsLast) {
  const std::vector<Section> index = {
      sized(SectionKind::prologue, {}, 2000),   // 0, with a and b
      section(SectionKind::table, "a", true),   // 1
      section(SectionKind::table, "b", true),   // 2
      sized(SectionKind::table, "c", 3000000),  // 3
      sized(SectionKind::table, "d", 1500000),  // 4, with e and the start of f
      section(SectionKind::table, "e", true),   // 5
      section(SectionKind::table, "f", true),   // 6
      sized(SectionKind::part, "f", 8000000),   // 7
      sized(SectionKind::part, "f", 100),       // 8, with g
      section(SectionKind::table, "g", true),   // 9
      sized(SectionKind::table, "h", 3000000),  // 10: as big as c, after it
      sized(SectionKind::objects, {}, 500),     // 11
  };
  const LoadOrder order = biggest_first(index);
  EXPECT_EQ(order.ranges, (std::vector<std::size_t>{0, 4, 7, 8, 3, 10, 11}));
  EXPECT_EQ(order.lead, "f");
  EXPECT_EQ(order.lead_bytes, 1500000u + 8000000u + 100u);

  // The objects in the last table's range (a file written before they had a range of their own after
  // a big table's parts): that range stays last, whatever its size.
  std::vector<Section> shared = {sized(SectionKind::prologue, {}, 2000), sized(SectionKind::table, "a", 1200000),
                                 sized(SectionKind::table, "z", 1100000), sized(SectionKind::part, "z", 9000000),
                                 section(SectionKind::objects, {}, true)};
  EXPECT_EQ(biggest_first(shared).ranges, (std::vector<std::size_t>{0, 1, 2, 3}));
  EXPECT_EQ(biggest_first(shared).lead, "a");

  // One range: nothing to reorder, no lead.
  const std::vector<Section> one = {sized(SectionKind::prologue, {}, 2000), section(SectionKind::table, "a", true),
                                    section(SectionKind::objects, {}, true)};
  EXPECT_EQ(biggest_first(one).ranges, (std::vector<std::size_t>{0}));
  EXPECT_EQ(biggest_first(one).lead, "");
}

// A foreign key whose parent is written after its child (wtR20's review of issue 20): the stock client
// adds the constraint before the parent exists, so the child's range is read before the parent's,
// whatever their sizes; the rest keeps the biggest first.
TEST(LoadOrder, AChildWrittenBeforeItsParentIsReadBeforeIt) {
  const std::vector<Section> index = {
      sized(SectionKind::prologue, {}, 2000),    // 0
      sized(SectionKind::table, "a1", 2000000),  // 1: the child of z
      sized(SectionKind::table, "m", 3000000),   // 2
      sized(SectionKind::table, "z", 9000000),   // 3: the parent, the biggest
      sized(SectionKind::table, "zz", 100),      // 4, with zz2, a child of a1 written after it (no constraint)
      section(SectionKind::table, "zz2", true),  // 5
      sized(SectionKind::objects, {}, 500),      // 6
  };
  EXPECT_EQ(biggest_first(index).ranges, (std::vector<std::size_t>{0, 3, 2, 1, 4, 6}));
  const std::vector<std::pair<std::string, std::string>> parents = {{"a1", "z"}, {"zz2", "a1"}, {"m", "nowhere"}};
  const LoadOrder order = biggest_first(index, parents);
  EXPECT_EQ(order.ranges, (std::vector<std::size_t>{0, 2, 1, 3, 4, 6}));
  EXPECT_EQ(order.lead, "m");
}

}  // namespace
}  // namespace ifnbackup::restore
