#!/usr/bin/env bash
# The Debian package: cpack builds ifnbackup_<version>_amd64.deb from the build folder of IFNBACKUP_BIN,
# dpkg -i installs it on this system (root only; CI is root), then: /usr/bin/ifnbackup --version, the man page
# found by man -w and rendered, the bash completion, /etc/ifnbackup.conf mode 0600 and a conffile, the units
# pass systemd-analyze verify, the Depends come from shlibdeps; dpkg --purge removes it all.
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cli_init
if [[ ${EUID} -ne 0 ]]; then
    cli_skip "installing the package needs root"
fi
for tool in cpack dpkg dpkg-deb dpkg-shlibdeps; do
    command -v "${tool}" >/dev/null 2>&1 || cli_skip "${tool} is missing (packages cmake, dpkg-dev)"
done
# Never replace what an operator installed.
if dpkg-query -W -f='${Status}' ifnbackup 2>/dev/null | grep -q 'install ok installed'; then
    cli_skip "an ifnbackup package is already installed on this system"
fi
if [[ -e /etc/ifnbackup.conf || -e /usr/bin/ifnbackup ]]; then
    cli_skip "/etc/ifnbackup.conf or /usr/bin/ifnbackup exists: not overwriting them"
fi

build_dir=$(dirname "$(readlink -f "${CLI_BIN}")")
[[ -f "${build_dir}/CPackConfig.cmake" ]] || fail "no CPackConfig.cmake next to ${CLI_BIN}"
version=$("${CLI_BIN}" --version)
run cpack --config "${build_dir}/CPackConfig.cmake" -G DEB -B "${CLI_WORK}/pkg"
expect_exit "cpack -G DEB" 0
deb="${CLI_WORK}/pkg/ifnbackup_${version}_amd64.deb"
check "the package is ifnbackup_${version}_amd64.deb" test -f "${deb}"

depends=$(dpkg-deb -f "${deb}" Depends)
for library in libmariadb3 zlib1g libfmt9 libspdlog; do
    expect_contains "Depends names ${library}" "${library}" "${depends}"
done
expect_contains "/etc/ifnbackup.conf is a conffile" "/etc/ifnbackup.conf" "$(dpkg-deb -I "${deb}" conffiles)"

cli_on_exit "dpkg --purge ifnbackup"
run dpkg -i "${deb}"
expect_exit "dpkg -i" 0
run /usr/bin/ifnbackup --version
expect_exit "/usr/bin/ifnbackup --version" 0
expect_eq "the installed version" "${version}" "${CLI_LAST_OUT}"
expect_eq "/etc/ifnbackup.conf is mode 600, root's" "600 root" "$(stat -c '%a %U' /etc/ifnbackup.conf)"
expect_eq "the default backup folder is 700" "700" "$(stat -c %a /var/backups/ifnbackup)"
# The example config is all comments: the installed binary reads it without complaint.
run /usr/bin/ifnbackup schedule --cron
expect_exit "the installed config is accepted" 0
expect_eq "schedule prints the packaged paths" \
    "0 2 * * * /usr/bin/ifnbackup --config /etc/ifnbackup.conf -q backup # ifnbackup-schedule" "${CLI_LAST_OUT}"

man_file=/usr/share/man/man1/ifnbackup.1
check "the man page is installed" test -f "${man_file}"
if command -v man >/dev/null 2>&1; then
    expect_eq "man -w finds it" "${man_file}" "$(man -w ifnbackup 2>/dev/null)"
    rendered=$(MANWIDTH=100 man -l "${man_file}" 2>&1)
    expect_contains "it renders: NAME" "ifnbackup - consistent, verified logical backups" "${rendered}"
    expect_contains "it renders: the doctor command" "Check modes, backup location" "${rendered}"
    expect_contains "it renders: the exit codes" "restore_rolled_back" "${rendered}"
else
    check "the man page starts with .TH" grep -q '^\.TH IFNBACKUP 1' "${man_file}"
fi

completion=/usr/share/bash-completion/completions/ifnbackup
check "the bash completion is installed" test -f "${completion}"
words=$(bash -c "source '${completion}'; COMP_WORDS=(ifnbackup sch); COMP_CWORD=1; _ifnbackup; echo \"\${COMPREPLY[*]}\"")
expect_eq "it completes the command names" "schedule" "${words}"
words=$(bash -c "source '${completion}'; COMP_WORDS=(ifnbackup doctor --backup-d); COMP_CWORD=2; _ifnbackup; echo \"\${COMPREPLY[*]}\"")
expect_eq "it completes the options" "--backup-dir" "${words}"

units=(ifnbackup.service ifnbackup.timer ifnbackup-drill.service ifnbackup-drill.timer ifnbackup-binlog.service)
for unit in "${units[@]}"; do
    check "${unit} is installed" test -f "/lib/systemd/system/${unit}"
done
if command -v systemd-analyze >/dev/null 2>&1; then
    run systemd-analyze verify "${units[@]/#//lib/systemd/system/}"
    expect_exit "systemd-analyze verify of the units" 0
fi
expect_contains "the timer fires at 02:00" "OnCalendar=*-*-* 02:00" "$(cat /lib/systemd/system/ifnbackup.timer)"
expect_contains "the drill's timer fires on Sundays at 04:00" "OnCalendar=Sun *-*-* 04:00" \
    "$(cat /lib/systemd/system/ifnbackup-drill.timer)"
expect_contains "the binary log archiver's service follows" "-q binlog archive --follow" \
    "$(cat /lib/systemd/system/ifnbackup-binlog.service)"
expect_contains "the drill's service drills latest" "-q drill latest" "$(cat /lib/systemd/system/ifnbackup-drill.service)"

run dpkg --purge ifnbackup
expect_exit "dpkg --purge" 0
check "the binary is gone" test ! -e /usr/bin/ifnbackup
check "the config is gone" test ! -e /etc/ifnbackup.conf
check "the man page is gone" test ! -e "${man_file}"

cli_finish
