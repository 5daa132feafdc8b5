#!/usr/bin/env bash
# Runs every ```bash block of docs/PROCEDURE.fr.md, in order, against a private server, as an
# operator would: with the config of the procedure's section 2 and OUI typed at each question.
# Blocks marked text/ini/cron are shown, not run. Then checks what the procedure promises.
# Section 11 (stockage externe) runs against the private S3 server (scripts/s3server, bucket
# ifn-connect-backups as in the procedure), with `offsite` in the config as the procedure sets it, and
# `aws`/`mariadb` pointed at the test servers. Its encrypted blocks (age) are skipped, saying so, when
# `ifnbackup backup --help` has no --encrypt-to.
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
# The procedure's section 11: the bucket on the private S3 server.
s3server="${CLI_SOURCE_DIR}/scripts/s3server"
offsite=0
if command -v node >/dev/null 2>&1 &&
    s3env=$("${s3server}" start --dir "${CLI_WORK}/s3" --bucket ifn-connect-backups 2>"${CLI_WORK}/s3.log"); then
    cli_on_exit "'${s3server}' stop --dir '${CLI_WORK}/s3'"
    eval "${s3env}"
    offsite=1
    cat >>"${CLI_WORK}/ifnbackup.conf" <<CONF
offsite = s3://ifn-connect-backups/ifn_connect
s3-endpoint = ${IFNBACKUP_TEST_S3_ENDPOINT}
s3-path-style = true
CONF
    unset AWS_SESSION_TOKEN AWS_PROFILE AWS_REGION AWS_DEFAULT_REGION
    export AWS_ACCESS_KEY_ID=${IFNBACKUP_TEST_S3_ACCESS_KEY} AWS_SECRET_ACCESS_KEY=${IFNBACKUP_TEST_S3_SECRET_KEY}
    export AWS_SHARED_CREDENTIALS_FILE="${CLI_WORK}/no-such-credentials"
    # The operator's aws and mariadb, configured for this bucket and this server (the test's own sql
    # helper gives its --defaults-file first: passed through as it is).
    mkdir -p "${CLI_WORK}/bin"
    cat >"${CLI_WORK}/bin/aws" <<WRAPPER
#!/bin/sh
exec /usr/bin/aws --endpoint-url ${IFNBACKUP_TEST_S3_ENDPOINT} "\$@"
WRAPPER
    cat >"${CLI_WORK}/bin/mariadb" <<WRAPPER
#!/bin/sh
case "\$1" in --defaults*|--no-defaults) exec $(command -v mariadb) "\$@" ;; esac
exec $(command -v mariadb) --defaults-file=${IFNBACKUP_TEST_DEFAULTS_FILE} "\$@"
WRAPPER
    chmod +x "${CLI_WORK}/bin/aws" "${CLI_WORK}/bin/mariadb"
elif [[ "${CI:-}" == "true" ]]; then
    fail "the private S3 server did not start: section 11 cannot run" "$(cat "${CLI_WORK}/s3.log" 2>/dev/null)"
else
    cli_log "note: no private S3 server (node missing or npm install failed): section 11's blocks are skipped"
fi
encrypt=0
if "${CLI_BIN}" backup --help 2>/dev/null | grep -q -- '--encrypt-to'; then
    encrypt=1
else
    cli_log "note: this ifnbackup has no backup --encrypt-to yet: section 11's encrypted (age) blocks are skipped"
fi
chmod 600 "${CLI_WORK}/ifnbackup.conf"
export IFNBACKUP_CONFIG="${CLI_WORK}/ifnbackup.conf"
export PATH="${CLI_WORK}/bin:${PATH}"

# The ```bash blocks, one file each.
mkdir -p "${CLI_WORK}/blocks"
awk -v dir="${CLI_WORK}/blocks" '
    /^## [0-9]+\./ { section = $2; sub(/\.$/, "", section) }
    /^```bash[[:space:]]*$/ {
        n++; file = sprintf("%s/%02d.sh", dir, n); inside = 1
        print section > sprintf("%s/%02d.section", dir, n); close(sprintf("%s/%02d.section", dir, n)); next
    }
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
all_out=""
ran_offsite=0
cd "${CLI_WORK}" || exit 1
for block in "${blocks[@]}"; do
    what="bloc $(basename "${block}" .sh): $(head -1 "${block}")"
    if [[ "$(cat "${block%.sh}.section")" == 11 ]]; then
        if ((offsite == 0)); then
            cli_log "skipped (no private S3 server): ${what}"
            continue
        fi
        if ((encrypt == 0)) && grep -qE 'age-keygen|encrypt-to|age -d' "${block}"; then
            cli_log "skipped (backup --encrypt-to does not exist on this branch yet): ${what}"
            continue
        fi
        ran_offsite=$((ran_offsite + 1))
    fi
    run bash -e -o pipefail "${block}" <<<"OUI"
    all_err+="${CLI_LAST_ERR}"$'\n'
    all_out+="${CLI_LAST_OUT}"$'\n'
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

# Section 11: the copies are in the bucket, checked, rotated by the same rule, restorable.
if ((offsite == 1)); then
    check "section 11: at least 6 offsite blocks ran (${ran_offsite})" test "${ran_offsite}" -ge 6
    expect_contains "section 11: doctor checked the bucket" "offsite listing" "${all_out}"
    expect_not_contains "section 11: ... and found nothing wrong with it" "WARNING  offsite" "${all_out}"
    expect_contains "section 11: list --offsite shows our copies with their SHA-256" "backup(s) à nous sous" "${all_out}"
    if ((french == 1)); then
        judged="stockage externe s3://ifn-connect-backups/ifn_connect/"
    else
        judged="offsite s3://ifn-connect-backups/ifn_connect/"
    fi
    expect_contains "section 11: rotate --dry-run judged the bucket too" "${judged}" "${all_out}"
    objects=$(/usr/bin/aws --endpoint-url "${IFNBACKUP_TEST_S3_ENDPOINT}" s3 ls \
        "s3://ifn-connect-backups/ifn_connect/" 2>/dev/null | grep -c 'ifn_connect_backup_.*\.sql\.gz$')
    check "section 11: the bucket holds every backup (${objects}) as the independent client lists it" \
        test "${objects}" -ge "${backups_expected:-1}"
    journal="${CLI_WORK}/logs/journal.jsonl"
    check "section 11: backup's upload journaled" grep -q '"command":"backup".*"offsite":"ok"' "${journal}"
    check "section 11: push journaled" grep -q '"command":"push".*"offsite":"ok"' "${journal}"
    check "section 11: the restore from the bucket journaled" grep -q '"command":"restore","result":"ok"' "${journal}"
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
