#!/usr/bin/env bash
# restore --until commits the binary log's transactions several at a time (binlog/commit_batch.hpp),
# where the stock client commits each: a differential test against the stock client on generated work.
# A seeded random mix of what a day's binary log holds (single-row and multi-statement transactions,
# ROLLBACKs of transactions that touched a MyISAM table, savepoints (one named as the batch's was),
# autocommit=0 blocks, XA, DDL, CREATE TABLE ... SELECT (which commits inside its transaction of the
# log), a trigger, cascading foreign keys, INSERT ... SELECT, temporary tables, user variables, NOW(),
# sequences, system-versioned tables by time and by transaction, a FULLTEXT search, FLUSH BINARY LOGS,
# each in ROW, STATEMENT or MIXED format) is written after a backup; then the backup plus the binary log are
# replayed twice from the same file: by `gunzip -c | mariadb` then `mariadb-binlog | mariadb` into
# another database, and by `ifnbackup restore --until` in place (--into refuses a span whose
# statements name the database: the server writes `DROP TEMPORARY TABLE IF EXISTS shop.tmp`). Every
# table (definition, AUTO_INCREMENT, rows, history) must be the same, and the replay must have held
# transactions together.
#
#   SEED (default 4242) and OPS (default 300) choose the work, KINDS (default all: "0 1 ... 23"; 24, a
#   16 MiB transaction, and 25, LOAD DATA LOCAL, on demand) the
#   kinds of work to pick from (as numbered in the generator's case); more seeds:
#   for s in 1 2 3; do SEED=$s bash tests/cli/test_pitr_batched.sh; done
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cli_init
cli_start_own_server pitrbatch
command -v mariadb-binlog >/dev/null || cli_skip "mariadb-binlog is not installed (mariadb-client)"
db=shop
dir="${CLI_WORK}/backups"
seed=${SEED:-4242}
ops=${OPS:-300}
root() { mariadb --defaults-file="${IFNBACKUP_TEST_ROOT_DEFAULTS_FILE}" "$@"; }

sql -e "CREATE DATABASE ${db}"
sql "${db}" -e "
  CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, k INT NOT NULL, v VARCHAR(60), KEY (k)) ENGINE=InnoDB;
  CREATE TABLE m (id INT PRIMARY KEY, v INT) ENGINE=MyISAM;
  CREATE TABLE p (id INT PRIMARY KEY, name VARCHAR(20)) ENGINE=InnoDB;
  CREATE TABLE c (id INT AUTO_INCREMENT PRIMARY KEY, p INT, note VARCHAR(20),
                  FOREIGN KEY (p) REFERENCES p (id) ON DELETE CASCADE) ENGINE=InnoDB;
  CREATE TABLE audit (id INT AUTO_INCREMENT PRIMARY KEY, what VARCHAR(30), at DATETIME) ENGINE=InnoDB;
  CREATE TRIGGER t_ins AFTER INSERT ON t FOR EACH ROW INSERT INTO audit (what, at) VALUES (CONCAT('t ', NEW.k), NOW());
  INSERT INTO t (k, v) SELECT seq, CONCAT('base ', seq) FROM seq_1_to_40;
  INSERT INTO p SELECT seq, CONCAT('p', seq) FROM seq_1_to_10;
  CREATE SEQUENCE sq ENGINE=InnoDB;
  CREATE TABLE sv (id INT PRIMARY KEY, v INT) ENGINE=InnoDB WITH SYSTEM VERSIONING;
  CREATE TABLE tz (id INT PRIMARY KEY, ts TIMESTAMP NULL, d DATETIME) ENGINE=InnoDB;
  CREATE TABLE tr (id INT PRIMARY KEY, v INT) ENGINE=InnoDB;
  CREATE TABLE big (id INT PRIMARY KEY, v LONGTEXT) ENGINE=InnoDB;
  CREATE TABLE mlog (id INT AUTO_INCREMENT PRIMARY KEY, what VARCHAR(30)) ENGINE=MyISAM;
  CREATE TRIGGER tr_ins AFTER INSERT ON tr FOR EACH ROW INSERT INTO mlog (what) VALUES (CONCAT('tr ', NEW.id));"

run ifn binlog archive
expect_exit "archive" 0
run ifn backup --no-schema-check
expect_exit "backup" 0
file="${dir}/$(final_backups "${dir}" | head -n 1)"
snapshot=$(gunzip -c "${file}" | head -n 20 | sed -n 's/^-- ifnbackup-snapshot: binlog=\([^ ]*\).*/\1/p')
[[ -n ${snapshot} ]] || fail "the backup names no binlog position"
first_log=${snapshot%:*}
start_position=${snapshot##*:}
sleep 1.1

# --- the generated work: one client session, one SQL script
RANDOM=${seed}
work="${CLI_WORK}/work.sql"
# $((RANDOM % n)), never $(...): bash draws RANDOM anew in a subshell, and the work would not be the seed's.
read -r -a kinds <<<"${KINDS:-$(echo {0..23})}"
{
    columns=0 xa=0 temp=0 made_tv=0 made_doc=0
    for ((i = 1; i <= ops; i++)); do
        kind=${kinds[$((RANDOM % ${#kinds[@]}))]}
        # The tables that tell where transactions end (each transaction is then committed alone) come late:
        # tv by its DDL between transactions, doc by CREATE TABLE ... SELECT (ROW: inside a transaction).
        if ((kind >= 17 && kind <= 19)); then
            if ((i < ops * 4 / 5)); then
                kind=0
            elif ((kind < 19 && !made_tv)); then
                made_tv=1
                echo "CREATE TABLE tv (id INT PRIMARY KEY, v INT, s BIGINT UNSIGNED AS ROW START INVISIBLE,
                      e BIGINT UNSIGNED AS ROW END INVISIBLE, PERIOD FOR SYSTEM_TIME (s, e)) ENGINE=InnoDB WITH SYSTEM VERSIONING;"
            elif ((kind == 19 && !made_doc)); then
                made_doc=1
                echo "SET SESSION binlog_format = ROW; CREATE TABLE doc (id INT PRIMARY KEY, body TEXT, flagged INT NOT NULL DEFAULT 0,
                      FULLTEXT (body)) ENGINE=InnoDB SELECT 0 AS id, 'about word0' AS body;"
            fi
        fi
        case $((RANDOM % 3)) in
            0) echo "SET SESSION binlog_format = ROW;" ;;
            1) echo "SET SESSION binlog_format = STATEMENT;" ;;
            2) echo "SET SESSION binlog_format = MIXED;" ;;
        esac
        k=$((RANDOM % 60))
        case ${kind} in
            0 | 1 | 2) echo "INSERT INTO t (k, v) VALUES (${k}, 'one ${i}');" ;;
            3) echo "BEGIN; INSERT INTO t (k, v) VALUES (${k}, 'trx ${i}'); UPDATE t SET v = CONCAT(v, ' u${i}') WHERE k = $((RANDOM % 60)); DELETE FROM t WHERE k = $((RANDOM % 60)) AND id % 3 = 0; COMMIT;" ;;
            4) # a ROLLBACK the binary log keeps (the MyISAM row stays, the InnoDB one goes)
                echo "BEGIN; INSERT INTO t (k, v) VALUES (${k}, 'rolled back ${i}'); INSERT INTO m VALUES (${i}, ${k}) ON DUPLICATE KEY UPDATE v = v + 1; ROLLBACK;" ;;
            5) echo "BEGIN; INSERT INTO t (k, v) VALUES (${k}, 'sp a ${i}'); SAVEPOINT s1; INSERT INTO t (k, v) VALUES (${k}, 'sp b ${i}'); ROLLBACK TO SAVEPOINT s1; UPDATE t SET v = 'sp c' WHERE k = $((RANDOM % 60)); COMMIT;" ;;
            6) echo "SET autocommit = 0; INSERT INTO t (k, v) VALUES (${k}, 'ac0 ${i}'); COMMIT; UPDATE t SET k = k + 1 WHERE k = $((RANDOM % 60)); INSERT INTO m VALUES (${i}, 1) ON DUPLICATE KEY UPDATE v = v * 2; COMMIT; SET autocommit = 1;" ;;
            7) xa=$((xa + 1))
                x="'x${seed}_${xa}'"
                case $((RANDOM % 3)) in
                    0) echo "XA START ${x}; INSERT INTO t (k, v) VALUES (${k}, 'xa ${i}'); XA END ${x}; XA PREPARE ${x}; XA COMMIT ${x};" ;;
                    1) echo "XA START ${x}; INSERT INTO t (k, v) VALUES (${k}, 'xa undone ${i}'); INSERT INTO m VALUES (${i}, 9) ON DUPLICATE KEY UPDATE v = 9; XA END ${x}; XA PREPARE ${x}; XA ROLLBACK ${x};" ;;
                    2) echo "XA START ${x}; INSERT INTO t (k, v) VALUES (${k}, 'xa one ${i}'); XA END ${x}; XA COMMIT ${x} ONE PHASE;" ;;
                esac ;;
            8) if ((columns < 4)); then
                    columns=$((columns + 1))
                    echo "ALTER TABLE t ADD COLUMN c${columns} INT DEFAULT ${i};"
                else
                    echo "CREATE TABLE IF NOT EXISTS x${i} (id INT PRIMARY KEY) ENGINE=InnoDB; INSERT INTO x${i} VALUES (${k}); DROP TABLE IF EXISTS x${i};"
                fi ;;
            9) echo "INSERT IGNORE INTO p VALUES (${k}, 'p ${i}'); INSERT INTO c (p, note) VALUES (${k}, 'c ${i}'); DELETE FROM p WHERE id = $((RANDOM % 60));" ;;
            10) echo "INSERT INTO t (k, v) SELECT k + 100, CONCAT('copy ', id) FROM t WHERE k = ${k} ORDER BY id;" ;;
            11) temp=$((temp + 1))
                echo "CREATE TEMPORARY TABLE tmp${temp} (k INT); INSERT INTO tmp${temp} VALUES (${k}), ($((RANDOM % 60))); INSERT INTO t (k, v) SELECT k, 'from temp' FROM tmp${temp} ORDER BY k; DROP TEMPORARY TABLE tmp${temp};" ;;
            12) echo "SET @x := ${k}; BEGIN; INSERT INTO t (k, v) VALUES (@x, CONCAT('var ', @x, ' at ', NOW())); INSERT INTO audit (what, at) VALUES ('var', NOW()); COMMIT;" ;;
            13) echo "INSERT INTO m VALUES (${i}, ${k}) ON DUPLICATE KEY UPDATE v = v - 1; DELETE FROM m WHERE v = $((RANDOM % 60));" ;;
            14) # CREATE TABLE ... SELECT in ROW format: the server logs it inside a transaction, which it commits
                echo "SET SESSION binlog_format = ROW; CREATE TABLE ct${i} ENGINE=InnoDB SELECT k, v FROM t WHERE k = ${k};"
                echo "SET SESSION binlog_format = STATEMENT; BEGIN; INSERT INTO t (k, v) VALUES (${k}, 'rolled back ${i}'); INSERT INTO m VALUES (${i}, 7) ON DUPLICATE KEY UPDATE v = v + 7; ROLLBACK;" ;;
            15) # the work's own savepoint named as the batch's
                echo "SET SESSION binlog_format = STATEMENT; BEGIN; INSERT INTO t (k, v) VALUES (${k}, 'rolled back sp ${i}'); SAVEPOINT Ifnbackup_Replay_Batch; INSERT INTO m VALUES (${i}, 3) ON DUPLICATE KEY UPDATE v = v + 3; ROLLBACK;"
                echo "BEGIN; INSERT INTO t (k, v) VALUES (${k}, 'named sp a ${i}'); SAVEPOINT \`ifnbackup_replay_batch\`; INSERT INTO t (k, v) VALUES (${k}, 'named sp b ${i}'); INSERT INTO m VALUES (${i}, 5) ON DUPLICATE KEY UPDATE v = v + 5; ROLLBACK TO ifnbackup_replay_batch; COMMIT;" ;;
            16) # sequences (row-based logging only)
                echo "SET SESSION binlog_format = ROW; SELECT NEXTVAL(sq) INTO @n; INSERT INTO t (k, v) VALUES (NEXTVAL(sq) % 60, 'seq ${i}');"
                (($((RANDOM % 4)) == 0)) && echo "SELECT SETVAL(sq, $((i * 10))) INTO @n;" ;;
            17) # system-versioned tables: by time, and by transaction (history rows per transaction)
                echo "INSERT INTO sv VALUES (${k}, ${i}) ON DUPLICATE KEY UPDATE v = v + 1; UPDATE sv SET v = v * 2 WHERE id = $((RANDOM % 60)); DELETE FROM sv WHERE id = $((RANDOM % 60));"
                echo "INSERT INTO tv VALUES (${k}, ${i}) ON DUPLICATE KEY UPDATE v = v + 1;"
                echo "UPDATE tv SET v = v * 2 WHERE id = ${k};" ;;
            18) echo "BEGIN; UPDATE tv SET v = v + 3 WHERE id = ${k}; INSERT INTO tv VALUES ($((RANDOM % 60)), ${i}) ON DUPLICATE KEY UPDATE v = v - 1; COMMIT;" ;;
            19) # MATCH sees committed rows only: a statement of the log reading the index
                echo "SET SESSION binlog_format = STATEMENT; INSERT INTO doc (id, body) VALUES (${i}, 'about word${k}');"
                echo "UPDATE doc SET flagged = flagged + 1 WHERE MATCH (body) AGAINST ('word$((RANDOM % 60))');" ;;
            20) (($((RANDOM % 3)) == 0)) && echo "FLUSH BINARY LOGS;" ;;
            21) # the session's sql_mode, as mariadb-binlog writes it before each statement
                case $((RANDOM % 3)) in
                    0) echo "SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES'); BEGIN; INSERT INTO t (k, v) VALUES (${k}, 'back\\slash ${i}'); INSERT INTO t (k, v) VALUES (${k}, 'q''uote\\'); COMMIT;" ;;
                    1) echo "SET SESSION sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES'); INSERT INTO \"t\" (\"k\", \"v\") VALUES (${k}, 'ansi ${i}');" ;;
                    2) echo "SET SESSION sql_mode = 'ORACLE'; INSERT INTO t (k, v) VALUES (${k}, 'ora ' || ${i});" ;;
                esac
                echo "SET SESSION sql_mode = DEFAULT;" ;;
            22) # another time zone: NOW() into TIMESTAMP and DATETIME columns
                echo "SET SESSION time_zone = '+05:30'; INSERT INTO tz VALUES (${i}, NOW(), NOW()) ON DUPLICATE KEY UPDATE ts = NOW(); SET SESSION time_zone = DEFAULT;" ;;
            24) # a transaction of more than 16 MiB of statements (not in the default KINDS: slow)
                echo "BEGIN;"
                for ((j = 0; j < 24; j++)); do
                    printf "INSERT INTO big VALUES (%d, '%s');\n" $((i * 100 + j)) "$(head -c 700000 /dev/zero | tr '\0' 'b')"
                done
                echo "COMMIT;" ;;
            25) # a LOAD DATA LOCAL (not in the default KINDS), logged as a statement unless ROW: its file
                # replayed through mariadb-binlog --local-load; clauses, a MyISAM one in a rolled-back transaction
                f="${CLI_WORK}/load${i}.csv"
                printf '%d,load %d a\n%d,load %d\tb\n%d,"load, %d c"\n' "${k}" "${i}" $((RANDOM % 60)) "${i}" \
                    $((RANDOM % 60)) "${i}" >"${f}"
                case $((RANDOM % 4)) in
                    0) echo "LOAD DATA LOCAL INFILE '${f}' INTO TABLE t FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' (k, v);" ;;
                    1) echo "LOAD DATA LOW_PRIORITY LOCAL INFILE '${f}' REPLACE INTO TABLE m CHARACTER SET latin1 FIELDS TERMINATED BY ',' (id, @x) SET v = LENGTH(@x) + ${i};" ;;
                    2) echo "BEGIN; LOAD DATA LOCAL INFILE '${f}' IGNORE INTO TABLE m FIELDS TERMINATED BY ',' (id, @x) SET v = ${i}; INSERT INTO t (k, v) VALUES (${k}, 'load rb ${i}'); ROLLBACK;" ;;
                    3) echo "BEGIN; LOAD DATA CONCURRENT LOCAL INFILE '${f}' INTO TABLE t FIELDS TERMINATED BY ',' (k, @v) SET v = UPPER(@v); UPDATE t SET v = 'after load' WHERE k = ${k}; COMMIT;" ;;
                esac ;;
            23) # a trigger writing a MyISAM table, in a transaction rolled back or not
                case $((RANDOM % 2)) in
                    0) echo "BEGIN; INSERT INTO tr VALUES (${i}, ${k}); ROLLBACK;" ;;
                    1) echo "BEGIN; INSERT INTO tr VALUES (${i}, ${k}); UPDATE tr SET v = v + 1 WHERE id = $((RANDOM % ops)); COMMIT;" ;;
                esac ;;
        esac
    done
} >"${work}"
run sql "${db}" --local-infile=1 --show-warnings=0 -e "source ${work}"
expect_exit "the generated work runs (seed ${seed}, ${ops} operations)" 0
target=$(sleep 1.2 && sql -e "SELECT NOW() - INTERVAL 1 SECOND")
# The server's files as they are now: the stock replay reads these (our restore writes more after).
root -e "FLUSH BINARY LOGS"
logs=$(cd "${IFNBACKUP_TEST_DIR}" && ls binlog.[0-9]* | awk -v first="${first_log}" '$0 >= first')
run ifn binlog archive
expect_exit "archive the work" 0

# --- the stock client's
sql -e "CREATE DATABASE shop_stock"
gunzip -c "${file}" | sql shop_stock
expect_eq "the stock client loads the backup" "0" "${PIPESTATUS[1]}"
mkdir -p "${CLI_WORK}/stock-load"
(
    cd "${IFNBACKUP_TEST_DIR}" || exit 1
    first=1
    for log in ${logs}; do
        if ((first)); then
            mariadb-binlog --no-defaults --database="${db}" --rewrite-db="${db}->shop_stock" \
                --local-load="${CLI_WORK}/stock-load" --start-position="${start_position}" --stop-datetime="$(date -d "${target} 1 second" '+%F %T')" "${log}"
            first=0
        else
            mariadb-binlog --no-defaults --database="${db}" --rewrite-db="${db}->shop_stock" \
                --local-load="${CLI_WORK}/stock-load" --stop-datetime="$(date -d "${target} 1 second" '+%F %T')" "${log}"
        fi
    done
) | root --local-infile=1 >"${CLI_WORK}/stock.out" 2>&1
expect_eq "the stock client replays the binary log" "0" "${PIPESTATUS[1]}"

# --- ours, in place (after the stock client read the files: our restore writes to the binary log)
# What the restore replaces: a restore that did nothing would leave these gaps.
sql "${db}" -e "DELETE FROM t WHERE id % 2 = 0; DELETE FROM m; DELETE FROM audit"
run ifn restore --until "${target}" --yes
expect_exit "restore --until the end of the work" 0
grep -E 'replayed|committed alone|restore failed' <<<"${CLI_LAST_ERR}${CLI_LAST_OUT}" | sed 's/^/  restore: /'
commits_line=$(grep -o '[0-9]* transactions of the binary log in [0-9]* commits' <<<"${CLI_LAST_ERR}${CLI_LAST_OUT}")
transactions=$(awk '{ s += $1 } END { print s + 0 }' <<<"${commits_line}")
commits=$(awk 'NF { s += $(NF - 1) } END { print s + 0 }' <<<"${commits_line}")
check "the replay held transactions together (${transactions} transactions in ${commits} commits)" \
    test "${commits}" -gt 0 -a $((commits * 2)) -lt "${transactions}"

# --- the same database
tables_of() { sql -N -e "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$1' ORDER BY 1"; }
expect_eq "the same tables" "$(tables_of shop_stock)" "$(tables_of shop)"
for table in $(tables_of shop_stock); do
    expect_eq "${table}: the same definition and AUTO_INCREMENT" \
        "$(sql -N shop_stock -e "SHOW CREATE TABLE \`${table}\`")" \
        "$(sql -N shop -e "SHOW CREATE TABLE \`${table}\`")"
    expect_eq "${table}: the same rows" "$(sql -N shop_stock -e "SELECT * FROM \`${table}\` ORDER BY 1")" \
        "$(sql -N shop -e "SELECT * FROM \`${table}\` ORDER BY 1")"
done
# The history of the system-versioned tables: as many rows (by transaction: the ids differ, not their count)
for table in $(sql -N shop_stock -e "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop_stock' AND TABLE_TYPE = 'SYSTEM VERSIONED'"); do
    expect_eq "${table}: the same history" \
        "$(sql -N shop_stock -e "SELECT id, v FROM ${table} FOR SYSTEM_TIME ALL ORDER BY id, v")" \
        "$(sql -N shop -e "SELECT id, v FROM ${table} FOR SYSTEM_TIME ALL ORDER BY id, v")"
done
check "rows were written after the backup" test "$(sql -N shop -e "SELECT COUNT(*) FROM t")" -gt 40
if grep -q "'rolled back" "${work}"; then
    check "a ROLLBACK of the binary log left its MyISAM rows" test "$(sql -N shop -e "SELECT COUNT(*) FROM m")" -gt 0
    expect_eq "and took back its InnoDB rows" "0" "$(sql -N shop -e "SELECT COUNT(*) FROM t WHERE v LIKE 'rolled back%'")"
fi

cli_finish
