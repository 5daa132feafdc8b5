#!/usr/bin/env bash
# restore --until a second the archive ends in: events carry whole seconds, so an archive whose newest
# event is of the target second may lack the rest of that second (the archiver ran in its middle, or
# stopped there). The plan took such an archive for one that
# covers the target, replayed what it held and exited 0: the rows written later in that second were
# silently left out. Now the archiver's in-step mark must be past the target second (as when the newest
# event is older), else the restore is refused before anything is touched; archived again after that
# second, the same restore brings every row back.
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cli_init
cli_start_own_server pitrsamesecond
command -v mariadb-binlog >/dev/null || cli_skip "mariadb-binlog is not installed (mariadb-client)"
db=shop
dir="${CLI_WORK}/backups"

sql -e "CREATE DATABASE ${db}"
sql "${db}" -e "CREATE TABLE o (id INT PRIMARY KEY, note VARCHAR(20)) ENGINE=InnoDB"
run ifn binlog archive
expect_exit "archive" 0
run ifn backup --no-schema-check
expect_exit "backup" 0
sleep 1.1

# One row, the archive, another row: all in one second of the server's clock (tried again when the
# archive's run crossed a second).
second=""
for attempt in 1 2 3 4 5 6; do
    sleep "0.$(printf '%03d' $((1000 - 10#$(date +%N | cut -c1-3))))"  # the start of a second
    first=$(sql -e "SELECT UNIX_TIMESTAMP()")
    sql "${db}" -e "INSERT INTO o VALUES (${attempt}0, 'archived')"
    run ifn binlog archive
    expect_exit "archive in the middle of a second (attempt ${attempt})" 0
    sql "${db}" -e "INSERT INTO o VALUES (${attempt}1, 'not archived')"
    if [[ $(sql -e "SELECT UNIX_TIMESTAMP()") == "${first}" ]]; then
        second=${first}
        break
    fi
done
[[ -n ${second} ]] || cli_skip "no archive's run fitted in one second of the server (a loaded machine)"
target=$(sql -e "SELECT FROM_UNIXTIME(${second})")
expected=$(sql "${db}" -e "SELECT GROUP_CONCAT(id ORDER BY id) FROM o")
sleep 1.1
sql "${db}" -e "DELETE FROM o"

run ifn restore --until "${target}" --yes
expect_exit "restore --until the second the archive ends in, the archiver not in step after it" 15
expect_contains "it says the archive may lack the end of the target second" "does not cover" "${CLI_LAST_ERR}"
expect_eq "nothing was touched" "0" "$(sql "${db}" -e "SELECT COUNT(*) FROM o")"

run ifn binlog archive
expect_exit "archive after that second" 0
run ifn restore --until "${target}" --yes
expect_exit "restore --until the same second, the archive complete" 0
expect_eq "every row of the target second is back" "${expected}" "$(sql "${db}" -e "SELECT GROUP_CONCAT(id ORDER BY id) FROM o")"

cli_finish
