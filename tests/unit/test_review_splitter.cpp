// Review regression: the splitter follows NO_BACKSLASH_ESCAPES when told, as the mariadb client
// does from the server's status flag, so a trigger body with '\' created under that mode splits.
#include <gtest/gtest.h>

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

TEST(ReviewSplitter, BackslashInStringIsOrdinaryUnderNoBackslashEscapes) {
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

TEST(ReviewSplitter, BackslashEscapesByDefaultAndAfterFinish) {
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

}  // namespace
}  // namespace ifnbackup::restore
