#pragma once
// The schema check of a new backup on many tables of one definition (issue 20): per-tenant or
// per-month tables whose statements differ only by the table's name (and the names of their foreign
// keys, often made of it). The server accepts such a table's DROP, CREATE and ALTER exactly when it
// accepts another's of the same text, under the same session, with the tables it names as they were,
// and names of its own that clash with nothing: so one table of each definition is enough, the others
// are held back, unless anything else depends on them.
//
// A table is held back (never run) only when all of these hold:
// - its statements are DROP TABLE IF EXISTS `t`, CREATE TABLE `t` ..., ALTER TABLE `t` ..., written
//   so (no version comment), and they are, the name in their head aside, the same text as those of a
//   table already run since the last statement of anything else (a session setting, a view, a
//   trigger...: the session's state the statements ran under is the same) and since the last run of
//   any table that text names (a foreign key's parent: its check depends on that table as it is);
// - each FOREIGN KEY is written `CONSTRAINT `c` FOREIGN KEY (`a`, ...) REFERENCES `p`` (as SHOW
//   CREATE TABLE writes it, in no string, comment or other name), and the texts may differ there by
//   the constraint's name only (a name of the database: plain, and a word of no statement before
//   nor elsewhere in the table's, so it clashes with nothing, nor with the index InnoDB may name
//   after it) and by a reference to the table itself; its parent, columns and actions are text;
// - its name is plain (ASCII letters, digits, `_`, `$`, 64 at most), and no statement read before it
//   holds that name as a word, in any case: nothing earlier refers to it.
// A table held back whose name, or one of its foreign keys' names, a later statement holds as a word
// (a view, a trigger, another table's definition or foreign key, a table of the same name again) is
// run, from its definition's text, right before that statement: whatever refers to it finds it, as in
// a restore, and a foreign key's name given twice clashes as it would. A table held back whose
// definition names a table about to run (a foreign key's parent written after it, under
// foreign_key_checks=0) runs right before that table: against the parent as it was at its own place
// (once the parent exists the server checks the constraint against it, and may refuse what the
// restore accepts). It runs under the session
// it was held under (a trigger's sql_mode may refuse what the file's accepts): the variables that
// matter (session_change) are saved when they change after a table is held, and set around its run;
// a statement that may change anything else runs every table held first.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "restore/sql_splitter.hpp"

namespace ifnbackup::restore {

// What a statement other than a table's definition does to the session a held-back table's
// statements would be read under (see SharedDefinitions): nothing (a view, a trigger, a user
// variable, the charset of results...), a change of a variable saved and set back around a held
// table's later run (sql_mode, the client's charset, time_zone, foreign_key_checks), or anything
// else (the database's charset, another variable, an unknown statement): the tables held back run
// before it.
enum class SessionChange { none, saved, unknown };
SessionChange session_change(std::string_view statement);

class SharedDefinitions {
 public:
  using Run = std::function<void(Statement&&)>;

  // The next statement the check would run, in the file's order: passes it, and whatever must run
  // before it, to `run` (now or later, in order), or holds it back.
  void feed(Statement&& statement, const Run& run);
  // The end of the file: the table being read is decided.
  void finish(const Run& run);

  // Tables never run: each has the same definition as a table that was.
  std::uint64_t tables_held_back() const { return m_held.size(); }
  // Tables run because something after them named them, though they had a definition already run.
  std::uint64_t tables_run_when_named() const { return m_run_when_named; }

 private:
  struct Table {
    std::string name;
    std::vector<Statement> statements;
  };
  struct Held {
    std::size_t definition = 0;  // in m_definitions
    std::vector<std::uint64_t> lines;
    std::string name;
    std::uint64_t session = 0;             // m_session when it was held
    std::vector<std::string> constraints;  // its foreign keys' names, by their number in the definition
  };
  void end_table(const Run& run);
  // A table's statements ran (`key`: its name in lower case): the definitions naming it are not current.
  void ran_table(const std::string& key);
  // Runs the tables held back that `text` names, then records its words.
  void run_named(std::string_view text, const Run& run);
  void run_held(const std::string& key, const Run& run);
  // Table `key` is about to run: the tables held back whose definition names it (a foreign key's
  // parent written after them) run first, in the file's order, against that table as it was.
  void run_held_naming(const std::string& key, const Run& run);
  void run_all_held(std::uint64_t line, const Run& run);

  std::optional<Table> m_table;
  // Each definition run: its statements' texts with the table's name out of their head.
  std::vector<std::vector<std::string>> m_definitions;
  // The definitions run since the last other statement, by their joined text.
  std::unordered_map<std::string, std::size_t> m_current;
  // Each word of those definitions: the joined texts holding it.
  std::unordered_map<std::string, std::vector<std::string>> m_current_by_word;
  std::unordered_map<std::string, Held> m_held;  // by the name in lower case
  // The tables held back under each definition (by its index; some may have run since), and each
  // word of a definition that had one: the definitions holding it.
  std::vector<std::vector<std::string>> m_held_of;
  std::unordered_map<std::string, std::vector<std::size_t>> m_definitions_by_word;
  // The foreign keys' names of the tables held back, in lower case: their table's name.
  std::unordered_map<std::string, std::string> m_held_constraints;
  std::unordered_set<std::string> m_words;  // every word read so far, in lower case
  std::uint64_t m_run_when_named = 0;
  // The session's state, counted each time it is saved (a change after tables were held under it).
  std::uint64_t m_session = 0;
  bool m_held_under_session = false;
};

// Pure, for the above and its tests: the statement with its table's name taken out of its head
// ("CREATE TABLE " + "\x01" + the rest), when it is DROP TABLE IF EXISTS, CREATE TABLE or ALTER
// TABLE of `name`, written so.
std::optional<std::string> definition_without_name(std::string_view statement, std::string_view name);
// Pure: `text` (a statement of table `table`) with each FOREIGN KEY constraint's name replaced by its
// number in `names` (added there when new) between marks, and a reference to `table` itself by the
// name mark; nullopt when a "foreign key" of the text is not read so (see SharedDefinitions). The text
// as it is when it holds no foreign key.
std::optional<std::string> foreign_keys_without_names(std::string_view text, std::string_view table,
                                                      std::vector<std::string>& names);

}  // namespace ifnbackup::restore
