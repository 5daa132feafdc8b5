#!/usr/bin/env bash
# Issue 18, item 8, through the built binary against a real server: several databases, one folder.
# - latest, rotate and the retention floor count a file only for the database it is a backup of: a
#   backup of another database made rotate remove this database's last backup, and restore latest could
#   load another database's file; a mysqldump file (no database recorded) is never removed by rotate;
# - the restore plan shows the file's source database, in capitals when it is not the one replaced;
# - a per-database lock on the server: a restore (or backup) of a database another run holds is
#   refused with exit 5, whatever the folder;
# - --into longer than 64 characters is refused before anything; restore and drill honour --prefix;
# - rotate and check verify again a file whose last verification is more than 7 days old; verify --all.
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cli_init
cli_use_server

app=$(cli_unique_db dba)
other=$(cli_unique_db dbo)
cli_load_db "${app}" "${CLI_DATA_DIR}/sample.sql" || fail "loading sample.sql into ${app}"
cli_create_db "${other}" || fail "creating ${other}"
sql "${other}" -e "CREATE TABLE only_in_other (i INT PRIMARY KEY); INSERT INTO only_in_other VALUES (7)"
W=${CLI_WORK}
dir="${W}/backups"
now=$(date +%s)

ifn() {
    local db=$1
    shift
    "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" --backup-dir "${dir}" "$@"
}
stamp() {
    date -d "@$((now - $1 * 86400))" +%Y%m%d_%H%M%S
}
# backup_as DB DAYS: a backup of DB, renamed as taken DAYS days ago; prints its name.
backup_as() {
    local before after name
    before=$(final_backups "${dir}")
    ifn "$1" -q backup --no-rotate || return 1
    after=$(final_backups "${dir}")
    name=$(comm -13 <(printf '%s\n' "${before}") <(printf '%s\n' "${after}") | head -n 1)
    mv "${dir}/${name}" "${dir}/ifn_connect_backup_$(stamp "$2").sql.gz"
    printf 'ifn_connect_backup_%s.sql.gz\n' "$(stamp "$2")"
}

# --- app's only backup is 40 days old; other's is newer (10 days), plus a mysqldump file of 50 days
app40=$(backup_as "${app}" 40) || fail "backup of ${app}"
other10=$(backup_as "${other}" 10) || fail "backup of ${other}"
dump50="ifn_connect_backup_$(stamp 50).sql.gz"
mariadb-dump --defaults-file="${IFNBACKUP_TEST_DEFAULTS_FILE}" "${app}" | gzip -c >"${dir}/${dump50}"

# --- restore latest for app takes app's file, not the newer one of other
run ifn "${app}" restore latest --yes
expect_exit "restore latest of ${app}" 0
expect_contains "latest is ${app}'s backup" "${dir}/${app40}" "$(grep -E '^  file +' <<<"${CLI_LAST_ERR}")"
expect_contains "the plan shows the source database" "source           backup of database '${app}'" "${CLI_LAST_ERR}"
expect_contains "the newer backup of ${other} is passed over, and why" \
    "${other10} is not 'latest': it is a backup of database '${other}'" "${CLI_LAST_ERR}"
expect_eq "other's table did not land in ${app}" "" "$(sql "${app}" -e "SHOW TABLES LIKE 'only_in_other'")"

# --- status and check judge the configured database's backups only (hostile review: a database whose
# backups stopped was hidden by another database's newer ones in the same folder)
run ifn "${app}" status --json
expect_eq "status of ${app}: its own newest good backup, not ${other}'s newer one" "${app40}" \
    "$(python3 -c 'import json,sys; print((json.load(sys.stdin)["last_good_backup"] or {}).get("name"))' <<<"${CLI_LAST_OUT}")"
run ifn "${other}" status --json
expect_eq "status of ${other}: its own" "${other10}" \
    "$(python3 -c 'import json,sys; print((json.load(sys.stdin)["last_good_backup"] or {}).get("name"))' <<<"${CLI_LAST_OUT}")"
run ifn "${app}" check
expect_exit "check of ${app}, whose newest backup is 40 days old" 2
expect_contains "check names ${app}'s backup, not ${other}'s" "${app40}" "${CLI_LAST_OUT}"

# --- a file of another database named explicitly: the plan says so loudly
run ifn "${app}" restore "${other10}" </dev/null
expect_exit "restoring ${other}'s file over ${app}, not confirmed" 12
expect_contains "loud warning" "THIS FILE IS A BACKUP OF DATABASE '${other}', NOT OF '${app}'" "${CLI_LAST_ERR}"

# --- rotate for app: app's last backup stays (the floor), other's and the mysqldump file are not app's
run ifn "${app}" rotate --retention-days 30 --min-keep 1
expect_exit "rotate of ${app}" 0
check "app's only backup is kept by the floor" test -f "${dir}/${app40}"
check "other's backup is not rotated as ${app}'s" test -f "${dir}/${other10}"
check "the mysqldump file (no database recorded) is never removed" test -f "${dir}/${dump50}"
expect_contains "why other's file is kept" "a backup of another database ('${other}')" "${CLI_LAST_OUT}"
expect_contains "why the dump is kept" "records no source database" "${CLI_LAST_OUT}"
run ifn "${app}" restore latest --yes
expect_exit "restore latest of ${app} after rotate" 0

# --- rotate for other with a floor of 1: app's file is not other's either
app45=$(backup_as "${app}" 45) || fail "second backup of ${app}"
run ifn "${other}" rotate --retention-days 5 --min-keep 1
expect_exit "rotate of ${other}" 0
check "other's only backup is kept" test -f "${dir}/${other10}"
check "app's files are untouched by other's rotate" test -f "${dir}/${app45}"
run ifn "${app}" rotate --retention-days 30 --min-keep 1
expect_exit "rotate of ${app} with two backups" 0
check "app's older backup goes" test ! -f "${dir}/${app45}"
check "app's newest good backup stays" test -f "${dir}/${app40}"

# --- a verification more than 7 days old is done again by rotate (bit rot keeps name, size, mtime)
state="${dir}/.ifnbackup-verify.tsv"
old=$(($(date +%s) - 8 * 86400))
awk -F'\t' -v OFS='\t' -v old="${old}" '{ $5 = old; print }' "${state}" >"${state}.new" && mv "${state}.new" "${state}"
run ifn "${app}" rotate --dry-run --retention-days 30 --min-keep 1
expect_exit "rotate after a week" 0
expect_contains "rotate verifies a week-old verification again" "last verified more than 7 days ago" \
    "$(cat "${dir}/backup.log")"

# --- check does the same: the week-old record is refreshed (a rotten file would turn bad)
awk -F'\t' -v OFS='\t' -v old="${old}" '{ $5 = old; print }' "${state}" >"${state}.new" && mv "${state}.new" "${state}"
run ifn "${app}" check --drill-max-age-days 0
verified_at=$(awk -F'\t' -v f="${app40}" '$1 == f { print $5 }' "${state}")
check "check verifies a week-old verification again" test "${verified_at}" -gt "$(($(date +%s) - 3600))"
run ifn "${app}" verify --all
expect_exit "verify --all (the weekly schedule line's)" 0
run ifn "${app}" verify --all "${app40}"
expect_exit "verify --all with a file" 2

# --- the per-database lock on the server: held by another session, restore and backup refuse (5)
lockfifo="${W}/.dblock.fifo"
mkfifo "${lockfifo}"
mariadb --defaults-file="${IFNBACKUP_TEST_DEFAULTS_FILE}" -n -N <"${lockfifo}" >"${W}/.dblock.out" 2>&1 &
locker=$!
cli_on_exit "kill ${locker}"
exec {lockfd}>"${lockfifo}"
printf "SELECT GET_LOCK('ifnbackup:%s', 0);\n" "${app}" >&"${lockfd}"
wait_for 10 grep -q '^1$' "${W}/.dblock.out"
run ifn "${app}" restore "${app40}" --yes
expect_exit "restore while another run holds the database" 5
expect_contains "the message names the database" "another ifnbackup run holds database '${app}'" "${CLI_LAST_ERR}"
expect_eq "nothing was dropped" "1" "$(sql -e "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '${app}'")"
other_dir="${W}/elsewhere"
run "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${app}" --backup-dir "${other_dir}" \
    -q backup --no-rotate
expect_exit "a backup of that database from another folder" 5
run ifn "${other}" restore latest --yes
expect_exit "another database is not held" 0
exec {lockfd}>&-
wait "${locker}" 2>/dev/null
run ifn "${app}" restore "${app40}" --yes
expect_exit "restore once the lock is released" 0
expect_eq "the lock is released after the restore" "1" \
    "$(sql -e "SELECT IS_FREE_LOCK('ifnbackup:${app}')")"

# --- --into longer than 64 characters: refused up front, in words
long=$(printf 'x%.0s' {1..65})
run ifn "${app}" restore "${app40}" --yes --into "${long}"
expect_exit "restore --into of 65 characters" 2
expect_contains "says the limit" "65 characters, 64 at most" "${CLI_LAST_ERR}"
run ifn "${app}" drill "${app40}" --into "${long}"
expect_exit "drill --into of 65 characters" 2

# --- restore and drill honour --prefix
mkdir -p "${W}/shop"
cp "${dir}/${app40}" "${W}/shop/shop_$(stamp 1).sql.gz"
run "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${app}" --backup-dir "${W}/shop" \
    --prefix shop restore latest --yes
expect_exit "restore latest --prefix shop" 0
expect_contains "latest is the prefixed file" "shop_$(stamp 1).sql.gz" "${CLI_LAST_ERR}"

cli_finish
