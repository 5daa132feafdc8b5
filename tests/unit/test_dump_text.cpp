// Pure pieces of the dumper: value encoding and the CREATE TABLE rewrite.
#include <gtest/gtest.h>

#include "backup/dump.hpp"
#include "sql/value_encoding.hpp"

namespace ifnbackup::backup {
namespace {

TEST(StripOwnDatabase, SequenceDefaultsLoseTheDatabaseName) {
  const std::string create =
      "CREATE TABLE `t` (\n  `id` int(11) NOT NULL DEFAULT nextval(`shop`.`s1`),\n"
      "  `n` int(11) DEFAULT nextval(`shop`.`s``2`)\n) ENGINE=InnoDB";
  EXPECT_EQ(strip_own_database(create, "shop"),
            "CREATE TABLE `t` (\n  `id` int(11) NOT NULL DEFAULT nextval(`s1`),\n"
            "  `n` int(11) DEFAULT nextval(`s``2`)\n) ENGINE=InnoDB");
}

TEST(StripOwnDatabase, OtherDatabasesAndTextAreKept) {
  const std::string create = "CREATE TABLE `t` (`id` int DEFAULT nextval(`other`.`s1`), `c` varchar(9) DEFAULT 'shop')";
  EXPECT_EQ(strip_own_database(create, "shop"), create);
  EXPECT_EQ(strip_own_database("CREATE TABLE `x` (`a` int DEFAULT nextval(`we``ird`.`s`))", "we`ird"),
            "CREATE TABLE `x` (`a` int DEFAULT nextval(`s`))");
}

// Where a table's keys go: in its CREATE TABLE when both estimates say small (DATA_LENGTH below the
// threshold, TABLE_ROWS below it at 64 bytes a row), after its rows otherwise, and when an estimate is
// missing or the threshold 0.
TEST(KeysInCreate, ATableIsSmallWhenBothEstimatesSaySo) {
  const auto table = [](std::optional<std::uint64_t> bytes, std::optional<std::uint64_t> rows) {
    TableObject object{"t"};
    object.estimated_bytes = bytes;
    object.estimated_rows = rows;
    return object;
  };
  constexpr std::size_t threshold = 256 * 1024;
  EXPECT_TRUE(small_for_keys_in_create(table(16384, 10), threshold));
  EXPECT_TRUE(small_for_keys_in_create(table(threshold - 1, threshold / 64 - 1), threshold));
  EXPECT_FALSE(small_for_keys_in_create(table(threshold, 10), threshold));
  // Just loaded: an empty table's DATA_LENGTH until the statistics are updated, its rows counted.
  EXPECT_FALSE(small_for_keys_in_create(table(16384, threshold / 64), threshold));
  EXPECT_FALSE(small_for_keys_in_create(table(std::nullopt, 10), threshold));
  EXPECT_FALSE(small_for_keys_in_create(table(16384, std::nullopt), threshold));
  EXPECT_FALSE(small_for_keys_in_create(table(0, 0), 0));
  EXPECT_TRUE(small_for_keys_in_create(table(16384, 10), k_keys_in_create_bytes));
}

TEST(ValueEncoding, EachKindIsWrittenAsMysqldumpDoes) {
  std::string out;
  sql::append_sql_value(out, sql::ValueKind::numeric, nullptr, 0);
  out += ',';
  sql::append_sql_value(out, sql::ValueKind::numeric, "-12.50", 6);
  out += ',';
  sql::append_sql_value(out, sql::ValueKind::binary, "", 0);
  out += ',';
  const char bytes[] = {'\0', '\'', '\\', '\xff'};
  sql::append_sql_value(out, sql::ValueKind::binary, bytes, sizeof(bytes));
  out += ',';
  const std::string text("a'b\"c\\d\ne\rf\x1ag\0h", 15);
  sql::append_sql_value(out, sql::ValueKind::text, text.data(), text.size());
  EXPECT_EQ(out, std::string("NULL,-12.50,'',0x00275CFF,'a\\'b\\\"c\\\\d\\ne\\rf\\Zg\\0h'"));
}

}  // namespace
}  // namespace ifnbackup::backup
