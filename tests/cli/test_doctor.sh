#!/usr/bin/env bash
# ifnbackup doctor against a private server: a SELECT-only account gets the missing privileges with the
# GRANT that fixes each, loose modes of the config/defaults files, backup folder and backups are reported
# with their chmod, a backup folder next to the datadir is flagged; exit 0 when clean, 1 with warnings.
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cli_init
cli_use_server

db=$(cli_unique_db doctor)
cli_create_db "${db}" || fail "creating ${db}"
root_sql() {
    mariadb --defaults-file="${IFNBACKUP_TEST_ROOT_DEFAULTS_FILE}" -N -B "$@"
}
datadir=$(root_sql -e 'SELECT @@datadir')

# A restricted account: SELECT on the database only.
account="doc$$"
password="pw-${RANDOM}${RANDOM}"
root_sql -e "CREATE USER '${account}'@'localhost' IDENTIFIED BY '${password}';
             GRANT SELECT ON \`${db}\`.* TO '${account}'@'localhost'" || fail "creating ${account}"
cli_on_exit "mariadb --defaults-file='${IFNBACKUP_TEST_ROOT_DEFAULTS_FILE}' -e \"DROP USER IF EXISTS '${account}'@'localhost'\""
restricted="${CLI_WORK}/restricted.cnf"
printf '%s\n' "[client]" "user=${account}" "password=${password}" "host=localhost" \
    "socket=${IFNBACKUP_TEST_SOCKET}" >"${restricted}"
chmod 0644 "${restricted}"

# A backup folder where the backups are readable by others, and a config readable by everyone.
folder="${CLI_WORK}/backups"
mkdir -p "${folder}"
chmod 0755 "${folder}"
backup="${folder}/ifn_connect_backup_20250101_020000.sql.gz"
: >"${backup}"
chmod 0644 "${backup}"
config="${CLI_WORK}/ifn.conf"
printf '%s\n' "[ifnbackup]" "defaults-file = ${restricted}" "database = ${db}" "backup-dir = ${folder}" >"${config}"
chmod 0644 "${config}"

run "${CLI_BIN}" --config "${config}" doctor
expect_exit "doctor with a SELECT-only account and loose modes" 17
out=${CLI_LAST_OUT}
for privilege in "SHOW VIEW" TRIGGER EVENT; do
    expect_contains "missing ${privilege} is a warning with its GRANT" \
        "fix: GRANT ${privilege} ON \`${db}\`.* TO '${account}'@'localhost';" "${out}"
    check "${privilege} is on a WARNING line" grep -q "^WARNING  privileges .*lacks ${privilege} on" <<<"${out}"
done
check "SELECT is not reported missing" bash -c '! grep -q "lacks SELECT " <<<"$1"' _ "${out}"
check "RELOAD is a note that says why" grep -q "^note     privileges .*lacks RELOAD on \*\.\*: optional: " <<<"${out}"
check "BINLOG MONITOR is a note" grep -q "^note     privileges .*lacks BINLOG MONITOR" <<<"${out}"
expect_contains "the config file's mode" "${config} is mode 0644: every local user can read it" "${out}"
expect_contains "its fix" "fix: chmod 600 ${config}" "${out}"
expect_contains "the defaults file's mode" "fix: chmod 600 ${restricted}" "${out}"
expect_contains "the backup folder's mode" "${folder} is mode 0755" "${out}"
expect_contains "its fix" "fix: chmod 700 ${folder}" "${out}"
expect_contains "the loose backup file is named" "ifn_connect_backup_20250101_020000.sql.gz (0644)" "${out}"
expect_contains "its fix" "fix: chmod 600 ${folder}/*" "${out}"
# The private server's datadir is under the work folder: same filesystem as the backups.
expect_contains "the backup folder shares the datadir's filesystem" \
    "${folder} is on the same filesystem as the server's datadir ${datadir}" "${out}"
expect_contains "the schema check cannot run for this account" \
    "the account may not create the scratch database" "${out}"
expect_contains "its fix" "fix: GRANT ALL ON \`ifnbackup\\_schemacheck\\_%\`.*" "${out}"
expect_contains "the count of warnings" "doctor: 9 warning(s)" "${out}"

run "${CLI_BIN}" --config "${config}" -q doctor
expect_exit "doctor -q" 17
expect_not_contains "-q: no ok or note lines" "note     " "${CLI_LAST_OUT}"
expect_contains "-q: the warnings still" "lacks TRIGGER" "${CLI_LAST_OUT}"

# Fix everything the doctor said (except the filesystem, which a test cannot move): only that one is left.
root_sql -e "GRANT SHOW VIEW, TRIGGER, EVENT ON \`${db}\`.* TO '${account}'@'localhost';
    GRANT ALL ON \`ifnbackup\\_schemacheck\\_%\`.* TO '${account}'@'localhost'"
chmod 0600 "${config}" "${restricted}" "${backup}"
chmod 0700 "${folder}"
run "${CLI_BIN}" --config "${config}" doctor
expect_exit "doctor after the fixes" 17
expect_contains "the privileges now suffice" "warning(s)" "${CLI_LAST_OUT}"
check "no privilege warning left" bash -c '! grep -q "^WARNING  privileges" <<<"$1"' _ "${CLI_LAST_OUT}"
check "no mode warning left" bash -c '! grep -q "chmod" <<<"$1"' _ "${CLI_LAST_OUT}"
expect_contains "the schema check can run now" "ok       schema check" "${CLI_LAST_OUT}"
expect_contains "one warning left: the location" "doctor: 1 warning(s)" "${CLI_LAST_OUT}"

# A backup folder on another filesystem (tmpfs /dev/shm, when it is one): exit 0.
if [[ -d /dev/shm && "$(stat -c %d /dev/shm)" != "$(stat -c %d "${datadir}")" ]]; then
    elsewhere=$(mktemp -d /dev/shm/ifndoctor.XXXXXX)
    cli_on_exit "rm -rf '${elsewhere}'"
    chmod 0700 "${elsewhere}"
    run "${CLI_BIN}" --config "${config}" --backup-dir "${elsewhere}" doctor
    expect_exit "doctor with everything fixed" 0
    expect_contains "it says so" "doctor: everything checked is fine" "${CLI_LAST_OUT}"
    expect_contains "the location is fine" "is not on the filesystem of the server's datadir" "${CLI_LAST_OUT}"
else
    cli_log "note: /dev/shm is not a separate filesystem here: the all-clear case is not run"
fi

# A server that does not answer is a warning, not a crash.
run "${CLI_BIN}" --config "${config}" --host 127.0.0.1 --port 1 doctor
expect_exit "doctor with a dead server" 17
check "the server line is a warning" grep -q "^WARNING  server" <<<"${CLI_LAST_OUT}"

cli_finish
