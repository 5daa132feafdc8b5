#!/usr/bin/env bash
# Monitoring (docs/monitoring.md): the run journal after successes and failures, `check` against
# the procedure's alerts (fresh, 26 h old, corrupt newest, failed last run, full disk, no folder),
# `status`, and the Prometheus metrics file read by a strict parser of the text format.
# A backup "26 hours old" is a real backup copied under the name of that time: the name dates it.
# The free-space alert needs a 2 MiB tmpfs: as root (or under CI=true) it must run.
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cli_init
command -v python3 >/dev/null 2>&1 || cli_skip "python3 is needed to read the journal and the metrics"
cli_use_server
# The drill's alert (no restore drill lately) is test_drill.sh's: off here, where no drill runs.
export IFNBACKUP_DRILL_MAX_AGE_DAYS=0

db=$(cli_unique_db monitoring)
cli_load_db "${db}" "${CLI_DATA_DIR}/sample.sql" || fail "load sample.sql"
password=$(sed -n 's/^password=//p' "${IFNBACKUP_TEST_DEFAULTS_FILE}" | head -1)

ifn() {
    "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" "$@"
}

# journal_field DIR INDEX FIELD: a field of line INDEX (python index: -1 is the last) of DIR/journal.jsonl.
journal_field() {
    python3 - "$1/journal.jsonl" "$2" "$3" <<'EOF'
import json, sys
lines = []
for line in open(sys.argv[1], encoding="utf-8"):
    try:
        lines.append(json.loads(line))
    except ValueError:
        pass  # a torn line, as ifnbackup's own reader skips it
print(lines[int(sys.argv[2])][sys.argv[3]])
EOF
}

journal_lines() {
    if [[ -f "$1/journal.jsonl" ]]; then wc -l <"$1/journal.jsonl"; else echo 0; fi
}

# Every line is a JSON object with the documented fields and ISO 8601 times with a zone.
journal_well_formed() {
    python3 - "$1/journal.jsonl" <<'EOF'
import json, re, sys
iso = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$")
fields = {"start", "end", "command", "result", "exit_code", "file", "bytes", "rows", "duration_ms", "message"}
for n, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    record = json.loads(line)
    expected = fields | {"retries"} if record.get("command") == "backup" else fields
    assert set(record) == expected, (n, sorted(record))
    assert iso.match(record["start"]) and iso.match(record["end"]), (n, record["start"], record["end"])
    assert (record["result"] == "ok") == (record["exit_code"] == 0), (n, record)
    assert record["duration_ms"] >= 0, n
EOF
}

name_for() {  # name_for "26 hours ago": a backup name for that local time
    printf 'ifn_connect_backup_%s.sql.gz\n' "$(date -d "$1" +%Y%m%d_%H%M%S)"
}

# --- a successful backup: one line, ok, with file, bytes and rows
dir="${CLI_WORK}/good"
run ifn --backup-dir "${dir}" -q backup
expect_exit "backup" 0
expect_eq "journal: one line after one backup" 1 "$(journal_lines "${dir}")"
expect_eq "journal: command" backup "$(journal_field "${dir}" -1 command)"
expect_eq "journal: result ok" ok "$(journal_field "${dir}" -1 result)"
expect_eq "journal: exit_code 0" 0 "$(journal_field "${dir}" -1 exit_code)"
good_file=$(final_backups "${dir}")
expect_eq "journal: file is the backup written" "${good_file}" "$(journal_field "${dir}" -1 file)"
expect_eq "journal: bytes is the file's size" "$(stat -c %s "${dir}/${good_file}")" "$(journal_field "${dir}" -1 bytes)"
check "journal: rows counted" test "$(journal_field "${dir}" -1 rows)" -gt 0
check "journal: mode 0600" test "$(stat -c %a "${dir}/journal.jsonl")" = 600

# --- failures, each one line with its error code's name
run "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "no_such_db_$$" --backup-dir "${dir}" -q backup
expect_exit "unknown database" 9
expect_eq "journal: unknown database" "unknown_database 9" \
    "$(journal_field "${dir}" -1 result) $(journal_field "${dir}" -1 exit_code)"
expect_contains "journal: the message names the database" "no_such_db_$$" "$(journal_field "${dir}" -1 message)"

bad_cnf="${CLI_WORK}/bad.cnf"
bad_password="not-the-password-$$"
(umask 077 && sed "s/^password=.*/password=${bad_password}/" "${IFNBACKUP_TEST_DEFAULTS_FILE}" >"${bad_cnf}")
run "${CLI_BIN}" --defaults-file "${bad_cnf}" --database "${db}" --backup-dir "${dir}" -q backup
expect_exit "bad credentials" 4
expect_eq "journal: bad credentials" "connection 4" "$(journal_field "${dir}" -1 result) $(journal_field "${dir}" -1 exit_code)"
expect_not_contains "journal: never the wrong password" "${bad_password}" "$(cat "${dir}/journal.jsonl")"
if [[ -n "${password}" ]]; then
    expect_not_contains "journal: never the password" "${password}" "$(cat "${dir}/journal.jsonl")"
fi

# The last backup run failed: CRITICAL, though a good backup of a minute ago exists.
run "${CLI_BIN}" --backup-dir "${dir}" check
expect_exit "check after a failed last run" 2
expect_contains "check: says the last run failed" "IFNBACKUP CRITICAL - last backup run failed" "${CLI_LAST_OUT}"
expect_contains "check: names the failure" "connection" "${CLI_LAST_OUT}"

# Another run holds the folder: one process holding flock() on the lock file, as a backup does.
python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "a")
fcntl.flock(f, fcntl.LOCK_EX)
open(sys.argv[2], "w").close()
time.sleep(60)' "${dir}/.ifnbackup.lock" "${CLI_WORK}/.locked" &
holder=$!
cli_on_exit "kill ${holder}"
wait_for 10 test -e "${CLI_WORK}/.locked" || fail "the lock holder did not take the lock"
run ifn --backup-dir "${dir}" -q backup
expect_exit "lock held" 5
expect_eq "journal: lock held" "lock_held 5" "$(journal_field "${dir}" -1 result) $(journal_field "${dir}" -1 exit_code)"
kill "${holder}" 2>/dev/null
wait "${holder}" 2>/dev/null

# Restore answered "non": aborted, with the file it was asked to restore.
restore_db=$(cli_unique_db monitoring_restore)
cli_create_db "${restore_db}"
run bash -c "echo non | '${CLI_BIN}' --defaults-file '${IFNBACKUP_TEST_DEFAULTS_FILE}' --database '${restore_db}' \
    --backup-dir '${dir}' restore '${good_file}'"
expect_exit "restore not confirmed" 12
expect_eq "journal: aborted restore" "restore aborted 12" \
    "$(journal_field "${dir}" -1 command) $(journal_field "${dir}" -1 result) $(journal_field "${dir}" -1 exit_code)"
expect_eq "journal: the restore names its file" "${good_file}" "$(journal_field "${dir}" -1 file)"

run "${CLI_BIN}" --backup-dir "${dir}" verify
expect_exit "verify" 0
expect_eq "journal: verify recorded" "verify ok" "$(journal_field "${dir}" -1 command) $(journal_field "${dir}" -1 result)"
check "journal: every line well formed" journal_well_formed "${dir}"

# A torn last line (a crash mid-write) is skipped, and the next run still gets its own line.
printf '{"start":"2026-01-01T02:00:00.000+00:00","end":"2026-01-01T02:0' >>"${dir}/journal.jsonl"
run ifn --backup-dir "${dir}" -q backup
expect_exit "backup after a torn journal line" 0
run "${CLI_BIN}" --backup-dir "${dir}" status --json
expect_exit "status --json with a torn line" 0
expect_eq "status: the torn line is skipped" 1 \
    "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["journal_skipped_lines"])' <<<"${CLI_LAST_OUT}")"
expect_eq "status: last backup run is the new one" ok \
    "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["last_runs"]["backup"]["result"])' <<<"${CLI_LAST_OUT}")"

# --- check: a fresh backup is OK
run "${CLI_BIN}" --backup-dir "${dir}" check
expect_exit "check with a fresh backup" 0
expect_contains "check: OK line" "IFNBACKUP OK - newest good backup" "${CLI_LAST_OUT}"
expect_contains "check: perfdata" "| age=" "${CLI_LAST_OUT}"

# --- a 26-hour-old newest backup, verified good: CRITICAL (older than --max-age-hours 25)
old="${CLI_WORK}/old"
mkdir -m 0700 "${old}"
newest=$(final_backups "${dir}" | tail -1)
cp "${dir}/${newest}" "${old}/$(name_for '26 hours ago')"
run "${CLI_BIN}" --backup-dir "${old}" verify
expect_exit "verify the 26 h old copy" 0
run "${CLI_BIN}" --backup-dir "${old}" check
expect_exit "check, newest good backup 26 h old" 2
expect_contains "check: says how old" "h old (max 25.0 h)" "${CLI_LAST_OUT}"
run "${CLI_BIN}" --backup-dir "${old}" check --max-age-hours 27
expect_exit "check --max-age-hours 27 accepts it" 0

# --- a corrupt newest file, known from verify: CRITICAL
corrupt_name=$(name_for '1 minute ago')
cp "${dir}/${newest}" "${old}/${corrupt_name}"
size=$(stat -c %s "${old}/${corrupt_name}")
printf 'garbage!' | dd of="${old}/${corrupt_name}" bs=1 seek=$((size / 2)) conv=notrunc status=none
run "${CLI_BIN}" --backup-dir "${old}" verify
expect_exit "verify finds the corrupt copy" 10
run "${CLI_BIN}" --backup-dir "${old}" check --max-age-hours 27
expect_exit "check, corrupt newest backup" 2
expect_contains "check: names the corrupt file" "newest backup ${corrupt_name} failed verification" "${CLI_LAST_OUT}"

# --- missing folder: UNKNOWN
run "${CLI_BIN}" --backup-dir "${CLI_WORK}/no-such-folder" check
expect_exit "check, missing folder" 3
expect_contains "check: UNKNOWN line" "IFNBACKUP UNKNOWN - backup folder" "${CLI_LAST_OUT}"

# --- status: the dashboard, read as at the last second of the backups' day (faketime): the chart's last
# day, today, is theirs even when the suite crosses midnight between them and this (today was then empty).
command -v faketime >/dev/null 2>&1 || fail "faketime is not installed (scripts/install-deps installs it)"
backups_day=$(sed -E 's/.*_([0-9]{4})([0-9]{2})([0-9]{2})_[0-9]{6}\.sql\.gz$/\1-\2-\3/' <<<"${newest}")
# shellcheck disable=SC2317  # called through run
status_at() { faketime -f "@${backups_day} 23:59:59" "${CLI_BIN}" --backup-dir "${dir}" status "$@"; }
run status_at
expect_exit "status" 0
expect_contains "status: last good backup" "Last good backup  ${newest}" "${CLI_LAST_OUT}"
expect_contains "status: the chart ends with today ok" "█"$'\n' "${CLI_LAST_OUT}"
expect_contains "status: legend" "✗ failed" "${CLI_LAST_OUT}"
run status_at --json
python3 - <<EOF || fail "status --json: documented fields"
import json
s = json.loads('''${CLI_LAST_OUT}''')
assert s["last_good_backup"]["name"] == "${newest}", s["last_good_backup"]
assert s["backups"] == $(final_backups "${dir}" | wc -l), s["backups"]
assert len(s["history"]) == 30 and s["history"][-1]["date"] == "${backups_day}", s["history"][-1]
assert s["history"][-1]["state"] == "ok" and s["history"][-1]["bytes"] > 0
assert set(s["last_runs"]) == {"backup", "verify", "rotate", "restore", "drill"}
assert s["last_runs"]["drill"] is None
assert s["last_runs"]["restore"]["result"] == "aborted"
assert 0 < s["free_percent"] <= 100
EOF

# --- metrics: backup and check write a Prometheus text file, read strictly
prom="${CLI_WORK}/prom"
mkdir -p "${prom}"
# A strict reader of the text exposition format: HELP then TYPE once per metric before its samples,
# well-formed names, labels and values; prints name=value for ifnbackup_* samples.
parse_metrics() {
    python3 - "$1" <<'EOF'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
assert text.endswith("\n"), "no final newline"
name_re = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
label_re = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
sample = re.compile(rf"^({name_re})(\{{{label_re}(?:,{label_re})*\}})? (-?(?:[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|NaN|\+Inf|-Inf))$")
helped, typed, seen = set(), {}, {}
for n, line in enumerate(text.split("\n")[:-1], 1):
    if line.startswith("# HELP "):
        name = line.split(" ")[2]
        assert re.fullmatch(name_re, name) and name not in helped, (n, line)
        helped.add(name)
    elif line.startswith("# TYPE "):
        _, _, name, kind = line.split(" ")
        assert kind in ("gauge", "counter", "untyped") and name not in typed and name not in seen, (n, line)
        typed[name] = kind
    elif line.startswith("#") or not line:
        raise AssertionError((n, "unexpected line", line))
    else:
        m = sample.match(line)
        assert m, (n, "bad sample", line)
        assert m.group(1) in typed and m.group(1) in helped, (n, "sample without TYPE/HELP", line)
        key = m.group(1) + (m.group(2) or "")
        assert key not in seen, (n, "duplicate sample", line)
        seen[key] = m.group(3)
        print(f"{m.group(1)}={m.group(3)}")
EOF
}
metrics_valid() {
    parse_metrics "$1" >/dev/null
}
metric() {  # metric FILE NAME
    parse_metrics "$1" | sed -n "s/^$2=//p"
}
run ifn --backup-dir "${dir}" -q backup --metrics-file "${prom}/ifnbackup.prom"
expect_exit "backup --metrics-file" 0
check "metrics after backup: strict parse" metrics_valid "${prom}/ifnbackup.prom"
expect_eq "metrics: last backup succeeded" 1 "$(metric "${prom}/ifnbackup.prom" ifnbackup_last_backup_success)"
expect_eq "metrics: size is the journal's" "$(journal_field "${dir}" -1 bytes)" \
    "$(metric "${prom}/ifnbackup.prom" ifnbackup_last_backup_size_bytes)"
expect_eq "metrics: rows" "$(journal_field "${dir}" -1 rows)" "$(metric "${prom}/ifnbackup.prom" ifnbackup_last_backup_rows)"
expect_eq "metrics: backups" "$(final_backups "${dir}" | wc -l)" "$(metric "${prom}/ifnbackup.prom" ifnbackup_backups)"
last_success=$(metric "${prom}/ifnbackup.prom" ifnbackup_last_success_timestamp_seconds)
check "metrics: last success within a minute" python3 -c "import time,sys; sys.exit(abs(time.time() - ${last_success:-0}) > 60)"
expect_eq "metrics: no temporary file left" "ifnbackup.prom" "$(ls -A "${prom}")"
run "${CLI_BIN}" --defaults-file "${bad_cnf}" --database "${db}" --backup-dir "${dir}" -q backup --metrics-file "${prom}/ifnbackup.prom"
expect_exit "failed backup --metrics-file" 4
expect_eq "metrics: a failed run is exported" "0 4" \
    "$(metric "${prom}/ifnbackup.prom" ifnbackup_last_backup_success) $(metric "${prom}/ifnbackup.prom" ifnbackup_last_backup_exit_code)"
run "${CLI_BIN}" --backup-dir "${old}" check --metrics-file "${prom}/check.prom"
expect_exit "check --metrics-file" 2
check "metrics after check: strict parse" metrics_valid "${prom}/check.prom"
expect_eq "metrics: check status" 2 "$(metric "${prom}/check.prom" ifnbackup_check_status)"
expect_eq "metrics: verify failures" 1 "$(metric "${prom}/check.prom" ifnbackup_verify_failures)"

# --- free space under 10 %: a 2 MiB tmpfs, filled
small="${CLI_WORK}/small"
mkdir -p "${small}"
if mount -t tmpfs -o size=2m tmpfs "${small}" 2>/dev/null; then
    cli_on_exit "umount '${small}'"
    run ifn --backup-dir "${small}/b" -q backup
    expect_exit "backup into the 2 MiB tmpfs" 0
    run "${CLI_BIN}" --backup-dir "${small}/b" check
    expect_exit "check, tmpfs with room" 0
    backup_size=$(stat -c %s "${small}/b/$(final_backups "${small}/b")")
    # Leave about 5 % free: under 10 %, yet more than one backup.
    free_kib=$(df -k --output=avail "${small}" | tail -1)
    filler=$((free_kib - 100))
    ((filler * 1024 > 0)) && dd if=/dev/zero of="${small}/filler" bs=1K count="${filler}" status=none
    if ((backup_size < 100 * 1024)); then
        run "${CLI_BIN}" --backup-dir "${small}/b" check
        expect_exit "check, under 10 % free" 1
        expect_contains "check: WARNING line" "IFNBACKUP WARNING - free space" "${CLI_LAST_OUT}"
    else
        fail "the sample backup (${backup_size} B) is too large for the 2 MiB tmpfs case"
    fi
    # Less room than one backup: the next one cannot fit.
    dd if=/dev/zero of="${small}/filler2" bs=1K count=$(($(df -k --output=avail "${small}" | tail -1))) status=none 2>/dev/null
    run "${CLI_BIN}" --backup-dir "${small}/b" check
    expect_exit "check, less free space than one backup" 2
    expect_contains "check: says the next backup cannot fit" "less than one backup" "${CLI_LAST_OUT}"
elif [[ "${CI:-}" == "true" ]]; then
    fail "free space alert" "mount -t tmpfs -o size=2m is not permitted (CI=true: must run)"
elif [[ ${EUID} -ne 0 ]]; then
    cli_log "note: not root: the free-space case (2 MiB tmpfs) is left out"
else
    cli_log "note: mount -t tmpfs not permitted here: the free-space case is left out"
fi

cli_finish
