#!/usr/bin/env bash
# scripts/bench at a CI-sized scale (--scale 0.002 --runs 1): correctness only, never a timing.
# 1. Every tool's round trip matches the source (CHECKSUM TABLE of all tables, views/routines/triggers/events),
#    the table has all its rows with numbers in them, the script exits 0. A peer that cannot be installed
#    (pigz, mydumper) is left out with a note and the rest still runs; the ifnbackup rows must be there.
# 2. The foreign-key dataset (--dataset fk, issue 13): every round trip matches, the big table's foreign
#    keys and the indexes backing them are added after its rows, the restore's phases are reported.
# 2b. The many-tables datasets (--dataset many, medium; issue 20): every round trip matches.
# 2c. --works backup measures the backups alone.
# 3. A restore that alters one row is caught: a `gunzip` that appends an UPDATE to what it decompresses
#    makes the stock-client round trips MISMATCH and the script exit 1, while ifnbackup's own restore
#    (which does not use gunzip) still matches.
# 4. scripts/bench-pitr (issue 16's measurements) runs through a short write load: its table has every
#    measure, the archiver exits 0 on SIGTERM, every row written up to the target is restored.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cli_init

if ! command -v mariadbd >/dev/null 2>&1; then
    cli_skip "mariadbd is not installed; run scripts/install-deps"
fi
bench="${CLI_SOURCE_DIR}/scripts/bench"
export IFNBACKUP_BIN="${CLI_BIN}"
export TMPDIR="${CLI_WORK}"

# table_row TEXT LABEL: the Markdown row of the summary table for LABEL (the second cell), or "".
table_row() {
    printf '%s\n' "$1" | LABEL=$2 awk -F' \\| ' '$2 == ENVIRON["LABEL"] { print; exit }'
}

# round_trip_row TEXT LABEL: the row of the round-trip table for LABEL (its first cell), or "".
round_trip_row() {
    printf '%s\n' "$1" | sed -n '/^#### Round trips/,$p' | LABEL="| $2" awk -F' \\| ' '$1 == ENVIRON["LABEL"] { print; exit }'
}

# expect_measured WHAT ROW: a row whose wall, ratio, CPU and RSS cells hold numbers.
expect_measured() {
    local what=$1 row=$2
    if [[ "${row}" =~ ^\|\ [a-z]+\ \|\ .+\ \|\ [0-9]+\.[0-9]{2}\ \|\ [0-9]+\.[0-9]{2}\ \|\ [0-9]+\.[0-9]\ \|\ [0-9]+\.[0-9]\ \|\ [0-9]+\ \|.*\|\ 1\ \|$ ]]; then
        pass "${what}"
    else
        fail "${what}" "row: '${row}'"
    fi
}

# 1. the full smoke run.
run "${bench}" --scale 0.002 --runs 1
expect_exit "bench --scale 0.002 --runs 1" 0
out=${CLI_LAST_OUT}
expect_contains "it says every round trip matched" "All round trips match the source." "${out}"
expect_contains "the header names the scale and the run count" "scale 0.002, 1 run(s)" "${out}"
expect_contains "the dataset is the 8 tables" "8 tables," "${out}"

labels=("mariadb-dump \\| gzip -6" "ifnbackup backup" "gunzip -c (mariadb-dump file) \\| mariadb"
    "ifnbackup restore" "ifnbackup restore --no-binlog" "gunzip -c (ifnbackup file) \\| mariadb" "gzip -t (ifnbackup file)" "ifnbackup verify"
    "gunzip -c (mariadb-dump file) \\| sed payouts \\| mariadb" "ifnbackup restore --tables payouts"
    "ifnbackup restore --tables payouts, in place (with its safety snapshot)")
restores=("gunzip -c (mariadb-dump file) \\| mariadb" "ifnbackup restore" "ifnbackup restore --no-binlog"
    "gunzip -c (ifnbackup file) \\| mariadb")
if command -v pigz >/dev/null 2>&1; then
    labels+=("mariadb-dump \\| pigz -p 2")
else
    expect_contains "pigz missing: the table says it was left out" "pigz left out" "${out}"
    cli_log "note: pigz is not installed here; its row is not checked"
fi
if command -v mydumper >/dev/null 2>&1 && command -v myloader >/dev/null 2>&1; then
    labels+=("mydumper -t 2 -c" "myloader -t 2")
    restores+=("myloader -t 2")
else
    expect_contains "mydumper missing: the table says it was left out" "mydumper/myloader left out" "${out}"
    cli_log "note: mydumper is not installed here; its rows are not checked"
fi
for label in "${labels[@]}"; do
    expect_measured "table row '${label}' has its numbers" "$(table_row "${out}" "${label}")"
done
expect_eq "the backup baseline row has ratio 1.00" "1.00" \
    "$(table_row "${out}" "mariadb-dump \\| gzip -6" | awk -F' \\| ' '{ print $4 }')"
ifn_size=$(table_row "${out}" "ifnbackup backup" | awk -F' \\| ' '{ print $8 }')
check "the ifnbackup backup row has an output size (${ifn_size} MiB)" awk -v s="${ifn_size}" 'BEGIN { exit !(s > 0) }'

for label in "${restores[@]}"; do
    row=$(round_trip_row "${out}" "${label}")
    expect_eq "round trip of '${label}': all 8 tables match" "8/8" "$(awk -F' \\| ' '{ print $3 }' <<<"${row}")"
    expect_eq "round trip of '${label}': views, routines, triggers, event carried over" \
        "1 views, 2 routines, 1 triggers, 1 events" "$(awk -F' \\| ' '{ print $4 }' <<<"${row}")"
    expect_contains "round trip of '${label}': result" "| match |" "${row}"
done
for label in "gunzip -c (mariadb-dump file) \\| sed payouts \\| mariadb" "ifnbackup restore --tables payouts" \
    "ifnbackup restore --tables payouts, in place (with its safety snapshot)"; do
    row=$(round_trip_row "${out}" "${label}")
    expect_eq "round trip of '${label}': the one table matches" "1/1" "$(awk -F' \\| ' '{ print $3 }' <<<"${row}")"
    expect_contains "round trip of '${label}': result" "| match |" "${row}"
done
expect_not_contains "no MISMATCH anywhere" "MISMATCH" "${out}"
expect_eq "the work folder is removed" "" "$(find "${CLI_WORK}" -maxdepth 1 -name 'ifnbench.*')"
expect_eq "no test server is left running" "" "$(pgrep -f -- "--datadir=${CLI_WORK}/ifnbench" || true)"

# 2. the foreign-key dataset (issue 13): the big table's two foreign keys and their indexes come back
# through every restore, ifnbackup's file adds them after the rows, and the restore logs its phases.
run "${bench}" --scale 0.002 --runs 1 --dataset fk --tools ifnbackup,mariadb-dump --keep
expect_exit "bench --dataset fk" 0
out=${CLI_LAST_OUT}
expect_contains "the header names the dataset" "scale 0.002, 1 run(s), dataset fk" "${out}"
expect_contains "it says every round trip matched" "All round trips match the source." "${out}"
for label in "${restores[@]}"; do
    [[ "${label}" == myloader* ]] && continue
    row=$(round_trip_row "${out}" "${label}")
    expect_eq "fk dataset, round trip of '${label}': all 8 tables match" "8/8" "$(awk -F' \\| ' '{ print $3 }' <<<"${row}")"
done
expect_contains "the restore's phases are reported" "| ifnbackup restore | 1 | " \
    "$(printf '%s\n' "${out}" | sed -n '/^#### Where ifnbackup restore/,/^#### Round trips/p')"
kept=$(sed -n 's/.*work folder kept: //p' <<<"${CLI_LAST_ERR}" | tail -n 1)
fk_file=$(ls "${kept}"/run/ifn/ifn_connect_backup_*.sql.gz 2>/dev/null | head -n 1)
create=$(gunzip -c "${fk_file}" | sed -n '/^CREATE TABLE `transactions`/,/^) ENGINE/p')
expect_contains "the file holds transactions's CREATE TABLE" "PRIMARY KEY (\`id\`)" "${create}"
expect_not_contains "transactions is created without its foreign keys" "FOREIGN KEY" "${create}"
expect_not_contains "nor the indexes backing them" "KEY \`ix_product\`" "${create}"
expect_contains "they come back in one ALTER TABLE after its rows" \
    "ADD CONSTRAINT \`fk_transactions_product\` FOREIGN KEY (\`product_id\`) REFERENCES \`products\` (\`id\`)" \
    "$(gunzip -c "${fk_file}" | sed -n '/^ALTER TABLE `transactions`/,/;$/p')"
[[ -n "${kept}" && "${kept}" == "${CLI_WORK}"/ifnbench.* ]] && rm -rf -- "${kept}"

# 2b. the many-tables datasets (issue 20): 20 and 10 tables at this scale, every round trip matches
# (CHECKSUM TABLE of each), the one-table rows use t0001, and the restore logs the small tables it
# loaded whole.
for dataset in many medium; do
    run "${bench}" --scale 0.002 --runs 1 --dataset "${dataset}" --tools ifnbackup,mariadb-dump
    expect_exit "bench --dataset ${dataset}" 0
    out=${CLI_LAST_OUT}
    expect_contains "${dataset}: the header names the dataset" "scale 0.002, 1 run(s), dataset ${dataset}" "${out}"
    expect_contains "${dataset}: it says every round trip matched" "All round trips match the source." "${out}"
    tables=$([[ ${dataset} == many ]] && echo 21 || echo 11)  # with accounts
    expect_eq "${dataset}: the ifnbackup restore matches on all ${tables} tables" "${tables}/${tables}" \
        "$(round_trip_row "${out}" "ifnbackup restore" | awk -F' \\| ' '{ print $3 }')"
    expect_contains "${dataset}: one table restored alone" "ifnbackup restore --tables t0001" "${out}"
done

# 2c. --works backup: the backups alone (issue 13's backup goal measured in minutes), no restore, no
# round trip claimed; an unknown work is a usage error.
run "${bench}" --scale 0.002 --runs 1 --works backup --tools ifnbackup,mariadb-dump
expect_exit "bench --works backup" 0
out=${CLI_LAST_OUT}
expect_contains "--works backup: ifnbackup's backup row" "| backup | ifnbackup backup |" "${out}"
expect_contains "--works backup: the baseline's" "| backup | mariadb-dump \| gzip -6 |" "${out}"
expect_not_contains "--works backup: no restore row" "| restore |" "${out}"
expect_not_contains "--works backup: no verify row" "| verify |" "${out}"
expect_contains "--works backup: says no restore was measured" "No restore was measured (--works backup)." "${out}"
expect_not_contains "--works backup: claims no round trip" "All round trips match" "${out}"
run "${bench}" --scale 0.002 --runs 1 --works backup,nothing
expect_exit "bench --works with an unknown work" 1

# 3. a tampered restore is caught.
mkdir -p "${CLI_WORK}/fakebin"
real_gunzip=$(command -v gunzip)
cat >"${CLI_WORK}/fakebin/gunzip" <<SH
#!/bin/sh
"${real_gunzip}" "\$@" || exit \$?
echo "UPDATE operators SET fee_rate = fee_rate + 0.0001 WHERE id = 3;"
SH
chmod +x "${CLI_WORK}/fakebin/gunzip"
PATH="${CLI_WORK}/fakebin:${PATH}" run "${bench}" --scale 0.002 --runs 1 --tools ifnbackup,mariadb-dump
expect_exit "bench with a gunzip that alters a row" 1
out=${CLI_LAST_OUT}
for label in "gunzip -c (mariadb-dump file) \\| mariadb" "gunzip -c (ifnbackup file) \\| mariadb"; do
    row=$(round_trip_row "${out}" "${label}")
    expect_eq "altered '${label}': 7 of 8 tables match" "7/8" "$(awk -F' \\| ' '{ print $3 }' <<<"${row}")"
    expect_contains "altered '${label}': MISMATCH" "| MISMATCH |" "${row}"
done
expect_contains "ifnbackup restore, untouched by gunzip, still matches" "| match |" \
    "$(round_trip_row "${out}" "ifnbackup restore")"
expect_contains "the failure is summarised" "FAILED: 2 failed measurement(s) or round trip(s)" "${out}"
expect_contains "stderr names the differing table" "operators" "${CLI_LAST_ERR}"
expect_not_contains "peers not asked for are not in the table" "mydumper -t 2" "${out}"


# 4. scripts/bench-pitr: a short write load archived with --follow and replayed by restore --until; it
# asserts nothing of its numbers, only that it runs through and every row written comes back.
run "${CLI_SOURCE_DIR}/scripts/bench-pitr" --seconds 12 --rate 20 --build "$(dirname "${CLI_BIN}")"
expect_exit "bench-pitr" 0
out=${CLI_LAST_OUT}
for measure in "recovery point max / mean / p95" "archiver CPU over" "archiver VmHWM" "replay speed"; do
    expect_contains "bench-pitr reports: ${measure}" "| ${measure}" "${out}"
done
expect_contains "the archiver stopped cleanly on SIGTERM" "| archiver on SIGTERM | exit 0 |" "${out}"
restored=$(grep -F "| rows restored / written up to the target second |" <<<"${out}" | grep -oE '[0-9]+ / [0-9]+')
expect_eq "every row written up to the target came back" "$(cut -d' ' -f3 <<<"${restored}")" "$(cut -d' ' -f1 <<<"${restored}")"
check "more than the 10,000 rows of the backup came back (the replay ran)" test "$(cut -d' ' -f1 <<<"${restored}")" -gt 10000
run "${CLI_SOURCE_DIR}/scripts/bench-pitr" --seconds 5
expect_exit "bench-pitr refuses a run too short to measure" 2

cli_finish
