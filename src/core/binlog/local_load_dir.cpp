#include "binlog/local_load_dir.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>
#include <vector>

#include "ifnbackup/error.hpp"
#include "ifnbackup/printable.hpp"
#include "io/file_io.hpp"
#include "restore/sql_tokens.hpp"
#include "restore/statement_words.hpp"
#include "sql/text.hpp"

namespace ifnbackup::binlog {

LocalLoadDir::LocalLoadDir() {
  const char* tmp = std::getenv("TMPDIR");
  const std::string parent = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  // mariadb-binlog turns a backslash of --local-load into '/', and writes a newline, a tab... of the
  // name escaped (\\n) in the LOAD DATA it prints: the name read back is not this folder's, and the
  // server's request for the file was refused (13, with a message that said nothing of TMPDIR).
  if (parent.find_first_of("\\\n\r\b\t") != std::string::npos) {
    throw Error(ErrorCode::io,
                tx("TMPDIR ({}) holds a backslash or a control character: mariadb-binlog does not keep them in "
                   "the names of the files of the binary log's LOAD DATA statements (set TMPDIR to a plain "
                   "folder)",
                   sql::quote_string(parent)),
                tx("see docs/pitr.md"));
  }
  std::string pattern = parent + "/ifnbackup-replay.XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    const int error = errno;
    throw Error(ErrorCode::io,
                tx("cannot make a folder in {} for the files of the binary log's LOAD DATA statements: {} (set "
                   "TMPDIR to a writable folder with room for them)",
                   parent, std::strerror(error)),
                tx("see docs/pitr.md"));
  }
  m_path = pattern;
}

LocalLoadDir::~LocalLoadDir() {
  std::error_code ignored;
  std::filesystem::remove_all(m_path, ignored);
}

std::optional<std::string> LocalLoadDir::file_of(std::string_view statement) const {
  std::string_view head = restore::unwrap_version_comment(statement);
  if (!restore::take_word(head, "LOAD")) {
    return std::nullopt;  // most statements: not read further
  }
  std::vector<restore::Token> tokens;
  restore::Lexer lexer(false, true, 4096);
  std::size_t kept = 0;
  const restore::Lexer::Sink sink = [&](restore::Token&& token) {
    if (kept++ < 8) {
      tokens.push_back(std::move(token));
    }
  };
  lexer.feed(statement.substr(0, 8192), sink);
  lexer.finish(sink);
  std::size_t at = 0;
  const auto word = [&](std::string_view w) {
    if (at < tokens.size() && tokens[at].type == restore::TokenType::word && tokens[at].text == w) {
      ++at;
      return true;
    }
    return false;
  };
  if (!word("LOAD") || !word("DATA")) {
    return std::nullopt;
  }
  (void)(word("LOW_PRIORITY") || word("CONCURRENT"));
  if (!word("LOCAL") || !word("INFILE") || at >= tokens.size() || tokens[at].type != restore::TokenType::string) {
    return std::nullopt;
  }
  const std::string& named = tokens[at].text;
  const std::string prefix = m_path + "/";
  // A plain name in the folder: '..' is looked for in that name only (a TMPDIR of `a..b` or `x/../y`
  // refused every LOAD DATA of the replay).
  const std::string_view name = std::string_view(named).substr(std::min(prefix.size(), named.size()));
  if (!named.starts_with(prefix) || name.empty() || name.find('/') != std::string_view::npos || name == "." ||
      name == "..") {
    return std::nullopt;
  }
  std::error_code error;
  if (!std::filesystem::is_regular_file(std::filesystem::symlink_status(named, error))) {
    return std::nullopt;
  }
  std::ifstream in(named, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) {
    io::throw_io_error(errno, "reading " + named);
  }
  return bytes;
}

}  // namespace ifnbackup::binlog
