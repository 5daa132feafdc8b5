#!/usr/bin/env bash
# Point-in-time recovery end to end on a private server (its binary log is ours alone: FLUSH and PURGE
# BINARY LOGS would disturb the shared server's other suites): binlog archive catches up and exits,
# its archive is the server's files byte for byte (whole files and closed chunks), a second archiver
# is refused (5), --follow survives FLUSH BINARY LOGS and ends cleanly on SIGTERM (0), an archiver
# killed mid-file resumes with no duplicate and no gap, a purge of a file not yet archived is refused
# (24, naming the files) and --accept-gap records the gap; restore --until T-1s brings back every row
# written before a wrong DELETE at T and not the DELETE nor what followed, and reports its span; a
# transaction that spans the target is replayed whole or not at all; a target before the oldest
# backup or after the newest archived event is refused (15) before anything is touched.
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cli_init
cli_start_own_server pitr
db=shop
dir="${CLI_WORK}/backups"
archive="${dir}/binlog"
logs="${IFNBACKUP_TEST_DIR}"

# Every archived file, decompressed, equals the server's file (whole) or its beginning (chunks).
archive_matches_server() {
    local log ok=0 archived
    for log in $(cd "${logs}" && ls binlog.[0-9]*); do
        if [[ -f "${archive}/${log}.gz" ]]; then
            cmp -s <(zcat "${archive}/${log}.gz") "${logs}/${log}" || { echo "${log}.gz differs"; ok=1; }
        elif compgen -G "${archive}/${log}.from-*.gz" >/dev/null; then
            # The file being written: the server clears the in-use flag of its header event in what
            # it sends (and its checksum with it); everything after that header is the same bytes.
            archived=$(cat "${archive}/${log}".from-*.gz | zcat | wc -c)
            header_end=$((4 + $(od -An -tu4 -j13 -N4 "${logs}/${log}")))
            cmp -s <(cat "${archive}/${log}".from-*.gz | zcat | tail -c +$((header_end + 1))) \
                <(head -c "${archived}" "${logs}/${log}" | tail -c +$((header_end + 1))) \
                || { echo "chunks of ${log} differ"; ok=1; }
        fi
    done
    return "${ok}"
}
# Waits until the archive's newest chunk or file is newer than the given file (at most 20 s).
wait_archived() {
    local marker=$1 i
    for i in $(seq 1 100); do
        if [[ -n "$(find "${archive}" -name '*.gz' -newer "${marker}" 2>/dev/null)" ]]; then
            return 0
        fi
        sleep 0.2
    done
    return 1
}
# The second after every write so far: sleep past it, then read it from the server.
next_second_target() {
    sleep 1.2
    sql -e "SELECT NOW() - INTERVAL 1 SECOND"
}

sql -e "CREATE DATABASE ${db}; CREATE TABLE ${db}.orders (id INT PRIMARY KEY, amount DECIMAL(10,2), note VARCHAR(40))"
sql "${db}" -e "INSERT INTO orders SELECT seq, seq * 1.5, CONCAT('before backup ', seq) FROM seq_1_to_50"
# Another database's writes are in the same log: they must never be replayed into this one.
sql -e "CREATE DATABASE other; CREATE TABLE other.t (i INT PRIMARY KEY); INSERT INTO other.t VALUES (1)"

run ifn binlog archive
expect_exit "first archive of an empty folder" 0
expect_contains "it says where the archive ends" "binlog.000001:" "${CLI_LAST_OUT}${CLI_LAST_ERR}"
check "the archive folder is 0700" test "$(stat -c %a "${archive}")" = 700
check "archived files are 0600" test "$(find "${archive}" -name '*.gz' ! -perm 600 | wc -l)" = 0
check "the archive equals the server's log" archive_matches_server

run ifn backup --no-schema-check
expect_exit "backup" 0
sleep 1.1
sql "${db}" -e "INSERT INTO orders SELECT seq, seq * 1.5, CONCAT('after backup ', seq) FROM seq_51_to_100"
sql "${db}" -e "UPDATE orders SET note = 'updated after backup' WHERE id = 7"
# Statement-based writes too (the server's MIXED default logs these as statements).
sql "${db}" -e "SET SESSION binlog_format = STATEMENT; INSERT INTO orders VALUES (101, 1, 'statement format')"
sql -e "INSERT INTO other.t VALUES (2)"
# A statement-format write from no default database: mariadb-binlog --database does not replay it,
# and the plan says so (docs/pitr.md, "What is replayed").
sql -e "SET SESSION binlog_format = STATEMENT; INSERT INTO ${db}.orders VALUES (102, 1, 'no default database')"
target=$(next_second_target)
sql "${db}" -e "DELETE FROM orders WHERE id <= 60"
sleep 1.1
sql "${db}" -e "INSERT INTO orders VALUES (500, 5, 'after the delete')"

# A transaction that spans a second target: it starts before and commits after.
sleep 1.1
sql "${db}" -e "INSERT INTO orders VALUES (600, 6, 'committed before the long one')"
mid_target=$(next_second_target)
sleep 0.5
sql "${db}" -e "BEGIN; INSERT INTO orders VALUES (700, 7, 'long transaction 1'); DO SLEEP(2.2); INSERT INTO orders VALUES (701, 7, 'long transaction 2'); COMMIT"
after_long=$(next_second_target)
# A later event: the archive must reach past a target to restore to it.
sleep 1.1
sql -e "INSERT INTO other.t VALUES (3)"

run ifn binlog archive --chunk-seconds 1
expect_exit "archive catches up" 0
check "the archive still equals the server's log" archive_matches_server

other_before=$(sql -e 'SELECT COUNT(*) FROM other.t')
run ifn restore --until "${target}" --yes
expect_exit "restore --until the second before the DELETE" 0
expect_eq "every row written before the DELETE is back" "101" "$(count '')"
expect_eq "the update before it is there" "updated after backup" "$(sql "${db}" -e 'SELECT note FROM orders WHERE id = 7')"
expect_eq "the statement-format insert is there" "1" "$(count 'WHERE id = 101')"
expect_eq "nothing written after the target" "0" "$(count 'WHERE id >= 500')"
expect_contains "the plan names the backup" "ifn_connect_backup_" "${CLI_LAST_OUT}${CLI_LAST_ERR}"
expect_contains "the plan shows the span from the backup's position" "binlog.000001:" "${CLI_LAST_OUT}${CLI_LAST_ERR}"
expect_contains "the end reports the replay" "Binary log replayed" "${CLI_LAST_OUT}${CLI_LAST_ERR}"
expect_contains "the plan warns of the statement it does not replay" "NOT replayed" "${CLI_LAST_OUT}${CLI_LAST_ERR}"
expect_eq "that statement is indeed not replayed" "0" "$(count 'WHERE id = 102')"
expect_eq "the other database was not touched by the replay" "${other_before}" "$(sql -e 'SELECT COUNT(*) FROM other.t')"

run ifn restore --until "${mid_target}" --yes
expect_exit "restore --until inside a long transaction" 0
expect_eq "the transaction committed before is there" "1" "$(count 'WHERE id = 600')"
expect_eq "the long transaction, committed after the target, is not (not even half)" "0" \
    "$(count 'WHERE id IN (700, 701)')"
run ifn restore --until "${after_long}" --yes
expect_exit "restore --until after the long transaction" 0
expect_eq "the long transaction is there whole" "2" "$(count 'WHERE id IN (700, 701)')"
expect_eq "and the DELETE too, which came before it" "0" "$(count 'WHERE id <= 60')"

before=$(sql "${db}" -e "CHECKSUM TABLE orders" | cut -f2)
run ifn restore --until "2000-01-01 00:00:00" --yes
expect_exit "a target before the oldest backup" 15
expect_contains "it says no backup was started before it" "no good backup" "${CLI_LAST_OUT}${CLI_LAST_ERR}"
run ifn restore --until "2037-12-31 00:00:00" --yes
expect_exit "a target after the newest archived event" 15
expect_contains "it names the archive's newest event" "newest event" "${CLI_LAST_OUT}${CLI_LAST_ERR}"
run ifn restore --until "yesterday" --yes
expect_exit "a target that is not a time" 2
expect_eq "the refusals touched nothing" "${before}" "$(sql "${db}" -e "CHECKSUM TABLE orders" | cut -f2)"

# An idle server: a target after the newest archived event, which the archiver's in-step mark covers
# (it touched the mark at the end of a run that found nothing more), is restored to; one the mark does
# not cover is refused, naming what is not known.
sleep 2.2
idle_target=$(sql -e "SELECT NOW() - INTERVAL 1 SECOND")
run ifn binlog archive
expect_exit "the archive is in step again" 0
run ifn restore --until "${idle_target}" --yes
expect_exit "restore --until after the newest event, the archive in step past it" 0
expect_contains "the plan says the archive was in step" "in step with the server until" "${CLI_LAST_OUT}"
expect_eq "the database is the server's last state" "${before}" "$(sql "${db}" -e "CHECKSUM TABLE orders" | cut -f2)"
touch -d '1 hour ago' "${archive}/.ifnbackup-binlog.in-step"
run ifn restore --until "${idle_target}" --yes
expect_exit "the mark older than the target" 15
expect_contains "it names the unknown span" "is not known" "${CLI_LAST_ERR}"
rm -f "${archive}/.ifnbackup-binlog.in-step"
run ifn restore --until "${idle_target}" --yes
expect_exit "no mark at all" 15
expect_contains "it says the archiver was never in step" "last in step with the server at (never)" "${CLI_LAST_ERR}"

# --follow: FLUSH BINARY LOGS meanwhile, then SIGTERM; a second archiver is refused by the lock.
ifn_exec binlog archive --follow --chunk-seconds 1 >"${CLI_WORK}/follow.out" 2>&1 &
follower=$!
# Once it holds the archive's lock (not after a fixed 1.5 s, which a loaded machine may not give it).
check "the follower takes the archive's lock" wait_for 60 flock_held "${archive}/.ifnbackup-binlog.lock"
run ifn binlog archive
expect_exit "a second archiver while one follows" 5
touch "${CLI_WORK}/marker"
sql "${db}" -e "INSERT INTO orders VALUES (800, 8, 'while following')"
sql -e "FLUSH BINARY LOGS"
sql "${db}" -e "INSERT INTO orders VALUES (801, 8, 'after the flush')"
check "the follower archives within seconds" wait_archived "${CLI_WORK}/marker"
# The flushed file whole before the SIGTERM (not 2 s after the first chunk, which a loaded machine may not give it).
check "the flushed file is archived whole" wait_for 60 test -f "${archive}/binlog.000001.gz"
kill -TERM "${follower}"
wait "${follower}"
expect_eq "SIGTERM ends --follow cleanly" "0" "$?"
check "no chunk of it is left" test -z "$(compgen -G "${archive}/binlog.000001.from-*")"
check "no .partial is left" test -z "$(find "${archive}" -name '*.partial')"
check "the archive equals the server's logs after the flush" archive_matches_server

# Killed mid-file (SIGKILL: no clean end), more writes, then a catch-up: no duplicate, no gap.
ifn_exec binlog archive --follow --chunk-seconds 1 >"${CLI_WORK}/killed.out" 2>&1 &
follower=$!
for i in $(seq 1 30); do
    sql "${db}" -e "INSERT INTO orders VALUES (900 + ${i}, 9, REPEAT('k', 30))"
done
kill -KILL "${follower}"
wait "${follower}" 2>/dev/null
sql "${db}" -e "INSERT INTO orders VALUES (990, 9, 'after the kill')"
run ifn binlog archive
expect_exit "the archive resumes after a kill" 0
check "no .partial is left after the resume" test -z "$(find "${archive}" -name '*.partial')"
check "the archive equals the server's logs after kill and resume" archive_matches_server

# A purge of a file not yet archived: refused, the files named; --accept-gap goes on and shows the gap.
sql -e "FLUSH BINARY LOGS"
sql "${db}" -e "INSERT INTO orders VALUES (1000, 10, 'in a file that will be purged')"
sql -e "FLUSH BINARY LOGS"
newest=$(sql -e "SHOW BINARY LOGS" | tail -1 | cut -f1)
sql -e "PURGE BINARY LOGS TO '${newest}'"
# The server may keep a file its crash recovery still needs: the oldest it really has.
oldest=$(sql -e "SHOW BINARY LOGS" | head -1 | cut -f1)
run ifn binlog archive
expect_exit "a purge of a file not archived yet" 24
expect_contains "the error says gap" "binary log gap" "${CLI_LAST_ERR}"
expect_contains "it names the server's oldest file" "${oldest}" "${CLI_LAST_ERR}"
run ifn binlog archive --accept-gap
expect_exit "--accept-gap goes on" 0
run ifn binlog status
expect_exit "binlog status" 0
expect_contains "status shows the gap" "GAP" "${CLI_LAST_OUT}${CLI_LAST_ERR}"

cli_finish
