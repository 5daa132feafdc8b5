#!/usr/bin/env bash
# Issue 18, through the built binary against a real server:
# - item 4: one of our backups with its checksum line removed is CORRUPT, never "OK (legacy)"; a
#   forged file dated 2099 holding only "-- Dump completed" is neither "latest" nor in the floor
#   (rotate --retention-days 30 --min-keep 1 removed both real backups, restore latest chose it);
# - item 5: --retention-days / --safety-retention-days 999999 keep for ever; every day and count
#   option has a range, refused in words;
# - item 8: bare names in the backup folder first, ./name in the current one; verify in a folder it
#   cannot write; control bytes escaped on the terminal and in the logs; the messages of a too long
#   --database, --min-keep 0, "hint: hint:" and --config naming a folder; doctor and owners.
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cli_init
cli_use_server

db=$(cli_unique_db fake)
cli_load_db "${db}" "${CLI_DATA_DIR}/sample.sql" || fail "loading sample.sql"
W=${CLI_WORK}
dir="${W}/backups"
now=$(date +%s)
ESC=$'\033'

# stamp DAYS: the local YYYYMMDD_HHMMSS of DAYS days before the suite started.
stamp() {
    date -d "@$((now - $1 * 86400))" +%Y%m%d_%H%M%S
}

# --- two real backups, dated 40 and 41 days ago by their names
run ifn -q backup --no-rotate
expect_exit "the first real backup" 0
first=$(final_backups "${dir}" | head -n 1)
real41="ifn_connect_backup_$(stamp 41).sql.gz"
mv "${dir}/${first}" "${dir}/${real41}"
run ifn -q backup --no-rotate
expect_exit "the second real backup" 0
second=$(final_backups "${dir}" | grep -v "${real41}" | head -n 1)
real40="ifn_connect_backup_$(stamp 40).sql.gz"
mv "${dir}/${second}" "${dir}/${real40}"
if [[ ! -f "${dir}/${real40}" || ! -f "${dir}/${real41}" ]]; then
    fail "two real backups exist: nothing else can be tested"
    cli_finish
fi
keep="${W}/real.sql.gz"  # a copy for the cases below, whatever rotate does to the folder
cp -p "${dir}/${real40}" "${keep}"

# --- item 4: the checksum line removed, re-gzipped
gunzip -c "${dir}/${real40}" | grep -v '^-- ifnbackup-sha256: ' | gzip >"${W}/stripped.sql.gz"
check "the stripped file is valid gzip (gzip -t alone accepts it)" gzip -t "${W}/stripped.sql.gz"
run ifn verify "${W}/stripped.sql.gz"
expect_exit "verify of a backup without its checksum line" 10
expect_contains "it is CORRUPT, naming the missing line" \
    "CORRUPT: stripped.sql.gz: content checksum line missing: the header says ifnbackup wrote this file" \
    "${CLI_LAST_OUT}"
expect_not_contains "never OK (legacy)" "OK" "$(head -n 1 <<<"${CLI_LAST_OUT}")"

# --- item 4: the forged file, dated 2099, holding only the completion marker
forged="ifn_connect_backup_20991231_000000.sql.gz"
printf -- '-- Dump completed\n' | gzip >"${dir}/${forged}"
chmod 600 "${dir}/${forged}"
run ifn verify "${forged}"
expect_exit "verify of the forged file (a legacy file, whole)" 0
expect_contains "verify says it holds no table" "holds no table: never 'latest', not in --min-keep" "${CLI_LAST_OUT}"
into=$(cli_unique_db fakeinto)
cli_on_exit "mariadb --defaults-file='${IFNBACKUP_TEST_DEFAULTS_FILE}' -e 'DROP DATABASE IF EXISTS \`${into}\`'"
run ifn restore latest --yes --into "${into}"
expect_exit "restore latest --into a scratch database" 0
expect_contains "restore latest chose the newest real backup" "${dir}/${real40}" "$(grep -E '^  file +' <<<"${CLI_LAST_ERR}")"
expect_eq "its rows are loaded" "$(sql "${db}" -e 'SELECT COUNT(*) FROM transactions')" \
    "$(sql "${into}" -e 'SELECT COUNT(*) FROM transactions' 2>&1)"
run ifn list
expect_contains "list: the forged file is OK but holds no table" "OK legacy, no table" "${CLI_LAST_OUT}"
expect_contains "list: the newest good backup is the newest real one" "newest good backup: ${real40}" \
    "${CLI_LAST_OUT}"

run ifn rotate --retention-days 30 --min-keep 1
expect_exit "rotate --retention-days 30 --min-keep 1" 0
check "the newest real backup survives the rotation" test -f "${dir}/${real40}"
expect_contains "it is kept by the floor" "floor: the newest good backup" \
    "$(grep -F "${real40}" <<<"${CLI_LAST_OUT}")"
expect_contains "the forged file is not counted" "not counted in the floor" \
    "$(grep -F "${forged}" <<<"${CLI_LAST_OUT}")"
check "the older real backup is removed (past 30 days, not the floor)" test ! -f "${dir}/${real41}"

# --- item 5: huge retentions keep for ever (a folder of backups and snapshots 40 to 1000 days old)
old="${W}/old"
mkdir -p "${old}"
for age in 40 200 400 1000; do
    cp -p "${keep}" "${old}/ifn_connect_backup_$(stamp "${age}").sql.gz"
    cp -p "${keep}" "${old}/pre_restore_safety_$(stamp "${age}").sql.gz"
done
check "the old folder holds 8 files" test "$(final_backups "${old}" | wc -l)" -eq 8
# The other option at 100 years, which a clock duration holds: only the option tried can overflow.
for option in --retention-days --safety-retention-days; do
    other=--safety-retention-days
    [[ "${option}" == --safety-retention-days ]] && other=--retention-days
    for days in 999999 1000000 106752; do
        run "${CLI_BIN}" --backup-dir "${old}" rotate --dry-run "${option}" "${days}" "${other}" 36500
        expect_exit "rotate ${option} ${days}" 0
        expect_contains "${option} ${days}: nothing would be removed" \
            "dry run: 0 file(s) would be removed" "${CLI_LAST_OUT}"
        expect_not_contains "${option} ${days}: no 'past the retention'" "past the" "${CLI_LAST_OUT}"
    done
done
run "${CLI_BIN}" --backup-dir "${old}" rotate --retention-days 999999 --safety-retention-days 999999
expect_exit "rotate (not a dry run) with 999999 days" 0
check "every file is still there" test "$(final_backups "${old}" | wc -l)" -eq 8
expect_contains "the snapshots say why" "safety snapshot within 999999 days" "${CLI_LAST_OUT}"

# Ranges, in words, exit 2 (usage), from the command line, the environment and the config file.
expect_range() {
    local what=$1 needle=$2
    shift 2
    run "$@"
    expect_exit "${what}" 2
    expect_contains "${what}: says the range" "${needle}" "${CLI_LAST_ERR}${CLI_LAST_OUT}"
    expect_not_contains "${what}: no double in the message" "0.000000" "${CLI_LAST_ERR}${CLI_LAST_OUT}"
    expect_not_contains "${what}: no 1.79e308" "e+308" "${CLI_LAST_ERR}${CLI_LAST_OUT}"
}
expect_range "--min-keep 0" "give a whole number of backups from 1 to 1000000 (at least 1: rotation must never" \
    ifn rotate --dry-run --min-keep 0
expect_range "--retention-days 1000001" "1000001 is out of range: give a whole number of days from 0 to 1000000" \
    ifn rotate --dry-run --retention-days 1000001
expect_range "--retention-days 99999999999999999999" "is out of range: give a whole number of days" \
    ifn rotate --dry-run --retention-days 99999999999999999999
expect_range "--safety-retention-days -1" "-1 is out of range: give a whole number of days from 0 to 1000000" \
    ifn rotate --dry-run --safety-retention-days=-1
expect_range "--keep-daily abc" "'abc' is not a whole number of backups from 0 to 1000000" \
    ifn rotate --dry-run --keep-daily abc
expect_range "--keep-weekly 2.5" "'2.5' is not a whole number of backups" ifn rotate --dry-run --keep-weekly 2.5
expect_range "IFNBACKUP_MIN_KEEP=0" "at least 1" env IFNBACKUP_MIN_KEEP=0 "${CLI_BIN}" --backup-dir "${dir}" \
    rotate --dry-run
printf '[ifnbackup]\nkeep-monthly = 1000001\n' >"${W}/range.conf"
expect_range "keep-monthly = 1000001 in a config file" "out of range: give a whole number of backups from 0" \
    "${CLI_BIN}" --config "${W}/range.conf" --backup-dir "${dir}" rotate --dry-run
run ifn rotate --dry-run --min-keep 1000000 --keep-daily 1000000 --keep-weekly 1000000 --keep-monthly 1000000
expect_exit "every count at its maximum" 0
expect_range "check --min-free-percent 120" "120 is out of range: give a number from 0 to 100 (percent)" \
    "${CLI_BIN}" --backup-dir "${dir}" check --min-free-percent 120
expect_range "check --max-age-hours 0" "0 is out of range: give a number from 0.01 to 876000 (hours)" \
    "${CLI_BIN}" --backup-dir "${dir}" check --max-age-hours 0
expect_range "check --drill-max-age-days -1" "-1 is out of range: give a number from 0 to 36500 (days)" \
    "${CLI_BIN}" --backup-dir "${dir}" check --drill-max-age-days=-1
# Only 0 turns the drill alerts off: a tiny positive value rounded to it (issue 11 hostile review).
run "${CLI_BIN}" --backup-dir "${dir}" check --drill-max-age-days 0.000001
expect_contains "check --drill-max-age-days 0.000001 still alerts on drills" "restore drill" "${CLI_LAST_OUT}"
run "${CLI_BIN}" --backup-dir "${dir}" check --drill-max-age-days 0
expect_not_contains "check --drill-max-age-days 0: no drill alert" "restore drill" "${CLI_LAST_OUT}"

# --- item 8 (iv): messages
long=$(printf 'a%.0s' {1..72})
run "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${long}" --backup-dir "${dir}" backup
expect_exit "a 72-character --database" 2
expect_contains "the name is too long (64 max)" "is too long: 72 characters, 64 at most" "${CLI_LAST_ERR}"
expect_not_contains "no host/socket hint" "socket" "${CLI_LAST_ERR}"
run "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "$(printf 'é%.0s' {1..64})" \
    --backup-dir "${W}/none" backup
expect_exit "64 characters (128 bytes) is a name the server may hold: unknown database" 9
run "${CLI_BIN}" --backup-dir "${W}/no-such-folder" list
expect_exit "list of a missing folder" 6
expect_contains "one hint line" "hint: check that the folder exists" "${CLI_LAST_ERR}"
expect_not_contains "never 'hint: hint:'" "hint: hint:" "${CLI_LAST_ERR}"
mkdir -p "${W}/conf.d"
run "${CLI_BIN}" --config "${W}/conf.d" --backup-dir "${dir}" list
expect_exit "--config naming a folder" 2
expect_contains "it is refused in words" "config file ${W}/conf.d is a folder, not a file" "${CLI_LAST_ERR}"

# --- item 8 (i): a bare name is looked up in the backup folder first, ./name in the current one
mkdir -p "${W}/here"
printf -- '-- Dump completed\n' | gzip >"${W}/here/${real40}"
run bash -c "cd '${W}/here' && \"\$@\"" _ "${CLI_BIN}" --backup-dir "${dir}" verify "${real40}"
expect_exit "verify NAME from a folder holding a file of that name" 0
expect_contains "the backup folder's file was verified" "sha256 and section index verified" "${CLI_LAST_OUT}"
run bash -c "cd '${W}/here' && \"\$@\"" _ "${CLI_BIN}" --backup-dir "${dir}" verify "./${real40}"
expect_exit "verify ./NAME" 0
expect_contains "./NAME is the current folder's" "(legacy: no content checksum); holds no table" "${CLI_LAST_OUT}"

# --- item 8 (ii): verify where it cannot write its log
touch "${W}/not-a-folder"
run ifn --log-dir "${W}/not-a-folder/logs" verify "${real40}"
expect_exit "verify with a log folder it cannot create" 0
expect_contains "a warning says why" "cannot open log file ${W}/not-a-folder/logs/backup.log" "${CLI_LAST_ERR}"
expect_contains "and that it logs to stderr only" "logging to stderr only" "${CLI_LAST_ERR}"
expect_contains "the verdict is still printed" "OK          ${real40}" "${CLI_LAST_OUT}"
run ifn --log-dir "${W}/not-a-folder/logs" -q backup --no-rotate
expect_exit "backup keeps its log: a log it cannot open is an error" 6
if [[ "$(id -u)" == 0 ]] && command -v setpriv >/dev/null 2>&1 && getent passwd nobody >/dev/null; then
    ro="${W}/readonly"
    mkdir -p "${ro}"
    cp "${keep}" "${ro}/${real40}"
    chmod 0755 "${ro}"
    chmod 0644 "${ro}/${real40}"
    run setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups "${CLI_BIN}" --backup-dir "${ro}" verify
    expect_exit "verify (every file) in a folder the user cannot write" 0
    expect_contains "it verified the file" "1 file(s): 1 ok, 0 corrupt, 0 incomplete" "${CLI_LAST_OUT}"
    expect_contains "a warning for the log" "logging to stderr only" "${CLI_LAST_ERR}"
    check "nothing was written in the folder" test "$(find "${ro}" -mindepth 1 | wc -l)" -eq 1
else
    cli_log "note: not root or no setpriv: the read-only folder case runs only with --log-dir"
fi

# --- item 8 (iii): control bytes from a file and from the server are escaped
printf -- '-- x\n-- ifnbackup-sha256: %s[2J%s]0;owned\a bad\rworse\n-- Dump completed\n' "${ESC}" "${ESC}" \
    | gzip >"${W}/escape.sql.gz"
run ifn --log-dir "${W}/logs" verify "${W}/escape.sql.gz"
expect_exit "verify of a file quoting ESC in its reason" 10
expect_contains "stdout shows the ESC escaped" 'malformed checksum line: -- ifnbackup-sha256: \x1b[2J\x1b]0;owned\x07 bad\x0dworse' \
    "${CLI_LAST_OUT}"
check "no raw ESC, BEL or CR on stdout or stderr" \
    bash -c '! grep -q $'"'"'[\x1b\x07\r]'"'"' <<<"$1$2"' _ "${CLI_LAST_OUT}" "${CLI_LAST_ERR}"
check "the log file holds it escaped" grep -qF 'ifnbackup-sha256: \x1b[2J' "${W}/logs/backup.log"
check "no raw control byte in the log file" bash -c '! grep -q $'"'"'[\x1b\x07\r]'"'"' "$1"' _ "${W}/logs/backup.log"

printf -- '-- MariaDB dump\nCREATE TABLE `t` (`id` int);\nINSERT INTO `t%s[31mred` VALUES (1);\r\n-- Dump completed\n' \
    "${ESC}" | gzip >"${W}/failing.sql.gz"
bad_into=$(cli_unique_db fakeesc)
cli_on_exit "mariadb --defaults-file='${IFNBACKUP_TEST_DEFAULTS_FILE}' -e 'DROP DATABASE IF EXISTS \`${bad_into}\`'"
run ifn --log-dir "${W}/logs" restore "${W}/failing.sql.gz" --yes --into "${bad_into}"
check "the failing restore fails (exit ${CLI_LAST_EXIT})" test "${CLI_LAST_EXIT}" -ne 0
expect_contains "the failing statement is quoted escaped" 'INSERT INTO `t\x1b[31mred`' "${CLI_LAST_ERR}"
check "no raw ESC or CR on stderr" bash -c '! grep -q $'"'"'[\x1b\r]'"'"' <<<"$1"' _ "${CLI_LAST_ERR}"
check "restore.log quotes it escaped" grep -qF 'INSERT INTO `t\x1b[31mred`' "${W}/logs/restore.log"
check "no raw ESC or CR in restore.log" bash -c '! grep -q $'"'"'[\x1b\r]'"'"' "$1"' _ "${W}/logs/restore.log"

# A table named with ESC: its name is in the plan's table of row counts after the load.
escdb=$(cli_unique_db fakeesctab)
cli_create_db "${escdb}" || fail "creating ${escdb}"
cli_on_exit "mariadb --defaults-file='${IFNBACKUP_TEST_DEFAULTS_FILE}' -e 'DROP DATABASE IF EXISTS \`${escdb}_copy\`'"
sql "${escdb}" -e "CREATE TABLE \`t${ESC}[31mred\` (id INT PRIMARY KEY); INSERT INTO \`t${ESC}[31mred\` VALUES (1)" \
    || fail "creating a table named with ESC"
run "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${escdb}" --backup-dir "${W}/escb" \
    -q backup --no-rotate
expect_exit "backup of a table named with ESC" 0
run "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${escdb}" --backup-dir "${W}/escb" \
    restore latest --yes --into "${escdb}_copy"
expect_exit "its restore" 0
expect_contains "the table of row counts shows its name escaped" 't\x1b[31mred' "${CLI_LAST_ERR}"
check "no raw ESC on stderr" bash -c '! grep -q $'"'"'\x1b'"'"' <<<"$1"' _ "${CLI_LAST_ERR}"

# --- item 8 (v): doctor warns when another user owns the folder or a backup
doctor_in() {
    "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" --backup-dir "$1" doctor
}
if [[ "$(id -u)" == 0 ]] && getent passwd nobody >/dev/null; then
    owned="${W}/owned"
    mkdir -p "${owned}"
    cp "${keep}" "${owned}/${real40}"
    chmod 0700 "${owned}"
    chmod 0600 "${owned}/${real40}"
    run doctor_in "${owned}"
    # The columns are as wide as the longest check name (which grows with the checks): spaces squeezed.
    expect_contains "doctor: a folder and files of the runner are fine" \
        "ok backup owner ${owned} and its 1 file(s) belong to root (uid 0)" "$(tr -s ' ' <<<"${CLI_LAST_OUT}")"
    chown nobody "${owned}/${real40}"
    run doctor_in "${owned}"
    expect_exit "doctor with a backup of another user" 17
    expect_contains "doctor names the file and its owner" \
        "1 file(s) in it belong to another user: ${real40} (nobody (uid $(id -u nobody)))" "${CLI_LAST_OUT}"
    chown -R nobody "${owned}"
    run doctor_in "${owned}"
    expect_exit "doctor with a folder of another user" 17
    expect_contains "doctor says who can swap the backups" \
        "${owned} belongs to nobody (uid $(id -u nobody)); 1 file(s)" "${CLI_LAST_OUT}"
    expect_contains "the fix" "fix: chown -R root ${owned}" "${CLI_LAST_OUT}"
else
    cli_log "note: not root: the doctor owner cases cannot chown"
fi

cli_finish
