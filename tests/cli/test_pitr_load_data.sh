#!/usr/bin/env bash
# A statement-format LOAD DATA LOCAL in the binary log (binlog_format MIXED logs it so: a merchants'
# import of a CSV file). The archiver stopped there for good: Connector/C's mariadb_rpl_fetch read the
# file's block (Begin_load_query) as a NUL-terminated string and failed with "Malformed packet" (5021)
# on every run; it now reads the server's packets itself. And restore --until replays it: mariadb-binlog
# writes the file into a folder of the replay's own (--local-load, 0700, removed after), and the
# replay's connection sends that file only, as the stock client would send it; a LOAD DATA naming any
# other file is still refused (the restore fails, rolled back: 13).
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cli_init
cli_start_own_server pitrloaddata
command -v mariadb-binlog >/dev/null || cli_skip "mariadb-binlog is not installed (mariadb-client)"
db=shop
dir="${CLI_WORK}/backups"
load() { mariadb --defaults-file="${IFNBACKUP_TEST_DEFAULTS_FILE}" --local-infile=1 -N "${db}" "$@"; }

sql -e "CREATE DATABASE ${db}"
sql "${db}" -e "CREATE TABLE imports (id INT PRIMARY KEY, merchant VARCHAR(40), amount DECIMAL(10,2)) ENGINE=InnoDB"
run ifn binlog archive
expect_exit "archive" 0
run ifn backup --no-schema-check
expect_exit "backup" 0
sleep 1.1

# Two imports: a plain CSV, and one with quotes, a backslash and a tab in its values.
printf '1,Awa Kone,1500.00\n2,Yao Kouassi,250.50\n3,"Traore, Issa",99.99\n' >"${CLI_WORK}/import1.csv"
printf '4\tKoffi \\\\ fils\t10.00\n5\tA\\tB\t20.00\n' >"${CLI_WORK}/import2.tsv"
load -e "SET SESSION binlog_format = STATEMENT;
         LOAD DATA LOCAL INFILE '${CLI_WORK}/import1.csv' INTO TABLE imports
           FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' (id, merchant, amount);
         SET SESSION binlog_format = MIXED;
         LOAD DATA LOCAL INFILE '${CLI_WORK}/import2.tsv' INTO TABLE imports;
         INSERT INTO imports VALUES (6, 'after the imports', 1)"
expect_eq "the imports are in the source" "6" "$(sql "${db}" -e "SELECT COUNT(*) FROM imports")"
check "the binary log holds them as statements (Begin_load_query)" bash -c \
    "mariadb --defaults-file='${IFNBACKUP_TEST_DEFAULTS_FILE}' -N -e 'SHOW BINLOG EVENTS' | grep -q Begin_load_query"
expected=$(sql "${db}" -e "SELECT GROUP_CONCAT(id, '|', merchant, '|', amount ORDER BY id SEPARATOR ';') FROM imports")
target=$(sleep 1.2 && sql -e "SELECT NOW() - INTERVAL 1 SECOND")

run ifn binlog archive
expect_exit "the archiver reads past the LOAD DATA events" 0
expect_not_contains "no malformed packet" "5021" "${CLI_LAST_ERR}"

# restore_imports TMPDIR INTO WHAT: restore --until the target into INTO with that TMPDIR: every imported
# row back, as in the source, and the replay's folder of LOAD DATA files removed.
restore_imports() {
    export TMPDIR=$1
    mkdir -p "${TMPDIR}"
    run ifn restore --until "${target}" --into "$2" --yes
    expect_exit "restore --until after the imports ($3)" 0
    expect_eq "every imported row is back, as in the source ($3)" "${expected}" \
        "$(sql "$2" -e "SELECT GROUP_CONCAT(id, '|', merchant, '|', amount ORDER BY id SEPARATOR ';') FROM imports")"
    expect_eq "the replay's folder of LOAD DATA files is removed ($3)" "" "$(ls -A "${TMPDIR}")"
}
restore_imports "${CLI_WORK}/tmp" shop_r "TMPDIR plain"

# A TMPDIR whose name holds '..' (a folder `a..b`, a path through `..`): the file's name was refused as
# a way out of the folder, and every LOAD DATA of the replay with it.
restore_imports "${CLI_WORK}/a..b/../a..b" shop_dots "'..' in TMPDIR"

# TMPDIR that cannot hold the folder: a span with a LOAD DATA fails before its first statement, saying
# so, and is rolled back (13); a span without one needs no folder (the replay made it for every span,
# so restore --until failed for an operator whose TMPDIR is gone, LOAD DATA or not).
export TMPDIR="${CLI_WORK}/no-such-folder"
run ifn restore --until "${target}" --into shop_t --yes
expect_exit "restore --until with TMPDIR missing, a LOAD DATA in the span" 13
expect_contains "it names TMPDIR" "set TMPDIR to a writable folder" "${CLI_LAST_ERR}"
expect_eq "shop_t is as it was (absent)" "0" \
    "$(sql -e "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'shop_t'")"
# A backslash in TMPDIR: mariadb-binlog turns it into '/' in the file's name (a newline, a tab: escaped),
# so the name it printed was not the folder's and the server's request was refused with a message that
# said nothing of TMPDIR. Now said before the first statement; rolled back (13).
export TMPDIR="${CLI_WORK}/back\\slash"
mkdir -p "${TMPDIR}"
run ifn restore --until "${target}" --into shop_t --yes
expect_exit "restore --until with a backslash in TMPDIR" 13
expect_contains "it names TMPDIR's backslash" "holds a backslash" "${CLI_LAST_ERR}"
expect_eq "nothing left in it" "" "$(ls -A "${TMPDIR}")"
run ifn backup --no-schema-check
expect_exit "a backup after the imports" 0
sleep 1.1
sql "${db}" -e "INSERT INTO imports VALUES (8, 'no import in this span', 1)"
target=$(sleep 1.2 && sql -e "SELECT NOW() - INTERVAL 1 SECOND")
run ifn binlog archive
expect_exit "archive" 0
run ifn restore --until "${target}" --into shop_u --yes
expect_exit "restore --until with TMPDIR missing, no LOAD DATA in the span" 0
expect_eq "the row after the backup is replayed" "1" "$(sql shop_u -e "SELECT COUNT(*) FROM imports WHERE id = 8")"
export TMPDIR="${CLI_WORK}/tmp"

# A LOAD DATA of the database's session into a table of another database: mariadb-binlog picks it by its
# default database and rewrites only that, so the replay loaded the rows into `other` (restore --into
# shop_r changed a database it was not given). The plan reads the statement as any other: refused (19),
# nothing changed.
sql -e "CREATE DATABASE other; CREATE TABLE other.t (id INT PRIMARY KEY, merchant VARCHAR(40)) ENGINE=InnoDB"
printf '1,Awa\n2,Yao\n' >"${CLI_WORK}/other.csv"
load -e "SET SESSION binlog_format = STATEMENT;
         LOAD DATA LOCAL INFILE '${CLI_WORK}/other.csv' INTO TABLE other.t FIELDS TERMINATED BY ',';
         INSERT INTO imports VALUES (7, 'after the other import', 1)"
sql -e "DELETE FROM other.t"
target=$(sleep 1.2 && sql -e "SELECT NOW() - INTERVAL 1 SECOND")
run ifn binlog archive
expect_exit "archive" 0
run ifn restore --until "${target}" --into shop_o --yes
expect_exit "a LOAD DATA into another database is refused" 19
expect_contains "named" "names database 'other'" "${CLI_LAST_ERR}"
expect_eq "the other database is untouched" "0" "$(sql -e "SELECT COUNT(*) FROM other.t")"

cli_finish
