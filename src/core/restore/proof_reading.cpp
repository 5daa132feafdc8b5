#include "restore/proof_reading.hpp"

#include <algorithm>
#include <optional>
#include <system_error>
#include <utility>

#include <spdlog/spdlog.h>

#include "proof/table_reading.hpp"
#include "util/worker_pool.hpp"

namespace ifnbackup::restore {

ProofReading::ProofReading(const std::vector<TableCount>& expected, std::vector<TableCheck>& checks, Judge judge)
    : m_expected(expected),
      m_checks(checks),
      m_judge(std::move(judge)),
      m_sums(expected.size()),
      m_parts_left(expected.size(), 0) {}

void ProofReading::add_batch(std::vector<std::size_t> tables, std::uint64_t rows) {
  for (const std::size_t table : tables) {
    m_parts_left.at(table) = 1;
  }
  m_reads.push_back(Read{std::move(tables), {}, rows});
}

void ProofReading::add_table(std::size_t table, const std::vector<std::string>& conditions) {
  m_parts_left.at(table) = conditions.size();
  if (conditions.size() > 1) {
    ++m_split_tables;
    m_ranges += conditions.size();
  }
  const std::uint64_t rows = m_expected[table].rows / std::max<std::size_t>(1, conditions.size());
  for (const auto& condition : conditions) {
    m_reads.push_back(Read{{table}, condition, rows});
  }
}

void ProofReading::count_done() {
  const std::lock_guard lock(m_mutex);
  ++m_done;
}

void ProofReading::add_part(std::size_t table, const proof::RowDigest& digest) {
  const std::lock_guard lock(m_mutex);
  m_sums[table].add(digest);
  if (--m_parts_left[table] == 0) {
    m_judge(m_expected[table], m_sums[table], m_checks[table]);
    ++m_done;
  }
}

void ProofReading::read(db::Connection& reader, const Read& part, const Select& select, const Progress& progress) {
  {
    const std::lock_guard lock(m_mutex);
    progress(m_done, m_expected[part.tables.front()].name);
  }
  if (part.tables.size() > 1) {
    std::string query;
    for (const std::size_t table : part.tables) {
      query += (query.empty() ? "" : ";\n") + select(table);
    }
    reader.stream_several(query, [&](std::size_t k, db::ResultStream& stream) {
      add_part(part.tables.at(k), proof::digest_rows(stream));
    });
    return;
  }
  const std::size_t table = part.tables.front();
  auto stream = reader.stream(part.condition.empty() ? select(table) : select(table) + " WHERE " + part.condition);
  add_part(table, proof::digest_rows(stream));
}

void ProofReading::run(const std::vector<db::Connection*>& readers, const Select& select, const Progress& progress) {
  std::stable_sort(m_reads.begin(), m_reads.end(), [](const Read& a, const Read& b) { return a.rows > b.rows; });
  std::optional<util::WorkerPool> pool;
  if (readers.size() > 1 && m_reads.size() > 1) {
    try {
      pool.emplace(static_cast<unsigned>(readers.size()));
    } catch (const std::system_error& error) {
      spdlog::info("the content proof reads on one connection: no thread for the others ({})", error.what());
    }
  }
  if (!pool) {
    for (const Read& part : m_reads) {
      read(*readers.front(), part, select, progress);
    }
    return;
  }
  for (const Read& part : m_reads) {
    pool->submit([&, at = &part](unsigned thread) { read(*readers.at(thread), *at, select, progress); });
  }
  pool->wait_idle();
}

}  // namespace ifnbackup::restore
