#pragma once
// Every statement of a file, cut as the restore cuts it (restore/sql_splitter, following the
// file's own sql_mode settings by text: verify has no server) and classified
// (restore/statement_policy): what the file would make a restore do, known before anything is
// touched.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ifnbackup/verify.hpp"
#include "restore/sql_splitter.hpp"
#include "restore/statement_policy.hpp"
#include "util/worker_pool.hpp"
#include "verify/insert_digests.hpp"

namespace ifnbackup::verify_detail {

// A statement is held whole up to k_statement_hold bytes; a longer one (a huge row, or a quote that
// never ends in a crafted file) is read in pieces as it is cut and never held: verify's memory does
// not grow with the statements of the file (issue 18, item 7).
class StatementScan {
 public:
  // MariaDB's default max_allowed_packet: what a server takes without being told otherwise.
  static constexpr std::size_t k_statement_hold = 16 * 1024 * 1024;

  StatementScan();
  ~StatementScan();
  StatementScan(const StatementScan&) = delete;
  StatementScan& operator=(const StatementScan&) = delete;

  // `ours`: the file's header says ifnbackup wrote it (stricter rules); may change until the
  // first statement is complete, which comes after the header.
  void set_ours(bool ours) noexcept { m_ours = ours; }
  void feed(std::string_view chunk);
  // After the last chunk. Fills statements, object_statements, foreign_statements,
  // first_foreign_statement of `result`.
  void conclude(VerifyResult& result);
  // The digests of the tables our INSERT statements hold (files of ours only).
  const InsertDigests& digests() const noexcept { return m_digests; }

 private:
  void take(restore::Statement&& statement);
  // A CREATE or ALTER TABLE: the table created, the parents its foreign keys name before theirs.
  void note_tables(std::string_view text);
  void take_piece(std::string_view piece);
  // A row INSERT held whole, classified on m_checker while the splitter goes on (its verdict only
  // counts: an INSERT creates nothing and sets no mode), merged in the file's order by `conclude`.
  void check_rows_beside(restore::Statement&& statement);
  void note_foreign(std::uint64_t index, std::string message);
  // The checker thread, started at the first INSERT it takes; false when it cannot start.
  bool start_checker();

  restore::SqlSplitter m_splitter;
  restore::SessionModeTracker m_modes;
  // The statement being handed over in pieces, read as they come (null: its mode is unknown).
  bool m_streaming = false;
  std::unique_ptr<restore::StatementClassifier> m_streamed;
  std::string m_streamed_head;  // its first bytes, for a message
  bool m_ours = false;
  bool m_failed = false;  // the splitter refused the text (an unterminated quote)
  std::uint64_t m_statements = 0;
  std::uint64_t m_largest = 0;
  std::uint64_t m_objects = 0;
  std::uint64_t m_foreign = 0;
  std::string m_first_foreign;
  std::uint64_t m_first_foreign_index = 0;  // its place among the statements (1: the first)
  std::mutex m_mutex;                       // the counts and first foreign statement, written by m_checker's thread too
  std::set<std::string> m_created;          // tables created so far
  std::vector<std::pair<std::string, std::string>> m_parents_after_children;
  InsertDigests m_digests;
  // The row INSERTs' checker (one thread, started at the first): last, so that it stops first.
  bool m_no_checker = false;  // it could not start: statements classified in line
  std::unique_ptr<util::WorkerPool> m_checker;
};

}  // namespace ifnbackup::verify_detail
