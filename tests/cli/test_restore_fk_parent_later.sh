#!/usr/bin/env bash
# A foreign key whose parent is written after its child, and no longer matches it (the parent dropped
# and made again with a BIGINT key under foreign_key_checks=0, as a migration may): the stock client
# restores the file, each constraint added before its parent exists (foreign_key_checks=0 accepts it
# then; once the parent exists the server checks the constraint against it, error 1825). So must
# `ifnbackup restore`, whichever connection loads which table: a backup the schema check and the stock
# client accept is restorable. The children's turns run on the loading connections side by side with
# the parent's CREATE TABLE: the parent starts only once they ended (restore/tables_side_by_side).
# (Here the children share the prologue's range, read before the parent's even biggest table first; a
# child in a range of its own read after a bigger parent is test_restore_fk_parent_later_biggest.sh.)
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cli_init
cli_use_server

db=$(cli_unique_db fklater)
cli_create_db "${db}" || fail "create ${db}"
{
    echo "CREATE TABLE z (id INT NOT NULL PRIMARY KEY) ENGINE=InnoDB;"
    for name in a1 a2; do
        printf 'CREATE TABLE %s (id INT NOT NULL PRIMARY KEY, zid INT, KEY ix_z (zid),
            CONSTRAINT fk_%s_z FOREIGN KEY (zid) REFERENCES z (id)) ENGINE=InnoDB;\n' "${name}" "${name}"
    done
    echo "SET SESSION foreign_key_checks = 0; DROP TABLE z;"
    echo "CREATE TABLE z (id BIGINT NOT NULL PRIMARY KEY, pad VARCHAR(200)) ENGINE=InnoDB;"
    echo "INSERT INTO z SELECT seq, REPEAT('x', 150) FROM seq_1_to_30000;"
    echo "INSERT INTO a1 VALUES (1, 1); INSERT INTO a2 VALUES (1, 2);"
} | sql "${db}" || fail "creating ${db}"
dir="${CLI_WORK}/backups"
run "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" --backup-dir "${dir}" \
    backup --no-rotate
expect_exit "backup: the schema check passes" 0
file=$(find "${dir}" -name '*.sql.gz' | sort | tail -n 1)

stock=$(cli_unique_db fklaters)
cli_create_db "${stock}" || fail "create ${stock}"
if gunzip -c "${file}" | sql "${stock}"; then
    pass "the stock client loads the file"
else
    fail "the stock client refuses ${file}"
fi

for threads in 1 2; do
    target=$(cli_unique_db "fklater${threads}")
    run "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" --backup-dir "${dir}" \
        --threads "${threads}" restore --yes --into "${target}" "${file}"
    expect_exit "ifnbackup restore --threads ${threads} of a file the stock client loads" 0
    for table in a1 a2 z; do
        expect_eq "--threads ${threads}: ${table} as the stock client made it" \
            "$(sql "${stock}" -N -B -e "SHOW CREATE TABLE ${table}" | cut -f2)" \
            "$(sql "${target}" -N -B -e "SHOW CREATE TABLE ${table}" | cut -f2)"
    done
done

# The same with 70 small children and a small parent, read in the file's order: the children's turns
# and the parent's run side by side on the loading connections (from 64 tables on, 2 per --threads), and
# the parent's CREATE TABLE may run before a child's constraint (error 1825 at --threads 2 and 4 here).
many=$(cli_unique_db fklatermany)
cli_create_db "${many}" || fail "create ${many}"
{
    echo "CREATE TABLE z (id INT NOT NULL PRIMARY KEY) ENGINE=InnoDB;"
    for i in $(seq 1 70); do
        printf 'CREATE TABLE a%02d (id INT NOT NULL PRIMARY KEY, zid INT, KEY ix_z (zid),
            CONSTRAINT fk_a%02d FOREIGN KEY (zid) REFERENCES z (id)) ENGINE=InnoDB;\n' "${i}" "${i}"
    done
    echo "SET SESSION foreign_key_checks = 0; DROP TABLE z;"
    echo "CREATE TABLE z (id BIGINT NOT NULL PRIMARY KEY) ENGINE=InnoDB; INSERT INTO z VALUES (1), (2);"
} | sql "${many}" || fail "creating ${many}"
run "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${many}" --backup-dir "${dir}_many" \
    backup --no-rotate
expect_exit "backup of 70 children before their parent: the schema check passes" 0
file=$(find "${dir}_many" -name '*.sql.gz' | sort | tail -n 1)
for threads in 1 2 4; do
    target=$(cli_unique_db "fklatermany${threads}")
    run "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${many}" --backup-dir "${dir}_many" \
        --threads "${threads}" restore --yes --into "${target}" "${file}"
    expect_exit "ifnbackup restore --threads ${threads} of 70 children before their parent" 0
done

cli_finish
