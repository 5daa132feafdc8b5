// Tables of a generated database: columns of every type, keys of every kind, foreign keys, partitions.
#include <fmt/format.h>

#include "fuzz_generator.hpp"

namespace ifnbackup::test::fuzz {

namespace {

const std::vector<std::string>& odd_names() {
  static const std::vector<std::string> names{"odd name",   "it's",        "back`tick",   "d\xC3\xA9j\xC3\xA0",
                                              "semi;colon", "hash#dash--", "$dollar$$",   "dq\"name",
                                              "50%_off",    "select",      "back\\slash", "order"};
  return names;
}

Column ordinary_column(Random& random, const Table& table, const std::string& name) {
  Column column;
  column.name = name;
  column.type = random_column_type(random);
  while (table.partitioned && column.type.family == Family::spatial) {
    column.type = random_column_type(random);  // a partitioned table holds no spatial column
  }
  // TIMESTAMP types carry their NULL DEFAULT NULL.
  column.nullable = column.type.keyword == "TIMESTAMP" || random.percent(75);
  column.definition = column.type.sql + (column.nullable ? "" : " NOT NULL");
  return column;
}

// A column as part of a key: whole, or its first 16 characters when it is too long for one.
std::string key_part(const Column& column) {
  const bool prefix =
      column.type.key_needs_prefix ||
      ((column.type.family == Family::text || column.type.family == Family::binary) && column.type.size > 64);
  return backquoted(column.name) + (prefix ? "(16)" : "");
}

}  // namespace

std::string odd_or_plain(Random& random, const std::string& plain, std::size_t index, bool& odd) {
  odd = random.percent(15);
  return odd ? fmt::format("{}_{}", random.pick(odd_names()), index) : fmt::format("{}{}", plain, index);
}

void Generator::cover_type(const ColumnType& type) {
  if (!type.name.empty()) {
    cover(type.name);
  }
  if (!type.collation.empty()) {
    cover("collation " + type.collation);
  }
}

void Generator::make_table(Random& random, std::size_t index) {
  Table table;
  table.index = index;
  bool odd = false;
  table.name = odd_or_plain(random, "t_", index, odd);
  if (odd) {
    cover("odd table name");
  }
  const auto engine_roll = random.below(10);
  table.engine = engine_roll == 0 ? "MyISAM" : engine_roll == 1 ? "Aria" : "InnoDB";
  cover(table.engine);
  const auto key_roll = random.below(100);
  table.key = key_roll < 45   ? KeyKind::auto_increment
              : key_roll < 60 ? KeyKind::explicit_id
              : key_roll < 70 ? KeyKind::composite
              : key_roll < 80 ? KeyKind::unique_only
                              : KeyKind::none;
  if (table.key == KeyKind::auto_increment || table.key == KeyKind::explicit_id || table.key == KeyKind::composite) {
    table.id_type = random_integer_type(random, table.key != KeyKind::composite);
    Column id;
    id.name = "id";
    id.type = table.id_type;
    id.nullable = false;
    id.role = Column::Role::id;
    id.definition = table.id_type.sql + " NOT NULL" + (table.key == KeyKind::auto_increment ? " AUTO_INCREMENT" : "");
    table.columns.push_back(id);
    cover(table.key == KeyKind::auto_increment ? "auto_increment key" : "explicit key");
  }
  if (table.key == KeyKind::composite) {
    Column code;
    code.name = "code";
    code.type.family = Family::binary;
    code.type.keyword = "VARBINARY";
    code.type.size = 8;
    code.nullable = false;
    code.role = Column::Role::code;
    code.definition = "VARBINARY(8) NOT NULL";
    table.columns.push_back(code);
    table.clauses.push_back("PRIMARY KEY (`id`,`code`)");
    cover("composite key");
  } else if (table.key != KeyKind::unique_only && table.key != KeyKind::none) {
    table.clauses.push_back("PRIMARY KEY (`id`)");
  } else {
    cover("no primary key");
  }
  table.partitioned = table.engine == "InnoDB" &&
                      (table.key == KeyKind::auto_increment || table.key == KeyKind::explicit_id) && random.percent(10);
  const std::size_t ordinary = 2 + random.below(8);
  for (std::size_t j = 0; j < ordinary; ++j) {
    bool odd_column = false;
    const std::string name = odd_or_plain(random, "c", j, odd_column);
    if (odd_column) {
      cover("odd column name");
    }
    table.columns.push_back(ordinary_column(random, table, name));
  }
  if (!m_sequence.empty() && random.percent(40)) {
    Column column;
    column.name = "from_sequence";
    column.role = Column::Role::sequence;
    column.definition = fmt::format("BIGINT NULL DEFAULT NEXTVAL(`{}`)", m_sequence);
    table.columns.push_back(column);
    cover("sequence default");
  }
  add_generated_columns(random, table);
  add_invisible_column(random, table);
  add_keys(random, table, index);
  add_foreign_key(random, table, index);
  if (random.percent(15)) {
    table.options += " COMMENT=" + quoted_literal("it's ; -- \\ \"t\" #" + std::to_string(index));
  }
  if (random.percent(10)) {
    table.options += " DEFAULT CHARSET=latin1";
  }
  if (table.key == KeyKind::auto_increment && random.percent(10)) {
    table.options += " AUTO_INCREMENT=100";
    cover("counter ahead");
  }
  if (table.partitioned) {
    table.options += random.percent(50) ? fmt::format(" PARTITION BY HASH (`id`) PARTITIONS {}", 2 + random.below(3))
                                        : " PARTITION BY RANGE (`id`) (PARTITION p_neg VALUES LESS THAN (0), "
                                          "PARTITION p_low VALUES LESS THAN (20), PARTITION p_high VALUES LESS "
                                          "THAN MAXVALUE)";
    cover("partitioned");
  }
  table.long_values = random.percent(20);
  std::string create = fmt::format("CREATE TABLE {} (", backquoted(table.name));
  bool first = true;
  for (const auto& column : table.columns) {
    create += fmt::format("{}\n  {} {}", first ? "" : ",", backquoted(column.name), column.definition);
    first = false;
  }
  for (const auto& clause : table.clauses) {
    create += ",\n  " + clause;
  }
  create += fmt::format("\n) ENGINE={}{}", table.engine, table.options);
  for (const auto& column : table.columns) {
    cover_type(column.type);
  }
  add(create);
  m_tables.push_back(std::move(table));
}

void Generator::add_generated_columns(Random& random, Table& table) {
  if (!random.percent(30)) {
    return;
  }
  std::vector<std::size_t> sources;
  for (std::size_t i = 0; i < table.columns.size(); ++i) {
    // A CHAR value depends on PAD_CHAR_TO_FULL_LENGTH: the server refuses it in a generated column.
    if (table.columns[i].role == Column::Role::ordinary && table.columns[i].type.keyword != "CHAR") {
      sources.push_back(i);
    }
  }
  for (auto n = 1 + random.below(2); n > 0 && !sources.empty(); --n) {
    const Column& source = table.columns[random.pick(sources)];
    static const std::vector<std::string> forms{"INT UNSIGNED AS (CRC32({}))", "BIGINT AS (LENGTH({}))",
                                                "VARCHAR(40) CHARACTER SET latin1 AS (HEX(LEFT({}, 4)))",
                                                "CHAR(32) CHARACTER SET latin1 AS (MD5({}))"};
    static const std::vector<std::string> kinds{"VIRTUAL", "PERSISTENT", "STORED"};
    const std::string kind = random.pick(kinds);
    Column column;
    column.name = fmt::format("gen_{}", n);
    column.generated = true;
    const std::string source_name = backquoted(source.name);
    column.definition = fmt::vformat(random.pick(forms), fmt::make_format_args(source_name)) + " " + kind;
    cover(kind == "VIRTUAL" ? "virtual column" : "stored column");
    table.columns.push_back(column);
    if (table.engine == "InnoDB" && random.percent(30)) {
      table.clauses.push_back(fmt::format("KEY `k_gen_{}` (`{}`)", n, column.name));
      cover("key on generated column");
    }
  }
}

void Generator::add_invisible_column(Random& random, Table& table) {
  if (!random.percent(25)) {
    return;
  }
  Column column = ordinary_column(random, table, "hidden");
  column.nullable = true;
  column.invisible = true;
  column.definition = column.type.sql + " INVISIBLE";
  table.columns.push_back(column);
  cover("invisible column");
}

void Generator::add_keys(Random& random, Table& table, std::size_t index) {
  std::vector<std::size_t> indexable;
  std::vector<std::size_t> texts;
  std::vector<std::size_t> spatial;
  for (std::size_t i = 0; i < table.columns.size(); ++i) {
    const Column& column = table.columns[i];
    if (column.role != Column::Role::ordinary || column.generated) {
      continue;
    }
    if (column.type.indexable) {
      indexable.push_back(i);
    }
    if (column.type.family == Family::text && column.type.charset != "binary") {
      texts.push_back(i);
    }
    if (column.type.family == Family::spatial && !column.invisible) {
      spatial.push_back(i);
    }
  }
  if (table.key == KeyKind::unique_only || (!table.partitioned && random.percent(25))) {
    Column column;
    column.name = "uniq";
    column.type = random_unique_type(random);
    column.role = Column::Role::unique;
    column.nullable = true;
    column.definition = column.type.sql;
    table.columns.push_back(column);
    table.clauses.push_back("UNIQUE KEY `uniq_key` (`uniq`)");
    cover("unique key");
  }
  for (auto n = random.below(4); n > 0 && !indexable.empty(); --n) {
    std::string parts = key_part(table.columns[random.pick(indexable)]);
    if (random.percent(40)) {
      const std::string second = key_part(table.columns[random.pick(indexable)]);
      if (second != parts) {
        parts += "," + second;
      }
    }
    table.clauses.push_back(fmt::format("KEY {} ({})", backquoted(fmt::format("key {};{}", index, n)), parts));
    cover("secondary key");
  }
  if (!table.partitioned && !texts.empty() && random.percent(15)) {
    table.clauses.push_back(fmt::format("FULLTEXT KEY `ft` ({})", backquoted(table.columns[random.pick(texts)].name)));
    cover("fulltext key");
  }
  if (!table.partitioned && !spatial.empty() && random.percent(20)) {
    Column& column = table.columns[random.pick(spatial)];
    if (column.nullable) {
      column.nullable = false;
      column.definition += " NOT NULL";
    }
    table.clauses.push_back(fmt::format("SPATIAL KEY `sp` ({})", backquoted(column.name)));
    cover("spatial key");
  }
}

void Generator::add_foreign_key(Random& random, Table& table, std::size_t index) {
  if (table.engine != "InnoDB" || table.partitioned || !random.percent(35)) {
    return;
  }
  // Parents: earlier InnoDB tables (or this one) with a single integer key, not partitioned.
  std::vector<std::size_t> parents;
  for (std::size_t i = 0; i < m_tables.size(); ++i) {
    const Table& other = m_tables[i];
    if (other.engine == "InnoDB" && !other.partitioned &&
        (other.key == KeyKind::auto_increment || other.key == KeyKind::explicit_id)) {
      parents.push_back(i);
    }
  }
  const bool self = table.key == KeyKind::auto_increment || table.key == KeyKind::explicit_id;
  if (self) {
    parents.push_back(index);
  }
  if (parents.empty()) {
    return;
  }
  const std::size_t parent = random.pick(parents);
  const Table& target = parent == index ? table : m_tables[parent];
  Column column;
  column.name = "parent_id";
  column.type = target.id_type;
  column.role = Column::Role::parent;
  column.parent = parent;
  column.definition = target.id_type.sql;
  table.columns.push_back(column);
  static const std::vector<std::string> actions{"CASCADE", "SET NULL", "RESTRICT", "NO ACTION"};
  table.clauses.push_back(
      fmt::format("CONSTRAINT `fk_{}` FOREIGN KEY (`parent_id`) REFERENCES {} (`id`) ON DELETE {} "
                  "ON UPDATE {}",
                  index, backquoted(target.name), random.pick(actions), random.pick(actions)));
  cover(parent == index ? "self foreign key" : "foreign key");
}

}  // namespace ifnbackup::test::fuzz
