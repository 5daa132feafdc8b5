// The table and routine kinds of issue 19 in generated databases: MERGE tables over MyISAM tables
// (their rows are the underlying tables', never dumped through the union), Oracle-mode packages and
// their bodies, and a user FTS_DOC_ID column with its FTS_DOC_ID_INDEX beside a FULLTEXT key.
#include <fmt/format.h>

#include "fuzz_generator.hpp"

namespace ifnbackup::test::fuzz {

namespace {

// A short text value for these tables: quotes, backslashes, accents, `;` now and then.
std::string short_text(Random& random) {
  static const std::vector<std::string> words{"marché", "it's", "a\\b", "semi;colon", "tab\there", "", "x"};
  return quoted_literal(fmt::format("{}{}", random.pick(words), random.below(1000)));
}

std::string text_column_type(Random& random) {
  static const std::vector<std::string> types{"VARCHAR(40)", "VARCHAR(40) CHARACTER SET latin1",
                                              "VARCHAR(40) COLLATE utf8mb4_bin"};
  return random.pick(types);
}

}  // namespace

void Generator::make_other_kinds(Random& random) {
  if (random.percent(30)) {
    make_merge_tables(random);
  }
  if (random.percent(25)) {
    make_packages(random);
  }
  if (random.percent(25)) {
    make_fts_doc_id_table(random);
  }
  // Drawn last: the kinds above stay as they were for every seed.
  if (random.percent(40)) {
    make_foreign_key_shapes(random);
  }
}

void Generator::make_merge_tables(Random& random) {
  // The underlying tables must have the merge table's definition exactly.
  const std::string columns = fmt::format("(id INT NOT NULL, note {}, KEY (id))", text_column_type(random));
  const std::size_t parts = 1 + random.below(3);
  std::string union_list;
  for (std::size_t p = 0; p < parts; ++p) {
    const std::string name = fmt::format("mrg_part_{}", p);
    add(fmt::format("CREATE TABLE {} {} ENGINE=MyISAM", name, columns));
    const std::size_t rows = random.below(5);
    std::string values;
    for (std::size_t r = 0; r < rows; ++r) {
      values += fmt::format("{}({}, {})", values.empty() ? "" : ",", random.between(-5, 1000), short_text(random));
    }
    if (!values.empty()) {
      add(fmt::format("INSERT INTO {} VALUES {}", name, values));
    }
    m_database.rows += rows;
    union_list += (p == 0 ? "" : ", ") + name;
  }
  static const std::vector<std::string> methods{"", " INSERT_METHOD=FIRST", " INSERT_METHOD=LAST", " INSERT_METHOD=NO"};
  add(fmt::format("CREATE TABLE mrg_all {} ENGINE=MRG_MyISAM UNION=({}){}", columns, union_list, random.pick(methods)));
  cover("merge table");
}

void Generator::make_packages(Random& random) {
  add("SET SESSION sql_mode = 'ORACLE'");
  const std::size_t count = 1 + random.below(2);
  for (std::size_t i = 0; i < count; ++i) {
    const std::string name = fmt::format("pkg_{}", i);
    add(fmt::format("CREATE PACKAGE {} AS FUNCTION f RETURN VARCHAR2; PROCEDURE p(n IN NUMBER); END", name));
    // Now and then a package without its body: the server keeps the specification alone.
    if (random.percent(75)) {
      add(
          fmt::format("CREATE PACKAGE BODY {} AS\n  counter NUMBER := {};\n"
                      "  FUNCTION f RETURN VARCHAR2 AS BEGIN RETURN {} || counter; END;\n"
                      "  PROCEDURE p(n IN NUMBER) AS BEGIN counter := counter + n; END;\nEND",
                      name, random.below(100), short_text(random)));
    }
  }
  add(fmt::format("SET SESSION sql_mode = '{}'", k_base_mode));
  cover("package");
}

void Generator::make_fts_doc_id_table(Random& random) {
  const bool with_other_key = random.percent(50);
  add(
      fmt::format("CREATE TABLE fts_docs (id INT NOT NULL PRIMARY KEY, FTS_DOC_ID BIGINT UNSIGNED NOT NULL, "
                  "body TEXT, n INT, UNIQUE KEY FTS_DOC_ID_INDEX (FTS_DOC_ID){}, FULLTEXT KEY ft (body)) "
                  "ENGINE=InnoDB",
                  with_other_key ? ", KEY idx_n (n)" : ""));
  const std::size_t rows = random.below(6);
  std::string values;
  std::uint64_t doc_id = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    doc_id += 1 + random.below(1000);
    values += fmt::format("{}({}, {}, {}, {})", values.empty() ? "" : ",", r + 1, doc_id, short_text(random),
                          random.percent(20) ? "NULL" : std::to_string(random.below(50)));
  }
  if (!values.empty()) {
    add("INSERT INTO fts_docs VALUES " + values);
  }
  m_database.rows += rows;
  cover("user FTS_DOC_ID");
}

}  // namespace ifnbackup::test::fuzz
