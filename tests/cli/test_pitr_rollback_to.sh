#!/usr/bin/env bash
# restore --until over a transaction of the binary log that holds a `ROLLBACK TO savepoint`: the server
# logs one (as a Query event, inside the transaction) when the savepoint's work touched a MyISAM table.
# The plan read it as the transaction's end (a ROLLBACK): the span of a transaction ending the work
# stopped after it, its COMMIT left out, and the replay rolled back its InnoDB rows; and the statements
# after it were never looked at, so one of `shop` naming another database was replayed into that
# database instead of refused (19) before anything is touched.
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cli_init
cli_start_own_server pitrrollbackto
command -v mariadb-binlog >/dev/null || cli_skip "mariadb-binlog is not installed (mariadb-client)"
db=shop
dir="${CLI_WORK}/backups"

sql -e "CREATE DATABASE shop; CREATE DATABASE other; CREATE TABLE other.t (id INT) ENGINE=InnoDB"
sql shop -e "CREATE TABLE o (id INT PRIMARY KEY, note VARCHAR(20)) ENGINE=InnoDB;
             CREATE TABLE m (id INT) ENGINE=MyISAM"
run ifn binlog archive
expect_exit "archive" 0
run ifn backup --no-schema-check
expect_exit "backup" 0
sleep 1.1

# 1. The last transaction before the target holds a ROLLBACK TO: replayed whole.
sql shop -e "SET SESSION binlog_format = STATEMENT;
  INSERT INTO o VALUES (1, 'first');
  BEGIN; INSERT INTO o VALUES (2, 'kept'); SAVEPOINT s; INSERT INTO o VALUES (3, 'undone');
  INSERT INTO m VALUES (3); ROLLBACK TO s; INSERT INTO o VALUES (4, 'after'); COMMIT;"
target=$(sleep 1.2 && sql -e "SELECT NOW() - INTERVAL 1 SECOND")
run ifn binlog archive
expect_exit "archive the work" 0
sql shop -e "DELETE FROM o; DELETE FROM m"
run ifn restore --until "${target}" --yes
expect_exit "restore --until over a transaction with a ROLLBACK TO" 0
expect_eq "its rows are back, the savepoint's undone" "1 first,2 kept,4 after" \
    "$(sql shop -e "SELECT GROUP_CONCAT(id, ' ', note ORDER BY id) FROM o")"
expect_eq "and the MyISAM row the log kept" "3" "$(sql shop -e "SELECT GROUP_CONCAT(id) FROM m")"

# 2. A statement of shop naming another database after a ROLLBACK TO: refused, nothing touched.
sleep 1.1
sql shop -e "SET SESSION binlog_format = STATEMENT;
  BEGIN; INSERT INTO o VALUES (5, 'x'); SAVEPOINT s; INSERT INTO m VALUES (5); ROLLBACK TO s;
  INSERT INTO other.t VALUES (7); COMMIT;"
target=$(sleep 1.2 && sql -e "SELECT NOW() - INTERVAL 1 SECOND")
run ifn binlog archive
expect_exit "archive the work" 0
before=$(sql -e "SELECT GROUP_CONCAT(id) FROM other.t; SELECT GROUP_CONCAT(id) FROM shop.o")
run ifn restore --until "${target}" --yes
expect_exit "a statement naming another database after a ROLLBACK TO is refused" 19
expect_contains "it names the statement" "INSERT INTO other.t VALUES (7)" "${CLI_LAST_ERR}"
expect_eq "other and shop are untouched" "${before}" \
    "$(sql -e "SELECT GROUP_CONCAT(id) FROM other.t; SELECT GROUP_CONCAT(id) FROM shop.o")"

cli_finish
