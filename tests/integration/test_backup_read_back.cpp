// The read-back that ends every backup (backup_job.cpp, VerifyCheck::written) reads the file as it lies
// on disk: a file damaged between its writing and its read-back fails the backup (exit corrupt or
// incomplete), however it was damaged — a byte of its deflate data, its content changed and gzipped again
// (gzip accepts it, the checksum line does not), its end cut off. A good file is recorded as `written`,
// never as a full verification (docs/backup-format.md, "Proving a file complete and unaltered").
#include <filesystem>
#include <fstream>
#include <optional>

#include "ifnbackup/backup_job.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/verification_state.hpp"
#include "test_support.hpp"

namespace ifnbackup::test {
namespace {

namespace fs = std::filesystem;

// 20,000 rows: a file of several gzip members, whose middle is deflate data.
void fill(const TestServer& server, const std::string& database) {
  const auto made = mariadb_client(server, database,
                                   "CREATE TABLE t (id INT PRIMARY KEY, label VARCHAR(40)) ENGINE=InnoDB;\n"
                                   "INSERT INTO t SELECT seq, CONCAT('label ', MD5(seq)) FROM seq_1_to_20000;\n");
  ASSERT_EQ(made.exit_code, 0) << made.err;
}

// A backup job without schema check nor rotation, `damage` run on the file under its final name, before
// its read-back (the job's `written` hook).
BackupJobResult backup_damaged_by(const TestServer& server, const std::string& database, const fs::path& dir,
                                  const std::function<void(const fs::path&)>& damage) {
  BackupJobOptions options;
  options.backup.connection = connection_options(server, database);
  options.backup.backup_dir = dir;
  options.schema_check = false;
  options.rotate = false;
  options.written = [&damage](const BackupResult& written) { damage(written.file); };
  return run_backup_job(options);
}

void flip_middle_byte(const fs::path& file) {
  std::fstream io(file, std::ios::in | std::ios::out | std::ios::binary);
  const auto middle = static_cast<std::streamoff>(fs::file_size(file) / 2);
  io.seekg(middle);
  const char c = static_cast<char>(io.get());
  io.seekp(middle);
  io.put(static_cast<char>(c ^ 0x5a));
}

// The code of the Error the job throws, and its message; ErrorCode::internal when it does not throw.
std::pair<ErrorCode, std::string> failure_of(const std::function<void()>& job) {
  try {
    job();
  } catch (const Error& error) {
    return {error.code(), error.what()};
  }
  return {ErrorCode::internal, "the backup succeeded"};
}

TEST(BackupReadBack, AGoodFileIsRecordedAsReadBackNotAsAFullVerification) {
  IFNBACKUP_REQUIRE_SERVER(server);
  ScratchDatabase database(server, "readback");
  fill(server, database.name());
  TempDir dir;
  const BackupJobResult job = backup_damaged_by(server, database.name(), dir.path(), [](const fs::path&) {});
  EXPECT_EQ(job.verification.status, VerifyStatus::ok) << job.verification.reason;
  EXPECT_EQ(job.verification.check, VerifyCheck::written);
  EXPECT_EQ(job.verification.sha256, job.backup.sha256);
  EXPECT_GT(job.verification.sections, 0u) << "the section index is checked";
  const auto state = VerificationState::load(dir.path());
  std::optional<CatalogEntry> entry;
  for (const auto& found : scan_backup_folder(dir.path(), k_default_backup_prefix)) {
    if (found.name == job.backup.file.filename().string()) {
      entry = found;
    }
  }
  ASSERT_TRUE(entry.has_value());
  const VerificationRecord* record = state.find(*entry);
  ASSERT_NE(record, nullptr);
  EXPECT_EQ(record->status, VerifyStatus::ok);
  EXPECT_EQ(record->check, VerifyCheck::written);
  // The statements are still those a full verification accepts.
  const VerifyResult full = verify_backup_file(entry->path);
  EXPECT_EQ(full.status, VerifyStatus::ok) << full.reason;
  EXPECT_EQ(full.check, VerifyCheck::full);
  EXPECT_EQ(full.sha256, job.verification.sha256);
}

TEST(BackupReadBack, AFileDamagedOnDiskBeforeItsReadBackFailsTheBackup) {
  IFNBACKUP_REQUIRE_SERVER(server);
  ScratchDatabase database(server, "readback");
  fill(server, database.name());

  TempDir flipped;
  const auto [flip_code, flip_message] =
      failure_of([&] { backup_damaged_by(server, database.name(), flipped.path(), flip_middle_byte); });
  EXPECT_EQ(flip_code, ErrorCode::corrupt) << flip_message;
  EXPECT_NE(flip_message.find("does not verify"), std::string::npos) << flip_message;

  // Gzip is valid, the content is not what its checksum line says.
  TempDir altered;
  const auto [alter_code, alter_message] = failure_of([&] {
    backup_damaged_by(server, database.name(), altered.path(), [](const fs::path& file) {
      const auto result =
          run_bash("gzip -dc \"$1\" | sed 's/(17,/(71,/' | gzip -6 > \"$1.x\" && mv \"$1.x\" \"$1\"", {file.string()});
      ASSERT_EQ(result.exit_code, 0) << result.err;
    });
  });
  EXPECT_EQ(alter_code, ErrorCode::corrupt) << alter_message;
  EXPECT_NE(alter_message.find("content checksum mismatch"), std::string::npos) << alter_message;

  TempDir cut;
  const auto [cut_code, cut_message] = failure_of([&] {
    backup_damaged_by(server, database.name(), cut.path(),
                      [](const fs::path& file) { fs::resize_file(file, fs::file_size(file) - 300); });
  });
  EXPECT_TRUE(cut_code == ErrorCode::incomplete || cut_code == ErrorCode::corrupt) << cut_message;
  EXPECT_NE(cut_message.find("does not verify"), std::string::npos) << cut_message;
}

}  // namespace
}  // namespace ifnbackup::test
