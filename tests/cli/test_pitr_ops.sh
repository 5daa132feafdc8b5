#!/usr/bin/env bash
# Operating point-in-time recovery on a private server with the binary log on (docs/pitr.md): rotate
# removes the archived binary logs older than the oldest position a kept backup needs, never the one a
# kept backup needs, never a file it did not write, and --dry-run only shows them; a restore --until
# after the rotation still works; status shows the recovery point and the window restore --until
# reaches, check warns when the archive lags or its archiver stopped and is critical on a gap, the
# metrics file gains the lag; a folder without an archive shows none of it. restore --until-gtid stops
# after that transaction; drill --until and --until-gtid replay into the scratch database; restore --until --into a
# name that needs quoting; --follow across a server restart.
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cli_init
cli_start_own_server pitrops
db=shop
dir="${CLI_WORK}/backups"
archive="${dir}/binlog"

# The second after every write so far: sleep past it, then read it from the server.
next_second_target() {
    sleep 1.2
    sql -e "SELECT NOW() - INTERVAL 1 SECOND"
}
newest_backup() {
    find "${dir}" -maxdepth 1 -name '*_backup_*.sql.gz' -printf '%f\n' | sort | tail -1
}

sql -e "CREATE DATABASE ${db}; CREATE TABLE ${db}.orders (id INT PRIMARY KEY, note VARCHAR(40))"
sql "${db}" -e "INSERT INTO orders SELECT seq, 'first' FROM seq_1_to_20"
run ifn binlog archive
expect_exit "first archive" 0

# Backup A in binlog.000001; two files later, backup B in binlog.000003.
run ifn backup --no-schema-check
expect_exit "backup A" 0
first=$(newest_backup)
sql -e "FLUSH BINARY LOGS"
sql "${db}" -e "INSERT INTO orders VALUES (21, 'between A and B')"
sql -e "FLUSH BINARY LOGS"
sql "${db}" -e "INSERT INTO orders VALUES (22, 'between A and B')"
sleep 1.1
run ifn backup --no-schema-check
expect_exit "backup B" 0
second=$(newest_backup)
check "backup B records binlog.000003" bash -c "zcat '${dir}/${second}' | head -20 | grep -q 'binlog=binlog.000003:'"
sleep 1.1
sql "${db}" -e "INSERT INTO orders VALUES (23, 'after B')"
gtid23=$(sql -e "SELECT @@gtid_binlog_pos")
sleep 1.1
target=$(sql -e "SELECT NOW() - INTERVAL 1 SECOND")
sleep 1.1
sql -e "FLUSH BINARY LOGS"
sql "${db}" -e "INSERT INTO orders VALUES (24, 'after the target')"
run ifn binlog archive
expect_exit "archive catches up" 0
check "the archive holds binlog.000001 and .000002 whole" test -f "${archive}/binlog.000001.gz" -a -f "${archive}/binlog.000002.gz"

# A file named like the archive's but not written by the archiver, and a file of the operator's.
echo "not a binary log" | gzip >"${archive}/binlog.000000.gz"
echo "notes" >"${archive}/notes.txt"
# Backup A made 40 days old (its name dates it): the retention removes it, B stays.
old_name=$(sed -E "s/_[0-9]{8}_[0-9]{6}\.sql\.gz$/_$(date -d '40 days ago' +%Y%m%d_%H%M%S).sql.gz/" <<<"${first}")
mv "${dir}/${first}" "${dir}/${old_name}"

listing() { (cd "${archive}" && ls); }
before=$(listing)
run ifn rotate --dry-run --retention-days 30 --min-keep 1
expect_exit "rotate --dry-run" 0
expect_eq "rotate --dry-run removes nothing from the archive" "${before}" "$(listing)"
check "--dry-run: binlog.000001 would be removed, with its reason" \
    grep -Eq "^would remove +binlog/binlog\.000001\.gz +before binlog\.000003:[0-9]+, the oldest position a kept backup needs \(${second}\)" <<<"${CLI_LAST_OUT}"
check "--dry-run: binlog.000002 would be removed" grep -Eq "^would remove +binlog/binlog\.000002\.gz " <<<"${CLI_LAST_OUT}"
check "--dry-run: binlog.000003, which backup B needs, is kept" \
    grep -Eq "^keep +binlog/binlog\.000003\.[a-z0-9.-]*gz +needed: ${second} restores from binlog\.000003:" <<<"${CLI_LAST_OUT}"
check "--dry-run: a file named like ours but not a binary log is kept" \
    grep -Eq "^keep +binlog/binlog\.000000\.gz +named like the archive's files but not a binary log archived by ifnbackup" <<<"${CLI_LAST_OUT}"
expect_contains "--dry-run: the summary" "dry run: 2 archived binary log file(s) would be removed, nothing was deleted" "${CLI_LAST_OUT}"
expect_not_contains "--dry-run: the operator's file is no candidate" "notes.txt" "${CLI_LAST_OUT}"
# The same in French: every reason of the archive's files in the operator's language, JSON in English.
LANG=fr_FR.UTF-8 LANGUAGE= LC_ALL= LC_MESSAGES= run ifn rotate --dry-run --retention-days 30 --min-keep 1
expect_exit "rotate --dry-run in French" 0
check "French: the removal's reason" \
    grep -Eq "binlog/binlog\.000001\.gz +avant binlog\.000003:[0-9]+, la plus ancienne position dont une sauvegarde gardée a besoin \(${second}\)" <<<"${CLI_LAST_OUT}"
check "French: the kept log's reason" grep -Eq "binlog/binlog\.000003\.[a-z0-9.-]*gz +nécessaire : ${second} se restaure à partir de binlog\.000003:" <<<"${CLI_LAST_OUT}"
check "French: the look-alike's reason" grep -q "pas un journal binaire archivé par ifnbackup : jamais supprimé" <<<"${CLI_LAST_OUT}"
expect_not_contains "French: no English reason left" "the oldest position a kept backup needs" "${CLI_LAST_OUT}"
LANG=fr_FR.UTF-8 LANGUAGE= LC_ALL= LC_MESSAGES= run ifn rotate --dry-run --retention-days 30 --min-keep 1 --json
expect_contains "French --json: the reasons stay English" "the oldest position a kept backup needs" "${CLI_LAST_OUT}"
expect_not_contains "French --json: no French reason" "nécessaire" "${CLI_LAST_OUT}"
expect_eq "the French dry runs removed nothing either" "${before}" "$(listing)"

run ifn rotate --retention-days 30 --min-keep 1 --json
expect_exit "rotate --json" 0
check "rotate --json: the archive's decisions" python3 -c "
import json, sys
d = json.loads(sys.argv[1])['binlog']
assert d['needed_by'] == sys.argv[2], d
assert sorted(f['name'] for f in d['files'] if f['remove']) == ['binlog.000001.gz', 'binlog.000002.gz'], d
assert d['removed'] == 2 and d['bytes_freed'] > 0, d
" "${CLI_LAST_OUT}" "${second}"
check "backup A is gone" test ! -e "${dir}/${old_name}"
check "binlog.000001 and .000002 are gone" test ! -e "${archive}/binlog.000001.gz" -a ! -e "${archive}/binlog.000002.gz"
check "what backup B needs is there" test -n "$(compgen -G "${archive}/binlog.000003*.gz")"
check "the file not ours is there" test -f "${archive}/binlog.000000.gz"
check "the operator's file is there" test -f "${archive}/notes.txt"
rm -f "${archive}/binlog.000000.gz"

run ifn restore --until "${target}" --yes
expect_exit "restore --until after the rotation" 0
expect_eq "every row before the target is back" "23" "$(count '')"
expect_eq "nothing after it" "0" "$(count 'WHERE id = 24')"

# --- restore --until-gtid: up to and including that transaction.
run ifn restore --until-gtid "${gtid23}" --yes
expect_exit "restore --until-gtid" 0
expect_contains "the plan names the GTID" "GTID ${gtid23}" "${CLI_LAST_OUT}"
expect_eq "the GTID's transaction is replayed, and all before it" "23" "$(count '')"
expect_eq "nothing after it" "0" "$(count 'WHERE id = 24')"
before=$(sql "${db}" -e "CHECKSUM TABLE orders" | cut -f2)
domain_server=${gtid23%-*}
run ifn restore --until-gtid "${domain_server}-999999" --yes
expect_exit "a GTID the archive does not reach" 15
expect_contains "it says so" "does not reach GTID ${domain_server}-999999" "${CLI_LAST_ERR}"
run ifn restore --until-gtid "not-a-gtid" --yes
expect_exit "a GTID badly written" 2
run ifn restore --until "${target}" --until-gtid "${gtid23}" --yes
expect_exit "--until with --until-gtid" 2
expect_eq "the refusals touched nothing" "${before}" "$(sql "${db}" -e "CHECKSUM TABLE orders" | cut -f2)"

# --- drill --until: the same span replayed into the scratch database (kept, to count its rows).
run ifn drill --until "${target}" --keep
expect_exit "drill --until" 0
expect_contains "the drill reports the replay" "Binary log replayed" "${CLI_LAST_OUT}"
expect_eq "the scratch database holds every row before the target" "23" \
    "$(sql "${db}_drill" -e 'SELECT COUNT(*) FROM orders')"
expect_eq "and nothing after it" "0" "$(sql "${db}_drill" -e 'SELECT COUNT(*) FROM orders WHERE id = 24')"
expect_eq "the configured database is untouched by the drill" "${before}" \
    "$(sql "${db}" -e "CHECKSUM TABLE orders" | cut -f2)"
# restore --until --into a database whose name needs quoting: the replay is rewritten to it. One with a
# space is refused before anything is touched: mariadb-binlog cuts --rewrite-db's names at white space.
run ifn restore --until "${target}" --into "shop odd" --yes
expect_exit "restore --until --into a name with a space" 2
expect_contains "it says why" "cuts a database name at its white space" "${CLI_LAST_ERR}"
check "nothing was created" test -z "$(sql -e "SHOW DATABASES LIKE 'shop odd'")"
odd='shop-odd-é$x`q'
run ifn restore --until "${target}" --into "${odd}" --yes
expect_exit "restore --until --into an odd name" 0
expect_eq "the odd database holds every row before the target" "23" \
    "$(sql -e "SELECT COUNT(*) FROM \`${odd//\`/\`\`}\`.orders")"
expect_eq "and nothing after it" "0" "$(sql -e "SELECT COUNT(*) FROM \`${odd//\`/\`\`}\`.orders WHERE id = 24")"
run ifn drill some_file.sql.gz --until "${target}"
expect_exit "drill --until with a file" 2
# --- drill --until-gtid: the span restore --until-gtid replays, into the scratch database.
run ifn drill --until-gtid "${gtid23}" --keep
expect_exit "drill --until-gtid" 0
expect_contains "the drill's plan names the GTID" "GTID ${gtid23}" "${CLI_LAST_OUT}"
expect_eq "the scratch database holds the GTID's transaction and all before it" "23" \
    "$(sql "${db}_drill" -e 'SELECT COUNT(*) FROM orders')"
expect_eq "and nothing after it" "0" "$(sql "${db}_drill" -e 'SELECT COUNT(*) FROM orders WHERE id = 24')"
run ifn drill --until-gtid "${domain_server}-999999"
expect_exit "drill --until-gtid the archive does not reach" 15
run ifn drill --until "${target}" --until-gtid "${gtid23}"
expect_exit "drill --until with --until-gtid" 2
expect_eq "the configured database is untouched by the drills" "${before}" \
    "$(sql "${db}" -e "CHECKSUM TABLE orders" | cut -f2)"

# --- monitoring
run ifn binlog archive
expect_exit "archive again" 0
run ifn status
expect_exit "status" 0
expect_contains "status shows the recovery point" "recovery point" "${CLI_LAST_OUT}"
expect_contains "status shows the window restore --until reaches, from backup B" "(${second}) to" "${CLI_LAST_OUT}"
expect_contains "status says the archiver is not running" "archiver not running" "${CLI_LAST_OUT}"
run ifn status --json
expect_exit "status --json" 0
check "status --json: the archive" python3 -c "
import json, sys
d = json.loads(sys.argv[1])['binlog']
assert d['window_backup'] == sys.argv[2], d
assert d['lag_seconds'] >= 0 and d['recovery_point'] >= d['newest_event'] > 0 and d['gaps'] == [], d
assert d['first'].startswith('binlog.000003:'), d
" "${CLI_LAST_OUT}" "${second}"

# status and check read the archiver's note of its newest file instead of decompressing it; a note that
# does not name that file at its size on disk is ignored and the file is read.
note="${archive}/.ifnbackup-binlog.newest"
check "the archiver left a note of its newest file" test -f "${note}"
read -r note_file note_size note_end note_newest _ <"${note}"
note_log=${note_file%%.from-*}
note_log=${note_log%.gz}
check "the note names a file of the archive at its size" test "$(stat -c %s "${archive}/${note_file}")" = "${note_size}"
newest_of() { python3 -c 'import json, sys; d = json.loads(sys.argv[1]); print(d["newest_event"], d["last"])' "$1"; }
cp "${note}" "${CLI_WORK}/note.saved"
echo "${note_file} 1 ${note_end} 1 -" >"${note}"
run ifn binlog status --json
expect_eq "a note of another size is ignored: the file, read, has the note's newest event and end" \
    "${note_newest} ${note_log}:${note_end}" "$(newest_of "${CLI_LAST_OUT}")"
echo "${note_file} ${note_size} ${note_end} 1234567890 -" >"${note}"
run ifn binlog status --json
expect_eq "a note that matches is taken as it is (the file is not read)" "1234567890 ${note_log}:${note_end}" \
    "$(newest_of "${CLI_LAST_OUT}")"
cp "${CLI_WORK}/note.saved" "${note}"

run ifn check --drill-max-age-days 0 --metrics-file "${CLI_WORK}/m.prom"
expect_exit "check with an archive in step" 0
expect_contains "check says how far the archive is" "binary log archived to" "${CLI_LAST_OUT}"
expect_contains "check's perfdata has the lag" "binlog_lag=" "${CLI_LAST_OUT}"
check "the metrics file has the lag" grep -Eq '^ifnbackup_binlog_lag_seconds\{[^}]*\} [0-9]+$' "${CLI_WORK}/m.prom"
check "the metrics file has the gaps" grep -Eq '^ifnbackup_binlog_gaps\{[^}]*\} 0$' "${CLI_WORK}/m.prom"

# Nothing archived for longer than --binlog-max-lag, no archiver: stopped.
sleep 2.5
run ifn check --drill-max-age-days 0 --binlog-max-lag 0.02
expect_exit "check when the archiver stopped" 1
expect_contains "check says the archiver stopped" "binary log archiver stopped" "${CLI_LAST_OUT}"

# --follow keeps the archive in step on an idle server (its heartbeats), and status sees it running.
ifn_exec binlog archive --follow --chunk-seconds 1 >"${CLI_WORK}/follow.out" 2>&1 &
follower=$!
# Running: it holds the archive's lock (not "4 s later", which a loaded machine may not give it).
wait_for 60 flock_held "${archive}/.ifnbackup-binlog.lock" || fail "the follower did not take the archive's lock"
run ifn status
expect_contains "status sees the archiver running" "archiver running" "${CLI_LAST_OUT}"
run ifn check --drill-max-age-days 0 --binlog-max-lag 0.5
expect_exit "check while following an idle server" 0
kill -TERM "${follower}"
wait "${follower}"
expect_eq "SIGTERM ends --follow cleanly" "0" "$?"

# The server restarted while following: the archiver connects again and goes on, with no gap.
ifn_exec binlog archive --follow --chunk-seconds 1 >"${CLI_WORK}/restart.out" 2>&1 &
follower=$!
# Following: its stream is open on the server (not "2 s later"), so the restart cuts a running archiver.
# shellcheck disable=SC2317  # called through wait_for
streaming() { [[ $(sql -e "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'") != 0 ]]; }
check "the follower's stream is open" wait_for 60 streaming
server_pid=$(<"${IFNBACKUP_TEST_PIDFILE}")
kill -TERM "${server_pid}"
for i in $(seq 1 150); do kill -0 "${server_pid}" 2>/dev/null || break; sleep 0.2; done
run "${CLI_TESTDB}" restart --dir "${IFNBACKUP_TEST_DIR}"
expect_exit "the server starts again on the same data" 0
sql "${db}" -e "INSERT INTO orders VALUES (2000, 'after the restart')"
newest=$(sql -e "SHOW BINARY LOGS" | tail -1 | cut -f1)
for i in $(seq 1 200); do
    compgen -G "${archive}/${newest}.from-*.gz" >/dev/null && zcat "${archive}/${newest}".from-*.gz | grep -q 'after the restart' && break
    sleep 0.2
done
check "the follower archived the write made after the restart" \
    bash -c "zcat '${archive}/${newest}'.from-*.gz | grep -q 'after the restart'"
kill -TERM "${follower}"
wait "${follower}"
expect_eq "SIGTERM ends --follow cleanly after a restart" "0" "$?"
check "the follower said it connected again" grep -q "connecting again" "${CLI_WORK}/restart.out"
run ifn binlog status
expect_not_contains "no gap across the restart" "GAP" "${CLI_LAST_OUT}"

# A huge event: one 48 MiB row (ROW format, so one Write_rows event of that size) is archived whole,
# byte for byte, and replayed by restore --until.
sql "${db}" -e "CREATE TABLE big (id INT PRIMARY KEY, pad LONGBLOB)"
sql "${db}" -e "SET SESSION binlog_format = ROW; INSERT INTO big VALUES (1, REPEAT('z', 48 * 1024 * 1024))"
big_sum=$(sql "${db}" -e "SELECT MD5(pad) FROM big")
big_target=$(next_second_target)
sleep 1.1
sql "${db}" -e "INSERT INTO orders VALUES (3000, 'after the huge event')"
run ifn binlog archive
expect_exit "archive of a huge event" 0
big_log=$(sql -e "SHOW BINARY LOGS" | tail -1 | cut -f1)
check "the archive holds the server's bytes after the huge event" \
    bash -c "cmp -s <(cat '${archive}/${big_log}'.from-*.gz | zcat | tail -c +300) <(head -c \$(cat '${archive}/${big_log}'.from-*.gz | zcat | wc -c) '${IFNBACKUP_TEST_DIR}/${big_log}' | tail -c +300)"
run ifn restore --until "${big_target}" --yes
expect_exit "restore --until across a huge event" 0
expect_eq "the huge row is replayed whole" "${big_sum}" "$(sql "${db}" -e "SELECT MD5(pad) FROM big")"
expect_eq "nothing after the target" "0" "$(count 'WHERE id = 3000')"

# A gap: critical.
sql -e "FLUSH BINARY LOGS"
sql "${db}" -e "INSERT INTO orders VALUES (1000, 'in a purged file')"
sql -e "FLUSH BINARY LOGS"
newest=$(sql -e "SHOW BINARY LOGS" | tail -1 | cut -f1)
sql -e "PURGE BINARY LOGS TO '${newest}'"
run ifn binlog archive --accept-gap
expect_exit "archive --accept-gap" 0
run ifn check --drill-max-age-days 0
expect_exit "check with a gap in the archive" 2
expect_contains "check names the gap" "binary log archive has 1 gap(s)" "${CLI_LAST_OUT}"

# A folder without an archive: no word of it.
mkdir -m 700 "${CLI_WORK}/plain"
run "${CLI_BIN}" --backup-dir "${CLI_WORK}/plain" status
expect_not_contains "status without an archive says nothing of it" "Binary log" "${CLI_LAST_OUT}"
run "${CLI_BIN}" --backup-dir "${CLI_WORK}/plain" check --drill-max-age-days 0 --metrics-file "${CLI_WORK}/plain.prom"
expect_not_contains "check without an archive says nothing of it" "binary log" "${CLI_LAST_OUT}"
check "nor the metrics" bash -c "! grep -q binlog '${CLI_WORK}/plain.prom'"

cli_finish
