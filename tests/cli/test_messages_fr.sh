#!/usr/bin/env bash
# Messages in the operator's language (issue 14, docs/messages.md), read where the operator reads
# them: under LANG=fr_FR.UTF-8 the `error:` and `hint:` lines of a missing backup file, a dead server
# and a corrupt file are French, and English otherwise (the hint on a line of its own, `hint: ...`,
# never `error: hint: ...`); the log file stays English; list, status, check, verify and doctor have no
# English heading left in French, and their JSON is the same in both languages. A French run of backup,
# verify, rotate --dry-run, restore --yes and push prints its progress (`info:` lines), rotate's
# reasons and push's outcome in French with no English word of them left, while backup.log,
# restore.log and push.log stay English.
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cli_init
if ! locale -a 2>/dev/null | grep -qix 'fr_FR.utf8'; then
    [[ "${CI:-}" == "true" ]] && fail "the fr_FR.UTF-8 locale is missing (scripts/install-deps generates it)"
    cli_skip "no fr_FR.UTF-8 locale here (scripts/install-deps generates it)"
fi

fr() { env LANG=fr_FR.UTF-8 LANGUAGE= LC_ALL= LC_MESSAGES= "$@"; }
en() { env LANG=C.UTF-8 LANGUAGE= LC_ALL= LC_MESSAGES= "$@"; }
# The line of stderr that starts with `label:`.
line_of() { grep -m1 "^$1: " <<<"$2"; }

dir="${CLI_WORK}/backups"
mkdir -p "${dir}"
chmod 700 "${dir}"

# --- 1. A missing backup file: one error line naming it, one hint line, in one language at a time.
missing="${dir}/ifnbackup_nope_20260101_000000.sql.gz"
run fr "${CLI_BIN}" --backup-dir "${dir}" verify "${missing}"
fr_err=${CLI_LAST_ERR}
expect_eq "missing file (fr): exit 15" 15 "${CLI_LAST_EXIT}"
expect_contains "missing file (fr): the error line is French and names the file" \
    "error: fichier de backup '${missing}' introuvable (cherché dans ${dir} et tel que donné)" "${fr_err}"
expect_contains "missing file (fr): the hint line is French" \
    "hint: le dossier des backups ne contient aucun backup ; vérifiez --backup-dir" "${fr_err}"
expect_eq "missing file (fr): two lines, error and hint" 2 "$(grep -c . <<<"${fr_err}")"
run en "${CLI_BIN}" --backup-dir "${dir}" verify "${missing}"
expect_eq "missing file (en): exit 15" 15 "${CLI_LAST_EXIT}"
expect_contains "missing file (en): the same error in English" \
    "error: backup file '${missing}' not found (looked in ${dir} and as given)" "${CLI_LAST_ERR}"
expect_contains "missing file (en): the hint in English" "hint: the backup folder holds no backup; check --backup-dir" \
    "${CLI_LAST_ERR}"
expect_not_contains "missing file (en): no French" "vérifiez" "${CLI_LAST_ERR}"

# --- 2. A dead server (nothing listens on port 1): French on the terminal, English in the log file.
logs_fr="${CLI_WORK}/logs_fr"
run fr "${CLI_BIN}" --host 127.0.0.1 --port 1 --user nobody --database ifn_nowhere --backup-dir "${dir}" \
    --log-dir "${logs_fr}" backup
expect_eq "dead server (fr): exit 4 (connection)" 4 "${CLI_LAST_EXIT}"
expect_contains "dead server (fr): French error line" "error: connexion impossible à " "${CLI_LAST_ERR}"
expect_contains "dead server (fr): French hint line" \
    "hint: vérifiez l'hôte, le port et le socket, et que le serveur tourne" "${CLI_LAST_ERR}"
check "dead server (fr): backup.log was written" test -s "${logs_fr}/backup.log"
log_text=$(cat "${logs_fr}/backup.log" 2>/dev/null)
expect_contains "dead server (fr): the log file keeps the English error" "error: cannot connect to " "${log_text}"
expect_contains "dead server (fr): ... and the English hint, on a line of its own labelled hint" \
    "hint: check host, port and socket, and that the server is running" "${log_text}"
expect_not_contains "dead server (fr): the log file has no 'error: hint:' line" "error: hint:" "${log_text}"
expect_not_contains "dead server (fr): the terminal has no 'error: hint:' line" "error: hint:" "${CLI_LAST_ERR}"
check "dead server (fr): the terminal's hint line starts with 'hint: '" grep -q '^hint: vérifiez' <<<"${CLI_LAST_ERR}"
expect_not_contains "dead server (fr): no French in the log file" "connexion impossible" "${log_text}"
journal_text=$(cat "${logs_fr}/journal.jsonl" 2>/dev/null)
expect_contains "dead server (fr): the journal keeps the English message" "cannot connect to" "${journal_text}"
expect_not_contains "dead server (fr): no French in the journal" "impossible" "${journal_text}"
run en "${CLI_BIN}" --host 127.0.0.1 --port 1 --user nobody --database ifn_nowhere --backup-dir "${dir}" \
    --log-dir "${CLI_WORK}/logs_en" backup
expect_eq "dead server (en): exit 4" 4 "${CLI_LAST_EXIT}"
expect_contains "dead server (en): English error line" "error: cannot connect to " "${CLI_LAST_ERR}"
expect_contains "dead server (en): English hint line" \
    "hint: check host, port and socket, and that the server is running" "${CLI_LAST_ERR}"

# --- 3. A corrupt file: verify's verdict in the operator's language, its JSON in English.
corrupt="${CLI_WORK}/corrupt"
mkdir -p "${corrupt}"
chmod 700 "${corrupt}"
name=ifnbackup_ifn_msg_20260101_000000.sql.gz
printf 'this is not gzip\n' >"${corrupt}/${name}"
chmod 600 "${corrupt}/${name}"
run fr "${CLI_BIN}" --backup-dir "${corrupt}" verify "${corrupt}/${name}"
expect_eq "corrupt file (fr): exit 10" 10 "${CLI_LAST_EXIT}"
expect_contains "corrupt file (fr): French verdict and reason" "CORROMPU: ${name}" "${CLI_LAST_OUT}"
expect_contains "corrupt file (fr): ... the reason in French" "pas un fichier gzip" "${CLI_LAST_OUT}"
expect_contains "corrupt file (fr): French summary" "1 fichier(s) : 0 ok, 1 corrompu(s)" "${CLI_LAST_OUT}"
run en "${CLI_BIN}" --backup-dir "${corrupt}" verify "${corrupt}/${name}"
expect_contains "corrupt file (en): English verdict" "CORRUPT: ${name}" "${CLI_LAST_OUT}"
expect_contains "corrupt file (en): English reason" "not a gzip file" "${CLI_LAST_OUT}"
run fr "${CLI_BIN}" --backup-dir "${corrupt}" verify --json "${corrupt}/${name}"
fr_json=${CLI_LAST_OUT}
run en "${CLI_BIN}" --backup-dir "${corrupt}" verify --json "${corrupt}/${name}"
expect_eq "corrupt file: verify --json is the same in both languages" "${CLI_LAST_OUT}" "${fr_json}"
expect_contains "corrupt file: ... and English" "not a gzip file" "${fr_json}"

# --- 4. list, status, check and doctor over a real backup: no English heading left in French.
cli_use_server
db=$(cli_unique_db ifn_msg)
cli_load_db "${db}" "${CLI_DATA_DIR}/sample.sql" || cli_skip "cannot load the sample database"
common=(--defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" --backup-dir "${dir}")
run en "${CLI_BIN}" "${common[@]}" backup
expect_eq "a backup to list" 0 "${CLI_LAST_EXIT}"
[[ ${CLI_LAST_EXIT} -eq 0 ]] || cli_log "${CLI_LAST_ERR}"

# English words of the headings and states that must not survive in French.
english_left() {
    local text=$1 word found=""
    shift
    for word in "$@"; do
        grep -qF -- "${word}" <<<"${text}" && found+="'${word}' "
    done
    printf '%s' "${found}"
}

run fr "${CLI_BIN}" "${common[@]}" list
expect_eq "list (fr): exit 0" 0 "${CLI_LAST_EXIT}"
expect_contains "list (fr): French column titles" "NOM" "${CLI_LAST_OUT}"
expect_contains "list (fr): French summary" "dernier bon backup" "${CLI_LAST_OUT}"
expect_eq "list (fr): no English heading or state left" "" "$(english_left "${CLI_LAST_OUT}" NAME KIND SIZE ROWS \
    VERIFIED "never verified" "safety snapshot" "partial(s)" " used" "free of" "newest good" " old)")"
# The columns still line up with accented titles (ÂGE, VÉRIFIÉ): VÉRIFIÉ starts, in characters,
# where the row's state "OK (date)" does.
header=$(sed -n 1p <<<"${CLI_LAST_OUT}")
row=$(grep -m1 '  OK (' <<<"${CLI_LAST_OUT}")
check "list (fr): a verified row under the header" test -n "${row}"
expect_eq "list (fr): the VÉRIFIÉ column lines up (an accent takes one column)" \
    "$(printf '%s' "${header%%VÉRIFIÉ*}" | wc -m)" "$(($(printf '%s' "${row%%  OK (*}" | wc -m) + 2))"
run en "${CLI_BIN}" "${common[@]}" list
expect_contains "list (en): English column titles" "VERIFIED" "${CLI_LAST_OUT}"

run fr "${CLI_BIN}" "${common[@]}" status
expect_eq "status (fr): exit 0" 0 "${CLI_LAST_EXIT}"
expect_contains "status (fr): French labels" "Dernier bon backup" "${CLI_LAST_OUT}"
expect_eq "status (fr): no English heading or state left" "" "$(english_left "${CLI_LAST_OUT}" "Backup folder" \
    "Last good backup" "Free space" "Last runs" "never (in the journal)" "oldest left" "not verified" \
    "missing;" "safety snapshot" " old," " used")"
status_fr=${CLI_LAST_OUT}
# The values start in one column: the folder after its label, the good backup's date on the next line.
label_fr=$(grep -m1 '^Dossier des backups' <<<"${status_fr}")
date_fr=$(grep -m1 -A1 '^Dernier bon backup' <<<"${status_fr}" | tail -1)
expect_eq "status (fr): the values make one column after the French labels" "$(printf '%s' "${label_fr%%/*}" | wc -m)" \
    "$(printf '%s' "${date_fr%%[0-9]*}" | wc -m)"
run en "${CLI_BIN}" "${common[@]}" status
expect_contains "status (en): English labels (the English layout is unchanged)" "Last good backup  " "${CLI_LAST_OUT}"

run fr "${CLI_BIN}" "${common[@]}" check --drill-max-age-days 0 --min-free-percent 0
expect_contains "check (fr): the plugin's status word stays English" "IFNBACKUP OK - " "${CLI_LAST_OUT}"
expect_contains "check (fr): its summary in French" "le dernier bon backup" "${CLI_LAST_OUT}"
expect_eq "check (fr): no English words in the summary" "" \
    "$(english_left "${CLI_LAST_OUT%%|*}" "newest good backup" " old" "% free")"

run fr "${CLI_BIN}" "${common[@]}" doctor
expect_eq "doctor (fr): no English status label" "" "$(english_left "${CLI_LAST_OUT}" "WARNING " "fix: " "doctor: " \
    "backup folder " "privileges ")"
expect_contains "doctor (fr): French summary line" "doctor : " "${CLI_LAST_OUT}"

# JSON stays English, field for field, whatever the language (times and free space may move between runs).
steady() { sed -E 's/"(age_seconds|newest_good_age_seconds|free_bytes|free_percent)":[0-9.e+-]+//g'; }
for command in list status; do
    run fr "${CLI_BIN}" "${common[@]}" "${command}" --json
    fr_json=$(steady <<<"${CLI_LAST_OUT}")
    run en "${CLI_BIN}" "${common[@]}" "${command}" --json
    expect_eq "${command} --json is the same in French and in English" "$(steady <<<"${CLI_LAST_OUT}")" "${fr_json}"
done

# --- 5. The progress of a run, in French on the terminal and in English in the log file.
logs="${CLI_WORK}/logs_run"
run_fr() { fr "${CLI_BIN}" "${common[@]}" --log-dir "${logs}" "$@"; }
# English words of the progress lines, rotate's reasons and push's outcome that must not survive in French.
progress_words=("started" "connected to" "writing " "compressing thread" "backup complete" "verified " "schema check:"
    "statements of the schema" "file(s) removed" "rotation: " "safety snapshot" "confirmed by" "restore complete"
    "statements, " "loading rows" "verifying " "rows load" "would remove" "floor:" "within " "dry run" "newest good"
    "keep " "not ours" "uploaded to" "sent," "already offsite" "checked by HEAD" " phases: " "proving")

run run_fr backup
expect_eq "backup (fr): exit 0" 0 "${CLI_LAST_EXIT}"
backup_err=${CLI_LAST_ERR}
expect_contains "backup (fr): its start in French" "info: backup de la base '${db}' commencé" "${backup_err}"
expect_contains "backup (fr): the connection in French" "info: connecté à " "${backup_err}"
expect_contains "backup (fr): the file written, in French" "info: écriture de ${dir}/" "${backup_err}"
expect_contains "backup (fr): its end in French" "info: backup terminé : ${dir}/" "${backup_err}"
expect_contains "backup (fr): the verification in French" " vérifié : sha256 " "${backup_err}"
expect_contains "backup (fr): the schema check in French" "info: vérification du schéma : " "${backup_err}"
expect_contains "backup (fr): the rotation in French" "info: rotation : 0 fichier(s) supprimé(s)" "${backup_err}"
expect_eq "backup (fr): no English word of the progress lines left" "" \
    "$(english_left "${backup_err}" "${progress_words[@]}")"
backup_log=$(cat "${logs}/backup.log" 2>/dev/null)
expect_contains "backup (fr): backup.log keeps the English start" "info: backup of database '${db}' started" "${backup_log}"
expect_contains "backup (fr): ... and the English end" "info: backup complete: ${dir}/" "${backup_log}"
expect_contains "backup (fr): ... and the English rotation" "info: rotation: 0 file(s) removed" "${backup_log}"
expect_not_contains "backup (fr): no French in backup.log" "commencé" "${backup_log}"
expect_not_contains "backup (fr): ... none at all" "terminé" "${backup_log}"

newest=$(final_backups "${dir}" | grep "^ifn_connect_backup_" | tail -n1)
check "a backup of the French run to verify and push (${newest})" test -n "${newest}"
run run_fr verify "${dir}/${newest}"
expect_eq "verify (fr): exit 0" 0 "${CLI_LAST_EXIT}"
expect_contains "verify (fr): its line in French" "sha256 et index des sections vérifiés" "${CLI_LAST_OUT}"
expect_contains "verify (fr): its summary in French" "1 fichier(s) : 1 ok, 0 corrompu(s), 0 incomplet(s)" "${CLI_LAST_OUT}"
expect_eq "verify (fr): no English word left" "" "$(english_left "${CLI_LAST_OUT}${CLI_LAST_ERR}" "${progress_words[@]}" \
    " rows" "signature:" "corrupt," "incomplete")"

run run_fr rotate --dry-run
expect_eq "rotate --dry-run (fr): exit 0" 0 "${CLI_LAST_EXIT}"
expect_contains "rotate --dry-run (fr): the verdict in French" "garder" "${CLI_LAST_OUT}"
expect_contains "rotate --dry-run (fr): the reason in French" \
    "de moins de 30 jours ; minimum gardé : un des 7 bons backups les plus récents" "${CLI_LAST_OUT}"
expect_contains "rotate --dry-run (fr): the summary in French" \
    "essai : 0 fichier(s) seraient supprimés, rien n'a été supprimé" "${CLI_LAST_OUT}"
expect_eq "rotate --dry-run (fr): no English word left" "" \
    "$(english_left "${CLI_LAST_OUT}${CLI_LAST_ERR}" "${progress_words[@]}")"
run en "${CLI_BIN}" "${common[@]}" rotate --dry-run
expect_contains "rotate --dry-run (en): the reason in English" \
    "within 30 days; floor: one of the 7 newest good backups" "${CLI_LAST_OUT}"
expect_contains "rotate --dry-run (en): the summary in English" "dry run: 0 file(s) would be removed, nothing was deleted" \
    "${CLI_LAST_OUT}"
run fr "${CLI_BIN}" "${common[@]}" rotate --dry-run --json
rotate_json=${CLI_LAST_OUT}
expect_contains "rotate --json (fr): the reasons stay English" "floor: one of the 7 newest good backups" "${rotate_json}"
run en "${CLI_BIN}" "${common[@]}" rotate --dry-run --json
expect_eq "rotate --json is the same in French and in English" "${CLI_LAST_OUT}" "${rotate_json}"

run run_fr restore latest --yes </dev/null
expect_eq "restore --yes (fr): exit 0" 0 "${CLI_LAST_EXIT}"
restore_err=${CLI_LAST_ERR}
expect_contains "restore (fr): the confirmation in French" "info: confirmé par --yes" "${restore_err}"
expect_contains "restore (fr): the safety snapshot in French" "info: écriture du backup de sécurité de '${db}'" \
    "${restore_err}"
expect_contains "restore (fr): its end in French" "info: restauration terminée : ${dir}/" "${restore_err}"
expect_eq "restore (fr): no English word of the progress lines left" "" \
    "$(english_left "${restore_err}" "${progress_words[@]}")"
restore_log=$(cat "${logs}/restore.log" 2>/dev/null)
expect_contains "restore (fr): restore.log keeps the English end" "info: restore complete: ${dir}/" "${restore_log}"
expect_contains "restore (fr): ... and the English confirmation" "info: confirmed by --yes" "${restore_log}"
expect_not_contains "restore (fr): no French in restore.log" "restauration terminée" "${restore_log}"
expect_not_contains "restore (fr): ... none at all" "sécurité" "${restore_log}"

# push needs the private S3 server (node); the rest of this test does not.
if ! command -v node >/dev/null 2>&1; then
    cli_log "push (fr) not checked: node is not installed (scripts/install-deps installs nodejs)"
else
    s3server="${CLI_SOURCE_DIR}/scripts/s3server"
    s3dir="${CLI_WORK}/s3"
    cli_on_exit "'${s3server}' stop --dir '${s3dir}'"
    if ! s3env=$("${s3server}" start --dir "${s3dir}" 2>"${CLI_WORK}/s3.log"); then
        cat "${CLI_WORK}/s3.log" >&2
        [[ "${CI:-}" == "true" ]] && fail "scripts/s3server could not start the S3 test server"
        cli_log "push (fr) not checked: scripts/s3server could not start the S3 test server"
    else
        eval "${s3env}"
        push_fr() {
            env AWS_ACCESS_KEY_ID="${IFNBACKUP_TEST_S3_ACCESS_KEY}" AWS_SECRET_ACCESS_KEY="${IFNBACKUP_TEST_S3_SECRET_KEY}" \
                AWS_SHARED_CREDENTIALS_FILE="${CLI_WORK}/no-such-credentials" LANG=fr_FR.UTF-8 LANGUAGE= LC_ALL= \
                LC_MESSAGES= "${CLI_BIN}" "${common[@]}" --log-dir "${logs}" --s3-endpoint "${IFNBACKUP_TEST_S3_ENDPOINT}" \
                --s3-path-style --s3-retry-time 3 --offsite "s3://${IFNBACKUP_TEST_S3_BUCKET}/fr" "$@"
        }
        run push_fr push "${newest}"
        expect_eq "push (fr): exit 0" 0 "${CLI_LAST_EXIT}"
        expect_contains "push (fr): the outcome in French" "envoyé " "${CLI_LAST_OUT}"
        expect_contains "push (fr): the upload in French" "${newest} envoyé vers s3://" "${CLI_LAST_OUT}"
        expect_contains "push (fr): the summary in French" "1 envoyé(s), 0 déjà sur le stockage externe" "${CLI_LAST_OUT}"
        expect_eq "push (fr): no English word left" "" \
            "$(english_left "${CLI_LAST_OUT}${CLI_LAST_ERR}" "${progress_words[@]}")"
        run push_fr push "${newest}"
        expect_contains "push again (fr): already there, in French" "déjà sur le stockage externe (même taille" \
            "${CLI_LAST_OUT}"
        push_log=$(cat "${logs}/push.log" 2>/dev/null)
        expect_contains "push (fr): push.log keeps the English upload" "uploaded to s3://" "${push_log}"
        expect_not_contains "push (fr): no French in push.log" "envoyé" "${push_log}"
    fi
fi

cli_finish
