#!/usr/bin/env bash
# scripts/testdb and the SQL data files: a second private server in another zone starts, answers with the
# files it wrote, loads tests/data/sample.sql and corpus.sql with the stock client, and stops cleanly.
set -euo pipefail

source_dir=${IFNBACKUP_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
testdb="${source_dir}/scripts/testdb"
data_dir="${source_dir}/tests/data"

if ! command -v mariadbd >/dev/null 2>&1; then
    if [[ "${CI:-}" == "true" ]]; then
        echo "FAIL: mariadbd is not installed (CI=true: no skipping)" >&2
        exit 1
    fi
    echo "SKIP: mariadbd is not installed; run scripts/install-deps" >&2
    exit 77
fi

failures=0
check() {
    local what=$1
    shift
    if "$@"; then
        echo "ok: ${what}"
    else
        echo "FAIL: ${what}" >&2
        failures=$((failures + 1))
    fi
}

work=$(mktemp -d "${TMPDIR:-/tmp}/ifnbackup-smoke.XXXXXX")
server_dir="${work}/db"
cleanup() {
    "${testdb}" stop --dir "${server_dir}" >/dev/null 2>&1 || true
    rm -rf -- "${work}"
}
trap cleanup EXIT

# Its own server, in another zone: the variables of the shared one (from scripts/test) are replaced here only.
exports=$("${testdb}" start --dir "${server_dir}" --tz +03:00)
eval "${exports}"

sql() {
    mariadb --defaults-file="${IFNBACKUP_TEST_DEFAULTS_FILE}" --default-character-set=utf8mb4 -N "$@"
}
mode_of() {
    stat -c %a "$1"
}

check "start prints the same exports as DIR/env" [ "${exports}" == "$(cat "${server_dir}/env")" ]
check "IFNBACKUP_TEST_DIR is the folder asked for" [ "${IFNBACKUP_TEST_DIR}" == "${server_dir}" ]
check "client.cnf is mode 600" [ "$(mode_of "${IFNBACKUP_TEST_DEFAULTS_FILE}")" == 600 ]
check "root.cnf is mode 600" [ "$(mode_of "${IFNBACKUP_TEST_ROOT_DEFAULTS_FILE}")" == 600 ]
check "status says running" "${testdb}" status --dir "${server_dir}"
check "socket login is ifnbackup@localhost" [ "$(sql -e 'SELECT CURRENT_USER()')" == "ifnbackup@localhost" ]
check "TCP login is ifnbackup@127.0.0.1 on the exported port" \
    [ "$(mariadb --defaults-file="${IFNBACKUP_TEST_TCP_DEFAULTS_FILE}" -N -e 'SELECT CURRENT_USER(), @@port')" \
      == "ifnbackup@127.0.0.1	${IFNBACKUP_TEST_PORT}" ]
check "the server runs in zone +03:00" [ "$(sql -e 'SELECT @@global.time_zone')" == "+03:00" ]
check "the binary log is on" [ "$(sql -e 'SELECT @@log_bin')" == 1 ]
check "the server pid file names a live process" kill -0 "$(cat "${IFNBACKUP_TEST_PIDFILE}")"

sql -e "CREATE DATABASE sample; CREATE DATABASE corpus"
check "sample.sql loads" sql sample -e "source ${data_dir}/sample.sql"
check "sample has 40 merchants and 600 transactions" \
    [ "$(sql sample -e 'SELECT (SELECT COUNT(*) FROM merchants), (SELECT COUNT(*) FROM transactions)')" == "40	600" ]
check "the trigger kept every balance equal to the net of its transactions" \
    [ "$(sql sample -e "SELECT COUNT(*) FROM merchants m WHERE m.balance <> (SELECT COALESCE(SUM(IF(kind = 'retrait', -amount, amount)), 0) FROM transactions t WHERE t.merchant_id = m.id)")" == 0 ]
check "sample names keep their accents" \
    [ "$(sql sample -e "SELECT full_name FROM merchants WHERE id = 2")" == "Zoé N'Guessan" ]

check "corpus.sql loads with the stock client" \
    bash -c "mariadb --defaults-file='${IFNBACKUP_TEST_DEFAULTS_FILE}' --default-character-set=utf8mb4 corpus < '${data_dir}/corpus.sql'"
check "corpus has its 26 tables, 4 views, 2 triggers, 2 routines, 1 event, 1 sequence" \
    [ "$(sql -e "SELECT
        (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'corpus' AND TABLE_TYPE = 'BASE TABLE'),
        (SELECT COUNT(*) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = 'corpus'),
        (SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'corpus'),
        (SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = 'corpus'),
        (SELECT COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = 'corpus'),
        (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'corpus' AND TABLE_TYPE = 'SEQUENCE')")" \
      == "26	4	2	2	1	1" ]
check "corpus row counts" \
    [ "$(sql corpus -e 'SELECT (SELECT COUNT(*) FROM many_rows), (SELECT COUNT(*) FROM audit_log),
        (SELECT COUNT(*) FROM no_primary_key), (SELECT COUNT(*) FROM empty_table), (SELECT COUNT(*) FROM `weird``name; table`)')" \
      == "30000	3	6	0	1" ]
# Loaded in zone +03:00, the TIMESTAMPs are the UTC instants the file names (it sets time_zone itself).
check "corpus TIMESTAMPs are zone-independent" \
    [ "$(sql corpus -e 'SELECT UNIX_TIMESTAMP(ts) FROM temporal_values WHERE id = 3')" == "1729989000.000000" ]
check "corpus AUTO_INCREMENT is ahead of MAX(id)" \
    [ "$(sql -e "SELECT AUTO_INCREMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'corpus' AND TABLE_NAME = 'auto_ahead'")" == 1000 ]
check "corpus sequence has moved" [ "$(sql corpus -e 'SELECT NEXTVAL(invoice_seq)')" == 1015 ]

"${testdb}" stop --dir "${server_dir}" >/dev/null 2>&1
check "stop removes the folder" [ ! -e "${server_dir}" ]
check "status says not running after stop" bash -c "! '${testdb}' status --dir '${server_dir}' >/dev/null"

# scripts/bench-levels on a small SQL text: a row per level, zlib's gzip -6 as the 1.000 reference.
levels=$("${source_dir}/scripts/bench-levels" "${data_dir}/corpus.sql" 2>&1) || levels="exit $?: ${levels}"
check "bench-levels prints gzip -6 and levels 1 to 7" \
    [ "$(grep -cE '^\| (zlib gzip -6|libdeflate [1-7]) \| [0-9]+ \| [0-9]\.[0-9]{3} \| [0-9]+\.[0-9]{2} \|$' <<<"${levels}")" == 8 ]
check "bench-levels: level 6 is smaller than level 1 on SQL" \
    awk -F' \\| ' '$1 == "| libdeflate 1" { one = $2 } $1 == "| libdeflate 6" { six = $2 } END { exit !(six < one) }' <<<"${levels}"

if [[ ${failures} -gt 0 ]]; then
    echo "${failures} check(s) failed" >&2
    exit 1
fi
echo "all checks passed"
