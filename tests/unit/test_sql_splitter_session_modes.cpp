// The splitter follows the session's sql_mode when told, as the mariadb client does from the server's
// status flags: NO_BACKSLASH_ESCAPES (a trigger body with '\\' created under that mode splits) and
// ANSI_QUOTES (a "x\\" identifier ends at its second quote, so text after it stays in its statement).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "restore/sql_splitter.hpp"

namespace ifnbackup::restore {
namespace {

std::vector<std::string> texts_of(const std::vector<Statement>& statements) {
  std::vector<std::string> out;
  for (const auto& statement : statements) {
    out.push_back(statement.text);
  }
  return out;
}

TEST(SplitterSessionModes, BackslashInStringIsOrdinaryUnderNoBackslashEscapes) {
  SqlSplitter splitter;
  std::vector<Statement> statements;
  // What the loader does: after each statement, follow the server's flag. Here the "server" turns
  // NO_BACKSLASH_ESCAPES on with the first statement and off with the third.
  const StatementSink sink = [&](Statement&& statement) {
    if (statement.text.find("NO_BACKSLASH_ESCAPES") != std::string::npos) {
      splitter.set_backslash_escapes(false);
    } else if (statement.text.find("saved_sql_mode") != std::string::npos) {
      splitter.set_backslash_escapes(true);
    }
    statements.push_back(std::move(statement));
  };
  splitter.feed(
      "SET sql_mode = 'NO_BACKSLASH_ESCAPES';\n"
      "DELIMITER ;;\n"
      "CREATE TRIGGER t BEFORE INSERT ON f FOR EACH ROW SET NEW.e = IF(NEW.e = '\\', 'a', NEW.e) ;;\n"
      "DELIMITER ;\n"
      "SET sql_mode = @saved_sql_mode;\n"
      "INSERT INTO x VALUES ('it\\'s;');\n",
      sink);
  splitter.finish(sink);
  const std::vector<std::string> expected{
      "SET sql_mode = 'NO_BACKSLASH_ESCAPES'",
      "CREATE TRIGGER t BEFORE INSERT ON f FOR EACH ROW SET NEW.e = IF(NEW.e = '\\', 'a', NEW.e)",
      "SET sql_mode = @saved_sql_mode",
      "INSERT INTO x VALUES ('it\\'s;')",
  };
  EXPECT_EQ(texts_of(statements), expected);
}

TEST(SplitterSessionModes, BackslashEscapesByDefaultAndAfterFinish) {
  SqlSplitter splitter;
  splitter.set_backslash_escapes(false);
  std::vector<Statement> statements;
  const StatementSink sink = [&](Statement&& statement) { statements.push_back(std::move(statement)); };
  splitter.feed("SELECT 'a\\';\n", sink);
  splitter.finish(sink);
  ASSERT_EQ(statements.size(), 1U);
  EXPECT_EQ(statements[0].text, "SELECT 'a\\'");
  // finish() starts a new script: escapes are back on, so "\'" no longer closes the string.
  statements.clear();
  splitter.feed("SELECT 'a\\';' ;\nSELECT 2;\n", sink);
  splitter.finish(sink);
  EXPECT_EQ(texts_of(statements), (std::vector<std::string>{"SELECT 'a\\';'", "SELECT 2"}));
}

// Issue 18: an account limited to one database planted this trigger under ANSI_QUOTES. The server
// stores one statement; cut with the default rules, `"q\"` did not end and the `;;` after the `#`
// cut the body, so DROP TABLE other.keepme and the INSERT ran as root's statements.
TEST(SplitterSessionModes, DoubleQuotedIdentifierUnderAnsiQuotesKeepsTheBodyWhole) {
  const std::string script =
      "/*!50003 SET sql_mode = 'ANSI_QUOTES' */ ;\n"
      "DELIMITER ;;\n"
      "CREATE TRIGGER trg BEFORE INSERT ON t FOR EACH ROW SET @\"q\\\" = 1 # \" ;; DROP TABLE other.keepme ;; "
      "INSERT INTO other.t VALUES (666,'x') ;; SET @z = 1 \n"
      "+ 0 ;;\n"
      "DELIMITER ;\n"
      "/*!50003 SET sql_mode = @saved_sql_mode */ ;\n"
      "SELECT \"a\\\";\n";
  const auto run = [&script](bool follow_server) {
    SqlSplitter splitter;
    std::vector<Statement> statements;
    const StatementSink sink = [&](Statement&& statement) {
      if (follow_server && statement.text.find("'ANSI_QUOTES'") != std::string::npos) {
        splitter.set_ansi_quotes(true);
      } else if (follow_server && statement.text.find("saved_sql_mode") != std::string::npos) {
        splitter.set_ansi_quotes(false);
      }
      statements.push_back(std::move(statement));
    };
    splitter.feed(script, sink);
    splitter.finish(sink);
    return texts_of(statements);
  };
  // What the mariadb client sends: the comment is dropped, the body is one statement.
  const std::vector<std::string> expected{
      "/*!50003 SET sql_mode = 'ANSI_QUOTES' */",
      "CREATE TRIGGER trg BEFORE INSERT ON t FOR EACH ROW SET @\"q\\\" = 1 \n+ 0",
      "/*!50003 SET sql_mode = @saved_sql_mode */",
      "SELECT \"a\\\";",
  };
  EXPECT_EQ(run(true), expected);
  // Without the mode the same text is cut elsewhere: the regression this test guards.
  const auto unaware = run(false);
  EXPECT_NE(unaware, expected);
  EXPECT_TRUE(std::any_of(unaware.begin(), unaware.end(),
                          [](const std::string& text) { return text.starts_with("DROP TABLE other.keepme"); }));
}

TEST(SplitterSessionModes, AnsiQuotesLeavesSingleQuotesAndBackticksAlone) {
  SqlSplitter splitter;
  splitter.set_ansi_quotes(true);
  std::vector<Statement> statements;
  const StatementSink sink = [&](Statement&& statement) { statements.push_back(std::move(statement)); };
  // In '...' a backslash still escapes (no NO_BACKSLASH_ESCAPES); in `...` it never does; a doubled
  // "" stays inside the identifier.
  splitter.feed("SELECT 'a\\';b' AS \"x\"\"\\\";\nSELECT `c\\`;\nSELECT 3;\n", sink);
  splitter.finish(sink);
  EXPECT_EQ(texts_of(statements),
            (std::vector<std::string>{"SELECT 'a\\';b' AS \"x\"\"\\\"", "SELECT `c\\`", "SELECT 3"}));
  // finish() starts a new script: ANSI_QUOTES is off again.
  statements.clear();
  splitter.feed("SELECT \"a\\\";\" ;\nSELECT 2;\n", sink);
  splitter.finish(sink);
  EXPECT_EQ(texts_of(statements), (std::vector<std::string>{"SELECT \"a\\\";\"", "SELECT 2"}));
}

TEST(SplitterSessionModes, BothModesTogether) {
  SqlSplitter splitter;
  splitter.set_ansi_quotes(true);
  splitter.set_backslash_escapes(false);
  std::vector<Statement> statements;
  const StatementSink sink = [&](Statement&& statement) { statements.push_back(std::move(statement)); };
  splitter.feed("SELECT '\\' , \"\\\";\nSELECT 2;\n", sink);
  splitter.finish(sink);
  EXPECT_EQ(texts_of(statements), (std::vector<std::string>{"SELECT '\\' , \"\\\"", "SELECT 2"}));
}

}  // namespace
}  // namespace ifnbackup::restore
