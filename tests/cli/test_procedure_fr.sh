#!/usr/bin/env bash
# Runs every ```bash block of docs/PROCEDURE.fr.md, in order, against a private server, as an
# operator would: with the config of the procedure's section 2 and OUI typed at each question.
# Blocks marked text/ini/cron are shown, not run. Then checks what the procedure promises.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cli_init
cli_use_server

doc="${CLI_SOURCE_DIR}/docs/PROCEDURE.fr.md"
db=$(cli_unique_db ifn_proc)
cli_load_db "${db}" "${CLI_DATA_DIR}/sample.sql" || cli_skip "cannot load the sample database"
test_db=ifn_connect_test_restore
sql -e "DROP DATABASE IF EXISTS ${test_db}"
cli_on_exit "mariadb --defaults-file='${IFNBACKUP_TEST_DEFAULTS_FILE}' -e 'DROP DATABASE IF EXISTS ${test_db}'"
drill_db="${db}_drill"
cli_on_exit "mariadb --defaults-file='${IFNBACKUP_TEST_DEFAULTS_FILE}' -e 'DROP DATABASE IF EXISTS \`${drill_db}\`'"

# The procedure's /etc/ifnbackup.conf, pointed at this test's server and folders.
mkdir -p "${CLI_WORK}/bin"
ln -s "${CLI_BIN}" "${CLI_WORK}/bin/ifnbackup"
cat >"${CLI_WORK}/ifnbackup.conf" <<CONF
database = ${db}
backup-dir = ${CLI_WORK}/backups
log-dir = ${CLI_WORK}/logs
defaults-file = ${IFNBACKUP_TEST_DEFAULTS_FILE}
retention-days = 30
min-keep = 7
CONF
chmod 600 "${CLI_WORK}/ifnbackup.conf"
export IFNBACKUP_CONFIG="${CLI_WORK}/ifnbackup.conf"
export PATH="${CLI_WORK}/bin:${PATH}"

# The ```bash blocks, one file each.
mkdir -p "${CLI_WORK}/blocks"
awk -v dir="${CLI_WORK}/blocks" '
    /^```bash[[:space:]]*$/ { n++; file = sprintf("%s/%02d.sh", dir, n); inside = 1; next }
    /^```/ && inside { inside = 0; close(file); next }
    inside { print > file }
' "${doc}"
blocks=("${CLI_WORK}"/blocks/*.sh)
if (( ${#blocks[@]} >= 12 )); then
    pass "the procedure has ${#blocks[@]} executable blocks"
else
    fail "the procedure has at least 12 executable blocks" "found ${#blocks[@]}"
fi

# The operators read French: the blocks run under LANG=fr_FR.UTF-8 (scripts/install-deps generates the
# locale), and the restore's question must be the French one.
if locale -a 2>/dev/null | grep -qix 'fr_FR.utf8'; then
    export LANG=fr_FR.UTF-8 LANGUAGE= LC_ALL=
    french=1
elif [[ "${CI:-}" == "true" ]]; then
    fail "the fr_FR.UTF-8 locale is missing (scripts/install-deps generates it)"
    french=0
else
    cli_log "note: no fr_FR.UTF-8 locale here: the procedure runs in English (scripts/install-deps makes it)"
    french=0
fi
all_err=""
for block in "${blocks[@]}"; do
    run bash -e -o pipefail "${block}" <<<"OUI"
    all_err+="${CLI_LAST_ERR}"$'\n'
    what="bloc $(basename "${block}" .sh): $(head -1 "${block}")"
    if [[ "${CLI_LAST_EXIT}" == 0 ]]; then
        pass "${what}"
    else
        fail "${what}" "exit ${CLI_LAST_EXIT}" "stdout: ${CLI_LAST_OUT}" "stderr: ${CLI_LAST_ERR}"
    fi
done

if [[ ${french} -eq 1 ]]; then
    expect_contains "the restore asked in French" "Tapez OUI (en majuscules)" "${all_err}"
    expect_contains "the restore's plan is in French" "dans la base maintenant" "${all_err}"
    expect_not_contains "... and not in English" "Type OUI" "${all_err}"
fi

# What the procedure promised happened.
merchants=$(sql "${db}" -e "SELECT COUNT(*) FROM merchants")
expect_eq "section 7: the test restore has as many merchants" "${merchants}" \
    "$(sql "${test_db}" -e "SELECT COUNT(*) FROM merchants" 2>&1)"
backups=$(find "${CLI_WORK}/backups" -maxdepth 1 -name 'ifn_connect_backup_*.sql.gz' | wc -l)
check "section 4: a backup was written" test "${backups}" -ge 1
snapshots=$(find "${CLI_WORK}/backups" -maxdepth 1 -name 'pre_restore_safety_*.sql.gz' | wc -l)
check "section 6: restores wrote safety snapshots" test "${snapshots}" -ge 1
check "section 6: restore.log was written" test -s "${CLI_WORK}/logs/restore.log"
check "every backup passes gzip -t" bash -c "gzip -t '${CLI_WORK}'/backups/*.sql.gz"
drills=$(python3 -c 'import json, sys
print(" ".join(r["result"] + ":" + r["database"] + ":" + str(r["tables"] == r["tables_proven"] > 0)
               for r in map(json.loads, open(sys.argv[1])) if r["command"] == "drill"))' "${CLI_WORK}/logs/journal.jsonl")
expect_eq "section 7: two drills, every table proven, journaled" "ok:${drill_db}:True ok:${test_db}:True" "${drills}"
expect_eq "section 7: the drill dropped its scratch database" 0 \
    "$(sql -e "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '${drill_db}'")"
check "section 7: no drill took a safety snapshot" bash -c "! grep -q 'safety snapshot' '${CLI_WORK}/logs/drill.log'"
cli_finish
