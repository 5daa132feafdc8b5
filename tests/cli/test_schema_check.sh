#!/usr/bin/env bash
# The schema check of every backup (issue 19): the new file's schema, without rows, loaded into a
# scratch database ifnbackup_schemacheck_<16 random hex digits> and dropped. A sample database passes (exit 0, said in
# backup.log, remembered as "passed"); a view over a dropped table — which backs up and verifies, and
# which no one can restore — makes the backup exit 21, the file kept and marked NOT RESTORABLE in list,
# verify --json, status and check (critical, exit 2); `restore latest` and the retention floor pass it
# over; an account that may not create the scratch database gets a warning and exit 0; --no-schema-check
# skips it.
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cli_init
command -v python3 >/dev/null 2>&1 || cli_skip "python3 is needed to read verify --json and status --json"
cli_use_server

db=$(cli_unique_db schk)
cli_load_db "${db}" "${CLI_DATA_DIR}/sample.sql" || fail "load sample.sql"
dir="${CLI_WORK}/backups"

ifn() {
    "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" --backup-dir "${dir}" "$@"
}
# The scratch database the last run names in its log, if it still exists (other suites' backups run their
# own schema checks on the same server at the same time: only this run's name is looked for).
scratch_left() {
    local name
    name=$(grep -o "scratch database 'ifnbackup_schemacheck_[0-9a-f]*'" <<<"${CLI_LAST_ERR}" | head -n 1 | cut -d"'" -f2)
    [[ -n "${name}" ]] || { echo "no scratch name in the log"; return; }
    sql -e "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '${name}'"
}
newest_backup() {
    find "${dir}" -maxdepth 1 -name 'ifn_connect_backup_*.sql.gz' -printf '%f\n' | sort | tail -1
}
state_of() {
    awk -F'\t' -v name="$1" '$1 == name { print $11 }' "${dir}/.ifnbackup-verify.tsv"
}

# --- a sample database passes
run ifn backup
expect_exit "backup of the sample database" 0
expect_contains "the log says the schema was loaded" "schema check: " "${CLI_LAST_ERR}"
good=$(newest_backup)
expect_eq "the state remembers it passed" "passed" "$(state_of "${good}")"
expect_eq "no scratch database is left" "0" "$(scratch_left)"
sleep 1  # the next backup's name is one second later

# --- a view over a dropped table: backs up and verifies, restores nowhere
sql "${db}" -e "CREATE TABLE doomed (id INT); CREATE VIEW orphan AS SELECT id FROM doomed; DROP TABLE doomed"
run ifn backup
expect_exit "backup with a view over a dropped table" 21
expect_contains "the message says not restorable" "NOT RESTORABLE as is" "${CLI_LAST_ERR}"
expect_contains "it names the view's statement" "orphan" "${CLI_LAST_ERR}"
bad=$(newest_backup)
check "the file is kept" test -f "${dir}/${bad}"
check "gzip -t passes on it" gzip -t "${dir}/${bad}"
expect_contains "the state remembers the failure" "FAILED" "$(state_of "${bad}")"
expect_eq "no scratch database is left" "0" "$(scratch_left)"

run ifn list
expect_exit "list" 0
expect_contains "list marks it" "NOT RESTORABLE" "$(grep -F "${bad}" <<<"${CLI_LAST_OUT}")"

run ifn verify "${bad}" --json
expect_eq "verify --json: the file is whole" "true" \
    "$(python3 -c 'import json,sys; print(str(json.load(sys.stdin)["files"][0]["ok"]).lower())' <<<"${CLI_LAST_OUT}")"
expect_eq "verify --json: not restorable" "false" \
    "$(python3 -c 'import json,sys; print(str(json.load(sys.stdin)["files"][0]["restorable"]).lower())' <<<"${CLI_LAST_OUT}")"
expect_contains "verify --json: the schema check's words" "FAILED" "${CLI_LAST_OUT}"
expect_contains "a verification keeps the mark" "FAILED" "$(state_of "${bad}")"
expect_eq "verify --json: the source database (issue 18)" "${db}" \
    "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["files"][0]["database"])' <<<"${CLI_LAST_OUT}")"
run ifn verify "${good}"
expect_contains "verify names the source database" "database '${db}'" "${CLI_LAST_OUT}"

run ifn status --json
expect_eq "status --json: newest not restorable" "true" \
    "$(python3 -c 'import json,sys; print(str(json.load(sys.stdin)["newest_not_restorable"]).lower())' <<<"${CLI_LAST_OUT}")"
run ifn status
expect_contains "status says so" "NOT RESTORABLE" "${CLI_LAST_OUT}"

run ifn check
expect_exit "check is critical" 2
expect_contains "check names the file" "${bad} is not restorable as is" "${CLI_LAST_OUT}${CLI_LAST_ERR}"

run ifn restore latest --into "${db}_copy" --yes
cli_on_exit "mariadb --defaults-file='${IFNBACKUP_TEST_DEFAULTS_FILE}' -e 'DROP DATABASE IF EXISTS \`${db}_copy\`'"
expect_exit "restore latest" 0
expect_contains "restore latest chose the good one" "${good}" "${CLI_LAST_ERR}"

run ifn rotate --retention-days 0 --min-keep 1 --dry-run
expect_exit "rotate --dry-run" 0
expect_contains "the floor keeps the good one" "${good}" "$(grep -i "keep" <<<"${CLI_LAST_OUT}${CLI_LAST_ERR}")"

# --- a database that happens to bear a scratch-like name is never dropped, and two backups whose
# processes have the same pid (containers, two hosts on one server) do not share a scratch database
sql -e "CREATE DATABASE ifnbackup_schemacheck_keepme; CREATE TABLE ifnbackup_schemacheck_keepme.precious (x INT);
    INSERT INTO ifnbackup_schemacheck_keepme.precious VALUES (42)"
cli_on_exit "mariadb --defaults-file='${IFNBACKUP_TEST_DEFAULTS_FILE}' -e 'DROP DATABASE IF EXISTS ifnbackup_schemacheck_keepme'"
if unshare -p -f --mount-proc true 2>/dev/null; then
    twin_a=$(cli_unique_db schka)
    twin_b=$(cli_unique_db schkb)
    for twin in "${twin_a}" "${twin_b}"; do
        {
            echo "CREATE DATABASE \`${twin}\`; USE \`${twin}\`;"
            for i in $(seq 1 150); do
                echo "CREATE TABLE t${i} (id INT PRIMARY KEY, v VARCHAR(20), KEY (v)); CREATE VIEW v${i} AS SELECT id FROM t${i};"
            done
        } | sql || fail "creating ${twin}"
        cli_on_exit "mariadb --defaults-file='${IFNBACKUP_TEST_DEFAULTS_FILE}' -e 'DROP DATABASE IF EXISTS \`${twin}\`'"
        mkdir -m 700 "${CLI_WORK}/bk_${twin}"
    done
    twin_backup() {
        unshare -p -f --mount-proc "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "$1" \
            --backup-dir "${CLI_WORK}/bk_$1" backup >"${CLI_WORK}/twin_$1.log" 2>&1
    }
    twin_backup "${twin_a}" &
    pid_a=$!
    twin_backup "${twin_b}" &
    pid_b=$!
    wait "${pid_a}"
    exit_a=$?
    wait "${pid_b}"
    exit_b=$?
    expect_eq "two backups as pid 1 at once: the first passes" "0" "${exit_a}"
    expect_eq "two backups as pid 1 at once: the second passes" "0" "${exit_b}"
    expect_not_contains "neither was marked not restorable" "NOT RESTORABLE" \
        "$(cat "${CLI_WORK}/twin_${twin_a}.log" "${CLI_WORK}/twin_${twin_b}.log")"
else
    echo "skip: unshare -p (a pid namespace) is not available here: the same-pid case is not run"
fi
expect_eq "the database with a scratch-like name is untouched" "42" \
    "$(sql -e 'SELECT x FROM ifnbackup_schemacheck_keepme.precious')"

# --- an account that may not create the scratch database: a warning, exit 0
limited="schk_limited_$$"
limited_password="Pw-${RANDOM}-schk"
sql -e "CREATE USER '${limited}'@'localhost' IDENTIFIED BY '${limited_password}';
    GRANT SELECT, SHOW VIEW, TRIGGER, EVENT, LOCK TABLES ON \`${db}\`.* TO '${limited}'@'localhost'" ||
    fail "creating ${limited}"
cli_on_exit "mariadb --defaults-file='${IFNBACKUP_TEST_DEFAULTS_FILE}' -e \"DROP USER IF EXISTS '${limited}'@'localhost'\""
sql "${db}" -e "DROP VIEW orphan"
limited_cnf="${CLI_WORK}/limited.cnf"
(umask 077 && printf '[client]\nuser=%s\npassword=%s\nsocket=%s\n' "${limited}" "${limited_password}" \
    "${IFNBACKUP_TEST_SOCKET}" >"${limited_cnf}")
sleep 1
run "${CLI_BIN}" --defaults-file "${limited_cnf}" --database "${db}" --backup-dir "${dir}" backup
expect_exit "backup by an account that may not create a database" 0
expect_contains "it warns that the check did not run" "schema check not run" "${CLI_LAST_ERR}"
expect_contains "the state says not run" "not run" "$(state_of "$(newest_backup)")"

# --- --no-schema-check
sleep 1
run ifn backup --no-schema-check
expect_exit "backup --no-schema-check" 0
expect_not_contains "no schema check" "schema check" "${CLI_LAST_ERR}"
expect_eq "nothing remembered" "" "$(state_of "$(newest_backup)")"

cli_finish
