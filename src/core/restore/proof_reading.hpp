#pragma once
// The content proof's reads (restore/content_proof.cpp) spread over the readers of one snapshot:
// small tables several per stream, medium tables whole, big ones in key ranges (proof/key_ranges.hpp),
// the biggest first, each on whichever reader is free. A table's parts are added (RowDigest::add) and
// it is judged once all are in.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "db/connection.hpp"
#include "ifnbackup/manifest.hpp"
#include "ifnbackup/restore.hpp"
#include "proof/row_digest.hpp"

namespace ifnbackup::restore {

class ProofReading {
 public:
  // The verdict of a table whose parts are all read (called under the reading's lock).
  using Judge = std::function<void(const TableCount&, const proof::RowDigest&, TableCheck&)>;
  // A read begins: tables judged so far, and the table read (called under the reading's lock).
  using Progress = std::function<void(std::size_t done, const std::string& subject)>;
  // The SELECT of a table of `expected` (proof::table_select).
  using Select = std::function<std::string(std::size_t table)>;

  ProofReading(const std::vector<TableCount>& expected, std::vector<TableCheck>& checks, Judge judge);

  // Small tables read by one round trip (db::Connection::stream_several).
  void add_batch(std::vector<std::size_t> tables, std::uint64_t rows);
  // A table read by these WHERE conditions (proof::range_conditions), one read each; one empty
  // condition: the whole table.
  void add_table(std::size_t table, const std::vector<std::string>& conditions);
  // A table judged without a read.
  void count_done();

  // Runs every read on `readers` (each in the same snapshot, its reading session set); throws the
  // first failure (Error(server), Error(interrupted)).
  void run(const std::vector<db::Connection*>& readers, const Select& select, const Progress& progress);

  std::size_t split_tables() const { return m_split_tables; }
  std::size_t ranges() const { return m_ranges; }

 private:
  struct Read {
    std::vector<std::size_t> tables;
    std::string condition;   // a key range of tables[0]; empty: all its rows
    std::uint64_t rows = 0;  // as the backup counted them: the biggest reads go first
  };
  void read(db::Connection& reader, const Read& part, const Select& select, const Progress& progress);
  void add_part(std::size_t table, const proof::RowDigest& digest);

  const std::vector<TableCount>& m_expected;
  std::vector<TableCheck>& m_checks;
  Judge m_judge;
  std::vector<Read> m_reads;
  std::vector<proof::RowDigest> m_sums;   // by table of m_expected
  std::vector<std::size_t> m_parts_left;  // by table of m_expected
  std::size_t m_done = 0;
  std::size_t m_split_tables = 0;
  std::size_t m_ranges = 0;
  std::mutex m_mutex;
};

}  // namespace ifnbackup::restore
