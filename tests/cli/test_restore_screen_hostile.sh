#!/usr/bin/env bash
# The restore screen (issue 17) against what an unlucky operator meets: a table named in wide
# characters (CJK, two columns each) on an 80-column terminal, whose status line must be cut to the
# columns, not the characters, or it wraps and cannot be erased; Ctrl-C at the question, which is an
# interruption (exit 8), not a refusal; a --tables restore that created a table, whose undo must drop
# it too; a database whose name holds a control byte, and paths given relative, with which the undo
# command must work as printed (from any folder).
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cli_init
cli_use_server
cd "${CLI_WORK}" || exit 1
command -v tmux >/dev/null 2>&1 || cli_skip "tmux is missing (scripts/install-deps installs it)"

backups="${CLI_WORK}/backups"
bin_dir="${CLI_WORK}/bin"
mkdir -p "${bin_dir}" && ln -s "${CLI_BIN}" "${bin_dir}/ifnbackup"
export PATH="${bin_dir}:${PATH}"

# reading_terminal PID: PID waits in read(2) on its standard input (x86_64: syscall 0, first argument 0).
# shellcheck disable=SC2317  # called through wait_for
reading_terminal() {
    local syscall=""
    read -r syscall <"/proc/$1/syscall" 2>/dev/null
    [[ ${syscall} == "0 0x0 "* ]]
}

# pane NAME WIDTH ACTION COMMAND...: COMMAND in a tmux pane WIDTH columns wide; ACTION at the question:
# oui (types OUI) or ctrl-c. Leaves NAME.screen (screen and scrollback); sets CLI_LAST_EXIT.
pane() {
    local name=$1 width=$2 action=$3
    shift 3
    local socket="ifn-hostile-$$" command
    command="$(printf '%q ' env LANG=C.UTF-8 LC_ALL= LANGUAGE= "$@")"
    rm -f "${name}.screen" "${name}.exit"
    tmux -L "${socket}" -f /dev/null new-session -d -s r -x "${width}" -y 50 \
        "${command}; echo \$? > '${name}.exit'; sleep 600"
    cli_on_exit "tmux -L '${socket}' kill-server"
    tmux -L "${socket}" set-option -t r history-limit 10000 >/dev/null
    local asked=0
    for _ in $(seq 1 3000); do
        if [[ ${asked} -eq 0 ]] && tmux -L "${socket}" capture-pane -p -t r | grep -q 'Type OUI'; then
            if [[ ${action} == oui ]]; then
                tmux -L "${socket}" send-keys -t r OUI Enter
            else
                # Once the restore reads its answer: a Ctrl-C between the question and the read would
                # find no read to interrupt, and the restore would wait for an answer for ever.
                restore_pid=$(pgrep -P "$(tmux -L "${socket}" display -p -t r '#{pane_pid}')" | head -n 1)
                if [[ $(uname -m) == x86_64 ]] && read -r _ <"/proc/${restore_pid}/syscall" 2>/dev/null; then
                    wait_for 30 reading_terminal "${restore_pid}" ||
                        cli_log "note: the restore was not seen reading its terminal; Ctrl-C sent all the same"
                fi
                tmux -L "${socket}" send-keys -t r C-c
            fi
            asked=1
        fi
        [[ -s "${name}.exit" ]] && break
        sleep 0.1
    done
    tmux -L "${socket}" capture-pane -p -S - -E - -t r > "${name}.screen"
    tmux -L "${socket}" kill-server
    CLI_LAST_EXIT=$(cat "${name}.exit" 2>/dev/null || echo "none")
}

# 1. Wide characters: 48 CJK characters are 96 columns, more than the terminal's 80.
db=$(cli_unique_db wide)
wide=$(printf '表%.0s' $(seq 1 48))
cli_create_db "${db}" || fail "create ${db}"
sql "${db}" -e "
    CREATE TABLE \`${wide}\` (id INT PRIMARY KEY, a INT, b VARCHAR(40), KEY (a), KEY (b)) ENGINE=InnoDB;
    INSERT INTO \`${wide}\` SELECT seq, seq % 100, MD5(seq) FROM seq_1_to_20000;" || fail "load ${db}"
check "backup of the wide-named table" ifnbackup --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" \
    --backup-dir "${backups}/wide" backup -q
pane "${CLI_WORK}/wide" 80 oui ifnbackup --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" \
    --backup-dir "${backups}/wide" restore latest
expect_eq "restore of the wide-named table in 80 columns exits 0" 0 "${CLI_LAST_EXIT}"
expect_contains "the end is on the screen" "Restore done in" "$(cat "${CLI_WORK}/wide.screen")"
# A status line cut to 79 characters but 150 columns wraps: its first row stays on the screen.
expect_eq "no status line is left on the screen" "" \
    "$(grep -E 'building indexes of|proving the content  table' "${CLI_WORK}/wide.screen")"

# 2. Ctrl-C at the question: interrupted (exit 8), nothing changed, not "no answer".
pane "${CLI_WORK}/ctrlc" 140 ctrl-c ifnbackup --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" \
    --backup-dir "${backups}/wide" restore latest
screen=$(cat "${CLI_WORK}/ctrlc.screen")
expect_eq "Ctrl-C at the question exits 8 (interrupted)" 8 "${CLI_LAST_EXIT}"
expect_contains "... says nothing was changed" "interrupted (SIGINT or SIGTERM) before anything was changed" "${screen}"
expect_not_contains "... and not that the input ended" "no answer (end of input)" "${screen}"

# 3. --tables restoring a table the database no longer holds: the undo drops it too.
db=$(cli_unique_db tbl)
cli_create_db "${db}" || fail "create ${db}"
sql "${db}" -e "CREATE TABLE a (id INT PRIMARY KEY); INSERT INTO a VALUES (1);
    CREATE TABLE b (id INT PRIMARY KEY); INSERT INTO b VALUES (1);" || fail "load ${db}"
ifn() {
    ifnbackup --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" --backup-dir "${backups}/tables" "$@"
}
check "backup of a and b" ifn backup -q
sql "${db}" -e "INSERT INTO a VALUES (2); DROP TABLE b" || fail "change ${db}"
before=$(sql -e "SELECT GROUP_CONCAT(TABLE_NAME ORDER BY TABLE_NAME) FROM information_schema.TABLES
    WHERE TABLE_SCHEMA = '${db}'; CHECKSUM TABLE \`${db}\`.a EXTENDED" | cut -f2 | tr '\n' ' ')
run ifn restore latest --tables a,b --yes
expect_eq "restore --tables a,b exits 0" 0 "${CLI_LAST_EXIT}"
undo=$(grep -A1 "back as it was before this restore" <<< "${CLI_LAST_ERR}" | tail -1 | sed 's/^ *//')
drop=$(grep -A1 "tables this restore created" <<< "${CLI_LAST_ERR}" | tail -1 | sed 's/^ *//')
expect_eq "the end says to drop the table the restore created" "DROP TABLE \`${db}\`.\`b\`;" "${drop}"
run bash -c "echo OUI | ${undo}"
expect_eq "the printed undo command exits 0" 0 "${CLI_LAST_EXIT}"
run sql -e "${drop}"
expect_eq "the printed DROP runs" 0 "${CLI_LAST_EXIT}"
expect_eq "the database is back as it was before the --tables restore" "${before}" \
    "$(sql -e "SELECT GROUP_CONCAT(TABLE_NAME ORDER BY TABLE_NAME) FROM information_schema.TABLES
        WHERE TABLE_SCHEMA = '${db}'; CHECKSUM TABLE \`${db}\`.a EXTENDED" | cut -f2 | tr '\n' ' ')"

# 4. A database name with a control byte: the undo command is printed in $'...' and works as printed.
db=$(cli_unique_db ctl)$'\001'x
sql -e "CREATE DATABASE \`${db}\`; CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY); INSERT INTO \`${db}\`.t VALUES (1)" ||
    fail "create the database with a control byte"
ifn() {
    ifnbackup --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" --backup-dir "${backups}/ctl" "$@"
}
check "backup of the database with a control byte" ifn backup -q
sql -e "INSERT INTO \`${db}\`.t VALUES (2)" || fail "change it"
run ifn restore latest --yes
expect_eq "its restore exits 0" 0 "${CLI_LAST_EXIT}"
expect_eq "the restore removed the row the backup does not hold" 1 "$(sql -e "SELECT COUNT(*) FROM \`${db}\`.t")"
undo=$(grep -A1 "back as it was before this restore" <<< "${CLI_LAST_ERR}" | tail -1 | sed 's/^ *//')
expect_contains "the undo names the database with \\x01 in \$'...'" "--database \$'" "${undo}"
run bash -c "echo OUI | ${undo}"
expect_eq "the printed undo command exits 0" 0 "${CLI_LAST_EXIT}"
expect_eq "... and put the row back" 2 "$(sql -e "SELECT COUNT(*) FROM \`${db}\`.t")"
sql -e "DROP DATABASE \`${db}\`" || true

# 5. Relative paths (--defaults-file, --backup-dir): the undo command works from another folder.
db=$(cli_unique_db rel)
cli_create_db "${db}" || fail "create ${db}"
sql "${db}" -e "CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t VALUES (1)" || fail "load ${db}"
mkdir -p "${CLI_WORK}/here/conf" && install -m 0600 "${IFNBACKUP_TEST_DEFAULTS_FILE}" "${CLI_WORK}/here/conf/client.cnf"
rel() {
    (cd "${CLI_WORK}/here" && ifnbackup --defaults-file conf/client.cnf --database "${db}" --backup-dir rel-backups "$@")
}
check "backup with relative paths" rel backup -q
sql -e "INSERT INTO \`${db}\`.t VALUES (2)" || fail "change it"
run rel restore latest --yes
expect_eq "restore with relative paths exits 0" 0 "${CLI_LAST_EXIT}"
undo=$(grep -A1 "back as it was before this restore" <<< "${CLI_LAST_ERR}" | tail -1 | sed 's/^ *//')
expect_contains "the undo gives the option file's absolute path" "--defaults-file ${CLI_WORK}/here/conf/client.cnf" "${undo}"
run bash -c "cd / && echo OUI | ${undo}"
expect_eq "the printed undo command works from another folder" 0 "${CLI_LAST_EXIT}"
expect_eq "... and put the row back" 2 "$(sql -e "SELECT COUNT(*) FROM \`${db}\`.t")"

cli_finish
