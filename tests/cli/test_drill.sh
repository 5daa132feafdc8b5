#!/usr/bin/env bash
# ifnbackup drill end to end (the procedure's weekly restore test): the newest backup restored into
# <database>_drill, every table proven, the time reported, the scratch database dropped (or kept with
# --keep, and dropped by the next drill); the configured database untouched and no safety snapshot;
# a database that is not a drill's refused untouched (exit 2); a corrupt file (10) and a failing load
# (13; kept with --keep, 14) leave no scratch database; --no-binlog keeps the drops out of the binary
# log; each run one journal line; status, check and the metrics report it.
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cli_init
command -v python3 >/dev/null 2>&1 || cli_skip "python3 is needed to read the journal and status --json"
cli_use_server

db=$(cli_unique_db drill)
scratch="${db}_drill"
cli_load_db "${db}" "${CLI_DATA_DIR}/sample.sql" || fail "load sample.sql"
cli_on_exit "mariadb --defaults-file='${IFNBACKUP_TEST_DEFAULTS_FILE}' -e 'DROP DATABASE IF EXISTS \`${scratch}\`'"
dir="${CLI_WORK}/backups"

exists() {
    [[ "$(sql -e "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '$1'")" == 1 ]]
}
absent() {
    ! exists "$1"
}
# journal FIELD: that field of the journal's last line.
journal() {
    python3 -c 'import json, sys; print(json.loads(open(sys.argv[1]).readlines()[-1])[sys.argv[2]])' \
        "${dir}/journal.jsonl" "$1"
}
# What the source holds, table by table: it must never change.
fingerprint() {
    sql "${db}" -e "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY 1" |
        while read -r table; do sql "${db}" -e "CHECKSUM TABLE \`${table}\` EXTENDED"; done
}

run ifn -q backup
expect_exit "backup" 0
backup=$(final_backups "${dir}")
tables=$(sql "${db}" -e "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'")
before=$(fingerprint)

# --- no drill yet: check warns
run "${CLI_BIN}" --backup-dir "${dir}" check
expect_exit "check before any drill" 1
expect_contains "check: no drill is a warning" "no restore drill in the journal" "${CLI_LAST_OUT}"

# --- the drill of latest (the default)
drill_started=$(date +%s)
run ifn drill --metrics-file "${CLI_WORK}/drill.prom"
drill_ended=$(date +%s)
expect_exit "drill" 0
expect_contains "drill: the summary" \
    "drill ok: ${backup} restored into '${scratch}' and proven (${tables} of ${tables} tables identical) in" "${CLI_LAST_OUT}"
expect_contains "drill: the table of proofs" "merchants" "${CLI_LAST_OUT}"
expect_contains "drill: every table identical" "identical" "${CLI_LAST_OUT}"
expect_not_contains "drill: nothing differs" "DIFFERENT" "${CLI_LAST_OUT}"
check "drill: the scratch database is dropped" absent "${scratch}"
expect_eq "drill: the source is untouched" "${before}" "$(fingerprint)"
expect_eq "drill: no safety snapshot" "" "$(find "${dir}" -name 'pre_restore_safety_*')"
check "drill: drill.log was written" grep -q "drill: restoring .*${backup} into the scratch database '${scratch}'" "${dir}/drill.log"
expect_eq "journal: a drill line" "drill ok 0" "$(journal command) $(journal result) $(journal exit_code)"
expect_eq "journal: the file drilled" "${backup}" "$(journal file)"
expect_eq "journal: the scratch database" "${scratch}" "$(journal database)"
expect_eq "journal: tables checked and proven" "${tables} ${tables}" "$(journal tables) $(journal tables_proven)"
check "journal: the restore's time (RTO) is within the run's" \
    python3 -c "import sys; sys.exit(not 0 < $(journal restore_ms) <= $(journal duration_ms))"
expect_eq "metrics: the drill succeeded" 1 "$(sed -n 's/^ifnbackup_last_drill_success{.*} //p' "${CLI_WORK}/drill.prom")"
check "metrics: its duration" python3 -c "import sys; sys.exit(not float('$(sed -n 's/^ifnbackup_last_drill_duration_seconds{.*} //p' "${CLI_WORK}/drill.prom")') > 0)"
# (between the drill's start and end, not "within a minute of now": the checks above take longer on a loaded machine)
check "metrics: its time, during the drill" python3 -c "import sys; sys.exit(not ${drill_started} - 1 <= float('$(sed -n 's/^ifnbackup_last_drill_success_timestamp_seconds{.*} //p' "${CLI_WORK}/drill.prom")') <= ${drill_ended} + 1)"

run "${CLI_BIN}" --backup-dir "${dir}" check
expect_exit "check after a good drill" 0
expect_contains "check: the drill is said" "restore drill " "${CLI_LAST_OUT}"
expect_contains "check: its perfdata" " drill_age=" "${CLI_LAST_OUT}"
run "${CLI_BIN}" --backup-dir "${dir}" status
expect_exit "status" 0
expect_contains "status: the last drill, what it proved and the RTO" \
    "${backup} into ${scratch}: ${tables} of ${tables} tables proven, restored in" "${CLI_LAST_OUT}"
run "${CLI_BIN}" --backup-dir "${dir}" status --json
expect_eq "status --json: the last drill" "ok ${scratch} ${tables}" \
    "$(python3 -c 'import json,sys; d=json.load(sys.stdin)["last_runs"]["drill"]; print(d["result"], d["database"], d["tables_proven"])' <<<"${CLI_LAST_OUT}")"

# --- --keep: the scratch database stays, recorded as the drill's; the next drill drops it
run ifn -q drill "${backup}" --keep
expect_exit "drill --keep" 0
expect_eq "-q: nothing on stdout" "" "${CLI_LAST_OUT}"
check "--keep: the scratch database is there" exists "${scratch}"
expect_eq "--keep: it holds the merchants" "$(sql "${db}" -e 'SELECT COUNT(*) FROM merchants')" \
    "$(sql "${scratch}" -e 'SELECT COUNT(*) FROM merchants')"
check "--keep: recorded as the drill's" grep -qP "\t${scratch}\$" "${dir}/.ifnbackup-drill.tsv"
run ifn drill
expect_exit "the next drill" 0
check "the next drill drops the previous scratch database first" \
    grep -q "dropping '${scratch}', the scratch database a previous drill left" "${dir}/drill.log"
check "and its own at the end" absent "${scratch}"
expect_eq "nothing left recorded" "" "$(cat "${dir}/.ifnbackup-drill.tsv")"

# --- --no-binlog: the load and the drill's own drops stay out of the binary log (a replica that never
# got the scratch database would stop on its DROP)
read -r log_file log_pos < <(sql -e "SHOW MASTER STATUS" | awk '{ print $1, $2 }')
check "the test server writes a binary log (${log_file}:${log_pos})" test -n "${log_pos}"
run ifn -q drill --no-binlog --keep
expect_exit "drill --no-binlog --keep" 0
run ifn -q drill --no-binlog
expect_exit "drill --no-binlog over the kept one" 0
check "--no-binlog: both drills dropped what they made" absent "${scratch}"
if binlog_mentions "${log_file}" "${log_pos}" "${scratch}"; then
    fail "--no-binlog: the binary log names ${scratch}" "$(sql -e "SHOW BINLOG EVENTS IN '${log_file}' FROM ${log_pos}" | grep -F "${scratch}" | head -3)"
else
    pass "--no-binlog: no event of the binary log names ${scratch} (load, drop of the previous one, drop)"
fi

# --- a database that is not a drill's: refused, untouched
foreign=$(cli_unique_db drill_foreign)
cli_create_db "${foreign}"
sql "${foreign}" -e "CREATE TABLE precious (id INT PRIMARY KEY); INSERT INTO precious VALUES (42)"
run ifn drill --into "${foreign}"
expect_exit "drill --into a database that is not a drill's" 2
expect_contains "it says why" "database '${foreign}' exists" "${CLI_LAST_ERR}"
expect_contains "and that nothing changed" "is not a drill's scratch database: the drill never touches it; nothing was changed" \
    "${CLI_LAST_ERR}"
expect_contains "with a hint" "hint: name another scratch database with --into" "${CLI_LAST_ERR}"
expect_eq "its table is untouched" 42 "$(sql "${foreign}" -e 'SELECT id FROM precious')"
expect_eq "journal: the refusal" "drill usage ${foreign}" "$(journal command) $(journal result) $(journal database)"
run "${CLI_BIN}" --backup-dir "${dir}" check
expect_exit "check after a failed drill" 2
expect_contains "check: the last drill failed" "IFNBACKUP CRITICAL - last restore drill failed" "${CLI_LAST_OUT}"

run ifn drill --into "${db}"
expect_exit "drill --into the configured database" 2
expect_contains "refused" "is the configured database: a drill never touches it" "${CLI_LAST_ERR}"
expect_eq "the source is untouched" "${before}" "$(fingerprint)"

# --- a corrupt file: refused before anything, no scratch database
cp "${dir}/${backup}" "${CLI_WORK}/damaged.sql.gz"
size=$(stat -c %s "${CLI_WORK}/damaged.sql.gz")
printf 'garbage!' | dd of="${CLI_WORK}/damaged.sql.gz" bs=1 seek=$((size / 2)) conv=notrunc status=none
run ifn drill "${CLI_WORK}/damaged.sql.gz"
expect_exit "drill of a corrupt file" 10
expect_contains "drill: says so" "drill failed: " "${CLI_LAST_ERR}"
check "no scratch database after a corrupt file" absent "${scratch}"
expect_eq "journal: corrupt" "drill corrupt 10" "$(journal command) $(journal result) $(journal exit_code)"
expect_eq "nothing recorded after a refused file" "" "$(cat "${dir}/.ifnbackup-drill.tsv")"

# --- a load that fails half way: rolled back, i.e. the scratch database dropped (13). The good backup,
# drilled by an account that may create and drop the scratch database but not insert into it.
limited="drill_noinsert_$$"
limited_password="Pw-${RANDOM}-noinsert"
sql -e "CREATE USER '${limited}'@'localhost' IDENTIFIED BY '${limited_password}';
    GRANT CREATE, DROP, SELECT, ALTER, INDEX ON \`${scratch}\`.* TO '${limited}'@'localhost'" || fail "creating ${limited}"
cli_on_exit "mariadb --defaults-file='${IFNBACKUP_TEST_DEFAULTS_FILE}' -e \"DROP USER IF EXISTS '${limited}'@'localhost'\""
limited_cnf="${CLI_WORK}/limited.cnf"
(umask 077 && printf '[client]\nuser=%s\npassword=%s\nsocket=%s\n' "${limited}" "${limited_password}" \
    "${IFNBACKUP_TEST_SOCKET}" >"${limited_cnf}")
run "${CLI_BIN}" --defaults-file "${limited_cnf}" --database "${db}" --backup-dir "${dir}" drill
expect_exit "drill whose load fails" 13
expect_contains "the hint: dropped" "hint: the scratch database '${scratch}' was dropped; drill.log names the failing statement" \
    "${CLI_LAST_ERR}"
check "no scratch database after a failed load" absent "${scratch}"
expect_eq "journal: rolled back" "drill restore_rolled_back 13" "$(journal command) $(journal result) $(journal exit_code)"
run "${CLI_BIN}" --defaults-file "${limited_cnf}" --database "${db}" --backup-dir "${dir}" drill --keep
expect_exit "drill --keep whose load fails" 14
expect_contains "the hint: kept to look at" "hint: --keep: '${scratch}' is left as the failed load left it" "${CLI_LAST_ERR}"
check "--keep: the failed load is left to look at" exists "${scratch}"
expect_eq "the source is still untouched" "${before}" "$(fingerprint)"
expect_eq "no safety snapshot, ever" "" "$(find "${dir}" -name 'pre_restore_safety_*')"

# --- the good backup drills again over the failed --keep's scratch database
run ifn -q drill
expect_exit "a drill after the failed ones" 0
check "its scratch database is gone" absent "${scratch}"
run "${CLI_BIN}" --backup-dir "${dir}" check
expect_exit "check once a drill succeeded again" 0
run "${CLI_BIN}" --backup-dir "${dir}" list
expect_exit "list" 0
expect_not_contains "list: drill.log, the drill's lock and record are not counted as others' files" "other file(s)" \
    "${CLI_LAST_OUT}"

cli_finish
