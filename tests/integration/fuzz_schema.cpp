#include "fuzz_schema.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "fuzz_generator.hpp"

namespace ifnbackup::test::fuzz {

namespace {

// The stock client drops the line break after a line that starts with "delimiter" and ends outside
// quotes, even when the line began inside a string: such a body comes back changed from any restore.
bool has_delimiter_line(const std::string& text) {
  std::string lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower.find("\ndelimiter") != std::string::npos;
}

}  // namespace

Generator::Generator(std::uint64_t seed) : m_random(seed) {
  m_database.seed = seed;
  m_database.name = fmt::format("seed {}", seed);
}

FuzzDatabase Generator::run() {
  add(fmt::format("SET SESSION sql_mode = '{}'", k_base_mode));
  add("SET SESSION time_zone = '+00:00'");
  add("SET SESSION foreign_key_checks = 0");
  Random sequences = m_random.split();
  Random tables = m_random.split();
  Random rows = m_random.split();
  Random objects = m_random.split();
  Random sizes = m_random.split();
  m_big_table = sizes.percent(5);
  make_sequences(sequences);
  const std::size_t count = 2 + tables.below(6);
  for (std::size_t i = 0; i < count; ++i) {
    Random one = tables.split();
    make_table(one, i);
  }
  make_audit(objects);
  for (std::size_t i = 0; i < m_tables.size(); ++i) {
    Random one = rows.split();
    fill_table(one, i);
  }
  make_objects(objects);
  // Its own stream, drawn after every other: the kinds below leave the rest of a seed as it was.
  Random kinds = m_random.split();
  make_other_kinds(kinds);
  add("SET SESSION foreign_key_checks = 1");
  m_database.tables = m_tables.size();
  return std::move(m_database);
}

void Generator::make_sequences(Random& random) {
  if (!random.percent(20)) {
    return;
  }
  m_sequence = "seq_0";
  const auto start = random.between(-50, 1000);
  add(fmt::format("CREATE SEQUENCE `{}` START WITH {} INCREMENT BY {} MINVALUE -1000 MAXVALUE 100000 CACHE {}{}",
                  m_sequence, start, random.between(1, 7), random.between(1, 20), random.percent(50) ? " CYCLE" : ""));
  for (auto i = random.below(5); i > 0; --i) {
    add(fmt::format("SELECT NEXTVAL(`{}`)", m_sequence));
  }
  ++m_database.objects;
  cover("sequence");
}

namespace {

// The character sets and collations objects are created under (SET NAMES): a body's literals and
// comparisons take them, so a restore must create the object under the same (issue 19, item 1).
const std::vector<std::string>& object_names() {
  static const std::vector<std::string> names{"utf8mb4", "utf8mb4 COLLATE utf8mb4_bin",
                                              "utf8mb4 COLLATE utf8mb4_unicode_ci", "latin1"};
  return names;
}

}  // namespace

void Generator::create_object(const ObjectStatement& object) {
  std::string names = m_random.pick(object_names());
  const bool ascii = std::all_of(object.create.begin(), object.create.end(),
                                 [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (names == "latin1" && !ascii) {
    // Its bytes would be read as latin1: names and strings change, by design of the test, not a fault.
    names = "utf8mb4 COLLATE utf8mb4_bin";
  }
  add("SET NAMES " + names);
  cover("names " + names);
  add(fmt::format("SET SESSION sql_mode = '{}'", object.sql_mode));
  if (!object.time_zone.empty()) {
    add(fmt::format("SET SESSION time_zone = '{}'", object.time_zone));
  }
  add(object.create);
  add(fmt::format("SET SESSION sql_mode = '{}'", k_base_mode));
  add("SET NAMES utf8mb4");
  if (!object.time_zone.empty()) {
    add("SET SESSION time_zone = '+00:00'");
  }
  // A view is kept as the server prints it (string literals escaped): its text is never replayed.
  const bool delimiter_line = !object.key.starts_with("view ") && has_delimiter_line(object.create);
  if (object.rewritten_by_client) {
    cover("comment in a body");
  }
  if (delimiter_line) {
    cover("delimiter line in a body");
  }
  if (object.rewritten_by_client || delimiter_line) {
    m_database.rewritten_by_client.insert(object.key);
  }
  cover("mode " + (object.sql_mode.empty() ? std::string("''") : object.sql_mode));
  cover(object.key.substr(0, object.key.find(' ')));
  ++m_database.objects;
}

std::string Generator::object_name(Random& random, const std::string& plain, std::size_t& counter) {
  bool odd = false;
  std::string name = odd_or_plain(random, plain, counter++, odd);
  if (odd) {
    cover("odd object name");
    // An odd name is a word and an index, as a table's: a view must not take a table's (seed 7480).
    if (std::any_of(m_tables.begin(), m_tables.end(), [&](const Table& table) { return table.name == name; })) {
      name += "_o";
    }
  }
  return name;
}

void Generator::make_objects(Random& random) {
  std::size_t counter = 0;
  for (std::size_t i = 0; i < m_tables.size(); ++i) {
    if (!random.percent(35)) {
      continue;
    }
    TriggerTarget target;
    target.table = m_tables[i].name;
    for (const auto& column : m_tables[i].columns) {
      if (!column.generated && column.type.family != Family::spatial) {
        target.columns.push_back(column.name);
      }
    }
    static const std::vector<std::string> timings{"BEFORE", "AFTER"};
    static const std::vector<std::string> events{"INSERT", "UPDATE", "DELETE"};
    const std::string timing = random.pick(timings);
    const std::string event = random.pick(events);
    const std::string first = object_name(random, "trg_", counter);
    create_object(random_trigger(random, first, target, timing, event, ""));
    if (random.percent(40)) {
      // A second one on the same event: the firing order must come back too.
      const std::string order = (random.percent(50) ? "FOLLOWS " : "PRECEDES ") + backquoted(first);
      create_object(random_trigger(random, object_name(random, "trg_", counter), target, timing, event, order));
      cover("trigger order");
    }
  }
  for (auto n = random.below(4); n > 0; --n) {
    create_object(random_procedure(random, object_name(random, "proc_", counter)));
  }
  for (auto n = random.below(3); n > 0; --n) {
    create_object(random_function(random, object_name(random, "func_", counter)));
  }
  for (auto n = random.below(3); n > 0; --n) {
    create_object(random_event(random, object_name(random, "event_", counter)));
  }
  std::vector<ViewSource> sources;
  for (const auto& table : m_tables) {
    ViewSource source{table.name, {}};
    for (const auto& column : table.columns) {
      if (!column.invisible) {
        source.columns.push_back(column.name);
      }
    }
    sources.push_back(std::move(source));
  }
  for (auto n = random.below(4); n > 0; --n) {
    const std::string name = object_name(random, "view_", counter);
    std::vector<std::string> columns;
    create_object(random_view(random, name, sources, columns));
    sources.push_back(ViewSource{name, std::move(columns)});
  }
}

std::string FuzzDatabase::summary() const {
  if (tables == 0 && objects == 0) {
    return fmt::format("{}: {} statements", name, statements.size());
  }
  return fmt::format("{}: {} tables, {} rows, {} objects, {:.1f} MB of values", name, tables, rows, objects,
                     static_cast<double>(literal_bytes) / 1e6);
}

FuzzDatabase generate_database(std::uint64_t seed) {
  return Generator(seed).run();
}

std::string setup_script(const FuzzDatabase& database) {
  std::string delimiter = "$fz$";
  for (const auto& statement : database.statements) {
    while (statement.find(delimiter) != std::string::npos) {
      delimiter += "$";
    }
  }
  std::string out = fmt::format(
      "-- {}\n-- Load into an empty database with: mariadb --comments --binary-mode "
      "--default-character-set=utf8mb4 "
      "DB < this-file\n-- (the test itself runs each statement through libmysqlclient, one mysql_real_query "
      "each)\n"
      "DELIMITER {}\n",
      database.summary(), delimiter);
  for (const auto& statement : database.statements) {
    out += statement + "\n" + delimiter + "\n";
  }
  return out + "DELIMITER ;\n";
}

const std::set<std::string>& expected_coverage() {
  static const std::set<std::string> expected = [] {
    // clang-format off
    std::set<std::string> names{
        "TINYINT", "SMALLINT", "MEDIUMINT", "INT", "BIGINT", "DECIMAL", "FLOAT", "DOUBLE", "BIT", "CHAR",
        "VARCHAR", "TINYTEXT", "TEXT", "MEDIUMTEXT", "LONGTEXT", "BINARY", "VARBINARY", "TINYBLOB", "BLOB",
        "MEDIUMBLOB", "LONGBLOB", "DATE", "TIME", "DATETIME", "TIMESTAMP", "YEAR", "ENUM", "SET", "JSON",
        "GEOMETRY", "POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "GEOMETRYCOLLECTION", "INET4", "INET6",
        "UUID", "InnoDB", "MyISAM", "Aria", "auto_increment key", "explicit key", "composite key",
        "no primary key", "unique key", "secondary key", "fulltext key", "spatial key", "foreign key",
        "self foreign key", "dangling foreign key", "partitioned", "virtual column", "stored column",
        "invisible column", "key on generated column", "id 0", "negative id", "id at type max",
        "counter ahead", "rows numbered by the server", "long value", "empty table", "bulk table",
        "duplicate rows", "sequence", "sequence default", "audit trigger", "trigger", "trigger order",
        "procedure", "function", "event", "view", "comment in a body", "delimiter line in a body",
        "table of over 8 MiB", "odd table name", "odd column name", "odd object name", "merge table", "package",
        "user FTS_DOC_ID", "foreign keys backed by secondary indexes", "foreign key to a later table",
        "foreign key to a unique key", "foreign key cycle", "composite foreign key"};
    // clang-format on
    for (const char* integer : {"TINYINT", "SMALLINT", "MEDIUMINT", "INT", "BIGINT"}) {
      names.insert(std::string(integer) + " UNSIGNED");
    }
    for (const char* collation : {"utf8mb4_general_ci", "utf8mb4_unicode_ci", "utf8mb4_bin", "latin1_swedish_ci",
                                  "latin1_bin", "latin1_general_cs", "binary"}) {
      names.insert(std::string("collation ") + collation);
    }
    for (const auto& mode : body_modes()) {
      names.insert("mode " + (mode.empty() ? std::string("''") : mode));
    }
    for (const auto& set_names : object_names()) {
      names.insert("names " + set_names);
    }
    return names;
  }();
  return expected;
}

}  // namespace ifnbackup::test::fuzz
