// Issue 20: the content digests a file of format 5 leaves to its reader (verify/insert_digests): the
// rows of our INSERT statements read back exactly as the dumper hashed them, and a manifest that
// does not match them refused.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ifnbackup/manifest.hpp"
#include "proof/row_digest.hpp"
#include "verify/insert_digests.hpp"

namespace ifnbackup::verify_detail {
namespace {

std::vector<std::string> rows_of(std::string_view statement, std::string& table, bool& ok) {
  std::vector<std::string> rows;
  ok = for_each_insert_row(statement, table, [&rows](std::string_view row) { rows.emplace_back(row); });
  return rows;
}

std::string digest_of(const std::vector<std::string>& rows) {
  proof::RowDigest digest;
  for (const auto& row : rows) {
    digest.add_row(row);
  }
  return digest.hex();
}

TEST(InsertDigests, ReadsEachRowAsTheDumperWroteIt) {
  // Quotes, backslashes, parentheses and commas inside strings; a backtick and a line break in the
  // table's name; a parenthesis in a column's name; hex, NULL and empty values.
  const std::string statement =
      "INSERT INTO `we``ird\nname` (`id`,`c)ol`,`s`) VALUES (1,0x00FF29,'a),(b'),(2,'','it\\'s \\\\'),"
      "(NULL,NULL,'x''y')";
  std::string table;
  bool ok = false;
  const auto rows = rows_of(statement, table, ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(table, "we`ird\nname");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], "(1,0x00FF29,'a),(b')");
  EXPECT_EQ(rows[1], "(2,'','it\\'s \\\\')");
  EXPECT_EQ(rows[2], "(NULL,NULL,'x''y')");
}

TEST(InsertDigests, OtherStatementsAndMalformedRowsAreNotRows) {
  std::string table;
  bool ok = true;
  EXPECT_TRUE(rows_of("CREATE TABLE `t` (id INT)", table, ok).empty());
  EXPECT_FALSE(ok);
  EXPECT_TRUE(rows_of("INSERT INTO `t` VALUES (1)", table, ok).empty()) << "no column list: not ours";
  EXPECT_FALSE(ok);
  rows_of("INSERT INTO `t` (`a`) VALUES (1),('never ends)", table, ok);
  EXPECT_FALSE(ok) << "an unterminated quote";
  rows_of("INSERT INTO `t` (`a`) VALUES (1) garbage", table, ok);
  EXPECT_FALSE(ok);
  const auto commented =
      rows_of("--\n-- Dumping data for table `t`\n--\n\nINSERT INTO `t` (`a`) VALUES (7)", table, ok);
  EXPECT_TRUE(ok) << "comment lines before the statement";
  EXPECT_EQ(commented, std::vector<std::string>{"(7)"});
}

TEST(InsertDigests, FillsOnlyTheMissingDigestsWithTheDumpersSum) {
  InsertDigests digests;
  digests.statement("INSERT INTO `a` (`id`) VALUES (1),(2)");
  digests.statement("INSERT INTO `a` (`id`) VALUES (3)");
  digests.statement("DROP TABLE IF EXISTS `b`");
  std::vector<TableCount> tables = {{"a", 3, ""}, {"empty", 0, ""}, {"stored", 5, "0123456789abcdef0123456789abcdef"}};
  EXPECT_EQ(digests.fill(tables), "");
  EXPECT_EQ(tables[0].digest, digest_of({"(1)", "(2)", "(3)"}));
  EXPECT_EQ(tables[1].digest, std::string(32, '0')) << "no rows: the empty sum";
  EXPECT_EQ(tables[2].digest, "0123456789abcdef0123456789abcdef") << "a stored digest is kept";
}

TEST(InsertDigests, RefusesAManifestItsRowsDoNotMatch) {
  InsertDigests digests;
  digests.statement("INSERT INTO `a` (`id`) VALUES (1),(2)");
  std::vector<TableCount> more = {{"a", 3, ""}};
  EXPECT_NE(digests.fill(more).find("the manifest says 3 rows, its INSERT statements hold 2"), std::string::npos);
  std::vector<TableCount> missing = {{"gone", 1, ""}};
  EXPECT_NE(digests.fill(missing).find("hold 0"), std::string::npos) << digests.fill(missing);
  // A table not read (restore --tables) is left alone.
  EXPECT_EQ(digests.fill(missing, [](const std::string& name) { return name != "gone"; }), "");
  EXPECT_TRUE(missing[0].digest.empty());
}

TEST(InsertDigests, ATableTooLongToHaveNoDigestIsRefused) {
  InsertDigests digests;
  const std::string value(proof::k_computed_digest_bytes, 'x');
  digests.statement("INSERT INTO `big` (`v`) VALUES ('" + value + "'),('y')");
  std::vector<TableCount> tables = {{"big", 2, ""}};
  EXPECT_NE(digests.fill(tables).find("too long to have none"), std::string::npos);
  // The dumper's rule is the same bound: such a table keeps its digest in the manifest.
  proof::RowDigest dumped;
  dumped.add_row("('" + value + "')");
  EXPECT_FALSE(dumped.computed_by_reader());
  proof::RowDigest small;
  small.add_row("(1)");
  EXPECT_TRUE(small.computed_by_reader());
}

}  // namespace
}  // namespace ifnbackup::verify_detail
