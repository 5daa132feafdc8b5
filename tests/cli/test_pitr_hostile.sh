#!/usr/bin/env bash
# Point-in-time recovery, hostile review (issue 16) on a private server with the binary log on: what a
# replay may reach beyond the database it restores. mariadb-binlog --database chooses a statement by
# its default database and --rewrite-db rewrites only that: a statement run from `USE shop` that names
# another database (`INSERT INTO other.t`), or with --into and drill --until the source itself
# (`UPDATE shop.orders`), is refused before anything is touched (19, naming it and the --until before
# it); account statements run from the database (CREATE USER, GRANT) are not replayed (they made every
# restore past them roll back); a database whose name starts another's (shop, shop2) is not confused;
# one whose name holds '->' is not replayed into another name (2: mariadb-binlog --rewrite-db cuts there).
# The archiver joining the planned chunks into their whole file while restore waits for OUI: the
# replay reads the whole file (it read the chunks, gone, and rolled back after the whole load). A
# restore in the span (its DROP DATABASE `shop`): drill --until refuses it (19) rather than drop shop.
# A rotation of one prefix keeps what another prefix's backups in the folder need of the archive.
# Two archivers of one server with the same --replica-id: the one the server drops says to give each
# its own (7 with a hint). An archived file swapped for another (a copy of the one before, the backup's file replaced) is refused
# (24) by the GTID states; after RESET MASTER the archiver refuses to go on (24, --accept-gap too) rather
# than hide the server's new files behind the archive's old ones of the same names.
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cli_init
cli_start_own_server pitrhostile
db=shop
dir="${CLI_WORK}/backups"

ifn() {
    "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" --backup-dir "${dir}" "$@"
}
# The same for another database.
ifn_in() {
    local name=$1
    shift
    "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${name}" --backup-dir "${dir}" "$@"
}
count() {
    sql "${db}" -e "SELECT COUNT(*) FROM orders $1"
}
# The second after every write so far: sleep past it, then read it from the server.
next_second_target() {
    sleep 1.2
    sql -e "SELECT NOW() - INTERVAL 1 SECOND"
}
checksums() {
    sql -e "CHECKSUM TABLE shop.orders, other.t, shop2.t" | cut -f2 | tr '\n' ' '
}

sql -e "CREATE DATABASE ${db}; CREATE TABLE ${db}.orders (id INT PRIMARY KEY, note VARCHAR(40))"
sql "${db}" -e "INSERT INTO orders SELECT seq, 'before backup' FROM seq_1_to_20"
sql -e "CREATE DATABASE other; CREATE TABLE other.t (i INT PRIMARY KEY); INSERT INTO other.t VALUES (1)"
sql -e "CREATE DATABASE shop2; CREATE TABLE shop2.t (i INT PRIMARY KEY)"
run ifn binlog archive
expect_exit "first archive" 0
run ifn backup --no-schema-check
expect_exit "backup" 0
sleep 1.1

# --- What the replay reaches.
sql "${db}" -e "INSERT INTO orders VALUES (21, 'row format')"
# A statement of shop naming shop (statement format, as MIXED logs many): fine for shop itself, but
# replayed into another database (--into, drill) it would change shop.
sql "${db}" -e "SET SESSION binlog_format = STATEMENT; UPDATE shop.orders SET note = 'qualified' WHERE id = 5"
# An alias's qualifier is no database's.
sql "${db}" -e "SET SESSION binlog_format = STATEMENT; UPDATE orders o SET o.note = 'alias' WHERE o.id = 6"
# Account statements run from shop: the server's, not the database's.
sql "${db}" -e "CREATE USER pitr_app@localhost IDENTIFIED BY 'pw1'"
sql "${db}" -e "GRANT SELECT ON shop.* TO pitr_app@localhost"
# shop2's statement naming shop2 (a name shop starts): neither replayed nor counted as naming shop.
sql shop2 -e "SET SESSION binlog_format = STATEMENT; INSERT INTO shop2.t VALUES (1)"
clean_target=$(next_second_target)
# A statement of shop that writes another database.
sql "${db}" -e "SET SESSION binlog_format = STATEMENT; INSERT INTO other.t VALUES (3)"
other_target=$(next_second_target)
sleep 1.1
sql "${db}" -e "INSERT INTO orders VALUES (99, 'after the targets')"
run ifn binlog archive
expect_exit "archive catches up" 0

# The server's state now, as an application would find it: any replay that reaches out changes it.
sql -e "UPDATE shop.orders SET note = 'production' WHERE id = 5; DELETE FROM other.t WHERE i = 3"
before=$(checksums)

run ifn drill --until "${clean_target}" --keep
expect_exit "drill --until over a statement naming the source database" 19
expect_contains "it names the statement" "UPDATE shop.orders SET note = 'qualified'" "${CLI_LAST_ERR}"
expect_contains "it says which database it would reach" "names database 'shop'" "${CLI_LAST_ERR}"
expect_contains "it gives the --until before it" "give an --until before it (--until '" "${CLI_LAST_ERR}"
expect_eq "the source database and the others are untouched" "${before}" "$(checksums)"
check "no scratch database was made" test -z "$(sql -e "SHOW DATABASES LIKE 'shop\\_drill'")"

run ifn restore --until "${clean_target}" --into shop_copy --yes
expect_exit "restore --until --into over a statement naming the source database" 19
expect_eq "--into: the source database is untouched" "${before}" "$(checksums)"
check "--into: nothing was created" test -z "$(sql -e "SHOW DATABASES LIKE 'shop\\_copy'")"

run ifn restore --until "${other_target}" --yes
expect_exit "restore --until over a statement of shop writing other" 19
expect_contains "it names the other database" "names database 'other'" "${CLI_LAST_ERR}"
expect_contains "it names the statement" "INSERT INTO other.t VALUES (3)" "${CLI_LAST_ERR}"
expect_contains "it says nothing was changed" "nothing was changed" "${CLI_LAST_ERR}"
expect_eq "shop and the other database are untouched" "${before}" "$(checksums)"

run ifn restore --until "${clean_target}" --yes
expect_exit "restore --until over account statements and a qualified statement of shop" 0
expect_eq "the qualified statement of shop is replayed into shop" "qualified" \
    "$(sql "${db}" -e 'SELECT note FROM orders WHERE id = 5')"
expect_eq "the alias's statement is replayed" "alias" "$(sql "${db}" -e 'SELECT note FROM orders WHERE id = 6')"
expect_eq "every row before the target is back" "21" "$(count '')"
expect_contains "the plan says the account statements are not replayed" "2 account or server statements" \
    "${CLI_LAST_OUT}${CLI_LAST_ERR}"
expect_not_contains "shop2's statement is not taken for one naming shop" "NOT replayed" \
    "${CLI_LAST_OUT}${CLI_LAST_ERR}"
expect_eq "shop2 is untouched" "1" "$(sql -e 'SELECT COUNT(*) FROM shop2.t')"
expect_eq "the other database is untouched" "1" "$(sql -e 'SELECT COUNT(*) FROM other.t')"

# --- A database whose name holds '->': mariadb-binlog --rewrite-db=a->b->a->b_drill is cut at the
# first '->', the source's events were not rewritten, and drill --until wrote them into the source.
arrow='a->b'
sql -e "CREATE DATABASE \`${arrow}\`; CREATE TABLE \`${arrow}\`.orders (id INT PRIMARY KEY, v INT)"
sql "${arrow}" -e "INSERT INTO orders VALUES (1, 1)"
run ifn_in "${arrow}" backup --no-schema-check
expect_exit "backup of ${arrow}" 0
sleep 1.1
sql "${arrow}" -e "SET SESSION binlog_format = ROW; UPDATE orders SET v = v + 10"
arrow_target=$(next_second_target)
sleep 1.1
sql "${arrow}" -e "INSERT INTO orders VALUES (2, 2)"
run ifn binlog archive
expect_exit "archive" 0
arrow_sum=$(sql -e "CHECKSUM TABLE \`${arrow}\`.orders" | cut -f2)
run ifn_in "${arrow}" drill --until "${arrow_target}"
expect_exit "drill --until of a database named ${arrow}" 2
expect_contains "it says why" "cuts its names at the first '->'" "${CLI_LAST_ERR}"
expect_eq "the source database is untouched" "${arrow_sum}" "$(sql -e "CHECKSUM TABLE \`${arrow}\`.orders" | cut -f2)"
run ifn_in "${arrow}" restore --until "${arrow_target}" --yes
expect_exit "restore --until of ${arrow} into itself (no rewrite)" 0
expect_eq "its row is replayed" "11" "$(sql -e "SELECT v FROM \`${arrow}\`.orders WHERE id = 1")"

# --- The archiver joins the chunks the plan chose (the server moved on) while restore waits for OUI:
# the replay, after the load, read the chunks it had planned, gone: rolled back (13) after the whole load.
run ifn backup --no-schema-check
expect_exit "a backup after the statements refused above" 0
sleep 1.1
sql "${db}" -e "INSERT INTO orders VALUES (60, 'in the chunks joined during the question')"
join_target=$(next_second_target)
sleep 1.1
sql "${db}" -e "INSERT INTO orders VALUES (61, 'after the join target')"
run ifn binlog archive
expect_exit "archive: the server's file as chunks" 0
chunked=$(sql -e "SHOW BINARY LOGS" | tail -1 | cut -f1)
check "the server's file is archived as chunks" test -n "$(compgen -G "${dir}/binlog/${chunked}.from-*.gz")"
fifo="${CLI_WORK}/answer.fifo"
mkfifo "${fifo}"
ifn restore --until "${join_target}" <"${fifo}" >"${CLI_WORK}/join.out" 2>"${CLI_WORK}/join.err" &
pid=$!
exec {answer}>"${fifo}"
check "restore --until reaches the question" wait_for 30 grep -q "Type OUI" "${CLI_WORK}/join.err"
sql -e "FLUSH BINARY LOGS"
run ifn binlog archive
expect_exit "archive joins the chunks during the question" 0
check "the chunks are joined" test -f "${dir}/binlog/${chunked}.gz" -a -z "$(compgen -G "${dir}/binlog/${chunked}.from-*.gz")"
printf 'OUI\n' >&"${answer}"
exec {answer}>&-
status=0
wait "${pid}" || status=$?
expect_eq "restore --until replays from the joined file" 0 "${status}"
expect_eq "the row in the joined chunks is replayed" "1" "$(count 'WHERE id = 60')"
expect_eq "nothing after the target" "0" "$(count 'WHERE id = 61')"

# --- A restore in the span: its DROP DATABASE `shop` (logged from shop) replayed into a drill's
# scratch database as it is written dropped the real shop (on main: drill --until, exit 0 or 13).
sql "${db}" -e "INSERT INTO orders VALUES (62, 'after the restore')"
after_restore_target=$(next_second_target)
sleep 1.1
sql "${db}" -e "INSERT INTO orders VALUES (63, 'after that target')"
run ifn binlog archive
expect_exit "archive after a restore" 0
shop_sum=$(sql -e "CHECKSUM TABLE shop.orders" | cut -f2)
run ifn drill --until "${after_restore_target}"
expect_exit "drill --until over the restore's DROP DATABASE" 19
expect_contains "it names the DROP DATABASE" 'DROP DATABASE `shop`' "${CLI_LAST_ERR}"
expect_eq "shop is still there, untouched" "${shop_sum}" "$(sql -e "CHECKSUM TABLE shop.orders" | cut -f2)"
run ifn restore --until "${after_restore_target}" --yes
expect_exit "restore --until over a restore, into the database itself" 0
expect_eq "the row written after the restore is replayed" "1" "$(count 'WHERE id = 62')"

# --- Swapped files: each archived file must follow the one before it (their GTID states), and the
# backup's file must be at the backup's GTID position where it was taken.
sql -e "FLUSH BINARY LOGS"
sql "${db}" -e "INSERT INTO orders VALUES (30, 'in the second file')"
sql -e "FLUSH BINARY LOGS"
sql "${db}" -e "INSERT INTO orders VALUES (31, 'in the third file')"
late_target=$(next_second_target)
sleep 1.1
sql "${db}" -e "INSERT INTO orders VALUES (32, 'after the late target')"
run ifn binlog archive
expect_exit "archive of three files" 0
archive="${dir}/binlog"
check "the first two files are archived whole" test -f "${archive}/binlog.000001.gz" -a -f "${archive}/binlog.000002.gz"
before=$(checksums)
mv "${archive}/binlog.000002.gz" "${CLI_WORK}/binlog.000002.gz"
cp "${archive}/binlog.000001.gz" "${archive}/binlog.000002.gz"
run ifn restore --until "${late_target}" --yes
expect_exit "a file that is a copy of the one before it" 24
expect_contains "it says the file does not follow the one before" "binlog.000002 does not follow binlog.000001" \
    "${CLI_LAST_ERR}"
mv "${archive}/binlog.000001.gz" "${CLI_WORK}/binlog.000001.gz"
cp "${CLI_WORK}/binlog.000002.gz" "${archive}/binlog.000001.gz"
cp "${CLI_WORK}/binlog.000002.gz" "${archive}/binlog.000002.gz"
run ifn restore --until "${late_target}" --yes
expect_exit "the backup's file swapped for the next one" 24
expect_contains "it says the file is not where the backup was taken" "where the backup was taken" "${CLI_LAST_ERR}"
expect_eq "the swapped files touched nothing" "${before}" "$(checksums)"
mv "${CLI_WORK}/binlog.000001.gz" "${archive}/binlog.000001.gz"
run ifn drill --until "${late_target}"
expect_exit "the archive put back: the refusal is the restore's DROP DATABASE in the span, no longer the files" 19

# --- Two archivers of one server into two folders, with the same --replica-id: the server keeps one
# (it drops the other's stream, error 4052); that one says why and what to do (on main: no hint).
rm -rf "${CLI_WORK}/f1" "${CLI_WORK}/f2"
ifn_follow() {
    exec "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" --backup-dir "$1" binlog \
        archive --follow "${@:2}"
}
ifn_follow "${CLI_WORK}/f1" >"${CLI_WORK}/f1.out" 2>&1 &
f1=$!
sleep 2
ifn_follow "${CLI_WORK}/f2" >"${CLI_WORK}/f2.out" 2>&1 &
f2=$!
for i in $(seq 1 50); do
    sql "${db}" -e "INSERT INTO orders VALUES (${i} + 2000, 'two archivers')"
    kill -0 "${f1}" 2>/dev/null && kill -0 "${f2}" 2>/dev/null || break
    sleep 0.2
done
kill -TERM "${f1}" "${f2}" 2>/dev/null
wait "${f1}"
f1_status=$?
wait "${f2}"
f2_status=$?
expect_eq "one of two archivers with the same --replica-id stops (7)" "7" \
    "$([[ ${f1_status} == 7 || ${f2_status} == 7 ]] && echo 7 || echo "${f1_status}/${f2_status}")"
expect_contains "its hint names --replica-id" "hint: give each archiver of this server its own --replica-id" \
    "$(cat "${CLI_WORK}/f1.out" "${CLI_WORK}/f2.out")"
ifn_follow "${CLI_WORK}/f1" >"${CLI_WORK}/f1.out" 2>&1 &
f1=$!
ifn_follow "${CLI_WORK}/f2" --replica-id 4242 >"${CLI_WORK}/f2.out" 2>&1 &
f2=$!
sql "${db}" -e "INSERT INTO orders VALUES (2100, 'two archivers, two ids')"
sleep 3
check "with two ids, both archivers run" kill -0 "${f1}" "${f2}"
kill -TERM "${f1}" "${f2}"
wait "${f1}"
expect_eq "the first ends cleanly" "0" "$?"
wait "${f2}"
expect_eq "the second ends cleanly" "0" "$?"

# --- Two schedules in one folder (--prefix weekly, --prefix nightly): a rotation of one keeps what the
# other's backups need of the archive (on main it removed the weekly backup's log: restore --prefix
# weekly --until then had a gap).
dir2="${CLI_WORK}/two-schedules"
ifn2() {
    "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" --backup-dir "${dir2}" "$@"
}
run ifn2 --prefix weekly backup --no-schema-check
expect_exit "the weekly backup" 0
weekly_log=$(zcat "${dir2}"/weekly_*.sql.gz | head -20 | sed -n 's/.*snapshot: binlog=\([^:]*\):.*/\1/p')
sql -e "FLUSH BINARY LOGS"
sql "${db}" -e "INSERT INTO orders VALUES (70, 'between the schedules')"
sql -e "FLUSH BINARY LOGS"
sleep 1.1
run ifn2 --prefix nightly backup --no-schema-check --no-rotate
expect_exit "the nightly backup" 0
run ifn2 binlog archive
expect_exit "archive of the two-schedule folder" 0
check "the archive holds the weekly backup's log (${weekly_log})" test -n "$(compgen -G "${dir2}/binlog/${weekly_log}*.gz")"
run ifn2 --prefix nightly rotate --retention-days 30 --min-keep 1
expect_exit "rotate of the nightly schedule" 0
check "the weekly backup's log is kept" test -n "$(compgen -G "${dir2}/binlog/${weekly_log}*.gz")"
expect_contains "the reason names the weekly backup" "weekly_" "${CLI_LAST_OUT}"
weekly_target=$(next_second_target)
sleep 1.1
sql "${db}" -e "INSERT INTO orders VALUES (71, 'after the weekly target')"
run ifn2 binlog archive
run ifn2 --prefix weekly restore --until "${weekly_target}" --into shop_weekly --yes
expect_exit "restore --prefix weekly --until after the nightly rotation" 0
expect_eq "the row between the schedules is replayed" "1" \
    "$(sql -e "SELECT COUNT(*) FROM shop_weekly.orders WHERE id = 70")"

# --- The server's log started over (RESET MASTER): its new files take the names the archive holds.
archive_state() { (cd "${dir}/binlog" && md5sum -- *.gz); }
before_reset=$(archive_state)
last_archived=$(cd "${archive}" && ls binlog.*.gz | sed -E 's/^(binlog\.[0-9]+).*/\1/' | sort | tail -1)
sql -e "RESET MASTER"
sql "${db}" -e "INSERT INTO orders VALUES (41, 'after the reset')"
run ifn binlog archive
expect_exit "archive after RESET MASTER" 24
expect_contains "it says the server's log started over" "was started over" "${CLI_LAST_ERR}"
run ifn binlog archive --accept-gap
expect_exit "--accept-gap after RESET MASTER: the names are taken" 24
expect_eq "the archive is as it was" "${before_reset}" "$(archive_state)"
# The server's new files reach the archive's names: the file of the archive's end is another file now,
# written with events of the same sizes as the archive's file of that name, so that the archive's end
# is the server's too: the server sends nothing after it, and the archiver (on main: 0 events, exit 0)
# took the new file's header for the archive's, the new events lost unsaid.
for i in $(seq 1 20); do
    [[ "$(sql -e "SHOW BINARY LOGS" | tail -1 | cut -f1)" == "${last_archived}" ]] && break
    sql -e "FLUSH BINARY LOGS"
done
sql "${db}" -e "INSERT INTO orders VALUES (51, 'in the third file')"
sql "${db}" -e "INSERT INTO orders VALUES (52, 'after the late target')"
run ifn binlog archive
expect_exit "archive when the server's new file has the archive's last name" 24
expect_contains "it says the file is not the archive's" "is not the file the archive holds under that name" \
    "${CLI_LAST_ERR}"
expect_eq "the archive is still as it was" "${before_reset}" "$(archive_state)"

cli_finish
