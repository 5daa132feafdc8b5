#!/usr/bin/env bash
# restore --until holds up to 1,000 transactions of the binary log in one of its own (binlog/commit_batch):
# what an unlucky operator meets in the middle of such a batch. A server whose max_binlog_cache_size is
# small (the replay writes the binary log): the log's transactions fit it one at a time, as the stock
# client commits them, and are committed alone (held together, the replay failed: error 1197, rolled
# back). Ctrl-C (8), the replay's connection killed (13), a duplicate key in a later transaction of a
# batch (13): the database is put back as it was, MyISAM rows written by the batch included. A table
# versioned by transaction in the backup: each transaction committed alone, its history whole.
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cli_init
cli_start_own_server pitrbatchfail
command -v mariadb-binlog >/dev/null || cli_skip "mariadb-binlog is not installed (mariadb-client)"
db=shop
dir="${CLI_WORK}/backups"
root() { mariadb --defaults-file="${IFNBACKUP_TEST_ROOT_DEFAULTS_FILE}" "$@"; }

sql -e "CREATE DATABASE ${db}"
sql "${db}" -e "
  CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, k INT NOT NULL, v VARCHAR(60)) ENGINE=InnoDB;
  CREATE TABLE m (id INT PRIMARY KEY, v INT) ENGINE=MyISAM;
  CREATE TABLE slow (id INT PRIMARY KEY, v DOUBLE) ENGINE=InnoDB;
  CREATE TRIGGER slow_ins BEFORE INSERT ON slow FOR EACH ROW SET NEW.v = SLEEP(0.01);
  INSERT INTO t (k, v) SELECT seq, CONCAT('base ', seq) FROM seq_1_to_40;"
run ifn binlog archive
expect_exit "archive" 0
run ifn backup --no-schema-check
expect_exit "backup" 0
sleep 1.1
# 300 small transactions in statement format (the trigger runs again in the replay: ~3 s of it)
{
    echo "SET SESSION binlog_format = STATEMENT;"
    for ((i = 1; i <= 300; i++)); do
        echo "INSERT INTO t (k, v) VALUES (${i}, 'w ${i}'); INSERT INTO m VALUES (${i}, ${i}); INSERT INTO slow VALUES (${i}, 0);"
    done
} >"${CLI_WORK}/work.sql"
run sql "${db}" -e "source ${CLI_WORK}/work.sql"
expect_exit "the work" 0
target=$(sleep 1.2 && sql -e "SELECT NOW() - INTERVAL 1 SECOND")
run ifn binlog archive
expect_exit "archive the work" 0
state() {
    for table in t m slow; do
        sql "${db}" -e "SELECT '${table}', COUNT(*), COALESCE(SUM(id), 0), COALESCE(SUM(CRC32(CONCAT_WS(',', id, v))), 0) FROM ${table}"
    done
}
at_target=$(state)
# What the restore replaces (a restore that did nothing would leave these gaps).
damage() { sql "${db}" -e "DELETE FROM t WHERE id % 2 = 0; DELETE FROM m WHERE id % 3 = 0; DELETE FROM slow WHERE id % 5 = 0"; }

# 1. max_binlog_cache_size of 64 KiB: each transaction committed alone, the same end.
damage
root -e "SET GLOBAL max_binlog_cache_size = 65536"
run ifn restore --until "${target}" --yes
root -e "SET GLOBAL max_binlog_cache_size = DEFAULT"
expect_exit "restore --until under max_binlog_cache_size = 64 KiB" 0
expect_contains "it says why it commits each transaction alone" "max_binlog_cache_size is 65536 bytes" "${CLI_LAST_ERR}"
expect_not_contains "no transaction too large for the cache" "max_binlog_cache_size' bytes" "${CLI_LAST_ERR}"
expect_eq "the database as it was at the target" "${at_target}" "$(state)"

# 2-3. Ctrl-C, and the replay's connection killed, in the middle of a batch: put back as it was.
for how in sigint kill; do
    damage
    before=$(state)
    (ifn_exec restore --until "${target}" --yes >"${CLI_WORK}/${how}.out" 2>"${CLI_WORK}/${how}.err") &
    pid=$!
    id=$(running_statement "${pid}" "DB = '${db}' AND INFO LIKE 'INSERT INTO slow%'")
    [[ -n ${id} ]] || fail "${how}: the replay never ran"
    sleep 0.5
    if [[ ${how} == sigint ]]; then
        kill -INT "${pid}"
    else
        root -e "KILL ${id}"
    fi
    wait "${pid}"
    rc=$?
    if [[ ${how} == sigint ]]; then
        expect_eq "Ctrl-C in the replay exits 8 (interrupted)" 8 "${rc}"
    else
        expect_eq "the replay's connection killed exits 13 (rolled back)" 13 "${rc}"
        # Lost connection (2013), or the server's own word for it (1927) when the kill comes between statements
        expect_contains "... naming the statement it stopped at" "replaying binlog" "$(cat "${CLI_WORK}/${how}.err")"
    fi
    expect_contains "${how}: it says the database was put back" "as it was before" "$(cat "${CLI_WORK}/${how}.err")"
    expect_eq "${how}: the database as it was before the restore" "${before}" "$(state)"
done

# 4. A duplicate key in a later transaction of a batch (a change the binary log lacks): put back.
sleep 1.1
sql "${db}" -e "SET SESSION binlog_format = STATEMENT; INSERT INTO t (k, v) VALUES (1, 'more'); INSERT INTO m VALUES (1000, 1);
    SET SESSION sql_log_bin = 0; DELETE FROM t WHERE id = 3; SET SESSION sql_log_bin = 1;
    INSERT INTO t (id, k, v) VALUES (3, 3, 'again'); INSERT INTO m VALUES (1001, 1);"
target=$(sleep 1.2 && sql -e "SELECT NOW() - INTERVAL 1 SECOND")
run ifn binlog archive
expect_exit "archive the work" 0
damage
before=$(state)
run ifn restore --until "${target}" --yes
expect_exit "a duplicate key in the replay: rolled back (13)" 13
expect_contains "it names the statement" "INSERT INTO t (id, k, v) VALUES (3, 3, 'again')" "${CLI_LAST_ERR}"
expect_eq "the database as it was before the restore" "${before}" "$(state)"

# 5. A table versioned by transaction already in the backup: each transaction committed alone from the
# replay's start (held together, InnoDB keeps one history row per row changed: the history was lost).
sql "${db}" -e "CREATE TABLE tv (id INT PRIMARY KEY, v INT, s BIGINT UNSIGNED AS ROW START INVISIBLE,
    e BIGINT UNSIGNED AS ROW END INVISIBLE, PERIOD FOR SYSTEM_TIME (s, e)) ENGINE=InnoDB WITH SYSTEM VERSIONING;
    INSERT INTO tv VALUES (1, 0), (2, 0)"
run ifn backup --no-schema-check
expect_exit "a backup with tv" 0
sleep 1.1
for ((i = 1; i <= 20; i++)); do
    echo "UPDATE tv SET v = v + 1 WHERE id = $((i % 2 + 1)); INSERT INTO m VALUES ($((2000 + i)), ${i});"
done >"${CLI_WORK}/versions.sql"
run sql "${db}" -e "source ${CLI_WORK}/versions.sql"
expect_exit "20 transactions on tv" 0
target=$(sleep 1.2 && sql -e "SELECT NOW() - INTERVAL 1 SECOND")
history() { sql "${db}" -e "SELECT id, v FROM tv FOR SYSTEM_TIME ALL ORDER BY id, v"; }
expected=$(history)
run ifn binlog archive
expect_exit "archive the work" 0
sql "${db}" -e "DELETE FROM tv"
run ifn restore --until "${target}" --yes
expect_exit "restore --until over transactions of a table versioned by transaction" 0
expect_contains "it says why it commits each alone" "table tv keeps a history by transaction" "${CLI_LAST_ERR}"
expect_eq "the history of every transaction" "${expected}" "$(history)"

cli_finish
