#!/usr/bin/env bash
# A foreign key whose parent is written after its child, and no longer matches it (the parent dropped
# and made again with a BIGINT key under foreign_key_checks=0, as a migration may): the stock client
# restores the file, each constraint added before its parent exists (foreign_key_checks=0 accepts it
# then; once the parent exists the server checks the constraint against it, error 1825). So must
# `ifnbackup restore`, whichever connection loads which table: a backup the schema check and the stock
# client accept is restorable. The children's turns run on the loading connections side by side with
# the parent's CREATE TABLE: the parent starts only once they ended (restore/tables_side_by_side).
# Last, a child big enough for a range of its own, written before a bigger parent: reading the biggest
# table first put the parent first (error 1822/1825, rolled back); the verification now lists the
# foreign keys whose parent comes later and that order keeps the child first (restore/table_sections).
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
# backup_and_stock DB DIR LABEL: DB backed up into DIR (its schema check passes), the file in ${file},
# loaded by the stock client into a new database, its name in ${stock}.
backup_and_stock() {
    run "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "$1" --backup-dir "$2" \
        backup --no-rotate
    expect_exit "$3: backup, the schema check passes" 0
    file=$(find "$2" -name '*.sql.gz' | sort | tail -n 1)
    stock=$(cli_unique_db fklaters)
    cli_create_db "${stock}" || fail "create ${stock}"
    if gunzip -c "${file}" | sql "${stock}"; then
        pass "$3: the stock client loads the file"
    else
        fail "$3: the stock client refuses ${file}"
    fi
}
dir="${CLI_WORK}/backups"
backup_and_stock "${db}" "${dir}" "two children"

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

# A child in a range of its own (10,000 rows), written before a bigger parent (30,000) it no longer matches.
big=$(cli_unique_db fkbig)
cli_create_db "${big}" || fail "create ${big}"
{
    echo "CREATE TABLE z (id INT NOT NULL PRIMARY KEY) ENGINE=InnoDB;"
    echo "CREATE TABLE a1 (id INT NOT NULL PRIMARY KEY, zid INT, pad VARCHAR(200), KEY ix_z (zid),
        CONSTRAINT fk_a1 FOREIGN KEY (zid) REFERENCES z (id)) ENGINE=InnoDB;"
    echo "SET SESSION foreign_key_checks = 0; DROP TABLE z;"
    echo "CREATE TABLE z (id BIGINT NOT NULL PRIMARY KEY, pad VARCHAR(200)) ENGINE=InnoDB;"
    echo "INSERT INTO z SELECT seq, REPEAT('x', 150) FROM seq_1_to_30000;"
    echo "INSERT INTO a1 SELECT seq, seq, REPEAT('a', 150) FROM seq_1_to_10000;"
} | sql "${big}" || fail "creating ${big}"
backup_and_stock "${big}" "${dir}_big" "a big child before a bigger parent"
target=$(cli_unique_db fkbigr)
run "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${big}" --backup-dir "${dir}_big" \
    restore --yes --into "${target}" "${file}"
expect_exit "a big child before a bigger parent: ifnbackup restore, biggest table first" 0
expect_eq "a big child before a bigger parent: a1 as the stock client made it" \
    "$(sql "${stock}" -N -B -e "SHOW CREATE TABLE a1" | cut -f2)" \
    "$(sql "${target}" -N -B -e "SHOW CREATE TABLE a1" | cut -f2)"

cli_finish
