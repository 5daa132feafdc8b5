#!/usr/bin/env bash
# The message catalogs (issue 14, docs/messages.md): every text the sources mark for translation has
# a French translation with the same {} placeholders (scripts/messages check), a broken translation is
# caught, and the build compiled the catalog beside the binary. The binary's French is tested where
# it is read: tests/cli/test_restore_screen.sh and test_procedure_fr.sh.
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cli_init
command -v xgettext >/dev/null 2>&1 || cli_skip "gettext is missing (scripts/install-deps installs it)"

run "${CLI_SOURCE_DIR}/scripts/messages" check
expect_eq "every marked text is translated, placeholders kept (scripts/messages check)" 0 "${CLI_LAST_EXIT}"
[[ ${CLI_LAST_EXIT} -eq 0 ]] || cli_log "${CLI_LAST_ERR}"

check "the French catalog is built beside the binary" test -s "$(dirname "${CLI_BIN}")/locale/fr/LC_MESSAGES/ifnbackup.mo"

# A catalog with a broken translation is caught: one placeholder too many.
broken="${CLI_WORK}/po"
mkdir -p "${broken}"
cp -r "${CLI_SOURCE_DIR}/scripts" "${CLI_SOURCE_DIR}/src" "${CLI_WORK}/"
sed 's/^msgstr "il y a {}"$/msgstr "il y a {} {}"/' "${CLI_SOURCE_DIR}/po/fr.po" > "${broken}/fr.po"
check "the test's broken catalog differs from the real one" bash -c "! cmp -s '${broken}/fr.po' '${CLI_SOURCE_DIR}/po/fr.po'"
run "${CLI_WORK}/scripts/messages" check
expect_eq "a translation with other placeholders is refused" 1 "${CLI_LAST_EXIT}"
expect_contains "... naming it" "il y a {} {}" "${CLI_LAST_OUT}${CLI_LAST_ERR}"

# An Error built from an unmarked text (English under any locale) is caught, naming its place.
cp "${CLI_SOURCE_DIR}/po/fr.po" "${broken}/fr.po"
mkdir -p "${CLI_WORK}/include"
printf 'void f() {\n  throw Error(ErrorCode::io,\n              fmt::format("cannot frob {}", 1));\n}\n' \
    >"${CLI_WORK}/src/core/unmarked_error.cpp"
run "${CLI_WORK}/scripts/messages" check
expect_eq "an Error(ErrorCode::io, fmt::format(...)) is refused" 1 "${CLI_LAST_EXIT}"
expect_contains "... naming its file and line" "src/core/unmarked_error.cpp:2: Error(ErrorCode::io" \
    "${CLI_LAST_OUT}${CLI_LAST_ERR}"

cli_finish
