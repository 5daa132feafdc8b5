#!/usr/bin/env bash
# ifnbackup schedule: the printed cron line (absolute binary and config paths, -q, the marker, --time), and
# --install/--uninstall on a real crontab: installing twice leaves one line, the operator's lines are kept,
# uninstall removes only ours. The crontab is that of a throw-away user (needs root; CI runs as root).
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cli_init
bin=$(readlink -f "${CLI_BIN}")

# --- --cron: the line, for the default config and for a relative --config
run "${CLI_BIN}" schedule --cron
expect_exit "schedule --cron" 0
expect_eq "the default line" "0 2 * * * ${bin} --config /etc/ifnbackup.conf -q backup # ifnbackup-schedule" \
    "${CLI_LAST_OUT}"
run "${CLI_BIN}" schedule
expect_exit "schedule without a mode prints the line" 0
expect_contains "schedule alone prints the same line" "0 2 * * * ${bin} " "${CLI_LAST_OUT}"

printf '%s\n' "[ifnbackup]" "backup-dir = ${CLI_WORK}/backups" >"${CLI_WORK}/ifn.conf"
run bash -c "cd '${CLI_WORK}' && '${CLI_BIN}' --config ifn.conf schedule --time 23:45"
expect_exit "schedule --time with a relative --config" 0
expect_eq "minute, hour and the absolute config path" \
    "45 23 * * * ${bin} --config ${CLI_WORK}/ifn.conf -q backup # ifnbackup-schedule" "${CLI_LAST_OUT}"
expect_eq "no warning when the config exists" "" "${CLI_LAST_ERR}"

# --- --drill: the weekly drill's line beside the backup's (opt-in)
run "${CLI_BIN}" schedule --cron --drill
expect_exit "schedule --cron --drill" 0
expect_eq "both lines: the backup's, then the Sunday 04:00 drill of latest" \
    "0 2 * * * ${bin} --config /etc/ifnbackup.conf -q backup # ifnbackup-schedule"$'\n'"0 4 * * 0 ${bin} --config /etc/ifnbackup.conf -q verify --all; ${bin} --config /etc/ifnbackup.conf -q drill latest # ifnbackup-schedule-drill" \
    "${CLI_LAST_OUT}"
run "${CLI_BIN}" schedule --drill --drill-day Sat --drill-time 5:30
expect_exit "schedule --drill --drill-day Sat --drill-time 5:30" 0
expect_contains "day and time of the drill" "30 5 * * 6 ${bin} --config /etc/ifnbackup.conf -q verify --all; ${bin} --config /etc/ifnbackup.conf -q drill latest # ifnbackup-schedule-drill" \
    "${CLI_LAST_OUT}"
run "${CLI_BIN}" schedule --drill --drill-day someday
expect_exit "schedule --drill-day someday" 2
expect_contains "the bad day is named" "invalid day 'someday'" "${CLI_LAST_ERR}"
expect_contains "with the days in the hint" "hint: give --drill-day as a day of the week: sun, mon" "${CLI_LAST_ERR}"

run "${CLI_BIN}" schedule --time 24:00
expect_exit "schedule --time 24:00" 2
expect_contains "the bad time is named" "invalid time '24:00'" "${CLI_LAST_ERR}"
run "${CLI_BIN}" schedule --install --uninstall
expect_exit "--install with --uninstall" 2

# --- --install / --uninstall on a real crontab
if [[ ${EUID} -ne 0 ]]; then
    cli_log "note: not root: the crontab tests need a throw-away user"
    ((CLI_PASSED > 0 && CLI_FAILED == 0)) && cli_skip "crontab --install/--uninstall need root (printed-line tests passed)"
    cli_finish
fi
if ! command -v crontab >/dev/null 2>&1; then
    cli_skip "crontab is missing; run scripts/install-deps (package cron)"
fi

user="ifnsched$$"
useradd --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "${user}" || fail "useradd ${user}"
cli_on_exit "crontab -r -u ${user}; userdel ${user}"
# The user must be able to run the binary: a copy in the 0755 work folder.
cp "${CLI_BIN}" "${CLI_WORK}/ifnbackup"
chmod 0755 "${CLI_WORK}/ifnbackup"
as_user() {
    setpriv --reuid="${user}" --regid="${user}" --init-groups env HOME=/nonexistent "$@"
}
ours="0 2 * * * ${CLI_WORK}/ifnbackup --config ${CLI_WORK}/ifn.conf -q backup # ifnbackup-schedule"
others=$'MAILTO=ops@example.org\n# nightly poll\n*/5 * * * * /usr/local/bin/poll'
printf '%s\n' "${others}" | crontab -u "${user}" -

run as_user "${CLI_WORK}/ifnbackup" --config "${CLI_WORK}/ifn.conf" schedule --install
expect_exit "schedule --install" 0
expect_contains "it says it installed the line" "installed in the crontab: ${ours}" "${CLI_LAST_OUT}"
expect_eq "the crontab: the operator's lines, then ours" "${others}"$'\n'"${ours}" "$(crontab -l -u "${user}")"

run as_user "${CLI_WORK}/ifnbackup" --config "${CLI_WORK}/ifn.conf" schedule --install
expect_exit "schedule --install again" 0
expect_contains "it says the line was already there" "already in the crontab" "${CLI_LAST_OUT}"
expect_eq "installing twice leaves one line of ours" 1 "$(crontab -l -u "${user}" | grep -c 'ifnbackup-schedule')"
expect_eq "and the other lines as they were" "${others}"$'\n'"${ours}" "$(crontab -l -u "${user}")"

run as_user "${CLI_WORK}/ifnbackup" --config "${CLI_WORK}/ifn.conf" -q schedule --install --time 04:30
expect_exit "schedule --install --time 04:30 -q" 0
expect_eq "-q: nothing printed" "" "${CLI_LAST_OUT}"
expect_eq "a new time replaces our line in place" \
    "${others}"$'\n'"30 4 * * * ${CLI_WORK}/ifnbackup --config ${CLI_WORK}/ifn.conf -q backup # ifnbackup-schedule" \
    "$(crontab -l -u "${user}")"

run as_user "${CLI_WORK}/ifnbackup" schedule --uninstall
expect_exit "schedule --uninstall" 0
expect_contains "it says it removed our line" "removed ifnbackup's line" "${CLI_LAST_OUT}"
expect_eq "uninstall removes only ours" "${others}" "$(crontab -l -u "${user}")"
run as_user "${CLI_WORK}/ifnbackup" schedule --uninstall
expect_exit "schedule --uninstall again" 0
expect_contains "nothing to remove the second time" "nothing to remove" "${CLI_LAST_OUT}"

# --drill: the drill's line is installed beside ours, replaced alone, and --uninstall removes both.
drill_line="0 4 * * 0 ${CLI_WORK}/ifnbackup --config ${CLI_WORK}/ifn.conf -q verify --all; ${CLI_WORK}/ifnbackup --config ${CLI_WORK}/ifn.conf -q drill latest # ifnbackup-schedule-drill"
run as_user "${CLI_WORK}/ifnbackup" --config "${CLI_WORK}/ifn.conf" schedule --install --drill
expect_exit "schedule --install --drill" 0
expect_contains "it says it installed the drill's line" "installed in the crontab: ${drill_line}" "${CLI_LAST_OUT}"
expect_eq "the crontab: the operator's lines, ours, the drill's" "${others}"$'\n'"${ours}"$'\n'"${drill_line}" \
    "$(crontab -l -u "${user}")"
run as_user "${CLI_WORK}/ifnbackup" --config "${CLI_WORK}/ifn.conf" schedule --install --drill
expect_contains "twice: already there" "already in the crontab: ${drill_line}" "${CLI_LAST_OUT}"
expect_eq "twice: one drill line" 1 "$(crontab -l -u "${user}" | grep -c 'ifnbackup-schedule-drill')"
run as_user "${CLI_WORK}/ifnbackup" --config "${CLI_WORK}/ifn.conf" schedule --install
expect_exit "schedule --install without --drill" 0
expect_eq "without --drill, the drill's line stays" 1 "$(crontab -l -u "${user}" | grep -c 'ifnbackup-schedule-drill')"
run as_user "${CLI_WORK}/ifnbackup" --config "${CLI_WORK}/ifn.conf" schedule --install --drill --drill-day wed
expect_eq "a new day replaces the drill's line in place" \
    "${others}"$'\n'"${ours}"$'\n'"0 4 * * 3 ${CLI_WORK}/ifnbackup --config ${CLI_WORK}/ifn.conf -q verify --all; ${CLI_WORK}/ifnbackup --config ${CLI_WORK}/ifn.conf -q drill latest # ifnbackup-schedule-drill" \
    "$(crontab -l -u "${user}")"
run as_user "${CLI_WORK}/ifnbackup" schedule --uninstall
expect_exit "schedule --uninstall with the drill's line" 0
expect_contains "it says both went" "removed ifnbackup's lines (backup and drill)" "${CLI_LAST_OUT}"
expect_eq "uninstall removes both, and only ours" "${others}" "$(crontab -l -u "${user}")"

# A user without any crontab: install creates it.
crontab -r -u "${user}"
run as_user "${CLI_WORK}/ifnbackup" --config "${CLI_WORK}/ifn.conf" schedule --install
expect_exit "schedule --install without a crontab" 0
expect_eq "the new crontab holds only our line" "${ours}" "$(crontab -l -u "${user}")"

# crontab missing from PATH: a clear error with a hint.
run as_user env PATH=/nonexistent "${CLI_WORK}/ifnbackup" schedule --install
expect_exit "schedule --install without a crontab command" 6
expect_contains "the hint names the cron package" "install the cron package" "${CLI_LAST_ERR}"

cli_finish
