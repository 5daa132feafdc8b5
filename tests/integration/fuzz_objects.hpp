#pragma once
// Triggers, routines, events and views of the differential restore test, created under the session
// sql_modes that change how a body is read: ANSI_QUOTES ("..." is an identifier), NO_BACKSLASH_ESCAPES
// ('\' is an ordinary character), both, and the plain mode. Bodies hold what a statement splitter can
// get wrong: quotes of every kind, backslashes, `#`, `-- ` and /* */ comments, `;`, `;;`, `$$` and
// DELIMITER inside strings and comments, double-quoted identifiers and strings.
#include <string>
#include <vector>

#include "fuzz_random.hpp"

namespace ifnbackup::test::fuzz {

// What a trigger body may refer to.
struct TriggerTarget {
  std::string table;                 // the table's name (unquoted)
  std::vector<std::string> columns;  // its ordinary columns (unquoted names), for NEW.`c`
};

// A view's source: a table or view and some of its columns.
struct ViewSource {
  std::string name;
  std::vector<std::string> columns;
};

// One object to create: the session settings to create it under, then its CREATE statement.
struct ObjectStatement {
  std::string key;  // "trigger name", "procedure name", ...: as the comparison names it
  std::string sql_mode;
  std::string time_zone;  // empty: the generator's +00:00
  std::string create;
  // The stock client does not send comments: a body holding one comes back without it, from any
  // restore of a dump. Such an object is compared between the two restores only, not with the source.
  bool rewritten_by_client = false;
};

ObjectStatement random_trigger(Random& random, const std::string& name, const TriggerTarget& target,
                               const std::string& timing, const std::string& event, const std::string& order);
ObjectStatement random_procedure(Random& random, const std::string& name);
ObjectStatement random_function(Random& random, const std::string& name);
ObjectStatement random_event(Random& random, const std::string& name);
// `columns` receives the view's column names that a later view may select.
ObjectStatement random_view(Random& random, const std::string& name, const std::vector<ViewSource>& sources,
                            std::vector<std::string>& columns);
// The sql_modes bodies are created under.
const std::vector<std::string>& body_modes();

// `name` with backquotes, which every sql_mode reads.
std::string backquoted(const std::string& name);
// The key the comparison gives an object: "<kind> <name>".
std::string object_key(const std::string& kind, const std::string& name);

}  // namespace ifnbackup::test::fuzz
