#!/usr/bin/env bash
# Issue 16: offsite copies of the binary log archive (docs/pitr.md, "Offsite copies"), against the private
# S3 server and a private MariaDB with the binary log on. push sends the archive's whole files (plain, and
# encrypted with age), never the chunks of the log being written nor a file the archiver did not write; a
# second push sends nothing new; the backups' copies carry their binlog position; rotate --offsite keeps
# the copies the kept backups need and removes older ones, keeps everything while a kept copy's position is
# unknown, never removes a foreign object nor the newest log; status, check and their JSON say how far
# behind the copies are; binlog pull brings the archive back into an empty folder (decrypting with
# --identity), and the procedure of docs/pitr.md (pull, drill --from-offsite, restore --until) works there.
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cli_init

command -v age >/dev/null 2>&1 || cli_skip "the age CLI is not installed; run scripts/install-deps"
cli_start_s3server
cli_start_own_server pitroff

db=shop
dir="${CLI_WORK}/backups"
archive="${dir}/binlog"
bucket=${IFNBACKUP_TEST_S3_BUCKET}
endpoint=${IFNBACKUP_TEST_S3_ENDPOINT}
journal="${CLI_WORK}/journal"
mkdir -p "${journal}"
ifn_in() {
    local folder=$1
    shift
    "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" --backup-dir "${folder}" \
        --log-dir "${journal}" --s3-endpoint "${endpoint}" --s3-path-style --s3-retry-time 3 "$@"
}
ifn() { ifn_in "${dir}" "$@"; }
aws_cli() {
    env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_CONFIG_FILE="${IFNBACKUP_TEST_S3_AWS_CONFIG}" \
        AWS_SHARED_CREDENTIALS_FILE="${IFNBACKUP_TEST_S3_AWS_CREDENTIALS}" \
        /usr/bin/aws --endpoint-url "${endpoint}" "$@"
}
bucket_keys() { aws_cli s3 ls --recursive "s3://${bucket}/$1" | awk '{print $4}' | sort; }
newest_backup() {
    find "${dir}" -maxdepth 1 -name '*_backup_*.sql.gz' -printf '%f\n' | sort | tail -1
}
count() { sql "${db}" -e "SELECT COUNT(*) FROM orders $1"; }
plain="s3://${bucket}/plain"
enc="s3://${bucket}/enc"
age-keygen -o "${CLI_WORK}/key.txt" 2>/dev/null
chmod 600 "${CLI_WORK}/key.txt"
recipient=$(age-keygen -y "${CLI_WORK}/key.txt")

# Backup A in binlog.000001 (named 40 days old: the retention removes it), B in binlog.000003; the
# target after B, then binlog.000003 closed: .000001-.000003 whole, .000004 in chunks.
sql -e "CREATE DATABASE ${db}; CREATE TABLE ${db}.orders (id INT PRIMARY KEY, note VARCHAR(40))"
sql "${db}" -e "INSERT INTO orders SELECT seq, 'first' FROM seq_1_to_20"
run ifn binlog archive
expect_exit "first archive" 0
run ifn backup --no-schema-check
expect_exit "backup A" 0
first=$(newest_backup)
old_name=$(sed -E "s/_[0-9]{8}_[0-9]{6}\.sql\.gz$/_$(date -d '40 days ago' +%Y%m%d_%H%M%S).sql.gz/" <<<"${first}")
mv "${dir}/${first}" "${dir}/${old_name}"
sql -e "FLUSH BINARY LOGS"
sql "${db}" -e "INSERT INTO orders VALUES (21, 'between A and B')"
sql -e "FLUSH BINARY LOGS"
sleep 1.1
run ifn backup --no-schema-check
expect_exit "backup B" 0
second=$(newest_backup)
check "backup B records binlog.000003" bash -c "zcat '${dir}/${second}' | head -20 | grep -q 'binlog=binlog.000003:'"
sleep 1.1
sql "${db}" -e "INSERT INTO orders VALUES (22, 'after B')"
sleep 1.1
target=$(sql -e "SELECT NOW()")
sleep 1.1
sql "${db}" -e "INSERT INTO orders VALUES (23, 'after the target')"
sql -e "FLUSH BINARY LOGS"
sql "${db}" -e "INSERT INTO orders VALUES (24, 'in binlog.000004')"
run ifn binlog archive
expect_exit "the archive catches up" 0
check "binlog.000003 is whole, binlog.000004 in chunks" \
    bash -c "test -f '${archive}/binlog.000003.gz' && ls '${archive}' | grep -q '^binlog.000004.from-'"
# A file named like the archive's that the archiver did not write: never sent.
echo "not a binary log" | gzip >"${archive}/binlog.000000.gz"

# --- push: the backups, then the archive's whole files (not the chunks, not the fake)
run ifn --offsite "${plain}" push
expect_exit "push with an archive" 0
expect_contains "sends binlog.000001" "binlog/binlog.000001.gz uploaded to s3://${bucket}/plain/binlog/binlog.000001.gz" \
    "${CLI_LAST_OUT}"
expect_contains "the archive's summary" "binary log archive: 3 sent, 0 already offsite, 0 failed, 1 not sent; offsite up to binlog.000003" \
    "${CLI_LAST_OUT}"
expect_contains "the fake is not sent" "binlog/binlog.000000.gz is not a binary log archived by ifnbackup: not sent" \
    "${CLI_LAST_OUT}"
expect_eq "the bucket holds the three whole files, no chunk" \
    "$(printf 'plain/binlog/binlog.000001.gz\nplain/binlog/binlog.000002.gz\nplain/binlog/binlog.000003.gz')" \
    "$(bucket_keys plain/binlog/)"
aws_cli s3 cp --quiet "${plain}/binlog/binlog.000002.gz" "${CLI_WORK}/copy.gz"
expect_eq "the copy is the local file byte for byte" "$(sha256sum <"${archive}/binlog.000002.gz")" \
    "$(sha256sum <"${CLI_WORK}/copy.gz")"
aws_cli s3api head-object --bucket "${bucket}" --key "plain/${second}" >"${CLI_WORK}/head.json"
expect_contains "the backup's copy carries its binlog position" '"ifnbackup-binlog": "binlog.000003:' \
    "$(cat "${CLI_WORK}/head.json")"
check "the journal records the newest log offsite" grep -q '"command":"push".*"binlog_offsite":"binlog.000003"' \
    "${journal}/journal.jsonl"

run ifn --offsite "${plain}" push --json
expect_exit "a second push" 0
expect_contains "sends nothing new" '"sent":0,"present":3,"failed":0,"skipped":1,"newest":"binlog.000003"' \
    "${CLI_LAST_OUT}"

# --- encrypted: NAME.gz.age, which age -d turns back into the local file
run ifn --offsite "${enc}" --encrypt-to "${recipient}" push
expect_exit "push --encrypt-to" 0
expect_contains "encrypted archive files" "binlog/binlog.000003.gz.age uploaded to s3://${bucket}/enc/binlog/binlog.000003.gz.age" \
    "${CLI_LAST_OUT}"
aws_cli s3 cp --quiet "${enc}/binlog/binlog.000003.gz.age" "${CLI_WORK}/copy.gz.age"
expect_eq "age -d gives the local file" "$(sha256sum <"${archive}/binlog.000003.gz")" \
    "$(age -d -i "${CLI_WORK}/key.txt" "${CLI_WORK}/copy.gz.age" | sha256sum)"
run ifn --offsite "${enc}" --encrypt-to "${recipient}" push
expect_contains "a second encrypted push sends nothing new" \
    "binary log archive: 0 sent, 3 already offsite, 0 failed, 1 not sent" "${CLI_LAST_OUT}"

# --- status and check: how far behind the copies are (journal; no network call)
run ifn --offsite "${plain}" status
expect_contains "status: the archive offsite" "to binlog.000003, seen by push" "${CLI_LAST_OUT}"
expect_contains "status: nothing behind" "every complete log of the folder is offsite" "${CLI_LAST_OUT}"
sql "${db}" -e "INSERT INTO orders VALUES (25, 'in binlog.000004')"
sql -e "FLUSH BINARY LOGS"
run ifn binlog archive
touch -d '30 hours ago' "${archive}/binlog.000004.gz"
run ifn --offsite "${plain}" status --json
expect_contains "status --json: one log behind" '"behind":1,"first_behind":"binlog.000004"' "${CLI_LAST_OUT}"
run ifn --offsite "${plain}" check --drill-max-age-days 0
expect_contains "check warns: a complete log waits" "binary log archive offsite is 1 complete log(s) behind the folder's (binlog.000004" \
    "${CLI_LAST_OUT}"
run ifn --offsite "${plain}" push
run ifn --offsite "${plain}" check --drill-max-age-days 0
expect_not_contains "after push, no warning on the archive" "complete log(s) behind" "${CLI_LAST_OUT}"

# --- rotate --offsite: a kept copy whose position is unknown keeps the archive whole
echo "junk" | aws_cli s3 cp --quiet - "${plain}/binlog/binlog.000000.gz" # named like ours, no header: foreign
unknown_name=$(sed -E "s/_[0-9]{8}_[0-9]{6}\.sql\.gz$/_$(date -d '1 day ago' +%Y%m%d_%H%M%S).sql.gz/" <<<"${second}")
aws_cli s3 cp --quiet --metadata "ifnbackup-sha256=$(sha256sum <"${dir}/${second}" | cut -d' ' -f1)" \
    "${dir}/${second}" "${plain}/${unknown_name}"
aws_cli s3 cp --quiet "${CLI_WORK}/copy.gz" "${plain}/binlog/binlog.000001.gz.orig" # not an archive name
echo "mine" | aws_cli s3 cp --quiet - "${plain}/binlog/binlog.000001.from-0000000000.gz" # no header: foreign
run ifn --offsite "${plain}" rotate --retention-days 30 --min-keep 1
expect_exit "rotate with a kept copy of unknown position" 0
expect_contains "says why the archive is kept" "the binlog position of ${unknown_name}, kept offsite, is unknown" \
    "${CLI_LAST_OUT}"
expect_contains "binlog.000001 still offsite" "plain/binlog/binlog.000001.gz" "$(bucket_keys plain/binlog/)"
aws_cli s3 rm --quiet "${plain}/${unknown_name}"

# --- rotate --offsite: A's copy goes (40 days old); B needs binlog.000003: .000001 and .000002 go
run ifn --offsite "${plain}" rotate --dry-run --retention-days 30 --min-keep 1
expect_exit "rotate --dry-run" 0
expect_contains "dry run: binlog.000001 would go" "would remove  binlog/binlog.000001.gz" "${CLI_LAST_OUT}"
expect_contains "dry run: nothing deleted offsite" "archived binary log copy(ies) would be removed offsite" "${CLI_LAST_OUT}"
expect_contains "the dry run removed nothing" "plain/binlog/binlog.000001.gz" "$(bucket_keys plain/binlog/)"
run ifn --offsite "${plain}" rotate --retention-days 30 --min-keep 1 --json
expect_exit "rotate --offsite" 0
after=$(bucket_keys plain/binlog/)
check "binlog.000001's copy removed" bash -c "! grep -qx 'plain/binlog/binlog.000001.gz' <<<'${after}'"
expect_not_contains "binlog.000002's copy removed" "plain/binlog/binlog.000002.gz" "${after}"
expect_contains "binlog.000003 (B's) kept" "plain/binlog/binlog.000003.gz" "${after}"
expect_contains "the newest log kept" "plain/binlog/binlog.000004.gz" "${after}"
expect_contains "a foreign chunk name stays" "plain/binlog/binlog.000001.from-0000000000.gz" "${after}"
expect_contains "a foreign object of an older log stays" "plain/binlog/binlog.000000.gz" "${after}"
expect_contains "another name stays" "plain/binlog/binlog.000001.gz.orig" "${after}"
expect_contains "the JSON names what B needs" '"needed_from":"binlog.000003:' "${CLI_LAST_OUT}"
expect_not_contains "A's copy removed" "plain/${old_name}" "$(bucket_keys plain/)"

# --- an archive copy whose removal the storage refuses: exit 22, named; the next rotation removes it
proxy_port="${CLI_WORK}/proxy.port"
python3 "${CLI_SOURCE_DIR}/tests/tools/s3_fault_proxy.py" --upstream "${endpoint}" --port-file "${proxy_port}" \
    --deny-delete >/dev/null 2>&1 </dev/null &
cli_on_exit "kill $! 2>/dev/null"
for _ in $(seq 1 100); do [[ -s "${proxy_port}" ]] && break; sleep 0.1; done
aws_cli s3 cp --quiet --metadata "ifnbackup-sha256=$(sha256sum <"${CLI_WORK}/copy.gz" | cut -d' ' -f1)" \
    "${CLI_WORK}/copy.gz" "${plain}/binlog/binlog.000002.gz"
run "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" --backup-dir "${dir}" \
    --log-dir "${journal}" --s3-endpoint "http://127.0.0.1:$(cat "${proxy_port}")" --s3-path-style --s3-retry-time 3 \
    --offsite "${plain}" rotate --retention-days 30 --min-keep 1
expect_exit "an archive copy the key may not delete" 22
expect_contains "the error names it" "failed (first: binlog/binlog.000002.gz: cannot remove it" "${CLI_LAST_ERR}"
expect_contains "it is still there" "plain/binlog/binlog.000002.gz" "$(bucket_keys plain/binlog/)"
run ifn --offsite "${plain}" rotate --retention-days 30 --min-keep 1
expect_exit "the next rotation" 0
check "removes it" bash -c "! grep -qx 'plain/binlog/binlog.000002.gz' <<<'$(bucket_keys plain/binlog/)'"

# --- the disaster: an empty folder, the bucket, the key
fresh="${CLI_WORK}/fresh"
run ifn_in "${fresh}" --offsite "${enc}" binlog pull
expect_exit "binlog pull of encrypted copies without --identity" 2
run ifn_in "${fresh}" --offsite "${enc}" --identity "${CLI_WORK}/key.txt" binlog pull
expect_exit "binlog pull --identity" 0
expect_contains "three files back" "binlog pull: 3 file(s) brought into" "${CLI_LAST_OUT}"
expect_eq "decrypted byte for byte" "$(sha256sum <"${archive}/binlog.000003.gz")" \
    "$(sha256sum <"${fresh}/binlog/binlog.000003.gz")"
check "pulled files are 0600" test "$(stat -c %a "${fresh}/binlog/binlog.000003.gz")" = 600
run ifn_in "${fresh}" --offsite "${enc}" --identity "${CLI_WORK}/key.txt" binlog pull
expect_contains "a second pull brings nothing" "binlog pull: 0 file(s) brought into ${fresh}/binlog, 3 already there" \
    "${CLI_LAST_OUT}"

rm -rf "${fresh}"
run ifn_in "${fresh}" --offsite "${plain}" binlog pull
expect_exit "binlog pull (plain)" 0
expect_contains "foreign objects left in the bucket" "left in the bucket: binlog/binlog.000001.from-0000000000.gz" \
    "${CLI_LAST_OUT}"
check "nothing foreign brought" bash -c "! ls '${fresh}/binlog' | grep -q -e from- -e orig -e 000000"
run ifn_in "${fresh}" --offsite "${plain}" drill --from-offsite "${second}"
expect_exit "drill --from-offsite brings B into the folder and proves it" 0
check "B is in the fresh folder" test -f "${fresh}/${second}"
run ifn_in "${fresh}" restore --until "${target}" --yes
expect_exit "restore --until from the pulled archive" 0
expect_eq "rows up to the target are back" 22 "$(count "")"
expect_eq "the row after the target is not" 0 "$(count "WHERE id = 23")"

cli_finish
