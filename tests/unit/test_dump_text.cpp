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
