#pragma once
// The rows of one of our extended INSERTs as a LOAD DATA LOCAL INFILE of tab-separated text: the
// server loads them without parsing SQL for every value, the slowest part of a restore. Pure text
// work; the data is handed to the server from memory (db::Connection::load_local), never a file.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ifnbackup::restore {

struct LoadData {
  std::string statement;  // LOAD DATA LOCAL INFILE ... INTO TABLE `t` ... (`a`,@ifn_1) SET `b`=UNHEX(@ifn_1)
  std::string rows;       // tab-separated fields, \N for NULL, one line per row
  std::uint64_t row_count = 0;
};

// nullopt when `insert` is not exactly what our dumper writes
//   INSERT INTO `t` (`a`,`b`) VALUES (1,'x\'y'),(NULL,0x00FF)
// (values: NULL, numbers, 0x hex for binary columns, '...' with backslash escapes), or holds a
// form the conversion would not carry over exactly (\%, \_ or \N in a string, '' quotes, a quoted
// value in a binary column): the caller runs the INSERT as it is. Backslash escapes must be on.
// Not for a table with a BEFORE INSERT trigger: MariaDB's LOAD DATA then ignores
// NO_AUTO_VALUE_ON_ZERO (a 0 id becomes the next one). Our dumps create triggers after the rows.
// nullopt too, before any text is made, for fewer than `min_rows` rows.
std::optional<LoadData> insert_to_load_data(std::string_view insert, std::uint64_t min_rows = 1);

}  // namespace ifnbackup::restore
