#!/usr/bin/env bash
# Restore through the built binary against a real server:
# - a table whose DEFAULT is NEXTVAL(sequence) restores in place (the sequence must be created
#   before the table, or the restore fails and so does the roll-back from the safety snapshot);
# - a trigger created under NO_BACKSLASH_ESCAPES with '\' in its body restores (the loader follows
#   the server's NO_BACKSLASH_ESCAPES flag, as the mariadb client does);
# - neither IFNBACKUP_YES nor `yes = true` in the config file answers restore's OUI question.
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cli_init
cli_use_server
cd "${CLI_WORK}" || exit 1

# ifn DB DIR ARGS...: the binary on database DB with DIR as backup folder.
ifn() {
    local database=$1 dir=$2
    shift 2
    "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${database}" --backup-dir "${dir}" \
        --log-dir "${CLI_WORK}/logs" "$@"
}

# --- sequences before the tables that use them -------------------------------------------------
db=$(cli_unique_db rvseq)
cli_create_db "${db}" || fail "creating ${db}"
sql "${db}" <<'SQL' || fail "loading the sequence schema"
CREATE SEQUENCE zz_ids START WITH 100;
CREATE TABLE a_orders (id INT NOT NULL DEFAULT NEXTVAL(zz_ids) PRIMARY KEY, label VARCHAR(20));
INSERT INTO a_orders (label) VALUES ('first'), ('second');
SQL
backups="${CLI_WORK}/seq-backups"
run ifn "${db}" "${backups}" -q backup --no-rotate
expect_exit "backup of a table with DEFAULT NEXTVAL" 0
file=$(final_backups "${backups}" | head -n 1)
seq_line=$(gunzip -c "${backups}/${file}" | grep -n 'CREATE SEQUENCE `zz_ids`' | cut -d: -f1)
table_line=$(gunzip -c "${backups}/${file}" | grep -n 'CREATE TABLE `a_orders`' | cut -d: -f1)
check "the sequence is created before the table that uses it (${seq_line:-none} < ${table_line:-none})" \
    test "${seq_line:-999999}" -lt "${table_line:-0}"

sql "${db}" -e "INSERT INTO a_orders (label) VALUES ('after the backup')"
run ifn "${db}" "${backups}" -q restore "${file}" --yes
expect_exit "restore in place of a table with DEFAULT NEXTVAL" 0
expect_eq "the restored rows are the backup's" $'100\tfirst\n101\tsecond' \
    "$(sql "${db}" -e 'SELECT id, label FROM a_orders ORDER BY id')"
sql "${db}" -e "INSERT INTO a_orders (label) VALUES ('new')"
expect_eq "the default still draws from the restored sequence, past the cached values" "1" \
    "$(sql "${db}" -e "SELECT id > 101 FROM a_orders WHERE label = 'new'")"

# --- a trigger body written under NO_BACKSLASH_ESCAPES --------------------------------------------
db2=$(cli_unique_db rvnbe)
cli_create_db "${db2}" || fail "creating ${db2}"
sql "${db2}" <<'SQL' || fail "loading the NO_BACKSLASH_ESCAPES trigger"
CREATE TABLE paths (id INT PRIMARY KEY, p VARCHAR(20));
SET sql_mode = 'NO_BACKSLASH_ESCAPES';
CREATE TRIGGER paths_bi BEFORE INSERT ON paths FOR EACH ROW SET NEW.p = REPLACE(NEW.p, '/', '\');
SET sql_mode = '';
INSERT INTO paths VALUES (1, 'a/b');
SQL
expect_eq "the trigger writes one backslash" 'a\\b' "$(sql "${db2}" -e 'SELECT p FROM paths')"
backups2="${CLI_WORK}/nbe-backups"
run ifn "${db2}" "${backups2}" -q backup --no-rotate
expect_exit "backup with a NO_BACKSLASH_ESCAPES trigger" 0
file2=$(final_backups "${backups2}" | head -n 1)
run ifn "${db2}" "${backups2}" -q restore "${file2}" --yes
expect_exit "restore of a NO_BACKSLASH_ESCAPES trigger" 0
expect_eq "the row comes back" 'a\\b' "$(sql "${db2}" -e 'SELECT p FROM paths')"
sql "${db2}" -e "INSERT INTO paths VALUES (2, 'c/d')"
expect_eq "the restored trigger still writes one backslash" 'c\\d' "$(sql "${db2}" -e 'SELECT p FROM paths WHERE id = 2')"
expect_eq "the restored trigger kept its sql_mode" 'NO_BACKSLASH_ESCAPES' \
    "$(sql "${db2}" -e "SELECT SQL_MODE FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = '${db2}'")"

# --- the OUI question is answered on the command line only ----------------------------------------
into="${db2}_into"
cli_on_exit "mariadb --defaults-file='${IFNBACKUP_TEST_DEFAULTS_FILE}' -e 'DROP DATABASE IF EXISTS \`${into}\`'"
IFNBACKUP_YES=1 run ifn "${db2}" "${backups2}" -q restore "${file2}" --into "${into}" </dev/null
expect_exit "IFNBACKUP_YES=1 does not confirm a restore" 12
expect_eq "nothing was restored under IFNBACKUP_YES=1" "" "$(sql -e "SHOW DATABASES LIKE '${into}'")"
printf '[restore]\nyes = true\n' >"${CLI_WORK}/yes.conf"
run ifn "${db2}" "${backups2}" -q --config "${CLI_WORK}/yes.conf" restore "${file2}" --into "${into}" </dev/null
expect_exit "yes = true in the config file is refused" 2
expect_contains "the refusal names the setting" "yes" "${CLI_LAST_ERR}"
expect_eq "nothing was restored with yes = true in the config" "" "$(sql -e "SHOW DATABASES LIKE '${into}'")"
printf 'no-rollback = true\n' >"${CLI_WORK}/norollback.conf"
run ifn "${db2}" "${backups2}" -q --config "${CLI_WORK}/norollback.conf" restore "${file2}" --into "${into}" </dev/null
expect_exit "no-rollback in the config file is refused" 2
run ifn "${db2}" "${backups2}" -q restore "${file2}" --into "${into}" --yes
expect_exit "--yes on the command line still confirms" 0

cli_finish
