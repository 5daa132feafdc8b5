#!/usr/bin/env bash
# Issue 15: offsite copies to S3, against a real signature-checking S3 server (scripts/s3server: npm
# @20minutes/s3rver 4.0.4) and read back by independent clients (awscli, rclone). backup --offsite lands
# (single PUT and multipart), its SHA-256 read back by /usr/bin/aws equals the local file's; each fault
# (wrong secret, unknown key, missing bucket, clock 20 minutes ahead, server killed mid-upload) exits 22
# with its message and keeps the local backup, verified; push completes what is missing; list --offsite
# pages past 1000 objects; the credentials file is refused when others may read it.
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cli_init

cli_start_s3
cli_use_server

db=$(cli_unique_db offsite)
cli_create_db "${db}" || cli_skip "cannot create a database"
# About 3 MiB of gzip: random bytes written in hex do not compress much.
sql "${db}" -e "CREATE TABLE t (id INT PRIMARY KEY, b BLOB); INSERT INTO t SELECT seq, RANDOM_BYTES(1024) FROM seq_1_to_3000"
dir="${CLI_WORK}/backups"
bucket=${IFNBACKUP_TEST_S3_BUCKET}
endpoint=${IFNBACKUP_TEST_S3_ENDPOINT}
ifn() {
    "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" --backup-dir "${dir}" \
        --s3-endpoint "${endpoint}" --s3-path-style --s3-retry-time 3 "$@"
}
sha_of() { sha256sum "$1" | cut -d' ' -f1; }
newest() { final_backups "${dir}" | grep '^ifn_connect_backup_' | tail -n1; }
last_journal() { tail -n1 "${dir}/journal.jsonl"; }
# s3rver keeps an object as <data>/<bucket>/<key>._S3rver_object.
object_on_disk() { [[ -e "${IFNBACKUP_TEST_S3_DATA}/${bucket}/$1._S3rver_object" ]]; }

# --- a backup lands, in one PUT, and awscli reads back the same bytes
run ifn --offsite "s3://${bucket}/nightly" backup --no-schema-check
expect_exit "backup --offsite" 0
first=$(newest)
expect_contains "the log says where it went and that a HEAD checked it" \
    "uploaded to s3://${bucket}/nightly/${first} (" "${CLI_LAST_ERR}"
expect_contains "one PUT for a file below 5 MiB" "in one PUT" "${CLI_LAST_ERR}"
expect_contains "checked by HEAD" "checked by HEAD" "${CLI_LAST_ERR}"
expect_contains "the journal records the upload" '"offsite":"ok"' "$(last_journal)"
run aws_cli s3 cp "s3://${bucket}/nightly/${first}" "${CLI_WORK}/first.download"
expect_exit "/usr/bin/aws s3 cp downloads it" 0
expect_eq "awscli's copy has the local file's SHA-256" "$(sha_of "${dir}/${first}")" \
    "$(sha_of "${CLI_WORK}/first.download")"
run aws_cli s3api head-object --bucket "${bucket}" --key "nightly/${first}"
expect_contains "its metadata holds our SHA-256 of the bytes" \
    "\"ifnbackup-sha256\": \"$(sha_of "${dir}/${first}")\"" "${CLI_LAST_OUT}"

# --- multipart: parts of 1 MiB (the test server takes parts below S3's 5 MiB); rclone reads it back
sleep 1
run env IFNBACKUP_TEST_S3_MIN_PART_SIZE=1048576 "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" \
    --database "${db}" --backup-dir "${dir}" --s3-endpoint "${endpoint}" --s3-path-style \
    --offsite "s3://${bucket}/nightly" backup --no-schema-check
expect_exit "backup --offsite, multipart" 0
second=$(newest)
expect_contains "four parts of 1 MiB" "in 4 parts of 1 MiB" "${CLI_LAST_ERR}"
if command -v rclone >/dev/null 2>&1; then
    run rclone --config "${IFNBACKUP_TEST_S3_RCLONE_CONFIG}" copyto "s3test:${bucket}/nightly/${second}" \
        "${CLI_WORK}/second.download"
    expect_exit "rclone downloads the multipart object" 0
    expect_eq "rclone's copy has the local file's SHA-256" "$(sha_of "${dir}/${second}")" \
        "$(sha_of "${CLI_WORK}/second.download")"
else
    fail "rclone is not installed (scripts/install-deps installs it)"
fi
# --s3-max-parts 1: 3 MiB in one part of at least 3 MiB, i.e. a single PUT even with 1 MiB parts allowed.
run env IFNBACKUP_TEST_S3_MIN_PART_SIZE=1048576 "${CLI_BIN}" --backup-dir "${dir}" --s3-endpoint "${endpoint}" \
    --s3-path-style --offsite "s3://${bucket}/maxparts" --s3-max-parts 1 push "${second}"
expect_exit "push with --s3-max-parts 1" 0
expect_contains "the part size grows to hold the file in one part" "in one PUT" "${CLI_LAST_OUT}"

# --- faults: each exits 22, names the cause, and the local backup stays, verified
sleep 1
run env AWS_SECRET_ACCESS_KEY=wrong-secret "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" \
    --database "${db}" --backup-dir "${dir}" --s3-endpoint "${endpoint}" --s3-path-style --s3-retry-time 3 \
    --offsite "s3://${bucket}/nightly" backup --no-schema-check
expect_exit "wrong secret" 22
wrong=$(newest)
expect_contains "the error says the credentials were refused" "refused the credentials (SignatureDoesNotMatch" \
    "${CLI_LAST_ERR}"
expect_contains "and that the backup is complete and verified" "is complete and verified in" "${CLI_LAST_ERR}"
expect_contains "the hint names push" "ifnbackup push" "${CLI_LAST_ERR}"
expect_not_contains "the secret is never printed" "wrong-secret" "${CLI_LAST_ERR}${CLI_LAST_OUT}"
check "the journal says the offsite copy failed" grep -q '"offsite":"failed"' <(last_journal)
check "the journal line has exit 22" grep -q '"exit_code":22' <(last_journal)
run ifn verify "${wrong}"
expect_exit "the local backup is kept and verifies" 0
check "nothing under its key" bash -c "! [[ -e '${IFNBACKUP_TEST_S3_DATA}/${bucket}/nightly/${wrong}._S3rver_object' ]]"

AWS_ACCESS_KEY_ID=NOSUCHKEY run ifn --offsite "s3://${bucket}/nightly" push
expect_exit "unknown access key" 22
expect_contains "the error says the key is unknown" "InvalidAccessKeyId" "${CLI_LAST_ERR}"
expect_contains "the hint names the access key" "the access key is unknown" "${CLI_LAST_ERR}"

run ifn --offsite "s3://no-such-bucket-here/nightly" push
expect_exit "missing bucket" 22
expect_contains "the error names the bucket" "bucket 'no-such-bucket-here' does not exist" "${CLI_LAST_ERR}"

if command -v faketime >/dev/null 2>&1; then
    run faketime -f '+20m' "${CLI_BIN}" --backup-dir "${dir}" --s3-endpoint "${endpoint}" --s3-path-style \
        --s3-retry-time 3 --offsite "s3://${bucket}/nightly" push
    expect_exit "clock 20 minutes ahead" 22
    expect_contains "the error says the clock is off" "the clock of this machine is off" "${CLI_LAST_ERR}"
    expect_contains "and by how much" "ahead by about 20 min" "${CLI_LAST_ERR}"
    expect_contains "the hint says how to set it" "set the clock right" "${CLI_LAST_ERR}"
else
    fail "faketime is not installed (scripts/install-deps installs it)"
fi
check "every local backup is still there" test -e "${dir}/${first}" -a -e "${dir}/${second}" -a -e "${dir}/${wrong}"

# --- push sends what is missing (the backup of the wrong secret), the rest is already there
run ifn --offsite "s3://${bucket}/nightly" push
expect_exit "push" 0
expect_contains "sends the missing backup" "sent     ${wrong} uploaded" "${CLI_LAST_OUT}"
expect_contains "finds the others there" "present  ${first} is already offsite" "${CLI_LAST_OUT}"
expect_contains "counts" "1 sent, 2 already offsite, 0 failed" "${CLI_LAST_OUT}"
check "the journal records push" grep -q '"command":"push".*"offsite":"ok"' <(last_journal)
run ifn --offsite "s3://${bucket}/nightly" push all
expect_contains "a second push sends nothing" "0 sent, 3 already offsite" "${CLI_LAST_OUT}"
run ifn --offsite "s3://${bucket}/nightly" push nope.sql.gz
expect_exit "push of a name not in the folder" 15

# --- an object that differs (same name, other bytes) is sent again
printf 'not the backup\n' >"${CLI_WORK}/other"
aws_cli s3 cp "${CLI_WORK}/other" "s3://${bucket}/nightly/${first}" >/dev/null 2>&1
run ifn --offsite "s3://${bucket}/nightly" push "${first}"
expect_contains "a different object under the name is replaced" "sent     ${first}" "${CLI_LAST_OUT}"

# --- the server killed mid-upload: nothing under the final key, the next push completes it
sleep 1
run ifn backup --no-schema-check
cut=$(newest)
(
    IFNBACKUP_TEST_S3_MIN_PART_SIZE=16384 exec "${CLI_BIN}" --backup-dir "${dir}" --s3-endpoint "${endpoint}" \
        --s3-path-style --s3-retry-time 2 --offsite "s3://${bucket}/nightly" push "${cut}" \
        >"${CLI_WORK}/cut.out" 2>"${CLI_WORK}/cut.err"
) &
pusher=$!
for _ in $(seq 1 300); do
    parts=$(find "${IFNBACKUP_TEST_S3_DATA}/${bucket}/._S3rver_uploads" -type f 2>/dev/null | wc -l)
    ((parts >= 3)) && break
    sleep 0.05
done
kill -KILL "${IFNBACKUP_TEST_S3_PID}"
cut_exit=0
wait "${pusher}" || cut_exit=$?
CLI_LAST_EXIT=${cut_exit}
expect_exit "push with the server killed after ${parts} parts" 22
check "the failure says it gave up" grep -q "gave up after" "${CLI_WORK}/cut.err"
check "nothing under the final key" bash -c "! [[ -e '${IFNBACKUP_TEST_S3_DATA}/${bucket}/nightly/${cut}._S3rver_object' ]]"
run ifn verify "${cut}"
expect_exit "the local file is kept and verifies" 0
s3env=$("${CLI_SOURCE_DIR}/scripts/s3server" restart --dir "${IFNBACKUP_TEST_S3_DIR}" 2>>"${CLI_WORK}/s3.log") ||
    fail "the S3 server did not restart"
eval "${s3env}"
endpoint=${IFNBACKUP_TEST_S3_ENDPOINT}
run ifn --offsite "s3://${bucket}/nightly" push
expect_exit "push after the restart" 0
expect_contains "completes the cut upload" "sent     ${cut} uploaded" "${CLI_LAST_OUT}"
run aws_cli s3 cp "s3://${bucket}/nightly/${cut}" "${CLI_WORK}/cut.download"
expect_eq "and awscli reads back the local file's bytes" "$(sha_of "${dir}/${cut}")" "$(sha_of "${CLI_WORK}/cut.download")"

# --- more than 1000 objects: ours come after 1100 foreign keys, on the second page of the listing
mkdir -p "${CLI_WORK}/many"
for i in $(seq -w 1 1100); do : >"${CLI_WORK}/many/aaa-${i}"; done
run rclone --config "${IFNBACKUP_TEST_S3_RCLONE_CONFIG}" copy --transfers 16 "${CLI_WORK}/many" "s3test:${bucket}/nightly"
expect_exit "1100 foreign objects written by rclone" 0
run ifn --offsite "s3://${bucket}/nightly" list --offsite
expect_exit "list --offsite" 0
expect_contains "lists our backups from the second page" "4 backup(s) of ours" "${CLI_LAST_OUT}"
expect_contains "with our SHA-256" "${first}" "${CLI_LAST_OUT}"
expect_contains "checked by hash" "$(sha_of "${dir}/${cut}")" "${CLI_LAST_OUT}"
expect_not_contains "foreign keys are not ours" "aaa-0001" "${CLI_LAST_OUT}"
run ifn --offsite "s3://${bucket}/nightly" list --offsite --json
expect_contains "list --offsite --json" '"count":4' "${CLI_LAST_OUT}"
run ifn --offsite "s3://${bucket}/nightly" push
expect_contains "push compares across pages: nothing to send" "0 sent, 4 already offsite" "${CLI_LAST_OUT}"

# --- restore --from-offsite on an empty folder (a new machine with only the bucket): downloaded, checked, restored
empty="${CLI_WORK}/new-machine"
restored="${db}_r"
cli_on_exit "mariadb --defaults-file='${IFNBACKUP_TEST_DEFAULTS_FILE}' -e 'DROP DATABASE IF EXISTS \`${restored}\`'"
run "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" --backup-dir "${empty}" \
    --s3-endpoint "${endpoint}" --s3-path-style --offsite "s3://${bucket}/nightly" restore --from-offsite latest --into "${restored}" --yes
expect_exit "restore --from-offsite latest into an empty folder" 0
expect_contains "the newest copy is downloaded and checked" "downloaded nightly/${cut} to ${empty}/${cut}" \
    "${CLI_LAST_ERR}"
expect_eq "the downloaded file has the local file's bytes" "$(sha_of "${dir}/${cut}")" "$(sha_of "${empty}/${cut}")"
expect_eq "the rows are back" "3000" "$(sql -e "SELECT COUNT(*) FROM \`${restored}\`.t")"
check "no .partial left" bash -c "! ls '${empty}'/*.partial 2>/dev/null"
# An object whose bytes differ from the SHA-256 recorded at upload: refused before anything is touched.
aws_cli s3 cp "${CLI_WORK}/other" "s3://${bucket}/nightly/${second}" \
    --metadata "ifnbackup-sha256=$(sha_of "${dir}/${second}")" >/dev/null 2>&1
run "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" --backup-dir "${empty}" \
    --s3-endpoint "${endpoint}" --s3-path-style --offsite "s3://${bucket}/nightly" restore --from-offsite "${second}" --into "${restored}" --yes
expect_exit "a tampered offsite copy" 10
expect_contains "is named corrupt" "but was uploaded as" "${CLI_LAST_ERR}"
check "and nothing is left of it in the folder" bash -c "! ls '${empty}/${second}'* 2>/dev/null"
run "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" --backup-dir "${empty}" \
    --s3-endpoint "${endpoint}" --s3-path-style --offsite "s3://${bucket}/nightly" restore --from-offsite nope.sql.gz --into "${restored}" --yes
expect_exit "restore --from-offsite of a missing object" 15

# --- settings from the environment and a config file; credentials from a shared file, refused when others read it
run env IFNBACKUP_OFFSITE="s3://${bucket}/nightly" "${CLI_BIN}" --backup-dir "${dir}" --s3-endpoint "${endpoint}" \
    --s3-path-style list --offsite
expect_contains "IFNBACKUP_OFFSITE is read" "4 backup(s) of ours" "${CLI_LAST_OUT}"
printf 'offsite = s3://%s/nightly\ns3-endpoint = %s\ns3-path-style = true\n' "${bucket}" "${endpoint}" \
    >"${CLI_WORK}/ifnbackup.conf"
run "${CLI_BIN}" --config "${CLI_WORK}/ifnbackup.conf" --backup-dir "${dir}" list --offsite
expect_contains "the config file is read" "4 backup(s) of ours" "${CLI_LAST_OUT}"
creds="${CLI_WORK}/aws-credentials"
printf '[default]\naws_access_key_id = nope\naws_secret_access_key = nope\n[backup]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
    "${IFNBACKUP_TEST_S3_ACCESS_KEY}" "${IFNBACKUP_TEST_S3_SECRET_KEY}" >"${creds}"
chmod 0644 "${creds}"
run env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_SHARED_CREDENTIALS_FILE="${creds}" \
    "${CLI_BIN}" --config "${CLI_WORK}/ifnbackup.conf" --backup-dir "${dir}" --s3-profile backup list --offsite
expect_exit "a credentials file readable by others" 3
expect_contains "is refused" "readable by others" "${CLI_LAST_ERR}"
chmod 0600 "${creds}"
run env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_SHARED_CREDENTIALS_FILE="${creds}" \
    "${CLI_BIN}" --config "${CLI_WORK}/ifnbackup.conf" --backup-dir "${dir}" --s3-profile backup list --offsite
expect_exit "the profile of a 0600 credentials file" 0
run env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_SHARED_CREDENTIALS_FILE="${creds}" \
    "${CLI_BIN}" --config "${CLI_WORK}/ifnbackup.conf" --backup-dir "${dir}" list --offsite
expect_exit "its default profile holds other keys" 22
run ifn --offsite "http://${bucket}/x" push
expect_exit "an --offsite that is not s3://" 2

cli_finish
