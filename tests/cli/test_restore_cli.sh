#!/usr/bin/env bash
# ifnbackup restore as an operator runs it: `echo OUI |` repairs a damaged database and keeps a 0600
# safety snapshot of the damaged state; any other answer, or none, aborts with nothing written; a
# truncated, altered, foreign or cut file is refused before anything is touched; a bare name is looked
# up in the backup folder, a missing one lists the newest backups; restore.log tells what happened and
# never holds the password. (The corpus, mariadb-dump files, --into and the roll-back are proven in
# tests/integration/test_restore.cpp.)
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cli_init
cli_use_server
cd "${CLI_WORK}" || exit 1

db=$(cli_unique_db rcli)
cli_load_db "${db}" "${CLI_DATA_DIR}/sample.sql" || fail "loading sample.sql"
backups="${CLI_WORK}/backups"
all_err=""  # every run's stderr, searched for the password at the end

# ifn DIR ARGS...: the binary on the test database with DIR as backup folder.
# shellcheck disable=SC2317  # called through `run`
ifn() {
    local dir=$1
    shift
    "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" --backup-dir "${dir}" "$@"
}

# run_ifn DIR ARGS... < input: `run` of the binary, stderr kept for the password check.
run_ifn() {
    run ifn "$@"
    all_err+="${CLI_LAST_ERR}"$'\n'
}

# What a restore must give back, with the database's own name replaced by <db>: tables and their
# CHECKSUM TABLE and SHOW CREATE, views, triggers, routines.
db_state() {
    local database=$1 table
    {
        sql -e "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES
                WHERE TABLE_SCHEMA = '${database}' ORDER BY TABLE_NAME"
        for table in $(sql -e "SELECT TABLE_NAME FROM information_schema.TABLES
                               WHERE TABLE_SCHEMA = '${database}' AND TABLE_TYPE = 'BASE TABLE' ORDER BY 1"); do
            sql -e "CHECKSUM TABLE \`${database}\`.\`${table}\` EXTENDED" | cut -f2
            sql -e "SHOW CREATE TABLE \`${database}\`.\`${table}\`" | cut -f2-
        done
        sql -e "SELECT TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS
                WHERE TABLE_SCHEMA = '${database}' ORDER BY 1"
        sql -e "SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_STATEMENT
                FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = '${database}' ORDER BY 1"
        sql -e "SELECT ROUTINE_TYPE, ROUTINE_NAME, ROUTINE_DEFINITION FROM information_schema.ROUTINES
                WHERE ROUTINE_SCHEMA = '${database}' ORDER BY 2"
    } | sed "s/\`${database}\`/\`<db>\`/g"
}

# Names of the safety snapshots (and their .partial) in a folder.
snapshots_in() {
    find "$1" -maxdepth 1 -name 'pre_restore_safety*' -printf '%f\n' 2>/dev/null | sort
}

objects_named() {
    sql -e "SELECT (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '${db}' AND TABLE_NAME = '$1')
                 + (SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = '${db}' AND ROUTINE_NAME = '$1')"
}

# --- the backup to restore
run_ifn "${backups}" -q backup
expect_exit "backup of the sample database" 0
file=$(final_backups "${backups}")
expect_eq "one backup file" 1 "$(grep -c . <<<"${file}")"
original=$(db_state "${db}")
check "the state has the four tables" grep -q "transactions" <<<"${original}"

# --- damaged, then `echo OUI | ifnbackup restore FILE`
sql "${db}" -e "DELETE FROM transactions WHERE id % 3 = 0;
    UPDATE merchants SET full_name = 'Nom abîmé' WHERE id = 1;
    SET FOREIGN_KEY_CHECKS = 0; DROP TABLE products; SET FOREIGN_KEY_CHECKS = 1;
    CREATE TABLE extra_table (id INT PRIMARY KEY, note VARCHAR(20));
    INSERT INTO extra_table VALUES (1, 'should vanish');
    CREATE VIEW extra_view AS SELECT id FROM markets;
    CREATE PROCEDURE extra_procedure() SELECT 'should vanish';" || fail "damaging the database"
damaged=$(db_state "${db}")
check "the damage shows in the state" test "${damaged}" != "${original}"

run bash -c 'echo OUI | "$@"' _ "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" \
    --backup-dir "${backups}" restore "${backups}/${file}"
all_err+="${CLI_LAST_ERR}"$'\n'
expect_exit "echo OUI | ifnbackup restore" 0
expect_contains "the question was asked" "Type OUI" "${CLI_LAST_ERR}"
expect_contains "the plan warns that the data is overwritten" "REPLACES ALL THE CURRENT DATA" "${CLI_LAST_ERR}"
expect_eq "the database is back at its backed-up state" "${original}" "$(db_state "${db}")"
for extra in extra_table extra_view extra_procedure; do
    expect_eq "${extra} is gone" 0 "$(objects_named "${extra}")"
done

snapshot=$(snapshots_in "${backups}")
expect_eq "one safety snapshot" 1 "$(grep -c . <<<"${snapshot}")"
check "its name is pre_restore_safety_YYYYMMDD_HHMMSS.sql.gz (${snapshot})" \
    grep -Eq '^pre_restore_safety_[0-9]{8}_[0-9]{6}\.sql\.gz$' <<<"${snapshot}"
expect_eq "the snapshot is mode 600" 600 "$(stat -c %a "${backups}/${snapshot}")"
check "gzip -t passes on the snapshot" gzip -t "${backups}/${snapshot}"
expect_contains "the output names the snapshot" "${snapshot}" "${CLI_LAST_ERR}"
check "the snapshot holds the extra table" bash -c "gunzip -c '${backups}/${snapshot}' | grep -q 'CREATE TABLE \`extra_table\`'"

# The snapshot restored elsewhere gives exactly the damaged state.
scratch=$(cli_unique_db rcli_snap)
cli_on_exit "mariadb --defaults-file='${IFNBACKUP_TEST_DEFAULTS_FILE}' -e 'DROP DATABASE IF EXISTS \`${scratch}\`'"
run_ifn "${CLI_WORK}/scratch_backups" restore --yes --into "${scratch}" "${backups}/${snapshot}" </dev/null
expect_exit "restore of the snapshot --into a scratch database" 0
expect_eq "the snapshot holds the damaged state" "${damaged}" "$(db_state "${scratch}")"

# --- a bare name is looked up in --backup-dir (the current folder is elsewhere)
check "the bare name is not in the current folder" test ! -e "${file}"
run_ifn "${backups}" restore --yes "${file}" </dev/null
expect_exit "restore --yes of a bare name" 0
expect_contains "it found the file in the backup folder" "${backups}/${file}" "${CLI_LAST_ERR}"
expect_eq "the database still matches the backup" "${original}" "$(db_state "${db}")"
expect_eq "a second safety snapshot" 2 "$(snapshots_in "${backups}" | grep -c .)"

# --- answers other than exactly OUI, and no answer: exit 12, nothing changed, no snapshot
sql "${db}" -e "DELETE FROM transactions WHERE id > 590" || fail "changing the database"
before=$(db_state "${db}")
check "the state differs from the backup's (a restore would show)" test "${before}" != "${original}"
answer_case() {
    local what=$1 dir="${CLI_WORK}/abort_$2"
    shift 2
    run_ifn "${dir}" restore "${backups}/${file}" "$@"
    expect_exit "answer ${what}" 12
    expect_contains "answer ${what}: says aborted" "aborted" "${CLI_LAST_ERR}"
    expect_eq "answer ${what}: database unchanged" "${before}" "$(db_state "${db}")"
    expect_eq "answer ${what}: no safety snapshot" "" "$(snapshots_in "${dir}")"
}
answer_case "'oui'" lower <<<"oui"
answer_case "'OUI ' (trailing space)" space <<<"OUI "
answer_case "'' (empty line)" empty <<<""
answer_case "'non'" non <<<"non"
answer_case "EOF (</dev/null)" eof </dev/null
expect_contains "restore.log records the refusal" "not confirmed" "$(cat "${CLI_WORK}/abort_non/restore.log")"

# --- files refused before anything is touched
broken="${CLI_WORK}/broken"
mkdir -p "${broken}"
size=$(stat -c %s "${backups}/${file}")
head -c $((size / 2)) "${backups}/${file}" >"${broken}/truncated.sql.gz"
cp "${backups}/${file}" "${broken}/flipped.sql.gz"
offset=$((size / 2))
flip_byte "${broken}/flipped.sql.gz" "${offset}"
check "the flipped copy differs from the backup in one byte" \
    test "$(cmp -l "${backups}/${file}" "${broken}/flipped.sql.gz" | wc -l)" = 1
printf 'date;montant\n2026-01-01;1500\n2026-01-02;2500\n' | gzip -c >"${broken}/csv_not_sql.sql.gz"
head -c 20000 /dev/urandom | gzip -c >"${broken}/binary_not_sql.sql.gz"
gunzip -c "${backups}/${file}" | head -n -3 | gzip -c >"${broken}/cut_before_marker.sql.gz"
check "the cut copy is a valid gzip" gzip -t "${broken}/cut_before_marker.sql.gz"
check "the cut copy has no completion marker" \
    bash -c "! gunzip -c '${broken}/cut_before_marker.sql.gz' | grep -q '^-- Dump completed'"

refused_case() {
    local name=$1 code=$2 dir="${CLI_WORK}/refused_$1"
    run_ifn "${dir}" restore --yes "${broken}/${name}.sql.gz" </dev/null
    expect_exit "${name} is refused" "${code}"
    expect_contains "${name}: says nothing was restored" "nothing was restored" "${CLI_LAST_ERR}"
    expect_eq "${name}: database unchanged" "${before}" "$(db_state "${db}")"
    expect_eq "${name}: no safety snapshot" "" "$(snapshots_in "${dir}")"
}
refused_case truncated 11
refused_case flipped 10
refused_case csv_not_sql 10
refused_case binary_not_sql 10
refused_case cut_before_marker 11

# --- a missing file: exit 15, the folder and its three newest backups are named
several="${CLI_WORK}/several"
mkdir -m 0700 "${several}"
for stamp in 20250101_020000 20250102_020000 20250103_020000 20250104_020000; do
    cp "${backups}/${file}" "${several}/ifn_connect_backup_${stamp}.sql.gz"
done
run_ifn "${several}" restore --yes ifn_connect_backup_20250105_020000.sql.gz </dev/null
expect_exit "a missing backup file" 15
expect_contains "missing: says not found" "not found" "${CLI_LAST_ERR}"
expect_contains "missing: names the folder" "${several}" "${CLI_LAST_ERR}"
for stamp in 20250104 20250103 20250102; do
    expect_contains "missing: lists ${stamp}" "ifn_connect_backup_${stamp}_020000.sql.gz" "${CLI_LAST_ERR}"
done
expect_not_contains "missing: lists only the three newest" "20250101" "${CLI_LAST_ERR}"
expect_eq "missing: database unchanged" "${before}" "$(db_state "${db}")"

# --- no backup folder: a usage error before the question, not an I/O error after OUI
run env -u IFNBACKUP_BACKUP_DIR "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" \
    restore "${backups}/${file}" <<<"OUI"
all_err+="${CLI_LAST_ERR}"$'\n'
expect_exit "restore without --backup-dir" 2
expect_contains "no backup folder: says so" "no backup folder" "${CLI_LAST_ERR}"
expect_not_contains "no backup folder: asked nothing" "Type OUI" "${CLI_LAST_ERR}"
expect_eq "no backup folder: database unchanged" "${before}" "$(db_state "${db}")"

# --- restore.log
log="${backups}/restore.log"
check "restore.log exists" test -f "${log}"
expect_eq "restore.log is mode 600" 600 "$(stat -c %a "${log}")"
# --- --no-binlog: the restore's writes stay out of the binary log (other suites write to the same
# server meanwhile, so the log is searched for the copy's own name rather than its position compared)
nb="${db}_nb"
cli_on_exit "mariadb --defaults-file='${IFNBACKUP_TEST_DEFAULTS_FILE}' -e 'DROP DATABASE IF EXISTS \`${nb}\`'"
read -r log_file log_pos < <(sql -e "SHOW MASTER STATUS" | awk '{ print $1, $2 }')
check "the test server writes a binary log (${log_file}:${log_pos})" test -n "${log_pos}"
run_ifn "${backups}" restore --yes --no-binlog --into "${nb}" "${file}"
expect_exit "restore --no-binlog --into" 0
expect_contains "the plan says the binary log is off" "off for this restore (--no-binlog)" "${CLI_LAST_ERR}"
expect_eq "--no-binlog: the copy has the merchants" "$(sql "${db}" -e "SELECT COUNT(*) FROM merchants")" \
    "$(sql "${nb}" -e "SELECT COUNT(*) FROM merchants")"
if binlog_mentions "${log_file}" "${log_pos}" "${nb}"; then
    fail "--no-binlog: the binary log names ${nb}"
else
    pass "--no-binlog: no event of the binary log names ${nb}"
fi
read -r log_file log_pos < <(sql -e "SHOW MASTER STATUS" | awk '{ print $1, $2 }')
run_ifn "${backups}" restore --yes --into "${nb}" "${file}"
expect_exit "restore --into without --no-binlog" 0
check "without --no-binlog the binary log names ${nb}" binlog_mentions "${log_file}" "${log_pos}" "${nb}"
check "restore.log records --no-binlog" grep -q "binary logging is off for this restore" "${backups}/restore.log"

# An account that may not turn the binary log off is told so before anything is touched.
limited="rcli_nobinlog_$$"
limited_password="Pw-${RANDOM}-nobinlog"
sql -e "CREATE USER '${limited}'@'localhost' IDENTIFIED BY '${limited_password}';
    GRANT ALL PRIVILEGES ON \`${db}\`.* TO '${limited}'@'localhost'" || fail "creating ${limited}"
cli_on_exit "mariadb --defaults-file='${IFNBACKUP_TEST_DEFAULTS_FILE}' -e \"DROP USER IF EXISTS '${limited}'@'localhost'\""
limited_cnf="${CLI_WORK}/limited.cnf"
printf '[client]\nuser=%s\npassword=%s\nsocket=%s\n' "${limited}" "${limited_password}" \
    "${IFNBACKUP_TEST_SOCKET}" >"${limited_cnf}"
chmod 600 "${limited_cnf}"
before=$(db_state "${db}")
snapshots_before=$(snapshots_in "${backups}")
run "${CLI_BIN}" --defaults-file "${limited_cnf}" --database "${db}" --backup-dir "${backups}" \
    restore --yes --no-binlog "${file}"
expect_exit "--no-binlog without the privilege" 7
expect_contains "the message names the privilege" "BINLOG ADMIN" "${CLI_LAST_ERR}"
expect_contains "the message says nothing changed" "nothing was changed" "${CLI_LAST_ERR}"
expect_eq "--no-binlog refused: database unchanged" "${before}" "$(db_state "${db}")"
expect_eq "--no-binlog refused: no new safety snapshot" "${snapshots_before}" "$(snapshots_in "${backups}")"

# A server that accepts fewer connections than --threads asks for: the rows load on fewer, and the
# connections are all opened before anything is dropped, the content proof's first: a limit costs
# workers, never the proof (it needed a connection of its own at the first CREATE EVENT, when the
# workers held the rest). (4: the database's lock on the server holds one of its own, the restore's
# main connection another, the proof's reader one; the one left stays free for the account's other
# clients: a restore takes at most half of what is free. A connection refused all the same costs a
# worker: tests/cli/test_restore_lanes.sh.)
few="rcli_few_$$"
few_db="${db}_few"
cli_on_exit "mariadb --defaults-file='${IFNBACKUP_TEST_DEFAULTS_FILE}' -e 'DROP DATABASE IF EXISTS \`${few_db}\`'"
sql -e "CREATE USER '${few}'@'localhost' IDENTIFIED BY '${limited_password}' WITH MAX_USER_CONNECTIONS 4;
    GRANT ALL PRIVILEGES ON \`${few_db}\`.* TO '${few}'@'localhost';
    GRANT SUPER ON *.* TO '${few}'@'localhost'" || fail "creating ${few}"  # DEFINER clauses, triggers + binlog
cli_on_exit "mariadb --defaults-file='${IFNBACKUP_TEST_DEFAULTS_FILE}' -e \"DROP USER IF EXISTS '${few}'@'localhost'\""
few_cnf="${CLI_WORK}/few.cnf"
printf '[client]\nuser=%s\npassword=%s\nsocket=%s\n' "${few}" "${limited_password}" \
    "${IFNBACKUP_TEST_SOCKET}" >"${few_cnf}"
chmod 600 "${few_cnf}"
# The content proof reads on the proof's own connection and the load's (IFNBACKUP_TEST_PROOF_SPLIT_ROWS:
# every table with rows is cut into key ranges); of the account's 4, the restore leaves the free half to
# its other clients: no worker, the proof reads alone and still proves.
IFNBACKUP_TEST_PROOF_SPLIT_ROWS=1 run "${CLI_BIN}" --defaults-file "${few_cnf}" --database "${db}" \
    --backup-dir "${backups}" restore --yes --threads 4 --into "${few_db}" "${file}"
expect_exit "restore --threads 4 for an account limited to 4 connections" 0
expect_contains "it says it leaves room to the account's other clients" \
    "0 loading connections instead of 4 (at most half of those free: this account's max_user_connections 4" \
    "${CLI_LAST_ERR}"
expect_not_contains "no connection was refused" "the server refused another connection" "${CLI_LAST_ERR}"
expect_contains "the proof reads on its own connection only" "1 reading connections" "${CLI_LAST_ERR}"
expect_eq "the copy equals the other copy of the same file" "$(db_state "${nb}")" "$(db_state "${few_db}")"

# One connection fewer: no worker either; the rows load on the main connection and the proof, which
# never costs a connection of the load's, reads alone (exit 0: every table proven identical).
sql -e "ALTER USER '${few}'@'localhost' WITH MAX_USER_CONNECTIONS 3" || fail "limiting ${few} to 3"
IFNBACKUP_TEST_PROOF_SPLIT_ROWS=1 run "${CLI_BIN}" --defaults-file "${few_cnf}" --database "${db}" \
    --backup-dir "${backups}" restore --yes --threads 4 --into "${few_db}" "${file}"
expect_exit "restore --threads 4 for an account limited to 3 connections" 0
expect_contains "no loading connection: the rows load on the main one" "0 loading connections instead of 4" "${CLI_LAST_ERR}"
expect_contains "the proof reads alone, and proves" "1 reading connections" "${CLI_LAST_ERR}"
expect_eq "that copy equals the other copy too" "$(db_state "${nb}")" "$(db_state "${few_db}")"

# An account that allows only 2 connections at once: the restore's lock holds one, the load's main one
# the other, and the content proof's is refused. The load opens its connections before it drops
# anything: the database was never touched, so the restore stops there and says so, instead of
# loading the whole safety snapshot back as a "roll-back" (it did, and named a "failing statement").
two="rcli_two_$$"
sql -e "CREATE USER '${two}'@'localhost' IDENTIFIED BY '${limited_password}' WITH MAX_USER_CONNECTIONS 2;
    GRANT ALL PRIVILEGES ON \`${few_db}\`.* TO '${two}'@'localhost';
    GRANT SUPER ON *.* TO '${two}'@'localhost'" || fail "creating ${two}"
cli_on_exit "mariadb --defaults-file='${IFNBACKUP_TEST_DEFAULTS_FILE}' -e \"DROP USER IF EXISTS '${two}'@'localhost'\""
two_cnf="${CLI_WORK}/two.cnf"
printf '[client]\nuser=%s\npassword=%s\nsocket=%s\n' "${two}" "${limited_password}" \
    "${IFNBACKUP_TEST_SOCKET}" >"${two_cnf}"
chmod 600 "${two_cnf}"
sql "${few_db}" -e "CREATE TABLE since_the_backup (id INT PRIMARY KEY); INSERT INTO since_the_backup VALUES (7)"
two_before=$(db_state "${few_db}")
run "${CLI_BIN}" --defaults-file "${two_cnf}" --database "${db}" --backup-dir "${backups}" \
    restore --yes --threads 2 --into "${few_db}" "${file}"
expect_exit "restore for an account limited to 2 connections: the connection's exit code" 4
expect_contains "it says nothing was changed" "restore stopped before anything was changed" "${CLI_LAST_ERR}"
expect_contains "it names the limit" "max_user_connections" "${CLI_LAST_ERR}"
expect_contains "its hint tells how many connections the restore needs" "MAX_USER_CONNECTIONS" "${CLI_LAST_ERR}"
expect_not_contains "no roll-back was loaded" "rolling back" "${CLI_LAST_ERR}"
expect_not_contains "no failing statement is named" "failing statement" "${CLI_LAST_ERR}"
expect_eq "the database is as it was, the table made since the backup too" "${two_before}" "$(db_state "${few_db}")"

# --- a database without tables: our file has a manifest of no table; the restore must not call it
# a mysqldump file
empty_db=$(cli_unique_db rempty)
sql -e "CREATE DATABASE \`${empty_db}\`"
run "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${empty_db}" --backup-dir "${backups}" backup
expect_exit "backup of a database without tables" 0
empty_file=$(find "${backups}" -maxdepth 1 -name 'ifn_connect_backup_*.sql.gz' -printf '%T@ %p\n' | sort -n | tail -1 | cut -d' ' -f2)
run "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${empty_db}" --backup-dir "${backups}" \
    restore "${empty_file}" --into "${empty_db}_copy" --yes
expect_exit "its restore into a new database" 0
expect_not_contains "no 'mysqldump's' warning for our own file" "mysqldump's" "${CLI_LAST_ERR}"
sql -e "DROP DATABASE IF EXISTS \`${empty_db}\`; DROP DATABASE IF EXISTS \`${empty_db}_copy\`"

log_text=$(cat "${log}")
expect_contains "restore.log names the file" "${file}" "${log_text}"
expect_contains "restore.log names the target database" "into '${db}'" "${log_text}"
expect_contains "restore.log names the safety snapshot" "${snapshot}" "${log_text}"
expect_contains "restore.log records the OUI" "confirmed: OUI typed" "${log_text}"
expect_contains "restore.log records --yes" "confirmed by --yes" "${log_text}"
if [[ -n "${IFNBACKUP_TEST_PASSWORD:-}" ]]; then
    expect_not_contains "no restore.log holds the password" "${IFNBACKUP_TEST_PASSWORD}" \
        "$(find "${CLI_WORK}" -name restore.log -exec cat {} +)"
    expect_not_contains "no output holds the password" "${IFNBACKUP_TEST_PASSWORD}" "${all_err}"
else
    fail "IFNBACKUP_TEST_PASSWORD is not set: cannot check that the password stays out of the log"
fi

cli_finish
