// Text work on the definitions SHOW CREATE gives, before the dumper writes them (pure).
#include "backup/definition_text.hpp"
#include "ifnbackup/printable.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include <spdlog/spdlog.h>

#include "sql/text.hpp"

namespace ifnbackup::backup {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::size_t skip_spaces(std::string_view text, std::size_t at) {
  while (at < text.size() && is_space(text[at])) {
    ++at;
  }
  return at;
}

// The end of the name starting at `at`: quoted by one of `quotes` (the quote doubled inside), or a
// bare word; nullopt when there is none.
std::optional<std::size_t> name_end(std::string_view text, std::size_t at, std::string_view quotes) {
  if (at >= text.size()) {
    return std::nullopt;
  }
  const char open = text[at];
  if (quotes.find(open) != std::string_view::npos) {
    for (std::size_t i = at + 1; i < text.size(); ++i) {
      if (text[i] == open) {
        if (i + 1 < text.size() && text[i + 1] == open) {
          ++i;
          continue;
        }
        return i + 1;
      }
    }
    return std::nullopt;
  }
  std::size_t i = at;
  while (i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) != 0 || text[i] == '_' ||
                             text[i] == '$' || static_cast<unsigned char>(text[i]) >= 0x80)) {
    ++i;
  }
  return i > at ? std::optional<std::size_t>(i) : std::nullopt;
}

// How SHOW CREATE prints a COMMENT (sql/table.cc append_unescaped): '' for a quote, \0 \n \r \\.
std::string printed_comment(std::string_view comment) {
  std::string out = "'";
  for (const char c : comment) {
    switch (c) {
      case '\0':
        out += "\\0";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\'':
        out += "''";
        break;
      default:
        out += c;
    }
  }
  return out + "'";
}

}  // namespace

// SHOW CREATE TRIGGER gives the CREATE as its author wrote it after the DEFINER, so a trigger made as
// `CREATE TRIGGER app.tr ...` comes back qualified by its database: replayed into another database
// (restore --into, a drill, the schema check) the server refuses it (error 1435), and the statement
// policy rightly refuses a qualified name in our files — any account with TRIGGER on one database
// could stop its backups. The qualifier goes; the trigger is created where the file is restored,
// beside its table (always unqualified). Anything this reader does not follow is left as it is.
std::string without_trigger_schema(std::string text, const std::string& sql_mode) {
  constexpr std::string_view k_create = "CREATE DEFINER=";
  if (!std::string_view(text).starts_with(k_create)) {
    return text;
  }
  const bool ansi_quotes = sql_mode.find("ANSI") != std::string::npos;  // ANSI includes ANSI_QUOTES
  const std::string_view name_quotes = ansi_quotes ? "`\"" : "`";
  // user@host, each quoted as SHOW CREATE prints them
  auto at = name_end(text, k_create.size(), "`\"'");
  if (!at || *at >= text.size() || text[*at] != '@' || !(at = name_end(text, *at + 1, "`\"'"))) {
    return text;
  }
  std::size_t p = skip_spaces(text, *at);
  constexpr std::string_view k_trigger = "trigger";
  if (p + k_trigger.size() >= text.size() || !is_space(text[p + k_trigger.size()])) {
    return text;
  }
  for (std::size_t i = 0; i < k_trigger.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[p + i])) != k_trigger[i]) {
      return text;
    }
  }
  const std::size_t schema_start = skip_spaces(text, p + k_trigger.size());
  const auto schema_end = name_end(text, schema_start, name_quotes);
  if (!schema_end) {
    return text;
  }
  p = skip_spaces(text, *schema_end);
  if (p >= text.size() || text[p] != '.') {
    return text;
  }
  const std::size_t name_start = skip_spaces(text, p + 1);
  if (!name_end(text, name_start, name_quotes)) {
    return text;
  }
  return text.erase(schema_start, name_start - schema_start);
}

// SHOW CREATE prints a routine's or event's COMMENT with backslash escapes whatever the object's
// sql_mode, and the dump replays the CREATE under that sql_mode: under NO_BACKSLASH_ESCAPES the
// comment would come back with each backslash doubled (mariadb-dump has this fault). Rewrites it
// as that mode reads strings. `comment` is the stored comment (information_schema).
std::string comment_for_mode(std::string text, const std::string& sql_mode, const std::string& comment,
                             const std::string& what) {
  if (sql_mode.find("NO_BACKSLASH_ESCAPES") == std::string::npos || comment.empty()) {
    return text;
  }
  if (comment.find_first_of(std::string_view("\0\n\r\\", 4)) == std::string::npos) {
    return text;  // printed without a backslash: read the same under either mode
  }
  const std::string printed = "COMMENT " + printed_comment(comment);
  const auto at = text.find(printed);
  if (at == std::string::npos || comment.find('\0') != std::string::npos) {
    log_warn(
        "the COMMENT of {} holds a backslash or a line break and the object was created under "
        "NO_BACKSLASH_ESCAPES: restored, it will read differently",
        what);
    return text;
  }
  std::string raw = "COMMENT '";
  for (const char c : comment) {
    raw += c;
    if (c == '\'') {
      raw += '\'';
    }
  }
  raw += "'";
  return text.replace(at, printed.size(), raw);
}

// The views in an order where each comes after the views it reads (SHOW CREATE VIEW names them
// `name`): a view's placeholder lacks its WITH CHECK OPTION and its real columns, so a view created
// over a placeholder may fail (WITH CHECK OPTION over a view that sorts after it did, with mariadb-dump
// too). A name found in a view's text that is not a dependency (a column alias) only moves it later;
// views in a cycle, which the server cannot have, keep name order.
std::vector<std::size_t> dependency_order(const std::vector<std::string>& names,
                                          const std::vector<std::string>& texts) {
  const std::size_t n = names.size();
  std::vector<std::vector<std::size_t>> readers(n);  // readers[i]: the views whose text names view i
  std::vector<std::size_t> waiting(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      if (i != j && texts[i].find(sql::quote_identifier(names[j])) != std::string::npos) {
        readers[j].push_back(i);
        ++waiting[i];
      }
    }
  }
  std::vector<std::size_t> order;
  std::vector<bool> done(n, false);
  while (order.size() < n) {
    std::size_t next = n;
    for (std::size_t i = 0; i < n && next == n; ++i) {
      if (!done[i] && waiting[i] == 0) {
        next = i;  // the first by name whose views are all written
      }
    }
    for (std::size_t i = 0; i < n && next == n; ++i) {
      if (!done[i]) {
        next = i;  // a cycle: name order
      }
    }
    done[next] = true;
    order.push_back(next);
    for (const std::size_t reader : readers[next]) {
      if (waiting[reader] > 0) {
        --waiting[reader];
      }
    }
  }
  return order;
}

bool is_partitioned(std::string_view create) {
  const auto closing = create.rfind("\n) ");
  return closing != std::string_view::npos && create.find("PARTITION BY ", closing) != std::string_view::npos;
}

}  // namespace ifnbackup::backup
