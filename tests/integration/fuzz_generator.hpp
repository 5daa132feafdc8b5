#pragma once
// The inside of generate_database() (fuzz_schema.hpp), shared by the files that write its parts:
// fuzz_schema.cpp (the whole, sequences, routines and views), fuzz_tables.cpp (tables, columns, keys),
// fuzz_rows.cpp (ids, rows, the audit trigger), fuzz_kinds.cpp (MERGE tables, packages, FTS_DOC_ID),
// fuzz_foreign_keys.cpp (foreign keys of every shape).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_objects.hpp"
#include "fuzz_random.hpp"
#include "fuzz_schema.hpp"
#include "fuzz_values.hpp"

namespace ifnbackup::test::fuzz {

// The generator's own session: what a dump's header sets too, so the source holds what a load can hold.
inline constexpr std::string_view k_base_mode = "NO_AUTO_VALUE_ON_ZERO";

enum class KeyKind { auto_increment, explicit_id, composite, unique_only, none };

struct Column {
  std::string name;
  ColumnType type;
  std::string definition;  // after the name
  bool nullable = true;
  bool generated = false;
  bool invisible = false;
  enum class Role { ordinary, id, code, unique, parent, sequence } role = Role::ordinary;
  std::size_t parent = 0;  // Role::parent: the referenced table
};

struct Table {
  std::size_t index = 0;
  std::string name;
  std::string engine;
  KeyKind key = KeyKind::none;
  ColumnType id_type;
  bool partitioned = false;
  bool long_values = false;  // its rows may hold values over 1 MiB
  std::size_t long_value_count = 0;
  std::vector<Column> columns;
  std::vector<std::string> clauses;  // keys and constraints
  std::vector<std::string> ids;      // the id literals of its rows, for tables referencing it
  std::string options;
};

// A plain name ("t_3") or, now and then, one with spaces, quotes, backquotes, accents or `;` ("it's_3").
std::string odd_or_plain(Random& random, const std::string& plain, std::size_t index, bool& odd);

class Generator {
 public:
  explicit Generator(std::uint64_t seed);
  FuzzDatabase run();

 private:
  void add(std::string statement) { m_database.statements.push_back(std::move(statement)); }
  void cover(const std::string& what) { m_database.coverage.insert(what); }

  // fuzz_schema.cpp
  void make_sequences(Random& random);
  void make_objects(Random& random);
  void create_object(const ObjectStatement& object);
  std::string object_name(Random& random, const std::string& plain, std::size_t& counter);

  // fuzz_tables.cpp
  void make_table(Random& random, std::size_t index);
  void cover_type(const ColumnType& type);
  void add_generated_columns(Random& random, Table& table);
  void add_invisible_column(Random& random, Table& table);
  void add_keys(Random& random, Table& table, std::size_t index);
  void add_foreign_key(Random& random, Table& table, std::size_t index);

  // fuzz_rows.cpp
  void fill_table(Random& random, std::size_t index);
  std::vector<std::string> make_ids(Random& random, const Table& table, std::size_t rows, bool& auto_rows);
  std::string value_for(Random& random, Table& table, const Column& column, std::size_t row, const std::string& id);
  void make_audit(Random& random);

  // fuzz_kinds.cpp
  void make_other_kinds(Random& random);
  void make_merge_tables(Random& random);
  void make_packages(Random& random);
  void make_fts_doc_id_table(Random& random);

  // fuzz_foreign_keys.cpp
  void make_foreign_key_shapes(Random& random);

  Random m_random;
  FuzzDatabase m_database;
  std::vector<Table> m_tables;
  std::string m_sequence;
  std::size_t m_long_values = 0;
  bool m_big_table = false;  // this seed may put more values over 1 MiB in one table
};

}  // namespace ifnbackup::test::fuzz
