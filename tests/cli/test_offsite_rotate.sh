#!/usr/bin/env bash
# Issue 15: rotate with --offsite, against the private S3 server (scripts/s3server), the objects planted
# by an independent client (/usr/bin/aws, rclone) with our SHA-256 header or without it. Only old objects
# of ours go (plain and .age), foreign keys, objects named like ours without our header, other prefixes,
# sub-folders and safety snapshots stay; the floor holds when every backup is old; more than 1000 objects
# (paging: ours on both pages); a key that may not delete (exit 22, the folder's rotation kept); a listing that shrinks
# between the two readings (nothing removed); the clock off (nothing removed); two rotations at once.
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cli_init

command -v /usr/bin/aws >/dev/null 2>&1 || cli_skip "awscli is not installed (scripts/install-deps installs it)"
cli_start_s3

dir="${CLI_WORK}/backups"
mkdir -p "${dir}"
chmod 700 "${dir}"
bucket=${IFNBACKUP_TEST_S3_BUCKET}
endpoint=${IFNBACKUP_TEST_S3_ENDPOINT}
ifn_at() {
    local at=$1
    shift
    "${CLI_BIN}" --backup-dir "${dir}" --s3-endpoint "${at}" --s3-path-style --s3-retry-time 2 "$@"
}
ifn() { ifn_at "${endpoint}" "$@"; }
# Keys under a prefix, one a line, sorted.
keys_under() {
    aws_cli s3api list-objects-v2 --bucket "${bucket}" --prefix "$1" --query 'Contents[].Key' --output text |
        tr '\t' '\n' | grep -v '^None$' | sort
}
name_days_ago() { echo "ifn_connect_backup_$(date -d "-$1 days" +%Y%m%d_%H%M%S).sql.gz"; }
payload="${CLI_WORK}/payload.sql.gz"
printf 'not really a dump, but gzip\n' | gzip -c >"${payload}"
sha=$(sha256sum "${payload}" | cut -d' ' -f1)
# put KEY [ours|foreign]: an object with our SHA-256 header (as ifnbackup uploads), or without it.
put() {
    if [[ "${2:-ours}" == ours ]]; then
        aws_cli s3api put-object --bucket "${bucket}" --key "$1" --body "${payload}" \
            --metadata "ifnbackup-sha256=${sha}" >/dev/null
    else
        aws_cli s3api put-object --bucket "${bucket}" --key "$1" --body "${payload}" >/dev/null
    fi
}
last_journal() { tail -n1 "${dir}/journal.jsonl"; }

# --- the bucket: old and recent backups of ours (plain and .age), and what is not ours
old=()
for d in 60 61 62 63 64; do old+=("$(name_days_ago "${d}")"); done
recent=("$(name_days_ago 1)" "$(name_days_ago 2)")
for n in "${old[@]}" "${recent[@]}"; do put "rot/${n}"; done
put "rot/${old[0]}.age"              # the encrypted copy of an old backup: goes with it
put "rot/${recent[0]}.age"           # ... of a recent one: stays with it
put "rot/$(name_days_ago 70).age"    # an encrypted copy alone
foreign_like=$(name_days_ago 80)
put "rot/${foreign_like}" foreign    # named like ours, but not uploaded by ifnbackup (no header)
put "rot/notes.txt"
put "rot/sub/$(name_days_ago 90)"    # a sub-folder of the prefix
safety="pre_restore_safety_$(date -d '-90 days' +%Y%m%d_%H%M%S).sql.gz"
put "rot/${safety}"
put "other/$(name_days_ago 95)"      # another prefix
before=$(keys_under rot/)

run ifn --offsite "s3://${bucket}/rot" --min-keep 2 --offsite-retention-days 30 rotate --dry-run
expect_exit "rotate --dry-run --offsite" 0
expect_contains "the dry run says what would go" "would remove  ${old[1]}" "${CLI_LAST_OUT}"
expect_contains "... both objects of a backup" "would remove  ${old[0]}.age" "${CLI_LAST_OUT}"
expect_contains "an object named like ours without our header is not ours" \
    "${foreign_like}" "$(grep -F 'not ours' <<<"${CLI_LAST_OUT}")"
expect_contains "the dry run counts" "dry run: 7 object(s) would be removed offsite" "${CLI_LAST_OUT}"
expect_eq "the dry run removes nothing" "${before}" "$(keys_under rot/)"
expect_contains "the dry run is journaled" '"offsite":"ok"' "$(last_journal)"

run ifn --offsite "s3://${bucket}/rot" --min-keep 2 --offsite-retention-days 30 rotate
expect_exit "rotate --offsite" 0
expect_contains "7 objects removed" "7 object(s) removed offsite" "${CLI_LAST_OUT}"
after=$(keys_under rot/)
for n in "${old[@]}"; do
    expect_not_contains "old backup of ours ${n} removed" "rot/${n}"$'\n' "${after}"$'\n'
done
expect_not_contains "its .age copy too" "rot/${old[0]}.age" "${after}"
for k in "rot/${recent[0]}" "rot/${recent[1]}" "rot/${recent[0]}.age" "rot/${foreign_like}" rot/notes.txt \
    "rot/${safety}"; do
    expect_contains "kept: ${k}" "${k}" "${after}"
done
expect_contains "a sub-folder is never touched" "rot/sub/" "${after}"
expect_eq "another prefix is never touched" 1 "$(keys_under other/ | wc -l)"
expect_contains "the journal records the rotation" '"command":"rotate"' "$(last_journal)"
expect_contains "... and the newest good backup offsite" "\"offsite_file\":\"${recent[0]}\"" "$(last_journal)"
run ifn --offsite "s3://${bucket}/rot" --min-keep 2 --offsite-retention-days 30 rotate --json
expect_contains "rotate --json has the bucket's decisions" '"offsite":{"url":"s3://' "${CLI_LAST_OUT}"

# --- every backup old: the floor (--min-keep) stays, newest first
allold=()
for d in 40 41 42 43 44; do allold+=("$(name_days_ago "${d}")"); done
for n in "${allold[@]}"; do put "allold/${n}"; done
run ifn --offsite "s3://${bucket}/allold" --min-keep 3 --retention-days 7 rotate
expect_exit "rotate --offsite, every backup old" 0
expect_eq "the 3 newest stay (offsite retention defaults to --retention-days)" \
    "$(printf 'allold/%s\n' "${allold[0]}" "${allold[1]}" "${allold[2]}" | sort)" "$(keys_under allold/)"
run ifn --offsite "s3://${bucket}/allold" --min-keep 3 --retention-days 7 rotate
expect_contains "a second run removes nothing more" "0 object(s) removed offsite" "${CLI_LAST_OUT}"

# --- the clock 20 minutes off: the storage refuses the listing, nothing is removed
if command -v faketime >/dev/null 2>&1; then
    put "allold/$(name_days_ago 50)"
    count=$(keys_under allold/ | wc -l)
    run faketime -f '+20m' "${CLI_BIN}" --backup-dir "${dir}" --s3-endpoint "${endpoint}" --s3-path-style \
        --s3-retry-time 2 --offsite "s3://${bucket}/allold" --min-keep 3 --retention-days 7 rotate
    expect_exit "rotate with the clock 20 minutes ahead" 22
    expect_contains "the message says the clock is off" "the clock of this machine is off" "${CLI_LAST_ERR}"
    expect_eq "nothing removed" "${count}" "$(keys_under allold/ | wc -l)"
else
    fail "faketime is not installed (scripts/install-deps installs it)"
fi

# --- faults between ifnbackup and the storage, through a proxy that keeps the signature valid
# proxy NAME FAULTS...: starts the fault proxy and sets proxy_url (no command substitution: the proxy
# would hold its pipe open).
proxy_url=""
proxy() {
    local port_file="${CLI_WORK}/proxy.$1.port"
    shift
    python3 "${CLI_SOURCE_DIR}/tests/tools/s3_fault_proxy.py" --upstream "${endpoint}" --port-file "${port_file}" \
        "$@" >/dev/null 2>&1 </dev/null &
    cli_on_exit "kill $! 2>/dev/null"
    for _ in $(seq 1 100); do [[ -s "${port_file}" ]] && break; sleep 0.1; done
    proxy_url="http://127.0.0.1:$(cat "${port_file}")"
}
fault=()
for d in 40 41 42 43 44; do fault+=("$(name_days_ago "${d}")"); done
for n in "${fault[@]}"; do put "fault/${n}"; done
# An old partial file in the folder: the folder's rotation removes it whatever happens offsite.
partial="${dir}/ifn_connect_backup_20200101_000000.sql.gz.partial"
: >"${partial}"
touch -d '-3 days' "${partial}"
proxy deny --deny-delete
run ifn_at "${proxy_url}" --offsite "s3://${bucket}/fault" --min-keep 3 --retention-days 7 rotate
expect_exit "a key that may not delete: exit 22" 22
expect_contains "the error names the failed removals" "2 removal(s) in s3://${bucket}/fault/ failed" "${CLI_LAST_ERR}"
expect_contains "... and the storage's answer" "access denied by" "${CLI_LAST_ERR}"
expect_contains "the output marks them" "FAILED" "${CLI_LAST_OUT}"
check "the folder's rotation happened (old partial removed)" test ! -e "${partial}"
expect_eq "nothing removed offsite" 5 "$(keys_under fault/ | wc -l)"
expect_contains "the journal records the failure" '"offsite":"failed"' "$(last_journal)"
expect_contains "... with exit 22" '"exit_code":22' "$(last_journal)"

proxy fail --fail-delete
run ifn_at "${proxy_url}" --offsite "s3://${bucket}/fault" --min-keep 3 --retention-days 7 rotate
expect_exit "a storage failing every DELETE (500, retried, given up): exit 22" 22
expect_contains "it says it gave up" "gave up after" "${CLI_LAST_ERR}"
expect_eq "nothing removed offsite" 5 "$(keys_under fault/ | wc -l)"

# A listing that loses the newest backup the second time: the rotation trusts neither, removes nothing.
proxy shrink --shrink-after 1 --shrink-match "${fault[0]}"
run ifn_at "${proxy_url}" --offsite "s3://${bucket}/fault" --min-keep 3 --retention-days 7 rotate
expect_exit "a listing that shrinks between the two readings: exit 22" 22
expect_contains "it says why" "the second listing of the bucket lacks 1 object(s) of ours" "${CLI_LAST_ERR}"
expect_eq "nothing removed offsite" 5 "$(keys_under fault/ | wc -l)"
# The same short listing from the start: the floor is counted among what is listed and HEADed, so the
# backup the listing hides is never a reason to remove one of the newest listed.
proxy short --shrink-after 0 --shrink-match "${fault[0]}"
run ifn_at "${proxy_url}" --offsite "s3://${bucket}/fault" --min-keep 3 --retention-days 7 rotate
expect_exit "a listing short from the start" 0
expect_eq "the 3 newest listed and the hidden newest stay" \
    "$(printf 'fault/%s\n' "${fault[0]}" "${fault[1]}" "${fault[2]}" "${fault[3]}" | sort)" "$(keys_under fault/)"

# A storage whose HEAD lies about sizes: nothing is good, and nothing is removed on such answers (not
# "every backup unknown and old: remove them all").
put "fault/$(name_days_ago 60)"
count=$(keys_under fault/ | wc -l)
proxy zero --head-size-zero
run ifn_at "${proxy_url}" --offsite "s3://${bucket}/fault" --min-keep 3 --retention-days 7 rotate
expect_exit "HEAD sizes that contradict the listing" 0
expect_contains "it says why it keeps them" "its HEAD size differs from the listing's" "${CLI_LAST_OUT}"
expect_eq "nothing removed" "${count}" "$(keys_under fault/ | wc -l)"

# --- two rotations at once: the floor holds
conc=()
for d in $(seq 40 51); do conc+=("$(name_days_ago "${d}")"); done
for n in "${conc[@]}"; do put "conc/${n}"; done
# Two machines (two folders, so no folder lock between them) rotating the same bucket.
mkdir -m 700 "${CLI_WORK}/m1" "${CLI_WORK}/m2"
"${CLI_BIN}" --backup-dir "${CLI_WORK}/m1" --s3-endpoint "${endpoint}" --s3-path-style --s3-retry-time 2 \
    --offsite "s3://${bucket}/conc" --min-keep 3 --retention-days 7 rotate >"${CLI_WORK}/c1.out" 2>&1 &
p1=$!
"${CLI_BIN}" --backup-dir "${CLI_WORK}/m2" --s3-endpoint "${endpoint}" --s3-path-style --s3-retry-time 2 \
    --offsite "s3://${bucket}/conc" --min-keep 3 --retention-days 7 rotate >"${CLI_WORK}/c2.out" 2>&1 &
p2=$!
wait "${p1}"
e1=$?
wait "${p2}"
e2=$?
check "each concurrent rotation ends in 0 or 22 (exit ${e1} ${e2})" bash -c "[[ ${e1} =~ ^(0|22)$ && ${e2} =~ ^(0|22)$ ]]"
expect_eq "after two concurrent rotations, exactly the 3 newest stay" \
    "$(printf 'conc/%s\n' "${conc[0]}" "${conc[1]}" "${conc[2]}" | sort)" "$(keys_under conc/)"

# --- more than 1000 objects: three old backups of ours on the first page of the listing, 1000 other keys
# sorting between them and three newer backups of ours on the second page. Without paging, the floor
# would be counted on the first page (its old backups kept, the newer ones never seen).
if command -v rclone >/dev/null 2>&1; then
    mkdir -p "${CLI_WORK}/many"
    first_page=() second_page=()
    for d in 45 44 43; do first_page+=("$(name_days_ago "${d}")"); done
    for d in 42 41 40; do second_page+=("$(name_days_ago "${d}")"); done
    between="ifn_connect_backup_$(date -d '-43 days' +%Y%m%d)_235959"
    for i in $(seq -w 1 1000); do : >"${CLI_WORK}/many/${between}.note${i}"; done
    run rclone --config "${IFNBACKUP_TEST_S3_RCLONE_CONFIG}" copy --transfers 16 "${CLI_WORK}/many" "s3test:${bucket}/many"
    expect_exit "1000 other keys written by rclone" 0
    for n in "${first_page[@]}" "${second_page[@]}"; do put "many/${n}"; done
    expect_eq "1006 objects there" 1006 "$(keys_under many/ | wc -l)"
    run ifn --offsite "s3://${bucket}/many" --min-keep 2 --retention-days 7 rotate
    expect_exit "rotate over 1006 objects" 0
    expect_eq "the 2 newest (second page) stay, the other backups of ours go, the 1000 other keys stay" \
        "$( (printf 'many/%s\n' "${second_page[1]}" "${second_page[2]}"; find "${CLI_WORK}/many" -type f -printf 'many/%f\n') | sort)" \
        "$(keys_under many/)"
else
    fail "rclone is not installed (scripts/install-deps installs it)"
fi

cli_finish
