#pragma once
// One round of the differential restore test: the generated database is loaded into a source database
// (one statement per mysql_real_query), backed up by the `ifnbackup` binary, and that file restored
// twice — by the stock client (`gunzip -c f | mariadb db`) and by `ifnbackup restore --into` — then the
// two copies are compared with each other (everything) and with the source (what the stock client
// does not rewrite).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "fuzz_schema.hpp"
#include "test_support.hpp"

namespace ifnbackup::test::fuzz {

struct RoundTripSettings {
  std::string binary;            // the ifnbackup under test
  unsigned restore_threads = 2;  // restore --threads
  // Then the file again over the restored copy, and that restore's safety snapshot loaded back (what a
  // roll-back does): our dumper reading what our restore wrote, compared with the stock client again.
  bool snapshot_round = false;
  // The dumper's threshold for keeping a table's keys in its CREATE TABLE (IFNBACKUP_TEST_KEYS_IN_CREATE_BYTES):
  // 0 defers every table's keys after its rows; above 0 the source's statistics are refreshed first
  // (ANALYZE TABLE), so tables of one page keep their keys and bigger ones defer them, both in one file.
  std::size_t keys_in_create_bytes = 0;
  // When set, the setup script, the backup file and the three databases are kept there for a look.
  std::filesystem::path keep_dir;
};

// IFNBACKUP_FUZZ_BIN (default: the binary built with the tests) and IFNBACKUP_FUZZ_KEEP (a folder);
// the restore's thread count follows the seed, so seeds cover one and several loading connections,
// one seed in three takes the snapshot round, and one in two writes every table's keys after its rows (the
// others: small tables' keys in their CREATE TABLE, the others' after their rows).
RoundTripSettings settings_for(std::uint64_t seed);

struct RoundTripReport {
  std::string summary;                // the database, the file, the time taken
  std::vector<std::string> failures;  // empty: both restores match each other and the source
  std::string text() const;           // for a test failure: seed, summary, every difference, how to reproduce
};

RoundTripReport round_trip(const TestServer& server, const FuzzDatabase& database, const RoundTripSettings& settings);

}  // namespace ifnbackup::test::fuzz
