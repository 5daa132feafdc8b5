#include "fuzz_objects.hpp"

#include <fmt/format.h>

namespace ifnbackup::test::fuzz {

// Modes that change how a body is split: each with and without the ones that do not.
const std::vector<std::string>& body_modes() {
  // clang-format off
  static const std::vector<std::string> modes{
      "", "ANSI_QUOTES", "NO_BACKSLASH_ESCAPES", "ANSI_QUOTES,NO_BACKSLASH_ESCAPES", "ANSI",
      "PIPES_AS_CONCAT,ANSI_QUOTES,NO_BACKSLASH_ESCAPES", "STRICT_TRANS_TABLES,NO_BACKSLASH_ESCAPES",
      "NO_AUTO_VALUE_ON_ZERO,ANSI_QUOTES"};
  // clang-format on
  return modes;
}

namespace {

// What goes inside a string or a quoted identifier: each has fooled some splitter.
const std::vector<std::string>& string_traps() {
  // clang-format off
  static const std::vector<std::string> traps{
      "a", "'", "\"", "\\", "\\", ";", ";;", "$$", "#", "-- ", "--", "/*", "*/", "*/;", "\n", "\t", "`",
      "\nDELIMITER ;;\n", "\nDELIMITER $$\n", "DELIMITER ;", "\xC3\xA9", "\xF0\x9F\x98\x80", "%", "_", "\\n",
      " ", "END;;", "/*!50000 ", "q\\"};
  // clang-format on
  return traps;
}

// Text of a comment: anything but its own end, and not starting an executable comment.
const std::vector<std::string>& comment_traps() {
  static const std::vector<std::string> traps{"it's",         "'",  "\"", "`", ";",       ";;",  "$$",      "\\",
                                              "DELIMITER ;;", "/*", "--", "#", "\"q\\\"", "END", "\xC3\xA9"};
  return traps;
}

// Writes one body for one sql_mode, and remembers whether the stock client will rewrite it.
class BodyWriter {
 public:
  BodyWriter(Random& random, const std::string& sql_mode) : m_random(random) {
    m_ansi_quotes = sql_mode.find("ANSI") != std::string::npos;  // ANSI includes ANSI_QUOTES
    m_backslash_escapes = sql_mode.find("NO_BACKSLASH_ESCAPES") == std::string::npos;
    // Half the bodies have no comment: those can be compared with the source after a restore.
    m_comments = m_random.percent(50);
  }

  bool rewritten() const { return m_rewritten; }
  bool ansi_quotes() const { return m_ansi_quotes; }

  std::string content(std::size_t max_pieces) {
    std::string out;
    for (std::uint64_t i = m_random.below(max_pieces + 1); i > 0; --i) {
      out += m_random.pick(string_traps());
    }
    return out;
  }

  // A '...' string literal: quotes doubled or backslashed, backslashes as the mode reads them.
  std::string single_quoted(const std::string& text) {
    std::string out = "'";
    for (char c : text) {
      if (c == '\'') {
        out += m_backslash_escapes && m_random.percent(50) ? "\\'" : "''";
      } else if (c == '\\') {
        out += m_backslash_escapes ? "\\\\" : "\\";
      } else if (c == '\n' && m_backslash_escapes && m_random.percent(30)) {
        out += "\\n";
      } else {
        out.push_back(c);
      }
    }
    return out + "'";
  }

  // A "..." string (modes without ANSI_QUOTES only).
  std::string double_quoted_string(const std::string& text) {
    std::string out = "\"";
    for (char c : text) {
      if (c == '"') {
        out += m_backslash_escapes && m_random.percent(50) ? "\\\"" : "\"\"";
      } else if (c == '\\') {
        out += m_backslash_escapes ? "\\\\" : "\\";
      } else {
        out.push_back(c);
      }
    }
    return out + "\"";
  }

  // A "..." identifier (ANSI_QUOTES): a doubled quote is a quote, a backslash is itself.
  static std::string double_quoted_identifier(const std::string& text) {
    std::string out = "\"";
    for (char c : text) {
      out += c == '"' ? std::string("\"\"") : std::string(1, c);
    }
    return out + "\"";
  }

  std::string literal() {
    const std::string text = content(5);
    if (!m_ansi_quotes && m_random.percent(30)) {
      return double_quoted_string(text);
    }
    return single_quoted(text);
  }

  // Identifier text: short (user variables hold 64 characters), no NUL, no four-byte character. A
  // column alias may not end in a space; a variable name often ends in a backslash, as "q\" of issue 18.
  std::string name_text(bool alias) {
    static const std::vector<std::string> pieces{"q", "\\",  "\"", "'",  "`",  ";",        ";;", "$$",
                                                 "#", "-- ", " ",  "/*", "*/", "\xC3\xA9", "x"};
    std::string out = "v";
    for (std::uint64_t i = m_random.below(5); i > 0; --i) {
      out += m_random.pick(pieces);
    }
    return out + (alias ? "x" : m_random.percent(40) ? "\\" : "");
  }

  std::string variable() {
    const std::uint64_t kind = m_random.below(4);
    if (kind == 0) {
      return fmt::format("@fz_{}", m_random.below(10));
    }
    if (kind == 1) {
      return "@" + backquoted(name_text(false));
    }
    if (m_ansi_quotes) {
      return "@" + double_quoted_identifier(name_text(false));  // the "q\" of issue 18
    }
    return "@" + single_quoted(name_text(false));
  }

  std::string alias() {
    if (m_ansi_quotes && m_random.percent(60)) {
      return double_quoted_identifier(name_text(true));
    }
    return m_random.percent(50) ? backquoted(name_text(true)) : single_quoted(name_text(true));
  }

  std::string comment() {
    m_rewritten = true;
    std::string text = " ";
    for (std::uint64_t i = 1 + m_random.below(4); i > 0; --i) {
      text += m_random.pick(comment_traps()) + (m_random.percent(50) ? " " : "");
    }
    const std::uint64_t kind = m_random.below(3);
    if (kind == 0) {
      return "#" + text + "\n";
    }
    if (kind == 1) {
      return "--" + text + "\n";
    }
    while (text.find("*/") != std::string::npos) {
      text.replace(text.find("*/"), 2, "* /");
    }
    return "/*" + text + "*/";
  }

  // Between two tokens: a space, a line break, or a comment.
  std::string gap() {
    const std::uint64_t roll = m_random.below(10);
    if (roll < 2 && m_comments) {
      return " " + comment() + (m_random.percent(50) ? "\n" : " ");
    }
    return roll < 4 ? "\n  " : " ";
  }

  std::string expression(const std::vector<std::string>& extra) {
    const std::uint64_t roll = m_random.below(8);
    if (roll == 0) {
      return "CONCAT(" + literal() + "," + gap() + literal() + ")";
    }
    if (roll == 1) {
      return "LENGTH(" + literal() + ")";
    }
    if (roll == 2) {
      return "1--1";  // not a comment: "--" without a space after it
    }
    if (roll == 3 && !extra.empty()) {
      return m_random.pick(extra);
    }
    if (roll == 4) {
      return fmt::format("{}", m_random.between(-5, 1000));
    }
    return literal();
  }

  // One statement, without its terminator. `result_sets`: a procedure may SELECT to the client.
  std::string statement(const std::vector<std::string>& extra, bool result_sets) {
    const std::uint64_t roll = m_random.below(10);
    if (roll < 4) {
      return "SET " + variable() + " =" + gap() + expression(extra);
    }
    if (roll < 5) {
      return "SELECT " + expression(extra) + " INTO " + variable();
    }
    if (roll < 6) {
      return "DO " + expression(extra);
    }
    if (roll < 8) {
      return "IF " + expression(extra) + " IS NOT NULL THEN" + gap() + "SET " + variable() + " = " + literal() + ";" +
             gap() + "ELSE SET " + variable() + " = " + expression(extra) + ";" + gap() + "END IF";
    }
    if (roll < 9 && result_sets) {
      return "SELECT " + expression(extra) + " AS " + alias();
    }
    return "/*!50001 SET " + variable() + " = " + literal() + " */";
  }

  // BEGIN ... END of a few statements, with DECLAREd locals first when asked.
  std::string block(const std::vector<std::string>& extra, bool result_sets, const std::string& last) {
    std::string out = "BEGIN" + gap();
    std::vector<std::string> names = extra;
    for (std::uint64_t i = m_random.below(3); i > 0; --i) {
      const std::string local = fmt::format("fz_local_{}", i);
      out += "DECLARE " + local + " TEXT DEFAULT " + literal() + ";" + gap();
      names.push_back(local);
    }
    for (std::uint64_t i = 1 + m_random.below(4); i > 0; --i) {
      out += statement(names, result_sets) + ";" + gap();
    }
    if (!last.empty()) {
      out += last + ";" + gap();
    }
    return out + "END";
  }

  std::string body(const std::vector<std::string>& extra, bool result_sets) {
    if (m_random.percent(30)) {
      return statement(extra, result_sets);
    }
    return block(extra, result_sets, "");
  }

  // An object's name in the quoting the mode allows: backquotes always, double quotes under ANSI_QUOTES.
  std::string quoted_name(const std::string& name) {
    return m_ansi_quotes && m_random.percent(50) ? double_quoted_identifier(name) : backquoted(name);
  }

 private:
  Random& m_random;
  bool m_ansi_quotes = false;
  bool m_backslash_escapes = true;
  bool m_comments = true;
  bool m_rewritten = false;
};

std::string random_mode(Random& random) {
  return random.pick(body_modes());
}

std::string characteristics(Random& random, BodyWriter& writer) {
  std::string out;
  if (random.percent(30)) {
    out += " COMMENT " + writer.single_quoted(writer.content(3));
  }
  if (random.percent(20)) {
    out += " SQL SECURITY INVOKER";
  }
  return out;
}

}  // namespace

std::string backquoted(const std::string& name) {
  std::string out = "`";
  for (char c : name) {
    out += c == '`' ? std::string("``") : std::string(1, c);
  }
  return out + "`";
}

std::string object_key(const std::string& kind, const std::string& name) {
  return kind + " " + name;
}

ObjectStatement random_trigger(Random& random, const std::string& name, const TriggerTarget& target,
                               const std::string& timing, const std::string& event, const std::string& order) {
  ObjectStatement object;
  object.key = object_key("trigger", name);
  object.sql_mode = random_mode(random);
  BodyWriter writer(random, object.sql_mode);
  std::vector<std::string> columns;
  const std::string row = event == "DELETE" ? "OLD." : "NEW.";
  for (const auto& column : target.columns) {
    columns.push_back(row + backquoted(column));
  }
  std::string body = writer.body(columns, false);
  if (timing == "BEFORE" && event != "DELETE" && !target.columns.empty() && random.percent(30)) {
    const std::string column = "NEW." + backquoted(random.pick(target.columns));
    body = "BEGIN SET " + column + " = " + column + ";" + writer.gap() + body + "; END";
  }
  object.create = fmt::format("CREATE TRIGGER {} {} {} ON {} FOR EACH ROW{}{}{}", writer.quoted_name(name), timing,
                              event, backquoted(target.table), order.empty() ? "" : " " + order, writer.gap(), body);
  object.rewritten_by_client = writer.rewritten();
  return object;
}

ObjectStatement random_procedure(Random& random, const std::string& name) {
  ObjectStatement object;
  object.key = object_key("procedure", name);
  object.sql_mode = random_mode(random);
  BodyWriter writer(random, object.sql_mode);
  const std::string traits = characteristics(random, writer);
  const std::string body = writer.body({"p_in", "p_text"}, true);
  object.create = fmt::format("CREATE PROCEDURE {}(IN p_in INT, INOUT p_text TEXT){}{}{}", writer.quoted_name(name),
                              traits, writer.gap(), body);
  object.rewritten_by_client = writer.rewritten();
  return object;
}

ObjectStatement random_function(Random& random, const std::string& name) {
  ObjectStatement object;
  object.key = object_key("function", name);
  object.sql_mode = random_mode(random);
  BodyWriter writer(random, object.sql_mode);
  const std::string traits = characteristics(random, writer);
  std::string body;
  if (random.percent(30)) {
    body = "RETURN CONCAT(" + writer.literal() + ", f_in)";
  } else {
    body = writer.block({"f_in"}, false, "RETURN CONCAT(" + writer.expression({"f_in"}) + ", f_in)");
  }
  object.create = fmt::format("CREATE FUNCTION {}(f_in INT) RETURNS TEXT CHARSET utf8mb4 DETERMINISTIC{}{}{}",
                              writer.quoted_name(name), traits, writer.gap(), body);
  object.rewritten_by_client = writer.rewritten();
  return object;
}

ObjectStatement random_event(Random& random, const std::string& name) {
  ObjectStatement object;
  object.key = object_key("event", name);
  object.sql_mode = random_mode(random);
  static const std::vector<std::string> zones{"", "+03:00", "-05:30"};
  object.time_zone = random.pick(zones);
  BodyWriter writer(random, object.sql_mode);
  // Disabled and in the future: it never runs, on the source or on a restored copy.
  const std::string schedule = random.percent(50)
                                   ? "AT '2037-06-01 12:00:00'"
                                   : "EVERY 1 DAY STARTS '2030-01-01 00:00:00' ENDS '2036-01-01 00:00:00'";
  const std::string comment = random.percent(30) ? " COMMENT " + writer.single_quoted(writer.content(3)) : "";
  object.create = fmt::format("CREATE EVENT {} ON SCHEDULE {} ON COMPLETION PRESERVE DISABLE{} DO{}{}",
                              writer.quoted_name(name), schedule, comment, writer.gap(), writer.body({}, false));
  object.rewritten_by_client = writer.rewritten();
  return object;
}

ObjectStatement random_view(Random& random, const std::string& name, const std::vector<ViewSource>& sources,
                            std::vector<std::string>& columns) {
  ObjectStatement object;
  object.key = object_key("view", name);
  object.sql_mode = random_mode(random);
  BodyWriter writer(random, object.sql_mode);
  const ViewSource& source = random.pick(sources);
  std::string select = writer.literal() + " AS " + writer.alias();
  std::vector<std::string> used;
  for (const auto& column : source.columns) {
    if (random.percent(50) && used.size() < 4) {
      used.push_back(column);
      columns.push_back("c_" + column);
      select += "," + writer.gap() + backquoted(column) + " AS " + backquoted(columns.back());
    }
  }
  static const std::vector<std::string> algorithms{"", "ALGORITHM=MERGE ", "ALGORITHM=TEMPTABLE ",
                                                   "ALGORITHM=UNDEFINED "};
  const std::string security = random.percent(30) ? "SQL SECURITY INVOKER " : "";
  std::string where;
  if (!used.empty() && random.percent(40)) {
    where = " WHERE " + backquoted(used.front()) + " IS NOT NULL";
  }
  object.create = fmt::format("CREATE {}{}VIEW {} AS SELECT{}{} FROM {}{}", random.pick(algorithms), security,
                              writer.quoted_name(name), writer.gap(), select, backquoted(source.name), where);
  // The server keeps the view as it prints it, without the comments: the text sent does not matter.
  object.rewritten_by_client = false;
  return object;
}

}  // namespace ifnbackup::test::fuzz
