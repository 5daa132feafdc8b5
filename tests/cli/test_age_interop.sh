#!/usr/bin/env bash
# Our age format against Debian's `age` CLI, both ways (issue 15): what we encrypt, `age -d -i
# key.txt` gives back byte for byte (empty, 1 byte, 64 KiB, 64 KiB + 1, 128 KiB, 5 MB of random
# data, several recipients); what `age -e` encrypts we decrypt; `age-keygen` keys are ours and
# ours are age's. Faults: a wrong identity exits 23; a changed header or payload byte, a cut file,
# bytes appended or chunks swapped exit 10 or 11 and release no unauthenticated byte — and `age -d`
# refuses the same files. The commands run through tests/tools/age_tool.cpp, a thin command over
# ifnbackup/age.hpp (the ifnbackup CLI has no age subcommand yet).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cli_init

TOOL=${IFNBACKUP_AGE_TOOL:-}
[[ -n "${TOOL}" && -x "${TOOL}" ]] || cli_skip "IFNBACKUP_AGE_TOOL is not built (run through ctest)"
command -v age >/dev/null 2>&1 && command -v age-keygen >/dev/null 2>&1 \
    || cli_skip "the age CLI is not installed; run scripts/install-deps"

W=${CLI_WORK}
chunk=65536
sealed=$((chunk + 16))

age-keygen -o "${W}/key.txt" 2>/dev/null
recipient=$(age-keygen -y "${W}/key.txt")
check "age-keygen wrote an identity file of mode 0600" test "$(stat -c %a "${W}/key.txt")" = 600

# The plaintexts: every chunk boundary, and a file of several MB.
: >"${W}/p0"
printf 'x' >"${W}/p1"
head -c "${chunk}" /dev/urandom >"${W}/p64k"
head -c $((chunk + 1)) /dev/urandom >"${W}/p64k1"
head -c $((2 * chunk)) /dev/urandom >"${W}/p128k"
head -c $((5 * 1000 * 1000)) /dev/urandom >"${W}/p5m"

# run_to OUT COMMAND...: as `run`, stdout to the file OUT (binary) instead of CLI_LAST_OUT.
run_to() {
    local out=$1
    shift
    CLI_LAST_EXIT=0
    "$@" >"${out}" 2>"${W}/.err" || CLI_LAST_EXIT=$?
    CLI_LAST_OUT=""
    CLI_LAST_ERR=$(<"${W}/.err")
}

for p in p0 p1 p64k p64k1 p128k p5m; do
    run_to "${W}/${p}.age" "${TOOL}" encrypt -r "${recipient}" <"${W}/${p}"
    expect_exit "ours encrypts ${p}" 0
    age -d -i "${W}/key.txt" "${W}/${p}.age" >"${W}/${p}.age-out" 2>"${W}/age.err"  # -o makes no file for an empty output
    check "age -d gives back ${p} byte for byte" cmp -s "${W}/${p}" "${W}/${p}.age-out"
    age -e -r "${recipient}" -o "${W}/${p}.by-age" "${W}/${p}"
    "${TOOL}" decrypt -i "${W}/key.txt" <"${W}/${p}.by-age" >"${W}/${p}.ours-out" 2>"${W}/ours.err"
    check "ours decrypts age -e's ${p} byte for byte" cmp -s "${W}/${p}" "${W}/${p}.ours-out"
done

# Several recipients, from -r and from a recipients file (comments, blank lines): each key decrypts.
for n in 2 3; do
    age-keygen -o "${W}/key${n}.txt" 2>/dev/null
done
printf '# the team\n\n%s\n' "$(age-keygen -y "${W}/key3.txt")" >"${W}/recipients.txt"
"${TOOL}" encrypt -r "${recipient}" -r "$(age-keygen -y "${W}/key2.txt")" -R "${W}/recipients.txt" \
    <"${W}/p128k" >"${W}/multi.age"
for key in key.txt key2.txt key3.txt; do
    age -d -i "${W}/${key}" -o "${W}/multi.out" "${W}/multi.age" 2>/dev/null
    check "age -d with ${key} decrypts a file made for three recipients" cmp -s "${W}/p128k" "${W}/multi.out"
done
expect_eq "three X25519 stanzas in its header" 3 "$(head -c 2000 "${W}/multi.age" | grep -ac '^-> X25519 ')"

# Our keys are age's: age encrypts to our recipient and decrypts with our identity file.
"${TOOL}" keygen >"${W}/our-key.txt"
chmod 600 "${W}/our-key.txt"
our_recipient=$(age-keygen -y "${W}/our-key.txt")
expect_eq "age-keygen -y reads our identity and gives our recipient" \
    "$(sed -n 's/^# public key: //p' "${W}/our-key.txt")" "${our_recipient}"
age -e -r "${our_recipient}" -o "${W}/to-ours.age" "${W}/p64k1"
"${TOOL}" decrypt -i "${W}/our-key.txt" <"${W}/to-ours.age" >"${W}/to-ours.out"
check "ours decrypts with our own key what age encrypted to it" cmp -s "${W}/p64k1" "${W}/to-ours.out"
"${TOOL}" encrypt -r "${our_recipient}" <"${W}/p64k1" >"${W}/from-ours.age"
age -d -i "${W}/our-key.txt" -o "${W}/from-ours.out" "${W}/from-ours.age"
check "age -d decrypts with our identity file" cmp -s "${W}/p64k1" "${W}/from-ours.out"

# A wrong identity: exit 23, a clear message, nothing written.
run_to "${W}/wrong.out" "${TOOL}" decrypt -i "${W}/key2.txt" <"${W}/p5m.age"
expect_exit "a wrong identity" 23
expect_contains "the message says no identity matches" "none of the 1 identities" "${CLI_LAST_ERR}"
expect_contains "with a hint" "hint: " "${CLI_LAST_ERR}"
expect_eq "nothing is written with a wrong identity" 0 "$(stat -c %s "${W}/wrong.out")"

# An identity file others may read: refused (exit 3).
cp "${W}/key.txt" "${W}/loose.txt"
chmod 644 "${W}/loose.txt"
run_to "${W}/loose.out" "${TOOL}" decrypt -i "${W}/loose.txt" <"${W}/p1.age"
expect_exit "an identity file readable by others" 3
expect_contains "the hint says chmod 600" "chmod 600" "${CLI_LAST_ERR}"

# The faults, on the 5 MB file (77 chunks). Each: our exit, the plaintext released is a prefix of
# whole authenticated chunks, and age -d refuses the file too.
header_bytes=$(($(grep -abm1 '^---' "${W}/p5m.age" | cut -d: -f1) + 48))  # through the MAC line
payload=$((header_bytes + 16))
fault() {
    local what=$1 file=$2 codes=$3 out="${W}/fault.out" size
    run_to "${out}" "${TOOL}" decrypt -i "${W}/key.txt" <"${file}"
    if [[ " ${codes} " == *" ${CLI_LAST_EXIT} "* ]]; then
        pass "${what}: exit ${CLI_LAST_EXIT}"
    else
        fail "${what}: exit in (${codes})" "actual: ${CLI_LAST_EXIT}" "stderr: ${CLI_LAST_ERR}"
    fi
    expect_contains "${what}: an error line" "error: " "${CLI_LAST_ERR}"
    size=$(stat -c %s "${out}")
    check "${what}: only whole chunks released (${size} bytes)" test $((size % chunk)) -eq 0
    check "${what}: what was released is the start of the plaintext" cmp -s -n "${size}" "${out}" "${W}/p5m"
    check "${what}: age -d refuses it too" bash -c "! age -d -i '${W}/key.txt' -o /dev/null '${file}' 2>/dev/null"
}
flip() {  # flip FILE OFFSET OUT: OUT is FILE with the byte at OFFSET changed
    cp "$1" "$3"
    flip_byte "$3" "$2"
}
flip "${W}/p5m.age" 30 "${W}/f-header.age"
fault "a changed byte in the header's stanza" "${W}/f-header.age" "10 23"
flip "${W}/p5m.age" $((header_bytes - 10)) "${W}/f-mac.age"
fault "a changed byte in the header's MAC" "${W}/f-mac.age" "10"
flip "${W}/p5m.age" $((payload + 10 * sealed + 100)) "${W}/f-payload.age"
fault "a changed byte in chunk 10" "${W}/f-payload.age" "10"
check "chunk 10 changed: chunks 0-9 were released, no more" \
    test "$(stat -c %s "${W}/fault.out")" -eq $((10 * chunk))
head -c $(($(stat -c %s "${W}/p5m.age") - 1000)) "${W}/p5m.age" >"${W}/f-cut.age"
fault "a file cut short" "${W}/f-cut.age" "10 11"
head -c $((payload + 20 * sealed)) "${W}/p5m.age" >"${W}/f-cut-boundary.age"
fault "a file cut between two chunks" "${W}/f-cut-boundary.age" "11"
head -c 100 "${W}/p5m.age" >"${W}/f-cut-header.age"
fault "a file cut in its header" "${W}/f-cut-header.age" "11"
{ cat "${W}/p5m.age"; printf 'appended'; } >"${W}/f-appended.age"
fault "bytes appended" "${W}/f-appended.age" "10"
{
    head -c "${payload}" "${W}/p5m.age"
    tail -c +$((payload + sealed + 1)) "${W}/p5m.age" | head -c "${sealed}"
    tail -c +$((payload + 1)) "${W}/p5m.age" | head -c "${sealed}"
    tail -c +$((payload + 2 * sealed + 1)) "${W}/p5m.age"
} >"${W}/f-swapped.age"
check "the swapped file has the original's size" test "$(stat -c %s "${W}/f-swapped.age")" -eq "$(stat -c %s "${W}/p5m.age")"
fault "chunks 0 and 1 swapped" "${W}/f-swapped.age" "10"
check "chunks swapped: nothing released" test "$(stat -c %s "${W}/fault.out")" -eq 0

cli_finish
