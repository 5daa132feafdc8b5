#!/usr/bin/env bash
# Signed backups as operators meet them (docs/backup-format.md, "Signature"): the first backup makes
# the key (0600 in a 0700 folder) and signs with it; verify names the signer; `key show` prints the
# line to share. A backup made with another key (the old machine's key folder) is refused by restore
# with exit 20, nothing touched, and restored with --trust-unsigned or after `key trust`; safety
# snapshots are signed with our key (latest-safety restores). A file of ours rewritten as format 3
# (unsigned) is refused the same way; a mysqldump file is unsigned by nature and restores; a signature
# changed by one character makes the file corrupt; a key readable by others stops the backup.
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cli_init
cli_use_server
cd "${CLI_WORK}" || exit 1

db=$(cli_unique_db sign)
cli_load_db "${db}" "${CLI_DATA_DIR}/sample.sql" || fail "loading sample.sql"
backups="${CLI_WORK}/backups"
ours="${CLI_WORK}/keys-new/signing-key"    # this machine's key folder
theirs="${CLI_WORK}/keys-old/signing-key"  # the machine that made the old backups

# ifn KEY ARGS...: the binary on the test database, signing with KEY.
# shellcheck disable=SC2317  # called through `run`
ifn() {
    local key=$1
    shift
    "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" --backup-dir "${backups}" \
        --signing-key "${key}" "$@"
}

newest_backup() {
    find "${backups}" -maxdepth 1 -name 'ifn_connect_backup_*.sql.gz' -printf '%f\n' | sort | tail -n 1
}

snapshots() {
    find "${backups}" -maxdepth 1 -name 'pre_restore_safety_*' -printf '%f\n' | sort
}

# A table created after the backups: a restore of the whole database removes it, a refused one does not.
mark_database() {
    sql "${db}" -e "CREATE TABLE IF NOT EXISTS after_backup (i INT)"
}
marked() {
    [[ -n "$(sql -e "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = '${db}' AND TABLE_NAME = 'after_backup'")" ]]
}

# --- the first backup makes the key and signs with it
run ifn "${ours}" backup
expect_exit "the first backup" 0
expect_eq "the key file is 0600" 600 "$(stat -c %a "${ours}" 2>&1)"
expect_eq "its folder is 0700" 700 "$(stat -c %a "$(dirname "${ours}")" 2>&1)"
expect_contains "the log says the key was made" "created signing key ${ours}" "$(cat "${backups}/backup.log")"
file=$(newest_backup)

run ifn "${ours}" key show
expect_exit "key show" 0
line=${CLI_LAST_OUT}
check "key show prints one line: type, base64 key, fingerprint, user@host ('${line}')" \
    grep -Eqx 'ifnbackup-ed25519 [A-Za-z0-9+/]{43}= [0-9a-f]{16} [^ ]+@[^ ]+' <<<"${line}"
fingerprint=$(cut -d' ' -f3 <<<"${line}")
run ifn "${ours}" key show
expect_eq "key show prints the same key again (made once)" "${line}" "${CLI_LAST_OUT}"

run ifn "${ours}" verify "${file}"
expect_exit "verify of the signed backup" 0
expect_contains "verify says our key signed it" "signature: ours (key ${fingerprint})" "${CLI_LAST_OUT}"
expect_contains "the line before the completion marker is the signature line" \
    "-- ifnbackup-signature: ed25519 ${fingerprint} " "$(gunzip -c "${backups}/${file}" | tail -n 2 | head -n 1)"
expect_contains "the completion marker stays the last line" "-- Dump completed on " \
    "$(gunzip -c "${backups}/${file}" | tail -n 1)"
expect_eq "the header says format 5" "-- ifnbackup-format: 5" "$(gunzip -c "${backups}/${file}" | sed -n 2p)"

# --- the old machine's backup: another key folder
sleep 1  # a name of its own second
run ifn "${theirs}" backup
expect_exit "a backup signed with the old machine's key" 0
old_file=$(newest_backup)
theirs_line=$(ifn "${theirs}" key show)
theirs_fingerprint=$(cut -d' ' -f3 <<<"${theirs_line}")
check "the two machines' keys differ" test "${theirs_fingerprint}" != "${fingerprint}"

mark_database
run ifn "${ours}" restore --yes "${old_file}" </dev/null
expect_exit "restore of a backup signed by an unknown key" 20
expect_contains "the refusal names both keys" \
    "is signed by key ${theirs_fingerprint}, which is neither this machine's key (${fingerprint}) nor a trusted key" \
    "${CLI_LAST_ERR}"
expect_contains "the hint says how to trust it" "hint: if it was made by another machine of yours" "${CLI_LAST_ERR}"
check "nothing was touched" marked
expect_eq "no safety snapshot was taken" "" "$(snapshots)"

run ifn "${ours}" verify "${old_file}"
expect_exit "verify of the unknown key's backup (it is whole)" 0
expect_contains "verify names the unknown key and what restore needs" \
    "signature: UNKNOWN key ${theirs_fingerprint} (neither this machine's nor trusted): restore needs --trust-unsigned" \
    "${CLI_LAST_OUT}"
run ifn "${ours}" verify --json "${old_file}"
expect_contains "verify --json: signature unknown_key" "\"signature\":\"unknown_key\",\"signer\":\"${theirs_fingerprint}\"" \
    "${CLI_LAST_OUT}"

run env IFNBACKUP_TRUST_UNSIGNED=1 "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" \
    --backup-dir "${backups}" --signing-key "${ours}" restore --yes "${old_file}"
expect_exit "IFNBACKUP_TRUST_UNSIGNED does not stand for --trust-unsigned (command line only)" 20

run ifn "${ours}" restore --yes --trust-unsigned "${old_file}" </dev/null
expect_exit "restore --trust-unsigned of the unknown key's backup" 0
expect_contains "the plan says who signed and why it is accepted" \
    "signature        UNKNOWN key ${theirs_fingerprint} (neither this machine's nor trusted); accepted because of --trust-unsigned" \
    "${CLI_LAST_ERR}"
if marked; then
    fail "the database was restored (the table made after the backup is gone)"
else
    pass "the database was restored (the table made after the backup is gone)"
fi

run ifn "${ours}" key trust "${theirs_line}"
expect_exit "key trust of the old machine's line" 0
expect_contains "key trust says where" "trusted key ${theirs_fingerprint}, added to ${CLI_WORK}/keys-new/trusted-keys" \
    "${CLI_LAST_OUT}"
run ifn "${ours}" key trust "${theirs_line}"
expect_contains "key trust a second time" "key ${theirs_fingerprint} is already trusted" "${CLI_LAST_OUT}"
run ifn "${ours}" key trust "${theirs_line/${theirs_fingerprint}/0000000000000000}"
expect_exit "key trust of a line whose fingerprint does not match its key" 2

mark_database
run ifn "${ours}" restore --yes "${old_file}" </dev/null
expect_exit "restore of the old machine's backup once its key is trusted" 0
expect_contains "the plan names the trusted key" "signature        trusted key ${theirs_fingerprint}" "${CLI_LAST_ERR}"

# --- the safety snapshots are ours: latest-safety restores without a flag
check "restores took safety snapshots" test -n "$(snapshots)"
run ifn "${ours}" restore --yes latest-safety </dev/null
expect_exit "restore latest-safety" 0
expect_contains "the safety snapshot is signed by our key" "signature        ours (key ${fingerprint})" "${CLI_LAST_ERR}"

# --- decompressed and compressed again by another tool (no stored tail): still ours, verified whole
gunzip -c "${backups}/${file}" >"${CLI_WORK}/full.sql"
gzip -c "${CLI_WORK}/full.sql" >"${CLI_WORK}/recompressed.sql.gz"
run ifn "${ours}" verify "${CLI_WORK}/recompressed.sql.gz"
expect_exit "verify of the backup compressed again by gzip" 0
expect_contains "its signature still says ours" "signature: ours (key ${fingerprint})" "${CLI_LAST_OUT}"

# --- a file of ours written before signatures: format 3, no signature line, no SHA-256 in the index
head -n -3 "${CLI_WORK}/full.sql" \
    | sed -e 's/^-- ifnbackup-format: 5$/-- ifnbackup-format: 3/' \
        -e '/^-- ifnbackup-\(section\|index-at\): /s/ sha256=[0-9a-f]\{64\}$//' >"${CLI_WORK}/body.sql"
{
    cat "${CLI_WORK}/body.sql"
    printf -- '-- ifnbackup-sha256: %s bytes=%d\n' "$(sha256sum <"${CLI_WORK}/body.sql" | cut -c1-64)" \
        "$(stat -c %s "${CLI_WORK}/body.sql")"
    tail -n 1 "${CLI_WORK}/full.sql"
} | gzip -c >"${CLI_WORK}/format3.sql.gz"
run ifn "${ours}" verify "${CLI_WORK}/format3.sql.gz"
expect_exit "verify of a format 3 file" 0
expect_contains "verify calls it unsigned" \
    "signature: unsigned (format 3, before backups were signed): restore needs --trust-unsigned" "${CLI_LAST_OUT}"
mark_database
run ifn "${ours}" restore --yes "${CLI_WORK}/format3.sql.gz" </dev/null
expect_exit "restore of an unsigned file of ours" 20
expect_contains "the refusal says it is not signed" "is not signed (format 3, written before backups were signed)" \
    "${CLI_LAST_ERR}"
check "nothing was touched by the refused format 3 file" marked
run ifn "${ours}" restore --yes --trust-unsigned "${CLI_WORK}/format3.sql.gz" </dev/null
expect_exit "restore --trust-unsigned of the format 3 file" 0
expect_contains "the plan says unsigned, accepted" \
    "signature        unsigned (format 3, before backups were signed); accepted because of --trust-unsigned" "${CLI_LAST_ERR}"

# --- a mysqldump file claims nothing: it restores, unsigned
if command -v mariadb-dump >/dev/null 2>&1; then
    mariadb-dump --defaults-file="${IFNBACKUP_TEST_DEFAULTS_FILE}" --single-transaction "${db}" \
        | gzip -c >"${CLI_WORK}/legacy.sql.gz"
    run ifn "${ours}" restore --yes "${CLI_WORK}/legacy.sql.gz" </dev/null
    expect_exit "restore of a mysqldump file" 0
    expect_contains "the plan says it is unsigned (mysqldump)" "signature        unsigned (mysqldump)" "${CLI_LAST_ERR}"
else
    fail "mariadb-dump is not installed: the mysqldump case cannot run"
fi

# --- one character of the signature changed: corrupt
python3 - "${CLI_WORK}/full.sql" "${CLI_WORK}/tampered.sql" <<'EOF'
import sys
lines = open(sys.argv[1], "rb").read().split(b"\n")
n = next(i for i, line in enumerate(lines) if line.startswith(b"-- ifnbackup-signature: "))
line = bytearray(lines[n])
at = line.rindex(b" ") + 11  # inside the base64 signature
line[at] = ord("B") if line[at] == ord("A") else ord("A")
lines[n] = bytes(line)
open(sys.argv[2], "wb").write(b"\n".join(lines))
EOF
gzip -c "${CLI_WORK}/tampered.sql" >"${CLI_WORK}/tampered.sql.gz"
check "the tampered copy differs in its signature line only" \
    test "$(diff <(gunzip -c "${CLI_WORK}/tampered.sql.gz") "${CLI_WORK}/full.sql" | grep -c '^[<>]')" -eq 2
run ifn "${ours}" verify "${CLI_WORK}/tampered.sql.gz"
expect_exit "verify of a file whose signature was changed" 10
expect_contains "verify says bad signature" "bad signature: the signature by key ${fingerprint}" "${CLI_LAST_OUT}"
run ifn "${ours}" restore --yes --trust-unsigned "${CLI_WORK}/tampered.sql.gz" </dev/null
expect_exit "restore of it, even with --trust-unsigned" 10

# --- a key others can read stops the backup before any file is written
chmod 644 "${ours}"
count=$(find "${backups}" -maxdepth 1 -name '*.sql.gz' | wc -l)
run ifn "${ours}" backup
expect_exit "backup with a signing key of mode 0644" 3
expect_contains "the error names the key and its mode" "signing key ${ours} is readable by others (mode 0644)" \
    "${CLI_LAST_ERR}"
expect_contains "the hint says chmod 600" "hint: run: chmod 600 ${ours}" "${CLI_LAST_ERR}"
expect_eq "no backup file was written" "${count}" "$(find "${backups}" -maxdepth 1 -name '*.sql.gz' | wc -l)"
chmod 600 "${ours}"

cli_finish
