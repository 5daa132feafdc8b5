#!/usr/bin/env bash
# Issue 15: encryption joined to offsite, and offsite as a place to read from. backup --offsite --encrypt-to
# lands NAME.sql.gz.age, verified by HEAD (our SHA-256 of the ciphertext and of the plain file); awscli
# lists and downloads it; `age -d -i key | gunzip` equals `gunzip -c` of the local file. verify --offsite
# streams it (no local copy); restore and drill of s3://BUCKET/PREFIX/NAME on an EMPTY folder (the disaster
# case: a new machine with only the bucket and the key); a wrong identity exits 23, a tampered or cut object
# exits 10 or 11, nothing restored; an identity file of mode 0644 is refused; a bad recipient exits 2 before
# any dump; --encrypt-local keeps only NAME.sql.gz.age locally, known to list and verify; plain files still
# pass `gzip -t`; the server killed in the middle of a download exits 22 and leaves nothing.
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cli_init

command -v age >/dev/null 2>&1 && command -v age-keygen >/dev/null 2>&1 \
    || cli_skip "the age CLI is not installed; run scripts/install-deps"
cli_start_s3
cli_use_server

db=$(cli_unique_db offenc)
cli_create_db "${db}" || cli_skip "cannot create a database"
sql "${db}" -e "CREATE TABLE t (id INT PRIMARY KEY, b BLOB); INSERT INTO t SELECT seq, RANDOM_BYTES(1024) FROM seq_1_to_3000"
dir="${CLI_WORK}/backups"
bucket=${IFNBACKUP_TEST_S3_BUCKET}
endpoint=${IFNBACKUP_TEST_S3_ENDPOINT}
ifn_in() {
    local folder=$1
    shift
    "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" --backup-dir "${folder}" \
        --s3-endpoint "${endpoint}" --s3-path-style --s3-retry-time 3 "$@"
}
ifn() { ifn_in "${dir}" "$@"; }
sha_of() { sha256sum "$1" | cut -d' ' -f1; }
newest() { final_backups "${dir}" | grep '^ifn_connect_backup_' | tail -n1; }
offsite="s3://${bucket}/enc"

age-keygen -o "${CLI_WORK}/key.txt" 2>/dev/null
recipient=$(age-keygen -y "${CLI_WORK}/key.txt")
age-keygen -o "${CLI_WORK}/other-key.txt" 2>/dev/null
other_recipient=$(age-keygen -y "${CLI_WORK}/other-key.txt")

# --- a bad recipient is refused before any dump (exit 2), on the command line and in a recipients file
run ifn --offsite "${offsite}" --encrypt-to "age1notarecipient" backup --no-schema-check
expect_exit "a bad --encrypt-to" 2
expect_contains "names it" "--encrypt-to 'age1notarecipient' is not an age recipient" "${CLI_LAST_ERR}"
check "no backup was written" bash -c "! ls '${dir}'/*.sql.gz* 2>/dev/null"
printf '# the team\n%s\n\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI junk\n' "${recipient}" >"${CLI_WORK}/recipients.txt"
run ifn --offsite "${offsite}" --encrypt-to-file "${CLI_WORK}/recipients.txt" backup --no-schema-check
expect_exit "a recipients file with a junk line" 2
expect_contains "names the file and line" "recipients.txt:4" "${CLI_LAST_ERR}"
check "still no backup" bash -c "! ls '${dir}'/*.sql.gz* 2>/dev/null"
run ifn --encrypt-local backup --no-schema-check
expect_exit "--encrypt-local without a recipient" 2

# --- backup --offsite --encrypt-to (two recipients: the second from a file, with comments): NAME.sql.gz.age
printf '# the team\n\n%s\n' "${other_recipient}" >"${CLI_WORK}/recipients.txt"
run ifn --offsite "${offsite}" --encrypt-to "${recipient}" --encrypt-to-file "${CLI_WORK}/recipients.txt" \
    backup --no-schema-check
expect_exit "backup --offsite --encrypt-to" 0
first=$(newest)
expect_contains "the object is NAME.sql.gz.age, checked by HEAD" "uploaded to s3://${bucket}/enc/${first}.age (" \
    "${CLI_LAST_ERR}"
expect_contains "encrypted to both recipients" "encrypted with age to 2 recipient(s)" "${CLI_LAST_ERR}"
check "the local copy stays plain and passes gzip -t" gzip -t "${dir}/${first}"
run aws_cli s3 ls "s3://${bucket}/enc/"
expect_contains "awscli lists the encrypted object" "${first}.age" "${CLI_LAST_OUT}"
expect_not_contains "and no plain object" "${first}"$'\n' "${CLI_LAST_OUT}"
run aws_cli s3 cp "s3://${bucket}/enc/${first}.age" "${CLI_WORK}/first.age"
expect_exit "awscli downloads it" 0
run aws_cli s3api head-object --bucket "${bucket}" --key "enc/${first}.age"
expect_contains "its metadata: our SHA-256 of the ciphertext" "\"ifnbackup-sha256\": \"$(sha_of "${CLI_WORK}/first.age")\"" \
    "${CLI_LAST_OUT}"
expect_contains "and the plain file's" "\"ifnbackup-plain-sha256\": \"$(sha_of "${dir}/${first}")\"" "${CLI_LAST_OUT}"
age -d -i "${CLI_WORK}/key.txt" "${CLI_WORK}/first.age" | gunzip >"${CLI_WORK}/first.sql"
expect_eq "age -d -i key | gunzip gives exactly the local file's SQL" "$(gunzip -c "${dir}/${first}" | sha256sum)" \
    "$(sha256sum <"${CLI_WORK}/first.sql")"
age -d -i "${CLI_WORK}/other-key.txt" "${CLI_WORK}/first.age" >"${CLI_WORK}/first.other"
expect_eq "the second recipient decrypts it too" "$(sha_of "${dir}/${first}")" "$(sha_of "${CLI_WORK}/first.other")"

# --- multipart: part sizes from the ciphertext's size (header + 64 KiB chunks + 16-byte tags)
sleep 1
run env IFNBACKUP_TEST_S3_MIN_PART_SIZE=1048576 "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" \
    --database "${db}" --backup-dir "${dir}" --s3-endpoint "${endpoint}" --s3-path-style \
    --offsite "${offsite}" --encrypt-to "${recipient}" backup --no-schema-check
expect_exit "backup --offsite --encrypt-to, multipart" 0
second=$(newest)
expect_contains "sent in parts of 1 MiB" "parts of 1 MiB" "${CLI_LAST_ERR}"
run rclone --config "${IFNBACKUP_TEST_S3_RCLONE_CONFIG}" copyto "s3test:${bucket}/enc/${second}.age" "${CLI_WORK}/second.age"
expect_exit "rclone downloads the multipart object" 0
age -d -i "${CLI_WORK}/key.txt" "${CLI_WORK}/second.age" >"${CLI_WORK}/second.gz"
expect_eq "which age decrypts into the local file" "$(sha_of "${dir}/${second}")" "$(sha_of "${CLI_WORK}/second.gz")"

# --- push: present when the object's plaintext SHA-256 is the file's; list --offsite shows it
run ifn --offsite "${offsite}" --encrypt-to "${recipient}" push
expect_exit "push with --encrypt-to" 0
expect_contains "nothing to send" "0 sent, 2 already offsite" "${CLI_LAST_OUT}"
run ifn --offsite "${offsite}" list --offsite
expect_contains "list --offsite shows the encrypted objects" "${second}.age" "${CLI_LAST_OUT}"

# --- the identity file: 0644 refused (exit 3), before anything is read
chmod 0644 "${CLI_WORK}/key.txt"
run ifn --offsite "${offsite}" --identity "${CLI_WORK}/key.txt" verify --offsite "${first}.age"
expect_exit "an identity file readable by others" 3
expect_contains "is refused" "key.txt" "${CLI_LAST_ERR}"
chmod 0600 "${CLI_WORK}/key.txt"

# --- verify --offsite: streamed and decrypted, proven, nothing written to the folder
before=$(ls -A "${dir}" | sort)
run ifn --offsite "${offsite}" --identity "${CLI_WORK}/key.txt" verify --offsite latest
expect_exit "verify --offsite latest" 0
expect_contains "proves the newest object" "OK          ${second}.age" "${CLI_LAST_OUT}"
expect_eq "nothing was written to the folder" "${before}" "$(ls -A "${dir}" | sort)"
run ifn --offsite "${offsite}" verify --offsite "${first}.age"
expect_exit "verify --offsite of a .age without --identity" 2
expect_contains "says what is missing" "give --identity" "${CLI_LAST_ERR}"
run ifn --offsite "${offsite}" --identity "${CLI_WORK}/key.txt" verify --offsite "${first}.age" --json
expect_contains "verify --offsite --json" '"status":"ok"' "${CLI_LAST_OUT}"

# --- a wrong identity: exit 23, nothing restored, nothing left in the folder
wrong="${CLI_WORK}/wrong-key.txt"
age-keygen -o "${wrong}" 2>/dev/null
empty="${CLI_WORK}/new-machine"
restored="${db}_r"
cli_on_exit "mariadb --defaults-file='${IFNBACKUP_TEST_DEFAULTS_FILE}' -e 'DROP DATABASE IF EXISTS \`${restored}\`'"
run ifn_in "${empty}" --identity "${wrong}" restore "${offsite}/${first}.age" --into "${restored}" --yes
expect_exit "restore with a wrong identity" 23
expect_eq "nothing restored" "0" "$(sql -N -e "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME='${restored}'")"
check "nothing left in the folder" bash -c "! ls '${empty}'/*.sql.gz* 2>/dev/null"
run ifn --offsite "${offsite}" --identity "${wrong}" verify --offsite "${first}.age"
expect_exit "verify --offsite with a wrong identity" 23

# --- the disaster case: an EMPTY folder, only the bucket and the key; restore and drill of s3://...
rm -rf "${empty}"
run ifn_in "${empty}" --identity "${CLI_WORK}/key.txt" restore "${offsite}/${first}.age" --into "${restored}" --yes
expect_exit "restore s3://BUCKET/PREFIX/NAME.age into an empty folder" 0
expect_contains "downloaded and decrypted" "downloaded and decrypted enc/${first}.age" "${CLI_LAST_ERR}"
expect_eq "the decrypted file has the local file's bytes" "$(sha_of "${dir}/${first}")" "$(sha_of "${empty}/${first}")"
expect_eq "the rows are back" "3000" "$(sql -N -e "SELECT COUNT(*) FROM \`${restored}\`.t")"
expect_eq "and the content" "$(sql -N "${db}" -e "SELECT SHA2(GROUP_CONCAT(HEX(b) ORDER BY id),256) FROM t")" \
    "$(sql -N "${restored}" -e "SELECT SHA2(GROUP_CONCAT(HEX(b) ORDER BY id),256) FROM t")"
check "no .partial left" bash -c "! ls '${empty}'/*.partial 2>/dev/null"
check "the decrypted file is 0600" test "$(stat -c %a "${empty}/${first}")" = 600
rm -rf "${empty}"
run ifn_in "${empty}" --offsite "${offsite}" --identity "${CLI_WORK}/key.txt" drill --from-offsite latest
expect_exit "drill --from-offsite latest into an empty folder" 0
expect_contains "drills the newest object" "drill ok: ${second}" "${CLI_LAST_OUT}"

# --- a tampered object (one ciphertext byte changed, our headers kept as they were) and a cut one
cp "${CLI_WORK}/first.age" "${CLI_WORK}/tampered.age"
flip_byte "${CLI_WORK}/tampered.age" $(($(stat -c %s "${CLI_WORK}/first.age") / 2))
check "the tampered copy differs in one byte" \
    test "$(cmp -l "${CLI_WORK}/first.age" "${CLI_WORK}/tampered.age" | wc -l)" = 1
aws_cli s3 cp "${CLI_WORK}/tampered.age" "s3://${bucket}/enc/tampered/${first}.age" \
    --metadata "ifnbackup-sha256=$(sha_of "${CLI_WORK}/tampered.age"),ifnbackup-plain-sha256=$(sha_of "${dir}/${first}")" \
    >/dev/null 2>&1
rm -rf "${empty}"
run ifn_in "${empty}" --identity "${CLI_WORK}/key.txt" restore "${offsite}/tampered/${first}.age" --into "${restored}_t" --yes
expect_exit "a tampered ciphertext" 10
expect_contains "a chunk fails its authentication" "authentic" "${CLI_LAST_ERR}"
check "nothing left in the folder" bash -c "! ls '${empty}'/*.sql.gz* 2>/dev/null"
expect_eq "nothing restored" "0" "$(sql -N -e "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME='${restored}_t'")"
# Cut in the middle of a chunk some 70 kB before the end. (70000 bytes short fell between two chunks once
# in 65552 runs: a file cut there is incomplete, 11, not cut short or changed.)
age_header=$(($(grep -abm1 '^---' "${CLI_WORK}/first.age" | cut -d: -f1) + 48 + 16))  # the MAC line, the nonce
age_sealed=$((64 * 1024 + 16))
age_cut=$(($(stat -c %s "${CLI_WORK}/first.age") - 70000 - age_header))
head -c $((age_header + age_cut / age_sealed * age_sealed + age_sealed / 2)) "${CLI_WORK}/first.age" >"${CLI_WORK}/cut.age"
aws_cli s3 cp "${CLI_WORK}/cut.age" "s3://${bucket}/enc/cut/${first}.age" \
    --metadata "ifnbackup-sha256=$(sha_of "${CLI_WORK}/cut.age"),ifnbackup-plain-sha256=$(sha_of "${dir}/${first}")" \
    >/dev/null 2>&1
run ifn_in "${empty}" --identity "${CLI_WORK}/key.txt" restore "${offsite}/cut/${first}.age" --into "${restored}_t" --yes
expect_exit "a ciphertext cut in a chunk" 10
expect_contains "says it was cut or changed" "cut short or changed" "${CLI_LAST_ERR}"
check "nothing left in the folder" bash -c "! ls '${empty}'/*.sql.gz* 2>/dev/null"
run ifn --offsite "${offsite}/cut" --identity "${CLI_WORK}/key.txt" verify --offsite "${first}.age"
expect_exit "verify --offsite of the cut object" 10
# Swapped objects: the first backup's ciphertext under the second's name, with the second's headers.
aws_cli s3 cp "${CLI_WORK}/first.age" "s3://${bucket}/enc/swap/${second}.age" \
    --metadata "ifnbackup-sha256=$(sha_of "${CLI_WORK}/first.age"),ifnbackup-plain-sha256=$(sha_of "${dir}/${second}")" \
    >/dev/null 2>&1
run ifn_in "${empty}" --identity "${CLI_WORK}/key.txt" restore "${offsite}/swap/${second}.age" --into "${restored}_t" --yes
expect_exit "an object swapped for another backup" 10
expect_contains "its plaintext is not the one uploaded" "but was uploaded from one with" "${CLI_LAST_ERR}"
run ifn --offsite "${offsite}/swap" --identity "${CLI_WORK}/key.txt" verify --offsite "${second}.age"
expect_exit "verify --offsite of the swapped object" 10

# --- odd names: an address without a name, a name with a slash
run ifn_in "${empty}" --identity "${CLI_WORK}/key.txt" restore "s3://${bucket}/" --into "${restored}_t" --yes
expect_exit "s3:// without a name" 2
run ifn --offsite "${offsite}" --identity "${CLI_WORK}/key.txt" verify --offsite "../${first}.age"
expect_exit "a name with a slash" 2

# --- --encrypt-local: only NAME.sql.gz.age in the folder, 0600, known to list and verify, round trip
sleep 1
run ifn --encrypt-to "${recipient}" --encrypt-local backup --no-schema-check --no-rotate
expect_exit "backup --encrypt-local" 0
local_age=$(find "${dir}" -maxdepth 1 -name '*.sql.gz.age' -printf '%f\n' | sort | tail -n1)
check "the local copy is NAME.sql.gz.age" test -n "${local_age}"
check "the plain file is gone" bash -c "! [[ -e '${dir}/${local_age%.age}' ]]"
check "0600" test "$(stat -c %a "${dir}/${local_age}")" = 600
check "no .partial left" bash -c "! ls '${dir}'/*.partial 2>/dev/null"
age -d -i "${CLI_WORK}/key.txt" "${dir}/${local_age}" | gzip -t
expect_eq "age -d | gzip -t passes" "0" "$?"

# --- rotate cannot verify an encrypted copy in full (no secret key) that the backup only read back after
# writing: where the floor would rest on it, it is neither counted nor removed, and the floor reaches past
# it to an older plain backup (docs/backup-format.md, "Proving a file complete and unaltered").
rot="${CLI_WORK}/rot"
run ifn_in "${rot}" --encrypt-to "${recipient}" --encrypt-local backup --no-schema-check --no-rotate
expect_exit "backup --encrypt-local into a folder of its own" 0
rot_age=$(find "${rot}" -maxdepth 1 -name '*.sql.gz.age' -printf '%f\n')
days_ago() {
    printf 'ifn_connect_backup_%s.sql.gz\n' "$(date -d "@$(($(date +%s) - $1 * 86400))" +%Y%m%d_%H%M%S)"
}
old35=$(days_ago 35)
old36=$(days_ago 36)
cp "${dir}/${first}" "${rot}/${old35}"
cp "${dir}/${first}" "${rot}/${old36}"
run ifn_in "${rot}" --min-keep 1 rotate
expect_exit "rotate with an encrypted backup only read back" 0
expect_contains "backup.log (rotate's log) says why it does not count it" \
    "${rot_age} is encrypted and was only read back after it was written" "$(cat "${rot}/backup.log")"
check "the encrypted backup is kept" test -f "${rot}/${rot_age}"
check "the floor of 1 reaches past it: the 35-day-old plain backup is kept" test -f "${rot}/${old35}"
check "the 36-day-old one, past the floor, is removed" test ! -e "${rot}/${old36}"
# A week later (its verification dated 8 days back), rotate cannot verify the encrypted copy again: it goes
# on all the same, the copy neither counted nor removed, its last verdict kept; and so does the rotation
# of a backup run (it failed with exit 2 every day from then on).
state="${rot}/.ifnbackup-verify.tsv"
week_ago=$(($(date +%s) - 8 * 86400))
awk -F'\t' -v OFS='\t' -v name="${rot_age}" -v at="${week_ago}" '$1 == name { $5 = at } { print }' "${state}" \
    >"${state}.new" && mv "${state}.new" "${state}" && chmod 600 "${state}"
old40=$(days_ago 40)
cp "${dir}/${first}" "${rot}/${old40}"
run ifn_in "${rot}" --min-keep 1 rotate
expect_exit "rotate with an encrypted backup last verified 8 days ago" 0
expect_contains "says why it keeps it" "${rot_age} is encrypted and was last verified more than 7 days ago" \
    "$(cat "${rot}/backup.log")"
expect_contains "and warns" "1 encrypted backup(s) not verified in the last 7 days" "${CLI_LAST_ERR}"
check "the encrypted backup is kept" test -f "${rot}/${rot_age}"
check "the floor reaches past it: the 35-day-old plain backup is kept" test -f "${rot}/${old35}"
check "the 40-day-old one is removed" test ! -e "${rot}/${old40}"
expect_contains "its last verdict kept" "${rot_age}"$'\t' "$(cat "${state}")"
sleep 1
run ifn_in "${rot}" --min-keep 1 --encrypt-to "${recipient}" --encrypt-local backup --no-schema-check
expect_exit "a backup run's rotation with the stale encrypted copy" 0
check "the older encrypted copy still kept" test -f "${rot}/${rot_age}"
run ifn list
expect_contains "list knows it as ours" "${local_age}" "${CLI_LAST_OUT}"
expect_not_contains "not as a foreign file" "other file(s)" "${CLI_LAST_OUT}"
run ifn verify "${local_age}"
expect_exit "verify of the encrypted file without --identity" 2
run ifn --identity "${CLI_WORK}/key.txt" verify "${local_age}"
expect_exit "verify --identity of the encrypted file" 0
expect_contains "proves it" "OK          ${local_age}" "${CLI_LAST_OUT}"
run ifn verify
expect_exit "verify of the whole folder without --identity leaves it out" 0
expect_contains "with a warning" "is encrypted (age): not verified" "${CLI_LAST_ERR}"
run ifn --identity "${CLI_WORK}/key.txt" verify
expect_exit "verify of the whole folder with --identity" 0
expect_contains "every file" "3 file(s): 3 ok" "${CLI_LAST_OUT}"
rm -rf "${empty}"
mkdir -m 0700 "${empty}"
cp "${dir}/${local_age}" "${empty}/"
run ifn_in "${empty}" --identity "${CLI_WORK}/key.txt" restore "${local_age}" --into "${restored}" --yes
expect_exit "restore of the encrypted local copy" 0
expect_eq "its rows are back" "3000" "$(sql -N -e "SELECT COUNT(*) FROM \`${restored}\`.t")"
run ifn_in "${empty}" --identity "${CLI_WORK}/wrong-key.txt" verify "${local_age}"
expect_exit "verify with a wrong identity" 23
for f in $(final_backups "${dir}" | grep '\.sql\.gz$'); do
    check "plain file ${f} passes gzip -t" gzip -t "${dir}/${f}"
done

# --- the server killed in the middle of a download: exit 22, the .partial removed, nothing restored
head -c $((96 * 1024 * 1024)) /dev/urandom >"${CLI_WORK}/big.plain"
age -r "${recipient}" -o "${CLI_WORK}/big.age" "${CLI_WORK}/big.plain"
big="ifn_connect_backup_20200101_000000.sql.gz.age"
aws_cli s3 cp "${CLI_WORK}/big.age" "s3://${bucket}/enc/big/${big}" \
    --metadata "ifnbackup-sha256=$(sha_of "${CLI_WORK}/big.age"),ifnbackup-plain-sha256=$(sha_of "${CLI_WORK}/big.plain")" \
    >/dev/null 2>&1
rm -rf "${empty}"
(
    exec "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" --backup-dir "${empty}" \
        --s3-endpoint "${endpoint}" --s3-path-style --s3-retry-time 2 --identity "${CLI_WORK}/key.txt" \
        restore "${offsite}/big/${big}" --into "${restored}_k" --yes >"${CLI_WORK}/kill.out" 2>"${CLI_WORK}/kill.err"
) &
reader=$!
for _ in $(seq 1 600); do
    size=$(stat -c %s "${empty}/${big%.age}.partial" 2>/dev/null || echo 0)
    ((size > 4 * 1024 * 1024)) && break
    sleep 0.02
done
kill -KILL "${IFNBACKUP_TEST_S3_PID}"
kill_exit=0
wait "${reader}" || kill_exit=$?
CLI_LAST_EXIT=${kill_exit}
if ((size > 4 * 1024 * 1024)); then
    expect_exit "restore with the server killed mid-download (after ${size} bytes written)" 22
    check "the failure says the download broke" grep -q "broke after" "${CLI_WORK}/kill.err"
else
    cli_log "the download ended before the server could be killed (${size} bytes seen): not judged"
fi
check "no .partial and no file left" bash -c "! ls '${empty}'/*.sql.gz* 2>/dev/null"
expect_eq "nothing restored" "0" "$(sql -N -e "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME='${restored}_k'")"

cli_finish
