// Secondary indexes and foreign keys added after the rows (as myloader's --optimize-keys): inserting
// rows into a table with only its primary key and then building each index by one sort is much
// faster than maintaining every index row by row, for the stock client and for our restore alike.
// The foreign keys go too, so that the indexes backing them can (issue 13): under the file's
// FOREIGN_KEY_CHECKS=0 InnoDB adds a constraint in place, reading no row.
#include "backup/deferred_keys.hpp"

#include "sql/text.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

namespace ifnbackup::backup {
namespace {

constexpr std::string_view k_indent = "  ";

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// The first column of "KEY `name` (`col`...": nullopt for anything else (an expression, a form
// this parser does not know), which keeps the key where it is.
std::optional<std::string> first_key_column(std::string_view line, std::string_view keyword) {
  std::size_t at = keyword.size();
  if (!sql::parse_quoted_identifier(line, at) || line.substr(at, 2) != " (") {
    return std::nullopt;
  }
  at += 2;
  return sql::parse_quoted_identifier(line, at);
}

// The name of "KEY `name` (...", empty when unreadable.
std::string key_name(std::string_view line, std::string_view keyword) {
  std::size_t at = keyword.size();
  return sql::parse_quoted_identifier(line, at).value_or("");
}

// "CONSTRAINT `fk` FOREIGN KEY (...": a foreign key, not a CHECK constraint (which stays).
bool is_foreign_key(std::string_view line) {
  std::size_t at = std::string_view("CONSTRAINT ").size();
  return sql::parse_quoted_identifier(line, at) && line.substr(at).starts_with(" FOREIGN KEY (");
}

// Column names are case-insensitive: a referencing table may spell `ID` the column called `id`.
std::string folded(std::string name) {
  for (char& c : name) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return name;
}

// One line of the CREATE TABLE's body.
struct Definition {
  std::string_view text;  // without its indent and comma
  bool is_key = false;
  bool deferrable = false;
  bool foreign_key = false;  // always added after the rows, after the keys
};

// The CREATE TABLE as defer_secondary_keys reads it: its first and last lines, the definitions
// between them, and the (folded) columns a key led by which must stay.
struct TableText {
  std::string_view opening;
  std::string_view closing;
  std::vector<Definition> body;
  std::set<std::string> pinned;
};

// SHOW CREATE TABLE prints "CREATE TABLE `t` (", one definition per line indented by two spaces,
// then ") ENGINE=...". nullopt for anything else (a partition clause after it, a line this code
// does not recognise), and for a table without a primary key (InnoDB then clusters on the first
// UNIQUE NOT NULL key: leave such tables be).
std::optional<TableText> read_table_text(const std::string& create, const std::set<std::string>& referenced_columns) {
  std::vector<std::string_view> lines;
  for (std::size_t start = 0; start <= create.size();) {
    const auto end = std::min(create.find('\n', start), create.size());
    lines.push_back(std::string_view(create).substr(start, end - start));
    start = end + 1;
  }
  if (lines.size() < 3 || !starts_with(lines.front(), "CREATE TABLE ") || !lines.front().ends_with(" (")) {
    return std::nullopt;
  }
  TableText table{lines.front(), lines.back(), {}, {}};
  if (!starts_with(table.closing, ") ENGINE=InnoDB") ||
      table.closing.find("WITH SYSTEM VERSIONING") != std::string_view::npos ||
      create.find("PARTITION") != std::string::npos) {
    return std::nullopt;
  }
  for (const auto& column : referenced_columns) {
    table.pinned.insert(folded(column));
  }
  bool has_primary_key = false;
  for (std::size_t i = 1; i + 1 < lines.size(); ++i) {
    std::string_view line = lines[i];
    if (!starts_with(line, k_indent)) {
      return std::nullopt;
    }
    line.remove_prefix(k_indent.size());
    if (i + 2 < lines.size()) {
      if (!line.ends_with(',')) {
        return std::nullopt;
      }
      line.remove_suffix(1);
    }
    Definition definition{line};
    if (starts_with(line, "`")) {
      // A column: the AUTO_INCREMENT one must lead some index at every moment.
      std::size_t at = 0;
      const auto name = sql::parse_quoted_identifier(line, at);
      if (!name) {
        return std::nullopt;
      }
      if (line.find(" AUTO_INCREMENT") != std::string_view::npos) {
        table.pinned.insert(folded(*name));
      }
      // A user FTS_DOC_ID column: InnoDB wants its unique FTS_DOC_ID_INDEX there when a FULLTEXT
      // key is built (and makes its own hidden one otherwise, so a later ADD fails with 1280).
      if (folded(*name) == "fts_doc_id") {
        table.pinned.insert("fts_doc_id");
      }
    } else if (starts_with(line, "PRIMARY KEY ")) {
      has_primary_key = true;
      definition.is_key = true;
    } else if (starts_with(line, "KEY ") || starts_with(line, "UNIQUE KEY ")) {
      definition.is_key = true;
      definition.deferrable = true;
    } else if (starts_with(line, "FULLTEXT KEY ") || starts_with(line, "SPATIAL KEY ") ||
               starts_with(line, "VECTOR KEY ")) {
      definition.is_key = true;
    } else if (starts_with(line, "CONSTRAINT ")) {
      // A foreign key needs an index led by its columns when it is created: it comes back after
      // the keys, in the same ALTER TABLE.
      definition.foreign_key = is_foreign_key(line);
    }
    table.body.push_back(definition);
  }
  if (!has_primary_key) {
    return std::nullopt;
  }
  return table;
}

// Which definitions move after the rows. The server sorts a table's keys: primary, then UNIQUE,
// then plain, each group in the order the keys were added (SHOW CREATE TABLE prints them so).
// Moving the trailing run of each group to the end therefore gives back the same order: SHOW
// CREATE TABLE of the copy is identical. Foreign keys all move: InnoDB prints them by name.
std::vector<bool> choose_deferred(const TableText& table) {
  std::vector<bool> deferred(table.body.size(), false);
  for (std::size_t i = 0; i < table.body.size(); ++i) {
    deferred[i] = table.body[i].foreign_key;
  }
  // SPATIAL (and VECTOR) keys sort among the plain ones by position: they end the plain run.
  // FULLTEXT keys sort after all of them, PRIMARY before: no group.
  const auto group_of = [](std::string_view line) -> std::string_view {
    if (starts_with(line, "UNIQUE KEY ")) {
      return "UNIQUE KEY ";
    }
    if (starts_with(line, "KEY ") || starts_with(line, "SPATIAL KEY ") || starts_with(line, "VECTOR KEY ")) {
      return "KEY ";
    }
    return {};
  };
  const auto& body = table.body;
  for (const std::string_view group : {std::string_view("UNIQUE KEY "), std::string_view("KEY ")}) {
    for (std::size_t i = body.size(); i-- > 0;) {
      if (!body[i].is_key || group_of(body[i].text) != group) {
        continue;
      }
      const auto column = first_key_column(body[i].text, group);
      // A long UNIQUE (USING HASH) keeps its place among its kind: the server does not sort those.
      if (!body[i].deferrable || !column || table.pinned.contains(folded(*column)) ||
          folded(key_name(body[i].text, group)) == "fts_doc_id_index" ||
          body[i].text.find(" USING HASH") != std::string_view::npos) {
        break;
      }
      deferred[i] = true;
    }
  }
  return deferred;
}

// The CREATE TABLE without the deferred keys and foreign keys, and the ALTER TABLE that adds them
// (the keys first: SHOW CREATE TABLE lists the foreign keys after them).
DeferredKeys split_keys(const TableText& table, const std::vector<bool>& deferred, const std::string& quoted_table) {
  DeferredKeys result;
  result.create.append(table.opening).push_back('\n');
  std::vector<std::string_view> kept;
  for (std::size_t i = 0; i < table.body.size(); ++i) {
    if (!deferred[i]) {
      kept.push_back(table.body[i].text);
    }
  }
  for (std::size_t i = 0; i < kept.size(); ++i) {
    result.create.append(k_indent).append(kept[i]).append(i + 1 < kept.size() ? ",\n" : "\n");
  }
  result.create.append(table.closing);
  result.add_keys = "ALTER TABLE " + quoted_table;
  const char* separator = "\n  ADD ";
  for (std::size_t i = 0; i < table.body.size(); ++i) {
    if (deferred[i]) {
      result.foreign_keys = result.foreign_keys || table.body[i].foreign_key;
      result.add_keys.append(separator).append(table.body[i].text);
      separator = ",\n  ADD ";
    }
  }
  return result;
}

}  // namespace

DeferredKeys defer_secondary_keys(const std::string& create, const std::string& quoted_table,
                                  const std::set<std::string>& referenced_columns) {
  const auto table = read_table_text(create, referenced_columns);
  if (!table) {
    return {create, {}};
  }
  const std::vector<bool> deferred = choose_deferred(*table);
  if (std::find(deferred.begin(), deferred.end(), true) == deferred.end()) {
    return {create, {}};
  }
  return split_keys(*table, deferred, quoted_table);
}

}  // namespace ifnbackup::backup
