// Foreign keys of every shape the dump moves after the rows (issue 13): several on one table, each
// backed by a secondary index (one of two columns), beside a unique key; one to a parent's UNIQUE
// column; one to the table itself; one to a table the dump writes later (names sort before their
// parent's); a cycle between two tables whose indexes InnoDB made itself; a composite one that the
// primary key backs. Names with spaces and non-ASCII, every ON DELETE / ON UPDATE action, and rows
// that reference nothing (loaded under FOREIGN_KEY_CHECKS=0, as a dump is).
#include <fmt/format.h>

#include "fuzz_generator.hpp"

namespace ifnbackup::test::fuzz {

namespace {

// SET NULL only on columns that may be NULL (the server refuses it on the others).
std::string action(Random& random, bool nullable) {
  static const std::vector<std::string> actions{"CASCADE", "SET NULL", "RESTRICT", "NO ACTION"};
  std::string chosen = random.pick(actions);
  return chosen == "SET NULL" && !nullable ? "CASCADE" : chosen;
}

// "ON DELETE x ON UPDATE y", either or both left out now and then.
std::string actions(Random& random, bool nullable = true) {
  std::string text;
  if (random.percent(70)) {
    text += " ON DELETE " + action(random, nullable);
  }
  if (random.percent(50)) {
    text += " ON UPDATE " + action(random, nullable);
  }
  return text;
}

// 1..count, or count + 1 (a row referencing nothing) now and then; NULL when `nullable` says so.
std::string reference(Random& random, std::size_t count, bool nullable) {
  if (nullable && random.percent(15)) {
    return "NULL";
  }
  return std::to_string(1 + random.below(count + (random.percent(10) ? 1 : 0)));
}

}  // namespace

void Generator::make_foreign_key_shapes(Random& random) {
  // The parent, written after its child (the dump writes tables in name order).
  const std::size_t parents = 1 + random.below(6);
  add("CREATE TABLE fk_m_parent (id INT NOT NULL PRIMARY KEY, code CHAR(4) NOT NULL, note VARCHAR(20), "
      "UNIQUE KEY uq_code (code)) ENGINE=InnoDB");
  std::string values;
  for (std::size_t i = 1; i <= parents; ++i) {
    values += fmt::format("{}({}, 'c{:03}', {})", values.empty() ? "" : ",", i, i, random.percent(30) ? "NULL" : "'x'");
  }
  add("INSERT INTO fk_m_parent VALUES " + values);

  // The child: a unique key, two foreign keys each backed by a secondary index (one composite), one to
  // the parent's UNIQUE column, one to itself.
  const bool dated = random.percent(50);
  const bool parent_required = random.percent(50);
  add(
      fmt::format("CREATE TABLE fk_a_child (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, parent_id INT {}, "
                  "parent_code CHAR(4), earlier_id BIGINT, created DATETIME NOT NULL, ref CHAR(8) NOT NULL, "
                  "UNIQUE KEY uq_ref (ref), KEY `ix parent, created` (parent_id, created), KEY ix_code (parent_code), "
                  "KEY ix_earlier (earlier_id){}, "
                  "CONSTRAINT `fk child→parent` FOREIGN KEY (parent_id) REFERENCES fk_m_parent (id){}, "
                  "CONSTRAINT fk_code FOREIGN KEY (parent_code) REFERENCES fk_m_parent (code){}, "
                  "CONSTRAINT fk_earlier FOREIGN KEY (earlier_id) REFERENCES fk_a_child (id){}, "
                  "CONSTRAINT ck_ref CHECK (ref <> '')) ENGINE=InnoDB",
                  parent_required ? "NOT NULL" : "", dated ? ", KEY ix_created (created)" : "",
                  actions(random, !parent_required), actions(random), actions(random)));
  const std::size_t children = random.below(12);
  values.clear();
  for (std::size_t i = 1; i <= children; ++i) {
    values += fmt::format("{}({}, {}, {}, {}, '2024-0{}-1{} 10:00:00', 'r{:07}')", values.empty() ? "" : ",", i,
                          reference(random, parents, false),
                          random.percent(20) ? "NULL" : fmt::format("'c{:03}'", 1 + random.below(parents)),
                          i == 1 ? "NULL" : reference(random, i - 1, true), 1 + random.below(9), random.below(10), i);
  }
  if (!values.empty()) {
    add("INSERT INTO fk_a_child VALUES " + values);
  }

  // A cycle, each side's index made by InnoDB for its constraint; and a composite key that the
  // primary key of its table backs, to the UNIQUE pair of the cycle's second table.
  add("CREATE TABLE fk_x_cycle (id INT NOT NULL PRIMARY KEY, y_id INT, CONSTRAINT fk_x_to_y FOREIGN KEY (y_id) "
      "REFERENCES fk_y_cycle (id)" +
      actions(random) + ") ENGINE=InnoDB");
  add("CREATE TABLE fk_y_cycle (id INT NOT NULL PRIMARY KEY, k SMALLINT NOT NULL, x_id INT, "
      "UNIQUE KEY uq_id_k (id, k), CONSTRAINT `fk_y_to_x é` FOREIGN KEY (x_id) REFERENCES fk_x_cycle (id)" +
      actions(random) + ") ENGINE=InnoDB");
  add("CREATE TABLE fk_z_pair (y_id INT NOT NULL, k SMALLINT NOT NULL, n INT NOT NULL, PRIMARY KEY (y_id, k, n), "
      "CONSTRAINT fk_pair FOREIGN KEY (y_id, k) REFERENCES fk_y_cycle (id, k)" +
      actions(random, false) + ") ENGINE=InnoDB");
  const std::size_t cycle = 1 + random.below(5);
  std::string x_rows;
  std::string y_rows;
  std::string pair_rows;
  for (std::size_t i = 1; i <= cycle; ++i) {
    x_rows += fmt::format("{}({}, {})", x_rows.empty() ? "" : ",", i, reference(random, cycle, true));
    y_rows += fmt::format("{}({}, {}, {})", y_rows.empty() ? "" : ",", i, i % 3, reference(random, cycle, true));
    pair_rows += fmt::format("{}({}, {}, {})", pair_rows.empty() ? "" : ",", i, i % 3, random.below(100));
  }
  add("INSERT INTO fk_x_cycle VALUES " + x_rows);
  add("INSERT INTO fk_y_cycle VALUES " + y_rows);
  add("INSERT INTO fk_z_pair VALUES " + pair_rows);
  m_database.rows += parents + children + 3 * cycle;
  cover("foreign keys backed by secondary indexes");
  cover("foreign key to a later table");
  cover("foreign key to a unique key");
  cover("foreign key cycle");
  cover("composite foreign key");
}

}  // namespace ifnbackup::test::fuzz
