#pragma once
// The differential restore test's database generator: from a seed alone, the same database every time —
// tables of every column type with and without primary keys (an AUTO_INCREMENT key holding id 0,
// inserted under NO_AUTO_VALUE_ON_ZERO), generated and invisible columns, secondary, unique, full-text
// and spatial keys, foreign keys, partitions, sequences, triggers, routines, events and views whose
// bodies are created under ANSI_QUOTES and NO_BACKSLASH_ESCAPES. Pure: it writes statements, it runs none.
#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace ifnbackup::test::fuzz {

struct FuzzDatabase {
  std::uint64_t seed = 0;
  std::string name;  // "seed 17" or the regression case's name
  // Run in order on one connection, one mysql_real_query each (never through the mariadb client:
  // the server must store each body exactly as written). Session settings are statements too.
  std::vector<std::string> statements;
  // Objects whose body the stock client rewrites on any restore of a dump (it drops comments):
  // compared between the two restores, not with the source.
  std::set<std::string> rewritten_by_client;
  // What the database exercises ("INT UNSIGNED", "collation latin1_bin", "id 0", "mode ANSI_QUOTES", ...):
  // the CI seeds together must cover expected_coverage().
  std::set<std::string> coverage;
  std::size_t tables = 0;
  std::size_t rows = 0;
  std::size_t objects = 0;
  std::size_t literal_bytes = 0;  // size of the row data written
  std::string summary() const;
};

// The database of one seed.
FuzzDatabase generate_database(std::uint64_t seed);

// The statements as a script the stock client runs unchanged with --comments --binary-mode: each ends
// with a delimiter no statement holds. For a person reproducing a failure; the test itself never uses it.
std::string setup_script(const FuzzDatabase& database);

// What the generator can produce: every column type, collation, key and object kind, body sql_mode.
const std::set<std::string>& expected_coverage();

}  // namespace ifnbackup::test::fuzz
