#!/usr/bin/env bash
# Issue 15: the offsite copy in status, check and the metrics file (read from the journal, no network
# call), fresh (a real backup --offsite) and stale or failed (planted journal lines); doctor's offsite
# checks against the private S3 server: a good set-up, a wrong secret, a missing bucket, an endpoint
# that does not answer, the clock 20 minutes off, a credentials file others may read.
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cli_init

cli_start_s3
cli_use_server

db=$(cli_unique_db offmon)
cli_create_db "${db}" || cli_skip "cannot create a database"
sql "${db}" -e "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO t VALUES (1, 'a'), (2, 'b')"
dir="${CLI_WORK}/backups"
bucket=${IFNBACKUP_TEST_S3_BUCKET}
endpoint=${IFNBACKUP_TEST_S3_ENDPOINT}
ifn() {
    "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" --backup-dir "${dir}" \
        --s3-endpoint "${endpoint}" --s3-path-style --s3-retry-time 2 "$@"
}
off="s3://${bucket}/mon"

# --- fresh: a backup --offsite, then status, check and the metrics file from its journal line
run ifn --offsite "${off}" backup --no-schema-check
expect_exit "backup --offsite" 0
name=$(final_backups "${dir}" | grep '^ifn_connect_backup_' | tail -n1)
expect_contains "the journal names the copy" "\"offsite_file\":\"${name}\"" "$(tail -n1 "${dir}/journal.jsonl")"
run ifn --offsite "${off}" status
expect_exit "status" 0
expect_contains "status shows the newest offsite copy" "Offsite copy      ${name}" "${CLI_LAST_OUT}"
expect_contains "... says it comes from the journal" "(journal)" "${CLI_LAST_OUT}"
expect_contains "... and the last upload's result" "Last upload       ok" "${CLI_LAST_OUT}"
run ifn --offsite "${off}" status --json
expect_contains "status --json: the offsite copy" "\"newest\":{\"name\":\"${name}\"" "${CLI_LAST_OUT}"
expect_contains "status --json: its source" '"source":"journal"' "${CLI_LAST_OUT}"
run ifn --offsite "${off}" check --drill-max-age-days 0 --metrics-file "${CLI_WORK}/fresh.prom"
expect_exit "check with a fresh offsite copy: OK" 0
expect_contains "check says the copy's age" "offsite copy " "${CLI_LAST_OUT}"
expect_contains "check's perfdata" "offsite_age=" "${CLI_LAST_OUT}"
metrics=$(cat "${CLI_WORK}/fresh.prom" 2>/dev/null)
expect_contains "metrics: the upload succeeded" "ifnbackup_last_offsite_upload_success{backup_dir=\"${dir}\"} 1" \
    "${metrics}"
expect_contains "metrics: the copy's time" "ifnbackup_offsite_newest_timestamp_seconds{" "${metrics}"
expect_not_contains "metrics: a copy is known" "ifnbackup_offsite_newest_timestamp_seconds{backup_dir=\"${dir}\"} 0"$'\n' \
    "${metrics}"
# Without --offsite, check does not judge the copy (those not using offsite get no new alert).
run ifn check --drill-max-age-days 0
expect_not_contains "no offsite alert without --offsite" "offsite" "${CLI_LAST_OUT}"

# --- stale: the journal's newest copy is 30 hours old (planted lines, as the runs write them)
stale_name="ifn_connect_backup_$(date -d '-30 hours' +%Y%m%d_%H%M%S).sql.gz"
plant() { # plant DIR COMMAND OFFSITE OFFSITE_FILE
    mkdir -p "$1"
    printf '{"start":"%s","end":"%s","command":"%s","result":"ok","exit_code":0,"file":"%s","bytes":1,"rows":1,"duration_ms":1,"message":"","offsite":"%s","offsite_message":"planted %s","offsite_file":"%s"}\n' \
        "$(date -Iseconds)" "$(date -Iseconds)" "$2" "${name}" "$3" "$3" "$4" >>"$1/journal.jsonl"
}
plant "${CLI_WORK}/stale" backup ok "${stale_name}.age"
run ifn --log-dir "${CLI_WORK}/stale" --offsite "${off}" check --drill-max-age-days 0 \
    --metrics-file "${CLI_WORK}/stale.prom"
expect_exit "check with a 30 h old offsite copy: WARNING" 1
expect_contains "it names the copy and its age" "newest offsite copy ${stale_name}.age is 30.0 h old (max 26.0 h)" \
    "${CLI_LAST_OUT}"
run ifn --log-dir "${CLI_WORK}/stale" --offsite "${off}" check --drill-max-age-days 0 --offsite-max-age-hours 31
expect_exit "--offsite-max-age-hours 31: OK" 0
run ifn --log-dir "${CLI_WORK}/stale" --offsite "${off}" status
expect_contains "status: the stale copy (an encrypted one counts)" "Offsite copy      ${stale_name}.age" "${CLI_LAST_OUT}"
expect_contains "status: its age" "30 h old" "${CLI_LAST_OUT}"
if command -v faketime >/dev/null 2>&1; then
    run faketime -f '+2d' "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" \
        --backup-dir "${dir}" --offsite "${off}" check --drill-max-age-days 0 --max-age-hours 100
    expect_exit "two days later (faketime), the real backup's copy is stale: WARNING" 1
    expect_contains "... its copy named" "newest offsite copy ${name} is 2.0 days old" "${CLI_LAST_OUT}"
else
    fail "faketime is not installed (scripts/install-deps installs it)"
fi

# --- the last upload failed (a push after the good copy)
plant "${CLI_WORK}/stale" push failed ""
run ifn --log-dir "${CLI_WORK}/stale" --offsite "${off}" check --drill-max-age-days 0 --offsite-max-age-hours 31 \
    --metrics-file "${CLI_WORK}/failed.prom"
expect_exit "check after a failed upload: WARNING" 1
expect_contains "it says the upload failed" "last offsite upload failed (push " "${CLI_LAST_OUT}"
expect_contains "metrics: the upload failed" "ifnbackup_last_offsite_upload_success{backup_dir=\"${dir}\"} 0" \
    "$(cat "${CLI_WORK}/failed.prom" 2>/dev/null)"
run ifn --log-dir "${CLI_WORK}/stale" --offsite "${off}" status
expect_contains "status: the failed upload" "Last upload       FAILED" "${CLI_LAST_OUT}"

# --- no copy in the journal at all
mkdir -p "${CLI_WORK}/none"
run ifn --log-dir "${CLI_WORK}/none" --offsite "${off}" check --drill-max-age-days 0
expect_exit "check with no offsite copy in the journal: WARNING" 1
expect_contains "it says so" "no offsite copy in the journal" "${CLI_LAST_OUT}"

# --- doctor
doctor() { ifn "$@" doctor; }
run doctor --offsite "${off}"
# The columns are as wide as the longest check name (which grows with the checks): spaces squeezed.
for line in "ok offsite keys" "ok offsite endpoint" "ok offsite login" \
    "ok offsite bucket bucket ${bucket} exists" "ok offsite listing"; do
    expect_contains "doctor, good set-up: ${line}" "${line}" "$(tr -s ' ' <<<"${CLI_LAST_OUT}")"
done
expect_not_contains "doctor, good set-up: no offsite warning" "WARNING  offsite" "${CLI_LAST_OUT}"
run env AWS_SECRET_ACCESS_KEY=wrong "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" \
    --database "${db}" --backup-dir "${dir}" --s3-endpoint "${endpoint}" --s3-path-style --s3-retry-time 2 \
    --offsite "${off}" doctor
expect_exit "doctor, wrong secret: exit 17" 17
expect_contains "doctor, wrong secret: the login" "WARNING  offsite login" "${CLI_LAST_OUT}"
expect_contains "... refused the credentials" "refused the credentials" "${CLI_LAST_OUT}"
expect_contains "... the bucket not checked" "offsite bucket not checked" "$(tr -s ' ' <<<"${CLI_LAST_OUT}")"
run doctor --offsite "s3://no-such-bucket-here/x"
expect_exit "doctor, missing bucket: exit 17" 17
expect_contains "doctor, missing bucket" "WARNING  offsite bucket" "${CLI_LAST_OUT}"
expect_contains "... says it does not exist" "bucket 'no-such-bucket-here' does not exist" "${CLI_LAST_OUT}"
run "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" --backup-dir "${dir}" \
    --s3-endpoint "http://127.0.0.1:1" --s3-path-style --s3-retry-time 1 --offsite "${off}" doctor
expect_contains "doctor, no answer from the endpoint" "WARNING  offsite endpoint" "${CLI_LAST_OUT}"
if command -v faketime >/dev/null 2>&1; then
    run faketime -f '+20m' "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" \
        --backup-dir "${dir}" --s3-endpoint "${endpoint}" --s3-path-style --s3-retry-time 2 --offsite "${off}" doctor
    expect_contains "doctor, clock 20 min ahead" "WARNING  offsite clock" "${CLI_LAST_OUT}"
    expect_contains "... says the clock is off" "the clock of this machine is off" "${CLI_LAST_OUT}"
fi
printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "${AWS_ACCESS_KEY_ID}" \
    "${AWS_SECRET_ACCESS_KEY}" >"${CLI_WORK}/open-credentials"
chmod 644 "${CLI_WORK}/open-credentials"
run env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_SHARED_CREDENTIALS_FILE="${CLI_WORK}/open-credentials" \
    "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" --backup-dir "${dir}" \
    --s3-endpoint "${endpoint}" --s3-path-style --offsite "${off}" doctor
expect_contains "doctor, credentials file readable by others" "WARNING  offsite keys" "${CLI_LAST_OUT}"

cli_finish
