#!/usr/bin/env bash
# Issue 20: a database of many tiny tables gives a file no larger than `mariadb-dump | gzip -6`'s. Since
# format 5 the manifest leaves a small table's content digest out (verify computes it from the file's own
# INSERT rows) and no comment line precedes a table's deferred keys; a tiny table keeps its keys in its
# CREATE TABLE (issues 13, 20). A file of format 4, written by the
# previous version (tests/data/format4_backup.sql.gz, by ifnbackup at af4ae63), still verifies and
# restores with every table's content proven.
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cli_init
cli_use_server
command -v mariadb-dump >/dev/null || cli_skip "mariadb-dump is not installed"

dir="${CLI_WORK}/backups"
key="${CLI_WORK}/keys/signing-key"
ifn() {
    local db=$1
    shift
    "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" --backup-dir "${dir}" \
        --signing-key "${key}" "$@"
}
newest() {
    printf '%s/%s\n' "${dir}" "$(final_backups "${dir}" | tail -n 1)"
}

# --- many tiny tables: no larger than gzip -6 (sizes are deterministic for the same rows)
db=$(cli_unique_db compact)
cli_create_db "${db}" || cli_skip "cannot create a database"
n=300
{
    for i in $(seq -f '%04g' 1 "${n}"); do
        printf 'CREATE TABLE tenant_%s (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, name VARCHAR(64) NOT NULL,' "${i}"
        printf ' amount DECIMAL(12,2) NOT NULL, created_at DATETIME NOT NULL, KEY ix_created (created_at));\n'
        printf 'INSERT INTO tenant_%s (name, amount, created_at) SELECT CONCAT('"'"'name %s-'"'"', seq),' "${i}" "${i}"
        printf ' (seq * 7919 + %d) %% 100000 / 100, TIMESTAMP'"'"'2026-01-01 10:00:00'"'"' + INTERVAL seq * %d HOUR' \
            "$((10#${i} * 104729))" "$((10#${i}))"
        printf ' FROM seq_1_to_10;\n'
    done
} | sql "${db}" || cli_skip "cannot create the tables"
run ifn "${db}" backup --no-rotate --no-schema-check
expect_exit "backup of ${n} tiny tables" 0
file=$(newest)
mariadb-dump --defaults-file="${IFNBACKUP_TEST_DEFAULTS_FILE}" --single-transaction --routines --triggers --events \
    "${db}" | gzip -6 >"${CLI_WORK}/dump.sql.gz"
ours=$(stat -c %s "${file}")
theirs=$(stat -c %s "${CLI_WORK}/dump.sql.gz")
cli_log "${n} tiny tables: ifnbackup ${ours} bytes, mariadb-dump | gzip -6 ${theirs} bytes"
check "the file is no larger than mariadb-dump | gzip -6's (${ours} <= ${theirs})" test "${ours}" -le "${theirs}"
content=$(gunzip -c "${file}")
expect_contains "format 5" "-- ifnbackup-format: 5" "${content}"
expect_contains "a tiny table's manifest line has no digest" $'\n-- ifnbackup-table: `tenant_0007` rows=10\n' \
    "${content}"
# A tiny table keeps its key in its CREATE TABLE: one DDL for the stock client, not two (issues 13, 20).
expect_contains "a tiny table's key is in its CREATE TABLE" \
    $'  KEY `ix_created` (`created_at`)\n) ENGINE=InnoDB' "$(sed -n '/^CREATE TABLE `tenant_0007`/,/^) ENGINE/p' <<<"${content}")"
expect_not_contains "no ALTER TABLE after a tiny table's rows" "ALTER TABLE \`tenant_" "${content}"
# Written as for big tables (every key after the rows: the tests' setting), still no larger, and no
# comment line before the keys.
export IFNBACKUP_TEST_KEYS_IN_CREATE_BYTES=0
run ifn "${db}" backup --no-rotate --no-schema-check
unset IFNBACKUP_TEST_KEYS_IN_CREATE_BYTES
expect_exit "backup of ${n} tiny tables, every key after the rows" 0
deferred_file=$(newest)
deferred=$(stat -c %s "${deferred_file}")
cli_log "${n} tiny tables, every key after the rows: ifnbackup ${deferred} bytes"
check "that file is no larger than mariadb-dump | gzip -6's either (${deferred} <= ${theirs})" \
    test "${deferred}" -le "${theirs}"
deferred_content=$(gunzip -c "${deferred_file}")
expect_contains "the key after the rows" $'\nALTER TABLE `tenant_0007`\n  ADD KEY `ix_created` (`created_at`);\n' \
    "${deferred_content}"
expect_not_contains "no comment line before the deferred keys" "Secondary indexes" "${deferred_content}"
run ifn "${db}" verify "${file}"
expect_exit "the file verifies" 0
# restore --tables reads the ranges holding them only: their digests come from those ranges.
run ifn "${db}" restore --yes --into "${db}_r" --tables tenant_0002,tenant_0299 "${file}" </dev/null
cli_on_exit "mariadb --defaults-file='${IFNBACKUP_TEST_DEFAULTS_FILE}' -e 'DROP DATABASE IF EXISTS \`${db}_r\`'"
expect_exit "restore --tables of two tiny tables" 0
expect_eq "both proven identical by the digests computed from the file" "2" \
    "$(grep -cE '^tenant_(0002|0299) +10 +10 +identical$' <<<"${CLI_LAST_ERR}")"
# --tables given twice, the file after it: each use takes one list, the file stays the file (a greedy
# option once swallowed it and the restore said no file was given).
run ifn "${db}" restore --yes --into "${db}_r2" --tables tenant_0003 --tables tenant_0004,tenant_0005 "${file}" </dev/null
cli_on_exit "mariadb --defaults-file='${IFNBACKUP_TEST_DEFAULTS_FILE}' -e 'DROP DATABASE IF EXISTS \`${db}_r2\`'"
expect_exit "restore with --tables repeated and the file last" 0
expect_eq "the three tables of both uses restored and proven" "3" \
    "$(grep -cE '^tenant_000[345] +10 +10 +identical$' <<<"${CLI_LAST_ERR}")"
expect_eq "only those three tables in the new database" "3" \
    "$(mariadb --defaults-file="${IFNBACKUP_TEST_DEFAULTS_FILE}" -N -e "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA='${db}_r2'")"

# --- hostile names, an empty table, a generated column: the same fixture's tables written as format 5
db5=$(cli_unique_db compact5)
cli_create_db "${db5}" || cli_skip "cannot create a database"
gunzip -c "${IFNBACKUP_TEST_DATA_DIR}/format4_backup.sql.gz" | sql "${db5}"
expect_eq "the fixture loads with the stock client" "0" "$?"
run ifn "${db5}" backup --no-rotate --no-schema-check
expect_exit "backup of the hostile tables" 0
file5=$(newest)
expect_contains "the table named with a backtick and a line break has no digest either" \
    "-- ifnbackup-table: x'7765606972640a6e616d65' rows=2"$'\n' "$(gunzip -c "${file5}")"
run ifn "${db5}" restore --yes --into "${db5}_r" "${file5}" </dev/null
cli_on_exit "mariadb --defaults-file='${IFNBACKUP_TEST_DEFAULTS_FILE}' -e 'DROP DATABASE IF EXISTS \`${db5}_r\`'"
expect_exit "restore of the format 5 file" 0
expect_eq "its five tables proven identical" "5" "$(grep -cE ' identical$' <<<"${CLI_LAST_ERR}")"
expect_eq "the empty table is there, empty" "0" "$(sql "${db5}_r" -e 'SELECT COUNT(*) FROM empty_one')"

# --- a file of the previous format (4, every digest in its manifest) still verifies and restores
old="${CLI_WORK}/format4_backup.sql.gz"
cp "${IFNBACKUP_TEST_DATA_DIR}/format4_backup.sql.gz" "${old}"
run ifn "${db5}" verify "${old}"
expect_exit "the format 4 file verifies" 0
db4=$(cli_unique_db compact4)
run ifn "${db5}" restore --yes --trust-unsigned --into "${db4}" "${old}" </dev/null
cli_on_exit "mariadb --defaults-file='${IFNBACKUP_TEST_DEFAULTS_FILE}' -e 'DROP DATABASE IF EXISTS \`${db4}\`'"
expect_exit "restore of the format 4 file" 0
expect_eq "its five tables proven identical by the digests it stores" "5" \
    "$(grep -cE ' identical$' <<<"${CLI_LAST_ERR}")"
expect_eq "the odd values came back" "it's (odd) \\\\ back" \
    "$(sql "${db4}" -e 'SELECT name FROM plain WHERE id = 2')"

cli_finish
