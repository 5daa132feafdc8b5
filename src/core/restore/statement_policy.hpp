#pragma once
// What a statement of a backup file may do (issue 18: a file is one `cp` away from root's restore).
// Pure text work on the statements the splitter cuts, in file order.
//
// Our own files hold only what our dumper writes, for the database being restored: session SETs
// (the session variables a dump sets, user variables), DROP ... IF EXISTS and CREATE of a table,
// view, trigger, routine, event or sequence by an unqualified name, ALTER TABLE ... DISABLE/ENABLE
// KEYS or ADD of keys, INSERTs of literal rows, DO SETVAL of a sequence. Anything else — a name
// qualified by another database outside a view, trigger, routine or event body, USE in any form,
// SET GLOBAL, an account statement, server-side file access, SHUTDOWN, DROP DATABASE — is refused.
//
// Legacy files (mysqldump, mariadb-dump) are classified the same way, a little more loosely (LOCK
// TABLES, REPLACE, SELECT SETVAL, transactions, any session variable): what is "foreign" needs
// --allow-foreign-statements.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace ifnbackup::restore {

enum class StatementKind {
  session,  // SET of session or user variables
  schema,   // DROP/CREATE/ALTER of a table or sequence, LOCK/UNLOCK, transactions
  rows,     // INSERT / REPLACE of literal rows, SETVAL
  object,   // CREATE/DROP of a view, trigger, routine, event or package
  foreign,  // anything else: refused in our files, needs --allow-foreign-statements in legacy ones
};

struct StatementClass {
  StatementKind kind = StatementKind::foreign;
  std::string reason;  // for foreign: why, in a few words ("SET GLOBAL", "qualified name `other`.`t`")
  // What CREATE names ("TABLE", "EVENT", "PACKAGE"...); for DROP, "DROP " and what it names.
  std::string object;
  // CREATE TRIGGER: the table it is ON, as written (unquoted); empty otherwise.
  std::string table;
  // CREATE EVENT: from then on the server's scheduler may change rows.
  bool creates_event() const { return object == "EVENT"; }
};

// Classifies one statement (as the splitter emits it: comments removed, /*!NNNNN */ kept). The
// contents of executable comments are treated as code whatever their version. `ansi_quotes`:
// "..." is an identifier; `backslash_escapes`: a backslash escapes inside quotes. Memory does not
// grow with the statement: its tokens are read one at a time (restore/statement_classifier.cpp).
StatementClass classify_statement(std::string_view statement, bool ours, bool ansi_quotes = false,
                                  bool backslash_escapes = true);

// The same verdict from the statement's text in pieces, as the splitter cuts it (a statement too
// long to hold whole, SqlSplitter::stream_beyond): nothing of it is kept but its first tokens and
// the state of the checks that read on to its end.
class StatementClassifier {
 public:
  StatementClassifier(bool ours, bool ansi_quotes, bool backslash_escapes);
  ~StatementClassifier();
  StatementClassifier(const StatementClassifier&) = delete;
  StatementClassifier& operator=(const StatementClassifier&) = delete;

  void feed(std::string_view piece);
  // After the last piece.
  StatementClass finish();
  // The statement's first word, upper-cased ("SET", "INSERT"); empty when it starts otherwise.
  const std::string& first_word() const noexcept;

 private:
  struct State;
  std::unique_ptr<State> m_state;
};

// The session's sql_mode as the file's own SET statements leave it, followed by text (verify has
// no server): assignments of sql_mode from a literal, from @@sql_mode, or from a user variable that
// holds one. Unknown after anything else (a function, a variable never set).
class SessionModeTracker {
 public:
  void observe(std::string_view statement);
  // A SET too long to be read whole: the mode and every user variable are unknown from now on.
  void forget() noexcept;
  bool known() const noexcept { return m_mode.has_value(); }
  bool ansi_quotes() const noexcept;
  bool backslash_escapes() const noexcept;

 private:
  // Upper-cased sql_mode text; the server's default before any SET is taken as ''.
  std::optional<std::string> m_mode = std::string();
  std::map<std::string, std::optional<std::string>> m_variables;  // upper-cased user variable names
};

}  // namespace ifnbackup::restore
