#!/usr/bin/env bash
# Issue 14: TLS against a real TLS server (scripts/testdb --tls: a throw-away CA, a server certificate
# for the name localhost only, an unrelated CA, a client certificate). The downgrade case first: REQUIRED
# against a server without TLS is refused. Then: REQUIRED is encrypted (the server's own Ssl_cipher of
# the session, through doctor); VERIFY_CA checks the CA and not the names; VERIFY_IDENTITY checks the
# name; --ssl-fingerprint pins the certificate; --ssl-cert/--ssl-key for an account REQUIRE SUBJECT; every
# connection of a restore (--threads 2, LOAD DATA LOCAL, safety snapshot, proof) carries the same
# settings (the account refuses any connection without that client certificate over TLS).
# Each refusal: exit 4, an error: line and a hint: line about certificates, CA or names, not ports.
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cli_init
command -v openssl >/dev/null 2>&1 || cli_skip "openssl is not installed (it makes the test certificates)"

# expect_tls_refusal WHAT WORD: the last run exited 4 with an error: line and a hint: line holding WORD
# and not speaking of ports.
expect_tls_refusal() {
    local what=$1 word=$2 hint
    expect_exit "${what}" 4
    expect_contains "${what}: an error: line" "error: " "${CLI_LAST_ERR}"
    hint=$(grep -m1 '^hint: ' <<<"${CLI_LAST_ERR}")
    expect_contains "${what}: a hint: line of its own, speaking of ${word}" "${word}" "${hint}"
    expect_not_contains "${what}: the hint does not send the operator to ports" "port" "${hint}"
}

# 1. The downgrade case, first: REQUIRED against a server that offers no TLS.
cli_use_server
if [[ -n ${IFNBACKUP_TEST_TCP_DEFAULTS_FILE:-} ]] && [[ $(sql -e "SELECT @@have_ssl") != "YES" ]]; then
    plain_db=$(cli_unique_db tlsplain)
    cli_create_db "${plain_db}"
    run "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_TCP_DEFAULTS_FILE}" --database "${plain_db}" \
        --backup-dir "${CLI_WORK}/plain" --ssl-mode REQUIRED backup --no-rotate
    expect_exit "REQUIRED against a server without TLS" 4
    expect_contains "it says TLS is required and missing" "TLS is required" "${CLI_LAST_ERR}"
    expect_contains "the hint says to enable TLS on the server" "hint: enable TLS on the server" "${CLI_LAST_ERR}"
    # A client certificate requires TLS too: it would not be sent over plain text.
    (
        umask 077
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=client \
            -keyout "${CLI_WORK}/plain-key.pem" -out "${CLI_WORK}/plain-cert.pem" 2>/dev/null
    )
    run "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_TCP_DEFAULTS_FILE}" --database "${plain_db}" \
        --backup-dir "${CLI_WORK}/plain" --ssl-cert "${CLI_WORK}/plain-cert.pem" \
        --ssl-key "${CLI_WORK}/plain-key.pem" backup --no-rotate
    expect_exit "--ssl-cert against a server without TLS" 4
    expect_contains "it says the client certificate requires TLS" "TLS is required (--ssl-cert)" "${CLI_LAST_ERR}"
    expect_eq "no backup written" "" "$(final_backups "${CLI_WORK}/plain")"
    # VERIFY_IDENTITY is refused by the library itself: its hint speaks of TLS on the server, not of a CA.
    run "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_TCP_DEFAULTS_FILE}" --database "${plain_db}" \
        --backup-dir "${CLI_WORK}/plain" --ssl-mode VERIFY_IDENTITY backup --no-rotate
    expect_tls_refusal "VERIFY_IDENTITY against a server without TLS" "the server offers no TLS"
    # PREFERRED: TLS when offered, plain text when not.
    run "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_TCP_DEFAULTS_FILE}" --database "${plain_db}" \
        --backup-dir "${CLI_WORK}/plain" --ssl-mode PREFERRED backup --no-rotate
    expect_exit "PREFERRED against a server without TLS: plain text" 0
else
    cli_log "note: the shared server offers TLS (or no TCP option file): the downgrade case runs in test_hardening"
fi

# 2. A server with TLS of its own.
cli_start_own_server tls SYSTEM --tls
tcp=${IFNBACKUP_TEST_TCP_DEFAULTS_FILE}
db=$(cli_unique_db tls)
cli_create_db "${db}"
sql "${db}" -e "CREATE TABLE t1 (id INT PRIMARY KEY, v VARCHAR(40));
                INSERT INTO t1 SELECT seq, MD5(seq) FROM seq_1_to_20000;
                CREATE TABLE t2 (id INT PRIMARY KEY, w BLOB);
                INSERT INTO t2 SELECT seq, UNHEX(SHA2(seq, 256)) FROM seq_1_to_20000;
                CREATE TABLE t3 (k VARCHAR(10) PRIMARY KEY);
                INSERT INTO t3 VALUES ('a'), ('b');
                CREATE VIEW v1 AS SELECT COUNT(*) AS n FROM t1"
ifn() {
    "${CLI_BIN}" --database "${db}" --backup-dir "${CLI_WORK}/backups" "$@"
}
encrypted_line() {
    grep -m1 "the connection is encrypted: " <<<"${CLI_LAST_OUT}${CLI_LAST_ERR}"
}

# REQUIRED: encrypted, as the server sees the session (doctor reads its Ssl_cipher).
run ifn --defaults-file "${tcp}" --ssl-mode REQUIRED doctor
expect_contains "REQUIRED: the server says the session is encrypted" "the connection is encrypted: TLSv1" \
    "$(encrypted_line)"
# PREFERRED asks for TLS: a server that offers it is spoken to encrypted.
run ifn --defaults-file "${tcp}" --ssl-mode PREFERRED doctor
expect_contains "PREFERRED against a server with TLS: encrypted" "the connection is encrypted: TLSv1" "$(encrypted_line)"
run ifn --defaults-file "${tcp}" --ssl-mode DISABLED doctor
expect_contains "DISABLED over TCP: doctor warns the connection is not encrypted" \
    "the connection is not encrypted: anyone on the network path" "${CLI_LAST_OUT}${CLI_LAST_ERR}"
run ifn --defaults-file "${tcp}" --ssl-mode REQUIRED backup --no-rotate
expect_exit "backup --ssl-mode REQUIRED over TLS" 0

# VERIFY_CA: the right CA works even through 127.0.0.1, which the certificate does not name.
run ifn --defaults-file "${tcp}" --ssl-mode VERIFY_CA --ssl-ca "${IFNBACKUP_TEST_TLS_CA}" doctor
expect_contains "VERIFY_CA with the right CA, by an address not in the certificate: encrypted" \
    "the connection is encrypted: TLSv1" "$(encrypted_line)"
run ifn --defaults-file "${tcp}" --ssl-mode VERIFY_CA --ssl-ca "${IFNBACKUP_TEST_TLS_CA}" backup --no-rotate
expect_exit "backup --ssl-mode VERIFY_CA with the right CA" 0
run ifn --defaults-file "${tcp}" --ssl-mode VERIFY_CA --ssl-ca "${IFNBACKUP_TEST_TLS_OTHER_CA}" backup --no-rotate
expect_tls_refusal "VERIFY_CA with another CA" "--ssl-ca"
# Without --ssl-ca the system's CAs judge: our throw-away CA is not one of them.
run ifn --defaults-file "${tcp}" --ssl-mode VERIFY_CA backup --no-rotate
expect_tls_refusal "VERIFY_CA without --ssl-ca (the system's CAs)" "certificate"

# VERIFY_IDENTITY: the name must be in the certificate.
run ifn --defaults-file "${tcp}" --host 127.0.0.1 --ssl-mode VERIFY_IDENTITY --ssl-ca "${IFNBACKUP_TEST_TLS_CA}" \
    backup --no-rotate
expect_tls_refusal "VERIFY_IDENTITY by 127.0.0.1, a name not in the certificate" "name"
expect_contains "the hint offers VERIFY_CA and the fingerprint" "--ssl-fingerprint" "${CLI_LAST_ERR}"
# By localhost over TCP: Connector/C 3.3 reads an option file's protocol as a number (1: TCP), "tcp" is 0,
# the default, and localhost would then go through the socket.
sed 's/^protocol=.*/protocol=1/' "${tcp}" >"${CLI_WORK}/tcp-by-number.cnf"
chmod 0600 "${CLI_WORK}/tcp-by-number.cnf"
run ifn --defaults-file "${CLI_WORK}/tcp-by-number.cnf" --host "${IFNBACKUP_TEST_TLS_SERVER_NAME}" \
    --ssl-mode VERIFY_IDENTITY --ssl-ca "${IFNBACKUP_TEST_TLS_CA}" backup --no-rotate
expect_exit "VERIFY_IDENTITY by the certificate's name (${IFNBACKUP_TEST_TLS_SERVER_NAME}, over TCP)" 0

# A server certificate out of its dates (expired, not yet valid): refused, and the hint speaks of the
# dates and the clock, not of the CA (which is the right one). The server reloads its files by FLUSH SSL.
command -v faketime >/dev/null 2>&1 || cli_skip "faketime is not installed (scripts/install-deps): it dates the certificates"
tls_dir=$(dirname "${IFNBACKUP_TEST_TLS_SERVER_CERT}")
cp -p "${IFNBACKUP_TEST_TLS_SERVER_CERT}" "${CLI_WORK}/server-cert.keep"
# The future one a year from today (a fixed year would be valid, not refused, for two days then).
for when in "2020-01-01 00:00:00" "$(date -u -d '+1 year' '+%F') 00:00:00"; do
    faketime "${when}" openssl x509 -req -in "${tls_dir}/server.csr" -CA "${IFNBACKUP_TEST_TLS_CA}" \
        -CAkey "${tls_dir}/ca-key.pem" -CAcreateserial -days 2 -extfile "${tls_dir}/server.ext" \
        -out "${IFNBACKUP_TEST_TLS_SERVER_CERT}" 2>/dev/null
    mariadb --defaults-file="${IFNBACKUP_TEST_ROOT_DEFAULTS_FILE}" -e "FLUSH SSL"
    run ifn --defaults-file "${tcp}" --ssl-mode VERIFY_CA --ssl-ca "${IFNBACKUP_TEST_TLS_CA}" backup --no-rotate
    expect_tls_refusal "a server certificate made on ${when} for 2 days" "dates of validity"
done
cp -p "${CLI_WORK}/server-cert.keep" "${IFNBACKUP_TEST_TLS_SERVER_CERT}"
mariadb --defaults-file="${IFNBACKUP_TEST_ROOT_DEFAULTS_FILE}" -e "FLUSH SSL"

# A CA file that is not there, or a folder: a configuration error naming the file, before any connection.
run ifn --defaults-file "${tcp}" --ssl-mode VERIFY_CA --ssl-ca "${CLI_WORK}/no-such-ca.pem" backup --no-rotate
expect_exit "a missing --ssl-ca file" 3
expect_contains "the error names it" "CA certificate file ${CLI_WORK}/no-such-ca.pem" "${CLI_LAST_ERR}"
run ifn --defaults-file "${tcp}" --ssl-mode VERIFY_CA --ssl-ca "${CLI_WORK}" backup --no-rotate
expect_exit "a folder as --ssl-ca" 3
expect_contains "the error says it is not a file" "is not a regular file" "${CLI_LAST_ERR}"

# The same settings through the environment and the config file.
run env IFNBACKUP_SSL_MODE=VERIFY_CA IFNBACKUP_SSL_CA="${IFNBACKUP_TEST_TLS_OTHER_CA}" \
    "${CLI_BIN}" --defaults-file "${tcp}" --database "${db}" --backup-dir "${CLI_WORK}/backups" backup --no-rotate
expect_tls_refusal "IFNBACKUP_SSL_MODE/IFNBACKUP_SSL_CA with another CA" "--ssl-ca"
printf '%s\n' "ssl-mode = VERIFY_IDENTITY" "ssl-ca = ${IFNBACKUP_TEST_TLS_CA}" "host = 127.0.0.1" \
    >"${CLI_WORK}/tls.conf"
run "${CLI_BIN}" --config "${CLI_WORK}/tls.conf" --defaults-file "${tcp}" --database "${db}" \
    --backup-dir "${CLI_WORK}/backups" backup --no-rotate
expect_tls_refusal "ssl-mode VERIFY_IDENTITY from the config file, by 127.0.0.1" "name"

# --ssl-fingerprint: the server's certificate pinned by its SHA-256, whatever its CA and names.
fingerprint=$(openssl x509 -noout -fingerprint -sha256 -in "${IFNBACKUP_TEST_TLS_SERVER_CERT}" | cut -d= -f2)
other_fingerprint=$(openssl x509 -noout -fingerprint -sha256 -in "${IFNBACKUP_TEST_TLS_OTHER_CA}" | cut -d= -f2)
pin=(--defaults-file "${tcp}" --host 127.0.0.1 --port "${IFNBACKUP_TEST_PORT}")
run ifn "${pin[@]}" --ssl-fingerprint "${fingerprint}" doctor
expect_contains "the right fingerprint: connected, encrypted" "the connection is encrypted: TLSv1" "$(encrypted_line)"
run ifn "${pin[@]}" --ssl-fingerprint "$(tr -d : <<<"${fingerprint}" | tr 'A-F' 'a-f')" backup --no-rotate
expect_exit "backup with the right fingerprint (lowercase, no colons)" 0
run ifn "${pin[@]}" --ssl-fingerprint "${other_fingerprint}" backup --no-rotate
expect_tls_refusal "another certificate's fingerprint" "certificate"
expect_contains "the error gives the certificate's real fingerprint" \
    "$(tr -d : <<<"${fingerprint}" | tr 'A-F' 'a-f')" "${CLI_LAST_ERR}"
run ifn "${pin[@]}" --ssl-fingerprint "12:34" backup --no-rotate
expect_exit "a fingerprint that is not a SHA-256 one is a usage error" 2

# Client certificates: an account that requires this subject.
password=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
mariadb --defaults-file="${IFNBACKUP_TEST_ROOT_DEFAULTS_FILE}" -e "
    CREATE USER 'x509'@'127.0.0.1' IDENTIFIED BY '${password}'
        REQUIRE SUBJECT '${IFNBACKUP_TEST_TLS_CLIENT_SUBJECT}' AND ISSUER '/CN=ifnbackup test CA';
    GRANT ALL PRIVILEGES ON *.* TO 'x509'@'127.0.0.1'"
(
    umask 077
    printf '%s\n' "[client]" "user=x509" "password=${password}" "host=127.0.0.1" \
        "port=${IFNBACKUP_TEST_PORT}" "protocol=tcp" >"${CLI_WORK}/x509.cnf"
)
x509=(--defaults-file "${CLI_WORK}/x509.cnf" --ssl-mode VERIFY_CA --ssl-ca "${IFNBACKUP_TEST_TLS_CA}")
run ifn "${x509[@]}" backup --no-rotate
expect_exit "an account REQUIRE SUBJECT without a client certificate" 4
expect_contains "the hint names --ssl-cert" "--ssl-cert and --ssl-key" "${CLI_LAST_ERR}"
cp "${IFNBACKUP_TEST_TLS_CLIENT_KEY}" "${CLI_WORK}/loose-key.pem"
chmod 0644 "${CLI_WORK}/loose-key.pem"
run ifn "${x509[@]}" --ssl-cert "${IFNBACKUP_TEST_TLS_CLIENT_CERT}" --ssl-key "${CLI_WORK}/loose-key.pem" \
    backup --no-rotate
expect_exit "a client key readable by others is refused" 3
run ifn "${x509[@]}" --ssl-cert "${CLI_WORK}/no-such-cert.pem" --ssl-key "${IFNBACKUP_TEST_TLS_CLIENT_KEY}" \
    backup --no-rotate
expect_exit "a missing --ssl-cert file" 3
expect_contains "the error names it" "client certificate file ${CLI_WORK}/no-such-cert.pem" "${CLI_LAST_ERR}"
# Without --ssl-key the certificate's file must hold the key: then it is a key file, 0600 or refused.
run ifn "${x509[@]}" --ssl-cert "${IFNBACKUP_TEST_TLS_CLIENT_CERT}" backup --no-rotate
expect_exit "--ssl-cert holding no key, without --ssl-key" 2
expect_contains "it says the key is missing" "holds no private key" "${CLI_LAST_ERR}"
cat "${IFNBACKUP_TEST_TLS_CLIENT_CERT}" "${IFNBACKUP_TEST_TLS_CLIENT_KEY}" >"${CLI_WORK}/cert-and-key.pem"
chmod 0644 "${CLI_WORK}/cert-and-key.pem"
run ifn "${x509[@]}" --ssl-cert "${CLI_WORK}/cert-and-key.pem" backup --no-rotate
expect_exit "a certificate-and-key file readable by others is refused" 3
expect_contains "it names the file and its mode" "cert-and-key.pem is readable by others" "${CLI_LAST_ERR}"
chmod 0600 "${CLI_WORK}/cert-and-key.pem"
run ifn "${x509[@]}" --ssl-cert "${CLI_WORK}/cert-and-key.pem" backup --no-rotate
expect_exit "a 0600 certificate-and-key file, without --ssl-key" 0
# A key that is not the certificate's: the hint speaks of the client's files, not the server's.
(
    umask 077
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out "${CLI_WORK}/stranger-key.pem" 2>/dev/null
)
run ifn "${x509[@]}" --ssl-cert "${IFNBACKUP_TEST_TLS_CLIENT_CERT}" --ssl-key "${CLI_WORK}/stranger-key.pem" \
    backup --no-rotate
expect_tls_refusal "a --ssl-key that is not the certificate's" "private key of that same certificate"
x509+=(--ssl-cert "${IFNBACKUP_TEST_TLS_CLIENT_CERT}" --ssl-key "${IFNBACKUP_TEST_TLS_CLIENT_KEY}")
rm -rf "${CLI_WORK}/backups"
run ifn "${x509[@]}" backup --no-rotate
expect_exit "backup as that account with --ssl-cert/--ssl-key" 0
run ifn "${x509[@]}" doctor
expect_contains "doctor as that account: encrypted" "the connection is encrypted: TLSv1" "$(encrypted_line)"

# Every connection of a restore over the same TLS settings: the account refuses any other.
checksums() {
    sql "${db}" -e "CHECKSUM TABLE t1, t2, t3" | cut -f2 | tr '\n' ' '
}
before=$(checksums)
sql "${db}" -e "UPDATE t1 SET v = 'changed' WHERE id <= 100; DELETE FROM t3"
run ifn "${x509[@]}" --threads 2 restore latest --yes
expect_exit "restore --threads 2 as the REQUIRE SUBJECT account, VERIFY_CA + client certificate" 0
expect_eq "the restored tables are the backup's" "${before}" "$(checksums)"
check "a safety snapshot was written over those connections" \
    test -n "$(find "${CLI_WORK}/backups" -name 'pre_restore_safety_*.sql.gz' -print -quit)"
# A loading connection the server refuses is only a warning (fewer workers): it must not be there.
expect_not_contains "every loading connection was accepted" "refused another connection" "${CLI_LAST_ERR}"
check "rows went through LOAD DATA LOCAL over those connections" \
    grep -Eq "[1-9][0-9]* of [0-9]+ row statements loaded as LOAD DATA LOCAL" <<<"${CLI_LAST_ERR}"

cli_finish
