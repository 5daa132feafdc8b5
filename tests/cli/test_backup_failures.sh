#!/usr/bin/env bash
# ifnbackup backup when things go wrong: each case checks the exit code (docs/exit-codes.md), that no
# file under a final backup name appeared and that no .partial was left behind.
# "Mid-dump" is made deterministic: a table of 200k rows keeps the dump busy, and a second table that
# sorts after it is held by LOCK TABLES ... WRITE from another session, so the dump waits there.
# Unwritable folder as root: a read-only tmpfs mount, and a 0500 folder with the binary run as
# `nobody` through setpriv (root ignores mode bits); as another user the 0500 folder alone suffices.
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cli_init
cli_use_server

db=$(cli_unique_db failures)
cli_create_db "${db}"
# md5 text compresses poorly: the file passes 1 MiB (the tmpfs) and 512 KiB (ulimit -f).
sql "${db}" -e "CREATE TABLE m_big (id INT PRIMARY KEY, h CHAR(32), n BIGINT) ENGINE=InnoDB;
    INSERT INTO m_big SELECT seq, MD5(seq), seq * 7 FROM seq_1_to_200000;
    CREATE TABLE z_locked (id INT PRIMARY KEY) ENGINE=InnoDB; INSERT INTO z_locked VALUES (1);"

backup() {
    "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" "$@" backup
}

# --- bad credentials: 4
bad_cnf="${CLI_WORK}/bad.cnf"
(umask 077 && sed 's/^password=.*/password=certainly-not-the-password/' "${IFNBACKUP_TEST_DEFAULTS_FILE}" >"${bad_cnf}")
dir="${CLI_WORK}/bad-credentials"
run "${CLI_BIN}" --defaults-file "${bad_cnf}" --database "${db}" --backup-dir "${dir}" backup
expect_exit "bad credentials" 4
expect_contains "bad credentials: the message says access was denied" "Access denied" "${CLI_LAST_ERR}"
expect_no_backup "bad credentials" "${dir}"

# --- unknown database: 9
dir="${CLI_WORK}/unknown-db"
run "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "no_such_db_$$" --backup-dir "${dir}" backup
expect_exit "unknown database" 9
expect_contains "unknown database: the message names it" "no_such_db_$$" "${CLI_LAST_ERR}"
expect_no_backup "unknown database" "${dir}"

# --- wrong port (nothing listens on 127.0.0.1:1): 4
dir="${CLI_WORK}/wrong-port"
run "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_TCP_DEFAULTS_FILE}" --port 1 --database "${db}" --backup-dir "${dir}" backup
expect_exit "wrong port" 4
expect_no_backup "wrong port" "${dir}"

# --- unwritable folder: 6
logs="${CLI_WORK}/logs"
mkdir -p "${logs}"
chmod 0777 "${logs}"
ro="${CLI_WORK}/ro"
mkdir -p "${ro}"
if mount -t tmpfs -o ro,size=1m tmpfs "${ro}" 2>/dev/null; then
    cli_on_exit "umount '${ro}'"
    run backup --backup-dir "${ro}/backups" --log-dir "${logs}"
    expect_exit "read-only file system" 6
    expect_no_backup "read-only file system" "${ro}/backups"
elif [[ "${CI:-}" == "true" && ${EUID} -eq 0 ]]; then
    fail "read-only tmpfs mount" "mount -t tmpfs -o ro failed as root under CI=true"
else
    cli_log "note: mount not permitted here; the read-only file system case is left out"
fi
locked_dir="${CLI_WORK}/r-x"
mkdir -p "${locked_dir}"
chmod 0500 "${locked_dir}"
if [[ ${EUID} -ne 0 ]]; then
    run backup --backup-dir "${locked_dir}" --log-dir "${logs}"
    expect_exit "folder mode 0500" 6
    expect_no_backup "folder mode 0500" "${locked_dir}"
elif command -v setpriv >/dev/null 2>&1 && id nobody >/dev/null 2>&1; then
    chown nobody "${locked_dir}"
    nobody_logs="${CLI_WORK}/nobody-logs"
    mkdir -p "${nobody_logs}"
    chown nobody "${nobody_logs}"
    nobody_cnf="${nobody_logs}/nobody.cnf"
    cp "${IFNBACKUP_TEST_DEFAULTS_FILE}" "${nobody_cnf}"
    chown nobody "${nobody_cnf}"
    chmod 0600 "${nobody_cnf}"
    run setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
        "${CLI_BIN}" --defaults-file "${nobody_cnf}" --database "${db}" --backup-dir "${locked_dir}" \
        --log-dir "${nobody_logs}" backup
    expect_exit "folder mode 0500 (run as nobody)" 6
    expect_contains "folder mode 0500: the message says permission denied" "ermission denied" "${CLI_LAST_ERR}"
    expect_no_backup "folder mode 0500 (run as nobody)" "${locked_dir}"
elif [[ "${CI:-}" == "true" ]]; then
    fail "folder mode 0500" "running as root without setpriv/nobody: cannot test an unwritable folder"
else
    cli_log "note: root without setpriv: the 0500 folder case is left out"
fi

# --- file size limit (ulimit -f 512 = 512 KiB): 6
dir="${CLI_WORK}/ulimit"
run bash -c 'ulimit -f 512 && exec "$@"' _ "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" \
    --database "${db}" --backup-dir "${dir}" backup
expect_exit "ulimit -f 512" 6
expect_no_backup "ulimit -f 512" "${dir}"

# --- disk full: a 1 MiB tmpfs: 6
full="${CLI_WORK}/full"
mkdir -p "${full}"
if mount -t tmpfs -o size=1m tmpfs "${full}" 2>/dev/null; then
    cli_on_exit "umount '${full}'"
    run backup --backup-dir "${full}/backups"
    expect_exit "disk full (1 MiB tmpfs)" 6
    expect_contains "disk full: the message says so" "disk full" "${CLI_LAST_ERR}"
    expect_no_backup "disk full (1 MiB tmpfs)" "${full}/backups"
    expect_eq "disk full: the tmpfs holds only the lock and the log" ".ifnbackup.lock backup.log journal.jsonl" \
        "$(find "${full}/backups" -mindepth 1 -printf '%f\n' | sort | tr '\n' ' ' | sed 's/ $//')"
elif [[ "${CI:-}" == "true" ]]; then
    fail "disk full" "mount -t tmpfs -o size=1m is not permitted (CI=true: must run)"
else
    cli_log "note: mount not permitted here (not root?): the tmpfs disk-full case is left out; ulimit -f covers EFBIG"
fi

# --- a second run while one is running: 5
dir="${CLI_WORK}/concurrent"
lock_table "${db}" z_locked || fail "LOCK TABLES z_locked from another session"
"${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" --backup-dir "${dir}" -q backup &
first=$!
cli_on_exit "kill -KILL ${first}"
if wait_for 20 has_partial "${dir}"; then
    run backup --backup-dir "${dir}"
    expect_exit "second run while the first holds the folder" 5
    expect_contains "second run: the message names the other run's pid" "pid ${first}" "${CLI_LAST_ERR}"
    expect_eq "second run: nothing under a final name yet" "" "$(final_backups "${dir}")"
    expect_eq "second run: only the first run's .partial" 1 "$(partial_files "${dir}" | wc -l)"
else
    fail "the first run's .partial appeared within 20 s"
fi
lock_release
first_status=0
wait "${first}" || first_status=$?
expect_eq "the first run completes once the table is unlocked" 0 "${first_status}"
expect_eq "exactly one backup file" 1 "$(final_backups "${dir}" | wc -l)"
expect_eq "no .partial after the first run" "" "$(partial_files "${dir}")"

# --- SIGTERM and SIGINT mid-dump: 8
for signal in TERM INT; do
    dir="${CLI_WORK}/sig${signal}"
    lock_table "${db}" z_locked || fail "LOCK TABLES z_locked from another session"
    "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" --backup-dir "${dir}" -q \
        backup 2>"${CLI_WORK}/sig.err" &
    pid=$!
    cli_on_exit "kill -KILL ${pid}"
    if wait_for 20 partial_has_data "${dir}"; then
        kill "-${signal}" "${pid}"
    else
        fail "SIG${signal}: the .partial file grew within 20 s"
        kill -KILL "${pid}"
    fi
    # A signal that came while the dump waits for the locked table is seen once the server answers.
    lock_release
    status=0
    wait "${pid}" || status=$?
    expect_eq "SIG${signal} mid-dump: exit 8" 8 "${status}"
    expect_contains "SIG${signal}: the message says so" "SIG${signal}" "$(cat "${CLI_WORK}/sig.err")"
    expect_no_backup "SIG${signal} mid-dump" "${dir}"
done

# --- the server killed mid-dump: 7; then a dead server: 4. An own server: the shared one must live.
# a_rows is ~5 MiB of SQL: several 1 MiB compression blocks reach the .partial before the dump
# waits for z_locked.
cli_start_own_server victim
victim_pidfile=${IFNBACKUP_TEST_PIDFILE}
sql -e "CREATE DATABASE victim"
sql victim -e "CREATE TABLE a_rows (id INT PRIMARY KEY, v VARCHAR(40));
    INSERT INTO a_rows SELECT seq, MD5(seq) FROM seq_1_to_100000;
    CREATE TABLE z_locked (id INT PRIMARY KEY); INSERT INTO z_locked VALUES (1);"
dir="${CLI_WORK}/killed"
lock_table victim z_locked || fail "LOCK TABLES z_locked on the own server"
"${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database victim --backup-dir "${dir}" -q backup \
    2>"${CLI_WORK}/killed.err" &
pid=$!
cli_on_exit "kill -KILL ${pid}"
if wait_for 20 partial_has_data "${dir}"; then
    sleep 0.2  # the dump is now waiting for z_locked
    kill -KILL "$(cat "${victim_pidfile}")"
else
    fail "server kill: the .partial file grew within 20 s"
    kill -KILL "$(cat "${victim_pidfile}")"  # the backup would wait for z_locked for ever
fi
status=0
wait "${pid}" || status=$?
expect_eq "server killed mid-dump: exit 7" 7 "${status}"
expect_no_backup "server killed mid-dump" "${dir}"
CLI_LOCK_FD_TO_CLOSE=${CLI_LOCK_FD}
CLI_LOCK_FD=""
exec {CLI_LOCK_FD_TO_CLOSE}>&-

dir="${CLI_WORK}/dead"
run "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database victim --backup-dir "${dir}" backup
expect_exit "dead server" 4
expect_no_backup "dead server" "${dir}"

cli_finish
