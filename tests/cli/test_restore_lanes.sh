#!/usr/bin/env bash
# The restore's loading connections (issue 20): it opens no more than it will use, and never takes all
# of the server's connections nor all of its account's.
#
# On a server of its own (max_connections and the status counters are global): Max_used_connections,
# reset before each restore, is the most connections open at once, the restore's (nothing else runs).
# - max_connections 20 and --threads 256 (the option's maximum), 70 small tables: at most half of the
#   free connections are taken (without the limit: all 20, until the server refused one)
# - --force runs every statement on the main connection: no loading connection
# - a file of 3 small tables, and --tables of one: one loading connection per table at most, not --threads
# - an account WITH MAX_USER_CONNECTIONS 3: half of what it has free, no connection refused
# - an account WITH MAX_CONNECTIONS_PER_HOUR 5 (a limit the server does not show): the connections it
#   refuses cost loading connections, not the restore
# Each restore ends with its content proof (exit 0: every row as backed up).
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cli_init
cli_start_own_server lanes

root() { mariadb --defaults-file="${IFNBACKUP_TEST_ROOT_DEFAULTS_FILE}" -N -B "$@"; }
dir="${CLI_WORK}/backups"
db=lanes_many
few=lanes_few
root -e "CREATE DATABASE ${db}; CREATE DATABASE ${few}" || fail "create the databases"
for i in $(seq 1 70); do
    printf 'CREATE TABLE t%02d (id INT NOT NULL PRIMARY KEY, v VARCHAR(20), KEY ix_v (v)) ENGINE=InnoDB;
INSERT INTO t%02d VALUES (1, "a"), (2, "b"), (3, "c");\n' "${i}" "${i}"
done | root "${db}" || fail "create the 70 tables"
for i in 1 2 3; do
    printf 'CREATE TABLE f%d (id INT NOT NULL PRIMARY KEY, v VARCHAR(20)) ENGINE=InnoDB;
INSERT INTO f%d VALUES (1, "a"), (2, "b");\n' "${i}" "${i}"
done | root "${few}" || fail "create the 3 tables"

run ifn backup --no-rotate
expect_exit "backup of 70 tables" 0
many_file=$(find "${dir}" -name '*.sql.gz' | head -n 1)
run "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${few}" --backup-dir "${dir}_few" \
    backup --no-rotate
expect_exit "backup of 3 tables" 0
few_file=$(find "${dir}_few" -name '*.sql.gz' | head -n 1)

peak() { root -e "SHOW GLOBAL STATUS LIKE 'Max_used_connections'" | cut -f2; }
# restore_into DEFAULTS_FILE TARGET FILE [OPTIONS...]: a restore into a new database, its peak of
# connections measured from a reset counter.
restore_into() {
    local defaults=$1 target=$2 file=$3
    shift 3
    root -e "DROP DATABASE IF EXISTS ${target}; FLUSH STATUS"
    run "${CLI_BIN}" -v --defaults-file "${defaults}" --database "${db}" --backup-dir "${dir}" restore --yes \
        --into "${target}" "$@" "${file}"
    used=$(peak)
}

# The server's limit: 20 connections, --threads 256.
root -e "SET GLOBAL max_connections = 20"
restore_into "${IFNBACKUP_TEST_DEFAULTS_FILE}" r_max "${many_file}" --threads 256
expect_exit "restore --threads 256 with max_connections 20" 0
expect_contains "the log says it leaves room" "leaving room for other clients" "${CLI_LAST_ERR}"
# 3 open when it asks (its lock's, the main one, the proof's): 8 of the 17 free, 11 in all.
check "at most 11 connections open at once, not the 20 (${used})" test "${used}" -le 11
root -e "SET GLOBAL max_connections = 151"

restore_into "${IFNBACKUP_TEST_DEFAULTS_FILE}" r_force "${many_file}" --threads 8 --force
expect_exit "restore --force --threads 8" 0
# Without a loading connection a restore holds 3: its lock's, the main one and the proof's.
check "--force: no loading connection (${used})" test "${used}" -le 3

restore_into "${IFNBACKUP_TEST_DEFAULTS_FILE}" r_few "${few_file}" --threads 8
expect_exit "restore of 3 tables, --threads 8" 0
check "3 small tables: 3 loading connections at most, not 8 (${used})" test "${used}" -le 6

restore_into "${IFNBACKUP_TEST_DEFAULTS_FILE}" r_one "${many_file}" --threads 8 --tables t07
expect_exit "restore --tables t07, --threads 8" 0
check "--tables of one small table: one loading connection, not 8 (${used})" test "${used}" -le 4
expect_eq "t07's rows are in" 3 "$(root -e "SELECT COUNT(*) FROM r_one.t07")"

# Accounts with limits of their own.
password=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
account_file() { # USER: its option file
    printf '[client]\nuser=%s\npassword=%s\nsocket=%s\n' "$1" "${password}" "${IFNBACKUP_TEST_SOCKET}" \
        >"${CLI_WORK}/$1.cnf"
    chmod 600 "${CLI_WORK}/$1.cnf"
    echo "${CLI_WORK}/$1.cnf"
}
root -e "CREATE USER lanes3@localhost IDENTIFIED BY '${password}' WITH MAX_USER_CONNECTIONS 3;
         GRANT ALL ON *.* TO lanes3@localhost;
         CREATE USER lanes_hour@localhost IDENTIFIED BY '${password}' WITH MAX_CONNECTIONS_PER_HOUR 5;
         GRANT ALL ON *.* TO lanes_hour@localhost;" || fail "create the accounts"

restore_into "$(account_file lanes3)" r_user "${many_file}" --threads 8
expect_exit "restore --threads 8 by an account of 3 connections" 0
expect_contains "the log says it leaves room" "this account's max_user_connections 3" "${CLI_LAST_ERR}"
expect_not_contains "no connection refused" "refused another connection" "${CLI_LAST_ERR}"
check "at most 3 connections (${used})" test "${used}" -le 3

root -e "FLUSH USER_RESOURCES"
restore_into "$(account_file lanes_hour)" r_hour "${many_file}" --threads 8
expect_exit "restore --threads 8 by an account of 5 connections an hour" 0
expect_contains "a refused connection costs a loading connection" "refused another connection" "${CLI_LAST_ERR}"
expect_eq "the 70 tables are there" 70 \
    "$(root -e "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'r_hour'")"

cli_finish
