// The backup of the round-trip corpus, loaded back with the stock client into an empty database,
// reproduces every table, row, view, trigger, routine, event and sequence; the file itself is what
// docs/backup-format.md promises. Once on the shared server (through the library, small tables' keys in
// their CREATE TABLE), once on a server in zone +03:00 (through the binary, every table's keys after its rows).
#include <sys/stat.h>

#include <regex>

#include "ifnbackup/backup.hpp"
#include "test_support.hpp"

namespace ifnbackup::test {
namespace {

namespace fs = std::filesystem;

unsigned mode_of(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

// The file's properties an operator relies on, checked with tools other than ours. `deferring_all`: the
// backup wrote every table's keys after its rows (its threshold 0), small tables' too; else the
// default: a small table without foreign keys keeps them in its CREATE TABLE.
void check_backup_file(const fs::path& file, bool deferring_all) {
  SCOPED_TRACE(file.string());
  EXPECT_TRUE(std::regex_match(file.filename().string(), std::regex(R"(ifn_connect_backup_\d{8}_\d{6}\.sql\.gz)")));
  EXPECT_EQ(mode_of(file), 0600u);
  EXPECT_EQ(mode_of(file.parent_path()), 0700u);
  EXPECT_FALSE(fs::exists(file.string() + ".partial"));
  EXPECT_EQ(run_command({"gzip", "-t", file.string()}).exit_code, 0) << "gzip -t failed";

  const auto unzipped = run_command({"gzip", "-dc", file.string()});
  ASSERT_EQ(unzipped.exit_code, 0);
  const std::string& text = unzipped.out;
  ASSERT_FALSE(text.empty());
  ASSERT_EQ(text.back(), '\n');
  const auto last_start = text.rfind('\n', text.size() - 2) + 1;
  const std::string last_line = text.substr(last_start);
  EXPECT_EQ(last_line.rfind("-- Dump completed", 0), 0u) << "last line: " << last_line;

  // Between the checksum line and the marker, outside the hashed content: the signature line.
  const auto signature_start = text.rfind('\n', last_start - 2) + 1;
  const std::string signature_line = text.substr(signature_start, last_start - signature_start);
  EXPECT_TRUE(std::regex_match(
      signature_line,
      std::regex(R"(-- ifnbackup-signature: ed25519 [0-9a-f]{16} [A-Za-z0-9+/]{43}= [A-Za-z0-9+/]{86}==\n)")))
      << "signature line: " << signature_line;
  const auto sha_start = text.rfind('\n', signature_start - 2) + 1;
  const std::string sha_line = text.substr(sha_start, signature_start - sha_start);
  std::smatch match;
  ASSERT_TRUE(std::regex_match(sha_line, match, std::regex(R"(-- ifnbackup-sha256: ([0-9a-f]{64}) bytes=(\d+)\n)")))
      << "checksum line: " << sha_line;
  EXPECT_EQ(std::stoull(match[2].str()), sha_start) << "bytes= is the length of the content before the line";
  EXPECT_EQ(match[1].str(), sha256sum_of(text.substr(0, sha_start))) << "sha256 of the content before the line";
  EXPECT_NE(text.find("-- ifnbackup-manifest-end: tables=26 "), std::string::npos);

  // A small table (4 rows): its key in its CREATE TABLE by default, after its rows when every table's is.
  const auto small_create = text.find("CREATE TABLE `generated_columns`");
  const auto small_rows = text.find("INSERT INTO `generated_columns`");
  ASSERT_NE(small_create, std::string::npos);
  ASSERT_NE(small_rows, std::string::npos);
  const auto small_key = text.find("KEY `ix_total_stored` (`total_stored`)", small_create);
  EXPECT_EQ(small_key < small_rows, !deferring_all);
  EXPECT_EQ(text.find("ALTER TABLE `generated_columns`\n  ADD KEY `ix_total_stored` (`total_stored`);\n") !=
                std::string::npos,
            deferring_all);

  // Secondary keys of a big table come after the rows, in their order; foreign keys and the keys they need
  // too, whatever the table's size (issue 13).
  const auto add_keys = text.find(
      "ALTER TABLE `many_rows`\n  ADD UNIQUE KEY `uq_merchant` (`merchant`),\n"
      "  ADD KEY `ix_amount` (`amount`) COMMENT 'construite après les lignes',\n"
      "  ADD KEY `ix_note` (`note`(10));\n");
  ASSERT_NE(add_keys, std::string::npos) << "no deferred keys for many_rows";
  EXPECT_GT(add_keys, text.rfind("INSERT INTO `many_rows`")) << "the keys are added after the last rows";
  const auto create = text.find("CREATE TABLE `many_rows`");
  ASSERT_NE(create, std::string::npos);
  EXPECT_GT(text.find("KEY `ix_amount`", create), add_keys) << "the CREATE TABLE has no ix_amount";
  EXPECT_LT(text.find("  FULLTEXT KEY `ft_note` (`note`)\n", create), text.find("INSERT INTO `many_rows`"));
  const auto child = text.find("CREATE TABLE `a_child`");
  ASSERT_NE(child, std::string::npos);
  const auto child_rows = text.find("INSERT INTO `a_child`", child);
  EXPECT_EQ(text.substr(child, child_rows - child).find("KEY `ix_parent`"), std::string::npos)
      << "the CREATE TABLE has neither the foreign key nor its index";
  const auto child_keys = text.find(
      "ALTER TABLE `a_child`\n  ADD KEY `ix_parent` (`parent_id`),\n  ADD CONSTRAINT `fk_a_child_parent` FOREIGN KEY "
      "(`parent_id`) REFERENCES `z_parent` (`id`) ON DELETE CASCADE ON UPDATE CASCADE;\n");
  ASSERT_NE(child_keys, std::string::npos) << "one ALTER TABLE adds them";
  EXPECT_GT(child_keys, child_rows) << "after the rows";
}

// Loads the corpus, backs it up with `backup`, restores with the stock client, compares.
template <typename BackupFn>
void round_trip(const TestServer& server, bool deferring_all, BackupFn backup) {
  ScratchDatabase source(server, "rt_src");
  const auto loaded = load_file(server, source.name(), data_dir() / "corpus.sql");
  ASSERT_EQ(loaded.exit_code, 0) << loaded.err;
  // many_rows' size estimate as the server's statistics give it once updated (just loaded, it would be an
  // empty table's; the count of rows, kept current, says big anyway).
  const auto analyzed = mariadb_client(server, source.name(), "ANALYZE TABLE many_rows");
  ASSERT_EQ(analyzed.exit_code, 0) << analyzed.err;

  TempDir work;
  const fs::path backup_dir = work.path() / "backups";
  const fs::path file = backup(source.name(), backup_dir);
  ASSERT_FALSE(file.empty());
  ASSERT_TRUE(fs::exists(file)) << file;
  check_backup_file(file, deferring_all);

  ScratchDatabase target(server, "rt_dst");
  const auto restored = load_file(server, target.name(), file);
  ASSERT_EQ(restored.exit_code, 0) << "gunzip -c | mariadb failed: " << restored.err;

  auto connection = connect(server, source.name());
  const Fingerprint expected = fingerprint_database(*connection, source.name());
  const Fingerprint actual = fingerprint_database(*connection, target.name());
  // The corpus' objects are all there (26 tables, 4 views, 2 triggers, 2 routines, 1 event, 1 sequence).
  std::map<std::string, int> kinds;
  for (const auto& [key, value] : expected) {
    if (key.ends_with(" rows") || key.rfind("view ", 0) == 0 || key.rfind("trigger ", 0) == 0 ||
        key.ends_with(" body") || key.ends_with(" time_zone") || key.ends_with(" nextval")) {
      ++kinds[key.substr(0, key.find(' '))];
    }
  }
  EXPECT_EQ(kinds["table"], 26);
  EXPECT_EQ(kinds["view"], 4);
  EXPECT_EQ(kinds["trigger"], 2);
  EXPECT_EQ(kinds["routine"], 2);
  EXPECT_EQ(kinds["event"], 1);
  EXPECT_EQ(kinds["sequence"], 1);

  // A sequence comes back at the source's next value not yet cached (as mariadb-dump writes it):
  // never behind the source (no value handed out twice), at most one cache block (CACHE 10 x
  // INCREMENT 5) ahead. Exact equality would need NEXTVAL on the source, which a backup must not do.
  Fingerprint expected_rest = expected;
  Fingerprint actual_rest = actual;
  const std::string nextval = "sequence invoice_seq nextval";
  ASSERT_TRUE(expected.contains(nextval) && actual.contains(nextval));
  const long source_next = std::stol(expected.at(nextval));
  const long restored_next = std::stol(actual.at(nextval));
  EXPECT_EQ(source_next, 1015);
  EXPECT_GE(restored_next, source_next) << "the restored sequence would hand out a value again";
  EXPECT_LE(restored_next, source_next + 10 * 5) << "more than one cache block skipped";
  EXPECT_EQ((restored_next - source_next) % 5, 0) << "off the INCREMENT BY 5 grid";
  expected_rest.erase(nextval);
  actual_rest.erase(nextval);
  expect_same_fingerprint(expected_rest, actual_rest);
}

TEST(BackupRoundTrip, CorpusThroughTheLibraryAndTheStockClient) {
  IFNBACKUP_REQUIRE_SERVER(server);
  round_trip(server, false, [&](const std::string& database, const fs::path& dir) {
    BackupOptions options;
    options.connection = connection_options(server, database);
    options.backup_dir = dir;
    const BackupResult result = run_backup(options);
    EXPECT_EQ(result.tables.size(), 26u);
    EXPECT_GE(result.rows, 30000u);
    EXPECT_EQ(result.sha256.size(), 64u);
    return result.file;
  });
}

TEST(BackupRoundTrip, CorpusThroughTheBinaryOnAServerInZonePlus3) {
  PrivateServer private_server;
  std::string error;
  const auto server = private_server.start("+03:00", error);
  if (!server) {
    if (in_ci()) {
      FAIL() << error;
    }
    GTEST_SKIP() << "no private server in zone +03:00: " << error;
  }
  const auto zone = mariadb_client(*server, "", "SELECT @@global.time_zone");
  ASSERT_EQ(zone.out, "+03:00\n");
  // Every table's keys after its rows, small ones too: the test-only setting of the binary.
  round_trip(*server, true, [&](const std::string& database, const fs::path& dir) {
    const auto result =
        run_command({"env", "IFNBACKUP_TEST_KEYS_IN_CREATE_BYTES=0", IFNBACKUP_BIN, "-q", "--defaults-file",
                     server->defaults_file, "--database", database, "--backup-dir", dir.string(), "backup"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.out, "");
    EXPECT_EQ(result.err, "");
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.path().extension() == ".gz") {
        return entry.path();
      }
    }
    return fs::path();
  });
}

}  // namespace
}  // namespace ifnbackup::test
