#!/usr/bin/env bash
# ifnbackup backup as an operator runs it: exit code, output (-q), help and version, option sources and
# their precedence (flags > IFNBACKUP_* environment > --config file), password handling, the log file,
# file names, and that the password never shows in argv or in the log.
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cli_init
cli_use_server

db=$(cli_unique_db cli)
cli_load_db "${db}" "${CLI_DATA_DIR}/sample.sql" || fail "loading sample.sql"
name_pattern='^ifn_connect_backup_[0-9]{8}_[0-9]{6}\.sql\.gz$'

# --- success, file name and mode
dir="${CLI_WORK}/plain"
run "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" --backup-dir "${dir}" backup
expect_exit "backup" 0
file=$(final_backups "${dir}")
expect_eq "one backup file" 1 "$(printf '%s' "${file}" | grep -c .)"
check "its name is ifn_connect_backup_YYYYMMDD_HHMMSS.sql.gz (${file})" grep -Eq "${name_pattern}" <<<"${file}"
expect_eq "the file is mode 600" 600 "$(stat -c %a "${dir}/${file}")"
expect_eq "the folder is mode 700" 700 "$(stat -c %a "${dir}")"
check "gzip -t passes" gzip -t "${dir}/${file}"
expect_contains "the last line is the completion marker" "-- Dump completed on " "$(gunzip -c "${dir}/${file}" | tail -n 1)"
expect_contains "the messages name the file" "${file}" "${CLI_LAST_ERR}"
expect_eq "nothing on stdout" "" "${CLI_LAST_OUT}"

log="${dir}/backup.log"
check "backup.log exists" test -f "${log}"
expect_contains "backup.log names the file" "${file}" "$(cat "${log}")"
expect_contains "backup.log says complete" "backup complete" "$(cat "${log}")"

# --- -q: nothing at all on success
dir="${CLI_WORK}/quiet"
run "${CLI_BIN}" -q --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" --backup-dir "${dir}" backup
expect_exit "backup -q" 0
expect_eq "-q: empty stdout" "" "${CLI_LAST_OUT}"
expect_eq "-q: empty stderr" "" "${CLI_LAST_ERR}"
expect_eq "-q: the file is written all the same" 1 "$(final_backups "${dir}" | wc -l)"

# --- help and version
run "${CLI_BIN}" backup --help
expect_exit "backup --help" 0
expect_contains "backup --help describes the command" "consistent" "${CLI_LAST_OUT}"
expect_contains "backup --help shows its usage" "Usage: ifnbackup backup" "${CLI_LAST_OUT}"
expect_contains "backup --help names the file it writes" "_YYYYMMDD_HHMMSS.sql.gz" "${CLI_LAST_OUT}"
run "${CLI_BIN}" --help
expect_exit "--help" 0
expect_contains "--help lists --backup-dir" "--backup-dir" "${CLI_LAST_OUT}"
expect_contains "--help lists --password-file" "--password-file" "${CLI_LAST_OUT}"
expect_contains "--help lists the backup command" "backup" "${CLI_LAST_OUT}"
run "${CLI_BIN}" --version
expect_exit "--version" 0
check "--version prints a version number (${CLI_LAST_OUT})" grep -Eq '[0-9]+\.[0-9]+\.[0-9]+' <<<"${CLI_LAST_OUT}"

# --- options from the environment
dir="${CLI_WORK}/env"
run env IFNBACKUP_DEFAULTS_FILE="${IFNBACKUP_TEST_DEFAULTS_FILE}" IFNBACKUP_DATABASE="${db}" \
    IFNBACKUP_BACKUP_DIR="${dir}" "${CLI_BIN}" -q backup
expect_exit "options from IFNBACKUP_* variables" 0
expect_eq "env: the file is in IFNBACKUP_BACKUP_DIR" 1 "$(final_backups "${dir}" | wc -l)"

# --- options from a config file
dir="${CLI_WORK}/config"
config="${CLI_WORK}/ifnbackup.conf"
printf '%s\n' "[ifnbackup]" "defaults-file = ${IFNBACKUP_TEST_DEFAULTS_FILE}" "database = ${db}" \
    "backup-dir = ${dir}" >"${config}"
run env -u IFNBACKUP_DATABASE "${CLI_BIN}" -q --config "${config}" backup
expect_exit "options from --config" 0
expect_eq "config: the file is in the config's backup-dir" 1 "$(final_backups "${dir}" | wc -l)"

# --- precedence: flag > env > config. Each loser names a database that does not exist (exit 9).
config_bad="${CLI_WORK}/bad-db.conf"
printf '%s\n' "defaults-file = ${IFNBACKUP_TEST_DEFAULTS_FILE}" "database = from_config_$$" \
    "backup-dir = ${CLI_WORK}/prec-config" >"${config_bad}"
run env IFNBACKUP_DATABASE="${db}" IFNBACKUP_BACKUP_DIR="${CLI_WORK}/prec-env" \
    "${CLI_BIN}" -q --config "${config_bad}" backup
expect_exit "env wins over config" 0
expect_eq "env wins over config: file in the env's folder" 1 "$(final_backups "${CLI_WORK}/prec-env" | wc -l)"
expect_eq "env wins over config: nothing in the config's folder" 0 "$(final_backups "${CLI_WORK}/prec-config" | wc -l)"
run env IFNBACKUP_DATABASE="from_env_$$" IFNBACKUP_BACKUP_DIR="${CLI_WORK}/prec-env2" \
    "${CLI_BIN}" -q --config "${config_bad}" --database "${db}" --backup-dir "${CLI_WORK}/prec-flag" backup
expect_exit "flags win over env and config" 0
expect_eq "flags win: file in the flag's folder" 1 "$(final_backups "${CLI_WORK}/prec-flag" | wc -l)"
run env IFNBACKUP_DATABASE="${db}" "${CLI_BIN}" -q --config "${config_bad}" --database "from_flag_$$" \
    --backup-dir "${CLI_WORK}/prec-flag2" backup
expect_exit "a bad --database flag is not overridden by a good env" 9
expect_contains "the error names the flag's database" "from_flag_$$" "${CLI_LAST_ERR}"

# --- password file: 0600 accepted, 0644 refused (3); --password refused (2); password in config (3)
pwfile="${CLI_WORK}/password"
(umask 077 && printf '%s\n' "${IFNBACKUP_TEST_PASSWORD}" >"${pwfile}")
chmod 0600 "${pwfile}"
dir="${CLI_WORK}/pwfile"
run "${CLI_BIN}" -q --user "${IFNBACKUP_TEST_USER}" --socket "${IFNBACKUP_TEST_SOCKET}" --password-file "${pwfile}" \
    --database "${db}" --backup-dir "${dir}" backup
expect_exit "--password-file at 0600" 0
expect_eq "--password-file: the file is written" 1 "$(final_backups "${dir}" | wc -l)"
chmod 0644 "${pwfile}"
dir="${CLI_WORK}/pwfile644"
run "${CLI_BIN}" --user "${IFNBACKUP_TEST_USER}" --socket "${IFNBACKUP_TEST_SOCKET}" --password-file "${pwfile}" \
    --database "${db}" --backup-dir "${dir}" backup
expect_exit "--password-file at 0644 is refused" 3
expect_contains "the refusal names the password file" "${pwfile}" "${CLI_LAST_ERR}"
expect_no_backup "--password-file at 0644" "${dir}"
chmod 0600 "${pwfile}"
dir="${CLI_WORK}/pwflag"
run "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --password "${IFNBACKUP_TEST_PASSWORD}" \
    --database "${db}" --backup-dir "${dir}" backup
expect_exit "--password on the command line is refused" 2
expect_no_backup "--password" "${dir}"
config_pw="${CLI_WORK}/pw.conf"
printf '%s\n' "database = ${db}" "backup-dir = ${CLI_WORK}/pwconf" "password = x" >"${config_pw}"
run "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --config "${config_pw}" backup
expect_exit "a password in the config file is refused" 3

# --- two backups in the same second get distinct names
dir="${CLI_WORK}/same-second"
# Start right after a second boundary so both runs (a few ms each) fall in the same second.
now=$(date +%s.%N)
sleep "$(awk -v t="${now}" 'BEGIN { printf "%.3f", 1 - (t - int(t)) + 0.01 }')"
"${CLI_BIN}" -q --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" --backup-dir "${dir}" backup
s1=$?
"${CLI_BIN}" -q --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" --backup-dir "${dir}" backup
s2=$?
expect_eq "two runs in a row both succeed" "0 0" "${s1} ${s2}"
names=$(final_backups "${dir}")
expect_eq "two distinct files" 2 "$(printf '%s\n' "${names}" | sort -u | grep -c .)"
check "both names follow the pattern" bash -c "grep -Evq '${name_pattern}' <<<'${names}'; test \$? -eq 1"

# --- the password is never in argv (/proc/PID/cmdline of a running backup) nor in a log
dir="${CLI_WORK}/argv"
lock_table "${db}" transactions || fail "LOCK TABLES transactions from another session"
"${CLI_BIN}" -v --user "${IFNBACKUP_TEST_USER}" --socket "${IFNBACKUP_TEST_SOCKET}" --password-file "${pwfile}" \
    --database "${db}" --backup-dir "${dir}" backup 2>"${CLI_WORK}/argv.err" &
pid=$!
cli_on_exit "kill -KILL ${pid}"
if wait_for 20 has_partial "${dir}"; then
    cmdline=$(tr '\0' ' ' <"/proc/${pid}/cmdline")
    expect_contains "/proc/PID/cmdline is the running backup" "--password-file" "${cmdline}"
    expect_not_contains "/proc/PID/cmdline never holds the password" "${IFNBACKUP_TEST_PASSWORD}" "${cmdline}"
else
    fail "the running backup's .partial appeared within 20 s"
fi
lock_release
status=0
wait "${pid}" || status=$?
expect_eq "the verbose backup completes" 0 "${status}"
all_logs=$(cat "${CLI_WORK}"/*/backup.log "${CLI_WORK}/argv.err" 2>/dev/null)
check "there are logs to search" test -n "${all_logs}"
expect_not_contains "no log and no message holds the password" "${IFNBACKUP_TEST_PASSWORD}" "${all_logs}"

# --- --threads: any thread count writes the same SQL, a standard gzip no larger than gzip -6's
# (the dump's dated comment lines differ from one second to the next: compared without them)
big_db=$(cli_unique_db threads)
cli_create_db "${big_db}" || fail "creating ${big_db}"
# ~3 MiB of SQL, so that several 1 MiB gzip members are written and reassembled in order.
sql "${big_db}" -e "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(200)); INSERT INTO t SELECT seq, REPEAT(CONCAT('ligne ', seq, ' é'), 1 + seq % 9) FROM seq_1_to_40000" \
    || fail "filling ${big_db}"
sql_without_dates() { gunzip -c "$1" | grep -v '^-- '; }
reference=""
for threads in 1 2 4 env3; do
    dir="${CLI_WORK}/threads-${threads}"
    if [[ "${threads}" == env3 ]]; then
        run env IFNBACKUP_THREADS=3 "${CLI_BIN}" -v --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" \
            --database "${big_db}" --backup-dir "${dir}" backup --no-rotate
        expect_contains "IFNBACKUP_THREADS=3 is used" "3 compressing threads" "${CLI_LAST_ERR}"
    else
        run "${CLI_BIN}" -v --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${big_db}" \
            --backup-dir "${dir}" backup --no-rotate --threads "${threads}"
        expect_contains "--threads ${threads} is used" "${threads} compressing thread" "${CLI_LAST_ERR}"
    fi
    expect_exit "backup --threads ${threads}" 0
    file="${dir}/$(final_backups "${dir}")"
    check "--threads ${threads}: gzip -t passes" gzip -t "${file}"
    run "${CLI_BIN}" verify "${file}"
    expect_exit "--threads ${threads}: ifnbackup verify" 0
    content=$(sql_without_dates "${file}" | sha256sum)
    if [[ -z "${reference}" ]]; then
        reference=${content}
        check "the dump holds the 40000 rows" grep -q "(40000," <(gunzip -c "${file}")
    else
        expect_eq "--threads ${threads} writes the same SQL as --threads 1" "${reference}" "${content}"
    fi
    ours=$(stat -c %s "${file}")
    theirs=$(gunzip -c "${file}" | gzip -6 | wc -c)
    check "--threads ${threads}: ${ours} bytes, no larger than gzip -6's ${theirs}" test "${ours}" -le "${theirs}"
done
run "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${big_db}" \
    --backup-dir "${CLI_WORK}/threads-0" backup --threads 0
expect_exit "--threads 0 is a usage error" 2

# --compress-level: auto by default (level 5, 6 where samples show 5 within 3 % of gzip -6), the word
# from a flag or the config file, a fixed level as given, anything else refused.
run "${CLI_BIN}" -v --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${big_db}" \
    --backup-dir "${CLI_WORK}/level-default" backup --no-rotate
expect_exit "backup at the default level" 0
expect_contains "the default level is auto" "gzip level auto," "${CLI_LAST_ERR}"
expect_contains "the automatic level says what it did" "blocks also compressed by zlib at level 6" "${CLI_LAST_ERR}"
file="${CLI_WORK}/level-default/$(final_backups "${CLI_WORK}/level-default")"
ours=$(stat -c %s "${file}")
theirs=$(gunzip -c "${file}" | gzip -6 | wc -c)
check "auto: ${ours} bytes, no larger than gzip -6's ${theirs}" test "${ours}" -le "${theirs}"
printf '[ifnbackup]\ncompress-level = auto\n' > "${CLI_WORK}/level.conf"
run "${CLI_BIN}" -v --config "${CLI_WORK}/level.conf" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" \
    --database "${big_db}" --backup-dir "${CLI_WORK}/level-conf" backup --no-rotate
expect_exit "compress-level = auto in the config file" 0
expect_contains "the config file's auto is used" "gzip level auto," "${CLI_LAST_ERR}"
run "${CLI_BIN}" -v --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${big_db}" \
    --backup-dir "${CLI_WORK}/level-6" backup --no-rotate --compress-level 6
expect_exit "--compress-level 6" 0
expect_contains "a fixed level is used as given" "gzip level 6," "${CLI_LAST_ERR}"
expect_not_contains "a fixed level measures nothing" "compressed by zlib" "${CLI_LAST_ERR}"
for bad in 10 -1 0 automatic 5.5; do
    run "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${big_db}" \
        --backup-dir "${CLI_WORK}/level-bad" backup --no-rotate --compress-level "${bad}"
    expect_exit "--compress-level ${bad} is a usage error" 2
done

cli_finish
