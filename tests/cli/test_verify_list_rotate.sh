#!/usr/bin/env bash
# ifnbackup verify, list and rotate on real files: one real backup of tests/data/sample.sql, then copies
# of it damaged in each way a file goes bad, named with past dates (a backup's age comes from its NAME),
# among files that are not ours. Checks the exit codes, the lines an operator reads, the --json fields
# (docs/json-output.md), what rotate removes and logs, and the verification state kept between runs.
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cli_init
if ! command -v python3 >/dev/null 2>&1; then
    cli_skip "python3 is needed to parse the --json outputs"
fi
cli_use_server

db=$(cli_unique_db vlr)
cli_load_db "${db}" "${CLI_DATA_DIR}/sample.sql" || fail "loading sample.sql"
now=$(date +%s)
W=${CLI_WORK}

ifn() {
    "${CLI_BIN}" "$@"
}

# stamp DAYS MINUTES: the local YYYYMMDD_HHMMSS of DAYS days and MINUTES minutes before the suite started.
stamp() {
    date -d "@$((now - $1 * 86400 - $2 * 60))" +%Y%m%d_%H%M%S
}
bname() {
    printf 'ifn_connect_backup_%s.sql.gz\n' "$(stamp "$1" "$2")"
}
sname() {
    printf 'pre_restore_safety_%s.sql.gz\n' "$(stamp "$1" "$2")"
}

# json_get EXPR FILE: evaluates EXPR (python, the document is `d`, with json, os, time imported) on a
# JSON file; strings print raw, anything else as JSON, a file that does not parse as "error: ...".
# One python process answers every query (a start costs 0.1 s on a busy machine).
coproc JSONQ {
    python3 -u -c 'import json, os, sys, time
for line in sys.stdin:
    path, _, expr = line.rstrip("\n").partition("\t")
    try:
        with open(path) as f:
            d = json.load(f)
        r = eval(expr)
        out = r if isinstance(r, str) else json.dumps(r)
    except Exception as e:
        out = "error: %s: %s" % (type(e).__name__, e)
    print(out)
    print("\x1e", flush=True)'
}
json_get() {
    local line first=true
    printf '%s\t%s\n' "$2" "$1" >&"${JSONQ[1]}"
    while IFS= read -r line <&"${JSONQ[0]}"; do
        [[ "${line}" == $'\x1e' ]] && break
        ${first} || printf '\n'
        first=false
        printf '%s' "${line}"
    done
}

# Everything in a folder but our own lock and state files: name, type, size, mtime.
folder_listing() {
    find "$1" -mindepth 1 -maxdepth 1 ! -name .ifnbackup.lock ! -name .ifnbackup-verify.tsv \
        -printf '%f|%y|%s|%T@\n' | sort
}

names_in() {
    find "$1" -mindepth 1 -maxdepth 1 ! -name .ifnbackup.lock ! -name .ifnbackup-verify.tsv -printf '%f\n' | sort
}

# Sorted, one per line.
sorted() {
    printf '%s\n' "$@" | sed '/^$/d' | sort
}

# --- one real backup, and the damaged variants of it
src="${W}/src"
run ifn --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" --backup-dir "${src}" backup --no-rotate
expect_exit "the reference backup" 0
good="${src}/$(final_backups "${src}" | head -n 1)"
if [[ ! -f "${good}" ]]; then
    fail "the reference backup exists: nothing else can be tested"
    cli_finish
fi

# The backup's read-back proves the bytes (gzip members, checksum, signature, manifest, section index)
# and leaves the statements, its dumper's own, to a full verification: the state says which it was
# (docs/backup-format.md, "Proving a file complete and unaltered"), and so does list.
# state_check FOLDER NAME: the check the folder's verification state records for NAME.
state_check() {
    awk -F'\t' -v name="$2" '$1 == name { print $12 }' "$1/.ifnbackup-verify.tsv"
}
expect_eq "backup: its read-back is recorded as what it is" written "$(state_check "${src}" "$(basename "${good}")")"
run ifn --backup-dir "${src}" list --json
printf '%s\n' "${CLI_LAST_OUT}" >"${W}/src_list.json"
expect_eq "list --json: the check of the backup's read-back" written \
    "$(json_get "d['files'][0]['verification']['check']" "${W}/src_list.json")"
run ifn --backup-dir "${src}" list
check "list: the read-back is shown as one (${CLI_LAST_OUT})" grep -q "read back after writing" <<<"${CLI_LAST_OUT}"
run ifn --backup-dir "${src}" verify "$(basename "${good}")"
expect_exit "verify the reference backup" 0
expect_eq "verify: a full verification replaces the read-back's record" full \
    "$(state_check "${src}" "$(basename "${good}")")"
run ifn --backup-dir "${src}" list --json
printf '%s\n' "${CLI_LAST_OUT}" >"${W}/src_list.json"
expect_eq "list --json: the check of a full verification" full \
    "$(json_get "d['files'][0]['verification']['check']" "${W}/src_list.json")"

cases="${W}/cases"
mkdir -p "${cases}"
size=$(stat -c %s "${good}")
cp "${good}" "${cases}/good.sql.gz"
head -c $((size / 2)) "${good}" >"${cases}/truncated.sql.gz"
# One byte inverted in the middle of the deflate data (XOR, so the byte really changes).
python3 -c 'import sys
data = bytearray(open(sys.argv[1], "rb").read())
data[len(data) // 2] ^= 0xFF
open(sys.argv[2], "wb").write(data)' "${good}" "${cases}/flipped.sql.gz"
gunzip -c "${good}" | head -n -1 | gzip >"${cases}/no_marker.sql.gz"
: >"${cases}/empty.sql.gz"
printf 'id;name\n1;not a backup at all\n' >"${cases}/not_gzip.sql.gz"
# A merchant renamed, re-gzipped: gzip is valid and the checksum and completion lines are unchanged.
gunzip -c "${good}" | sed '/^INSERT INTO `merchants`/s/Adjoua/Adjova/' | gzip >"${cases}/altered.sql.gz"
legacy_ok=true
if command -v mariadb-dump >/dev/null 2>&1; then
    mariadb-dump --defaults-file="${IFNBACKUP_TEST_DEFAULTS_FILE}" --single-transaction --routines --triggers \
        --events "${db}" | gzip >"${cases}/legacy.sql.gz"
else
    legacy_ok=false
    fail "mariadb-dump is not installed: the legacy file case cannot run"
fi

check "the flipped file differs from the good one in exactly one byte" \
    test "$(cmp -l "${good}" "${cases}/flipped.sql.gz" | wc -l)" -eq 1
check "the file without marker is valid gzip (gzip -t alone would accept it)" gzip -t "${cases}/no_marker.sql.gz"
check "the altered file is valid gzip" gzip -t "${cases}/altered.sql.gz"
check "the altered content really differs" \
    test "$(gunzip -c "${good}" | md5sum)" != "$(gunzip -c "${cases}/altered.sql.gz" | md5sum)"
expect_eq "the altered file keeps the checksum and completion lines" "$(gunzip -c "${good}" | tail -n 2)" \
    "$(gunzip -c "${cases}/altered.sql.gz" | tail -n 2)"

# --- verify FILE: exit code and the line for each
# verify_case WHAT FILE CODE REGEX: the first stdout line matches REGEX, then the summary line.
verify_case() {
    local what=$1 file=$2 code=$3 regex=$4 first
    run ifn verify "${file}"
    expect_exit "verify ${what}" "${code}"
    first=$(head -n 1 <<<"${CLI_LAST_OUT}")
    check "verify ${what}: the line is '${regex}' (${first})" grep -Eq -- "${regex}" <<<"${first}"
    check "verify ${what}: the line names the file once" test "$(grep -o "$(basename "${file}")" <<<"${first}" | wc -l)" -eq 1
    check "verify ${what}: summary line" grep -Eq '^1 file\(s\): [01] ok, [01] corrupt, [01] incomplete$' \
        <<<"$(tail -n 1 <<<"${CLI_LAST_OUT}")"
}
verify_case "a good backup" "${cases}/good.sql.gz" 0 \
    "^OK +good\\.sql\\.gz +database '${db}' +\\(4 tables, 766 rows, sha256 and section index verified\\); signature: ours \\(key [0-9a-f]{16}\\)\$"
verify_case "a truncated file" "${cases}/truncated.sql.gz" 11 '^INCOMPLETE: truncated\.sql\.gz: .*truncated'
verify_case "one byte flipped" "${cases}/flipped.sql.gz" 10 '^CORRUPT: flipped\.sql\.gz: .+'
verify_case "valid gzip cut before the completion marker" "${cases}/no_marker.sql.gz" 11 \
    '^INCOMPLETE: no_marker\.sql\.gz: no completion marker'
verify_case "an empty file" "${cases}/empty.sql.gz" 11 '^INCOMPLETE: empty\.sql\.gz: .*empty'
verify_case "not gzip at all" "${cases}/not_gzip.sql.gz" 10 '^CORRUPT: not_gzip\.sql\.gz: not a gzip file'
verify_case "content altered, re-gzipped, marker kept" "${cases}/altered.sql.gz" 10 \
    '^CORRUPT: altered\.sql\.gz: content checksum mismatch'
if ${legacy_ok}; then
    verify_case "a mariadb-dump file" "${cases}/legacy.sql.gz" 0 \
        '^OK +legacy\.sql\.gz +\(legacy: no content checksum\); signature: unsigned \(mysqldump\)$'
fi

run ifn verify "${cases}/good.sql.gz" "${cases}/truncated.sql.gz"
expect_exit "verify good + truncated (incomplete only)" 11
run ifn verify "${cases}/truncated.sql.gz" "${cases}/flipped.sql.gz" "${cases}/good.sql.gz"
expect_exit "verify truncated + flipped + good (corrupt wins)" 10
expect_contains "verify of three: summary" "3 file(s): 1 ok, 1 corrupt, 1 incomplete" "${CLI_LAST_OUT}"
run ifn verify "${cases}/no-such-file.sql.gz"
expect_exit "verify a missing file" 15

# --- verify --json on all of them
all_cases=(good truncated flipped no_marker empty not_gzip altered)
${legacy_ok} && all_cases+=(legacy)
case_files=()
for c in "${all_cases[@]}"; do
    case_files+=("${cases}/${c}.sql.gz")
done
run ifn verify --json "${case_files[@]}"
expect_exit "verify --json of every case" 10
printf '%s\n' "${CLI_LAST_OUT}" >"${W}/verify.json"
expect_eq "verify --json parses as JSON" dict "$(json_get "type(d).__name__" "${W}/verify.json")"
declare -A want_status=([good]=ok [truncated]=incomplete [flipped]=corrupt [no_marker]=incomplete
    [empty]=incomplete [not_gzip]=corrupt [altered]=corrupt [legacy]=ok_legacy)
for c in "${all_cases[@]}"; do
    expect_eq "verify --json: status of ${c}" "${want_status[${c}]}" \
        "$(json_get "[f['status'] for f in d['files'] if f['file'] == '${c}.sql.gz'][0]" "${W}/verify.json")"
    expect_eq "verify --json: ok of ${c}" "$([[ ${want_status[${c}]} == ok* ]] && echo true || echo false)" \
        "$(json_get "[f['ok'] for f in d['files'] if f['file'] == '${c}.sql.gz'][0]" "${W}/verify.json")"
    expect_eq "verify --json: path of ${c}" "${cases}/${c}.sql.gz" \
        "$(json_get "[f['path'] for f in d['files'] if f['file'] == '${c}.sql.gz'][0]" "${W}/verify.json")"
done
n_legacy=0
${legacy_ok} && n_legacy=1
expect_eq "verify --json: summary" "{\"files\": $((7 + n_legacy)), \"ok\": $((1 + n_legacy)), \"corrupt\": 3, \"incomplete\": 3}" \
    "$(json_get "d['summary']" "${W}/verify.json")"
good_json="[f for f in d['files'] if f['file'] == 'good.sql.gz'][0]"
expect_eq "verify --json: good file's tables, rows, reason" '[4, 766, ""]' \
    "$(json_get "[${good_json}['tables'], ${good_json}['rows'], ${good_json}['reason']]" "${W}/verify.json")"
expect_eq "verify --json: good file's compressed_bytes is its size" "${size}" \
    "$(json_get "${good_json}['compressed_bytes']" "${W}/verify.json")"
expect_eq "verify --json: good file's uncompressed_bytes" "$(gunzip -c "${good}" | wc -c)" \
    "$(json_get "${good_json}['uncompressed_bytes']" "${W}/verify.json")"
# The last three lines: checksum, signature, completion marker.
expect_eq "verify --json: sha256 is that of the content before the checksum line" \
    "$(gunzip -c "${good}" | head -n -3 | sha256sum | cut -d' ' -f1)" "$(json_get "${good_json}['sha256']" "${W}/verify.json")"
expect_eq "verify --json: the good file is signed by our key" '["ours", 16]' \
    "$(json_get "[${good_json}['signature'], len(${good_json}['signer'])]" "${W}/verify.json")"
expect_eq "verify --json: completed_at is the marker's date" \
    "$(gunzip -c "${good}" | tail -n 1 | sed 's/^-- Dump completed on //')" \
    "$(json_get "${good_json}['completed_at']" "${W}/verify.json")"
expect_eq "verify --json: every failed file has a reason" "[]" \
    "$(json_get "[f['file'] for f in d['files'] if not f['ok'] and not f['reason']]" "${W}/verify.json")"

# --- a folder: backups, a safety snapshot, a .partial and foreign files
all="${W}/all"
mkdir -p "${all}" "${W}/outside"
b_good=$(bname 1 0)
b_legacy=$(bname 2 0)
b_truncated=$(bname 4 0)
b_flipped=$(bname 5 0)
s_good=$(sname 3 0)
p_new="$(bname 0 1).partial"
cp "${good}" "${all}/${b_good}"
cp "${cases}/legacy.sql.gz" "${all}/${b_legacy}" 2>/dev/null || cp "${good}" "${all}/${b_legacy}"
cp "${cases}/truncated.sql.gz" "${all}/${b_truncated}"
cp "${cases}/flipped.sql.gz" "${all}/${b_flipped}"
cp "${good}" "${all}/${s_good}"
head -c 3000 "${good}" >"${all}/${p_new}"
echo "rappel: changer la bande" >"${all}/notes.txt"
cp "${cases}/flipped.sql.gz" "${all}/copy of ${b_good}"
cp "${cases}/flipped.sql.gz" "${W}/outside/target.sql.gz"
ln -s "${W}/outside/target.sql.gz" "${all}/$(bname 0 2)"
ln -s "${all}/${b_good}" "${all}/$(bname 0 3)"  # a link to one of ours, named like a backup
ours=("${p_new}" "${b_good}" "${b_legacy}" "${s_good}" "${b_truncated}" "${b_flipped}")  # newest first
used=0
for f in "${ours[@]}"; do
    used=$((used + $(stat -c %s "${all}/${f}")))
done

# list before any verify: nothing known. The free space is read just before and just after: other
# suites (and builds) write to the same filesystem meanwhile.
free_before=$(df --output=avail -B1 "${all}" | tail -n 1)
run ifn --backup-dir "${all}" list --json
free_after=$(df --output=avail -B1 "${all}" | tail -n 1)
expect_exit "list --json (never verified)" 0
printf '%s\n' "${CLI_LAST_OUT}" >"${W}/list0.json"
expect_eq "list --json parses as JSON" dict "$(json_get "type(d).__name__" "${W}/list0.json")"
expect_eq "list --json: backup_dir" "${all}" "$(json_get "d['backup_dir']" "${W}/list0.json")"
expect_eq "list --json: our files only, newest first" "$(sorted "${ours[@]}" | tr '\n' ' ')" \
    "$(json_get "' '.join(sorted(f['name'] for f in d['files'])) + ' '" "${W}/list0.json")"
expect_eq "list --json: order" "$(printf '%s ' "${ours[@]}")" \
    "$(json_get "' '.join(f['name'] for f in d['files']) + ' '" "${W}/list0.json")"
expect_eq "list --json: kinds" "partial backup backup safety_snapshot backup backup" \
    "$(json_get "' '.join(f['kind'] for f in d['files'])" "${W}/list0.json")"
expect_eq "list --json: tables, rows, verification null before verify" "[]" \
    "$(json_get "[f['name'] for f in d['files'] if f['tables'] is not None or f['rows'] is not None or f['verification'] is not None]" "${W}/list0.json")"
expect_eq "list --json: sizes" "$(for f in "${ours[@]}"; do printf '%s ' "$(stat -c %s "${all}/${f}")"; done)" \
    "$(json_get "' '.join(str(f['size']) for f in d['files']) + ' '" "${W}/list0.json")"
expect_eq "list --json: date of the good backup, from its name" "$(date -d "@$((now - 86400))" '+%Y-%m-%d %H:%M:%S')" \
    "$(json_get "[f['date'] for f in d['files'] if f['name'] == '${b_good}'][0]" "${W}/list0.json")"
expect_eq "list --json: age_seconds of the good backup is one day (within 2 min)" true \
    "$(json_get "abs([f['age_seconds'] for f in d['files'] if f['name'] == '${b_good}'][0] - (time.time() - ${now} + 86400)) < 120" "${W}/list0.json")"
expect_eq "list --json: summary counts" '[4, 1, 1, 4, null, null]' \
    "$(json_get "[d['summary'][k] for k in ('backups', 'safety_snapshots', 'partials', 'foreign_files', 'newest_good_backup', 'newest_good_age_seconds')]" "${W}/list0.json")"
expect_eq "list --json: bytes_used is the sum of our files" "${used}" "$(json_get "d['summary']['bytes_used']" "${W}/list0.json")"
expect_eq "list --json: total_bytes is the filesystem's (statvfs)" true \
    "$(json_get "(lambda st: d['summary']['total_bytes'] == st.f_blocks * st.f_frsize)(os.statvfs('${all}'))" "${W}/list0.json")"
expect_eq "list --json: free_bytes is the space available (df before and after, within 16 MiB)" true \
    "$(json_get "min(${free_before}, ${free_after}) - (16 << 20) <= d['summary']['free_bytes'] <= max(${free_before}, ${free_after}) + (16 << 20)" "${W}/list0.json")"
expect_eq "list --json: free_percent = 100 * free / total" true \
    "$(json_get "(lambda s: 0 <= s['free_percent'] <= 100 and abs(s['free_percent'] - 100.0 * s['free_bytes'] / s['total_bytes']) < 0.01)(d['summary'])" "${W}/list0.json")"

run ifn --backup-dir "${all}" list
expect_exit "list (never verified)" 0
list_names=$(awk 'NR > 1 && NF > 0 && $1 ~ /^(ifn_connect_backup|pre_restore_safety)_/ {print $1}' <<<"${CLI_LAST_OUT}" | tr '\n' ' ')
expect_eq "list: our files, newest first" "$(printf '%s ' "${ours[@]}")" "${list_names}"
expect_not_contains "list: notes.txt is not listed" "notes.txt" "${CLI_LAST_OUT}"
expect_not_contains "list: 'copy of ...' is not listed" "copy of" "${CLI_LAST_OUT}"
expect_not_contains "list: the symlink named like a backup is not listed" "$(bname 0 2)" "${CLI_LAST_OUT}"
check "list: the .partial is shown as partial" grep -Eq "^${p_new//./\\.} +partial " <<<"${CLI_LAST_OUT}"
check "list: the safety snapshot is shown as safety" grep -Eq "^${s_good//./\\.} +safety " <<<"${CLI_LAST_OUT}"
check "list: never verified" grep -Eq "^${b_good//./\\.} +backup .* - +- +never verified$" <<<"${CLI_LAST_OUT}"
check "list: footer counts, space used, free space with percent" \
    grep -Eq '^4 backup\(s\), 1 safety snapshot\(s\), 1 partial\(s\): [0-9.]+ KiB used; [0-9.]+ [KMG]i?B free of [0-9.]+ [KMG]i?B \([0-9]+\.[0-9] %\)$' \
    <<<"${CLI_LAST_OUT}"
expect_contains "list: no good backup known yet" "newest good backup: none verified" "${CLI_LAST_OUT}"
expect_contains "list: foreign files counted" "4 other file(s) in the folder are not backups of ours" "${CLI_LAST_OUT}"
check "list writes no state file" test ! -e "${all}/.ifnbackup-verify.tsv"

# verify with no argument: every backup and safety snapshot of the folder
run ifn --backup-dir "${all}" verify
expect_exit "verify (whole folder, one corrupt, one incomplete)" 10
expect_contains "verify folder: summary counts the 5 files" "5 file(s): 3 ok, 1 corrupt, 1 incomplete" "${CLI_LAST_OUT}"
check "verify folder: good backup OK" grep -Eq \
    "^OK +${b_good//./\\.} +database '${db}' +\(4 tables, 766 rows, sha256 and section index verified\); signature: ours \(key [0-9a-f]{16}\)$" \
    <<<"${CLI_LAST_OUT}"
check "verify folder: safety snapshot OK" grep -Eq "^OK +${s_good//./\\.} " <<<"${CLI_LAST_OUT}"
check "verify folder: truncated" grep -Eq "^INCOMPLETE: ${b_truncated//./\\.}: " <<<"${CLI_LAST_OUT}"
check "verify folder: flipped" grep -Eq "^CORRUPT: ${b_flipped//./\\.}: " <<<"${CLI_LAST_OUT}"
expect_not_contains "verify folder: the .partial is not verified" "${p_new}" "${CLI_LAST_OUT}"
expect_not_contains "verify folder: 'copy of' is not verified" "copy of" "${CLI_LAST_OUT}"
expect_not_contains "verify folder: the symlink is not verified" "$(bname 0 2)" "${CLI_LAST_OUT}"
expect_not_contains "verify folder: the reason does not repeat the path" "${all}/" "${CLI_LAST_OUT}"
check "the state file exists" test -f "${all}/.ifnbackup-verify.tsv"
expect_eq "the state file holds the 5 verified files, no foreign symlink" \
    "$(sorted "${b_good}" "${b_legacy}" "${s_good}" "${b_truncated}" "${b_flipped}")" \
    "$(cut -f1 "${all}/.ifnbackup-verify.tsv" 2>/dev/null | sort)"
expect_eq "the state file is mode 600" 600 "$(stat -c %a "${all}/.ifnbackup-verify.tsv" 2>/dev/null)"

run ifn --backup-dir "${all}" verify --json
expect_exit "verify --json (whole folder)" 10
printf '%s\n' "${CLI_LAST_OUT}" >"${W}/verify-all.json"
expect_eq "verify --json folder: summary" '{"files": 5, "ok": 3, "corrupt": 1, "incomplete": 1}' \
    "$(json_get "d['summary']" "${W}/verify-all.json")"

# list after verify: results remembered across runs
verified_re='\([0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\)'
run ifn --backup-dir "${all}" list
expect_exit "list (after verify)" 0
check "list: good backup 'OK (date)' with its counts" \
    grep -Eq "^${b_good//./\\.} +backup .* 4 +766  OK ${verified_re}$" <<<"${CLI_LAST_OUT}"
check "list: legacy 'OK legacy (date)'" grep -Eq "^${b_legacy//./\\.} .*  OK (legacy )?${verified_re}$" <<<"${CLI_LAST_OUT}"
check "list: safety snapshot 'OK (date)'" grep -Eq "^${s_good//./\\.} .*  OK ${verified_re}$" <<<"${CLI_LAST_OUT}"
check "list: truncated 'INCOMPLETE (date)'" grep -Eq "^${b_truncated//./\\.} .*  INCOMPLETE ${verified_re}$" <<<"${CLI_LAST_OUT}"
check "list: flipped 'CORRUPT (date)'" grep -Eq "^${b_flipped//./\\.} .*  CORRUPT ${verified_re}$" <<<"${CLI_LAST_OUT}"
check "list: newest good backup named, with its age" grep -Eq "^newest good backup: ${b_good//./\\.} \(24 h old\)$" \
    <<<"${CLI_LAST_OUT}"

run ifn --backup-dir "${all}" list --json
printf '%s\n' "${CLI_LAST_OUT}" >"${W}/list1.json"
expect_eq "list --json (after verify) parses" dict "$(json_get "type(d).__name__" "${W}/list1.json")"
entry="[f for f in d['files'] if f['name'] == '${b_good}'][0]"
expect_eq "list --json: tables and rows after verify" '[4, 766]' \
    "$(json_get "[${entry}['tables'], ${entry}['rows']]" "${W}/list1.json")"
expect_eq "list --json: verification of the good backup" '["ok", ""]' \
    "$(json_get "[${entry}['verification']['status'], ${entry}['verification']['reason']]" "${W}/list1.json")"
check "list --json: verified_at is a local date" grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$' \
    <<<"$(json_get "${entry}['verification']['verified_at']" "${W}/list1.json")"
expect_eq "list --json: statuses newest first" 'null ok ok_legacy ok incomplete corrupt' \
    "$(json_get "' '.join(f['verification']['status'] if f['verification'] else 'null' for f in d['files'])" "${W}/list1.json")"
expect_eq "list --json: a failed file has its reason" "true" \
    "$(json_get "bool([f for f in d['files'] if f['name'] == '${b_flipped}'][0]['verification']['reason'])" "${W}/list1.json")"
expect_eq "list --json: newest good backup" "${b_good}" "$(json_get "d['summary']['newest_good_backup']" "${W}/list1.json")"
expect_eq "list --json: newest_good_age_seconds is one day (within 2 min)" true \
    "$(json_get "abs(d['summary']['newest_good_age_seconds'] - (time.time() - ${now} + 86400)) < 120" "${W}/list1.json")"

# A file changed since it was verified is no longer considered verified.
touch -d '2 hours ago' "${all}/${b_good}"
printf 'x' >>"${all}/${s_good}"
run ifn --backup-dir "${all}" list --json
printf '%s\n' "${CLI_LAST_OUT}" >"${W}/list2.json"
expect_eq "touched file: verification, tables, rows null again" '[null, null, null]' \
    "$(json_get "[${entry}['verification'], ${entry}['tables'], ${entry}['rows']]" "${W}/list2.json")"
expect_eq "modified safety snapshot: not verified any more" 'null' \
    "$(json_get "[f for f in d['files'] if f['name'] == '${s_good}'][0]['verification']" "${W}/list2.json")"
expect_eq "untouched files keep their result" 'ok_legacy incomplete corrupt' \
    "$(json_get "' '.join(f['verification']['status'] for f in d['files'] if f['name'] in ('${b_legacy}', '${b_truncated}', '${b_flipped}'))" "${W}/list2.json")"
expect_eq "newest good backup is now the next good one" "${b_legacy}" \
    "$(json_get "d['summary']['newest_good_backup']" "${W}/list2.json")"
run ifn --backup-dir "${all}" list
check "list: the touched file shows 'never verified'" grep -Eq "^${b_good//./\\.} .* never verified$" <<<"${CLI_LAST_OUT}"
run ifn --backup-dir "${all}" verify "${b_good}"
expect_exit "verify by bare name in --backup-dir" 0
run ifn --backup-dir "${all}" list
check "list: verified again after the touch" grep -Eq "^${b_good//./\\.} .*  OK ${verified_re}$" <<<"${CLI_LAST_OUT}"
run ifn --backup-dir "${all}" verify "${s_good}"
expect_exit "verify the snapshot with a byte appended" 10
run ifn --backup-dir "${all}" list
check "list: the modified snapshot is CORRUPT now" grep -Eq "^${s_good//./\\.} .*  CORRUPT ${verified_re}$" <<<"${CLI_LAST_OUT}"

# verify of the folder once the bad files are gone
rm -f "${all}/${b_flipped}" "${all}/${s_good}"
run ifn --backup-dir "${all}" verify
expect_exit "verify folder: only an incomplete file left" 11
rm -f "${all}/${b_truncated}"
run ifn --backup-dir "${all}" verify
expect_exit "verify folder: all good" 0
expect_contains "verify folder: summary" "2 file(s): 2 ok, 0 corrupt, 0 incomplete" "${CLI_LAST_OUT}"
check "the symlink's target was never touched" cmp -s "${W}/outside/target.sql.gz" "${cases}/flipped.sql.gz"

# --- rotate
# make_rotate_folder DIR: 40 good backups, one a day back from today; corrupt recent ones and an old one;
# safety snapshots; .partial files; foreign files, among them names that look like ours.
make_rotate_folder() {
    local dir=$1 i
    mkdir -p "${dir}" "${dir}.outside"
    for ((i = 0; i < 40; i++)); do
        cp "${good}" "${dir}/$(bname "${i}" 60)"
    done
    cp "${cases}/flipped.sql.gz" "${dir}/$(bname 0 10)"
    cp "${cases}/truncated.sql.gz" "${dir}/$(bname 1 10)"
    cp "${cases}/not_gzip.sql.gz" "${dir}/$(bname 2 10)"
    cp "${cases}/flipped.sql.gz" "${dir}/$(bname 35 10)"
    cp "${good}" "${dir}/$(sname 2 0)"
    cp "${good}" "${dir}/$(sname 35 0)"
    cp "${good}" "${dir}/$(sname 50 0)"
    head -c 4000 "${good}" >"${dir}/$(bname 3 0).partial"
    touch -d '3 days ago' "${dir}/$(bname 3 0).partial"  # left by a crash
    head -c 4000 "${good}" >"${dir}/$(bname 0 5).partial"   # being written
    head -c 4000 "${good}" >"${dir}/$(bname 2 30).partial"  # a long run, still writing: mtime now
    echo "notes" >"${dir}/notes.txt"
    cp "${good}" "${dir}/copy of $(bname 45 0)"
    cp "${good}" "${dir}/$(bname 44 0).bak"
    cp "${good}" "${dir}.outside/target.sql.gz"
    ln -s "${dir}.outside/target.sql.gz" "${dir}/$(bname 43 0)"
    mkdir "${dir}/$(bname 42 0)"
}
foreign_of() {
    sorted "notes.txt" "copy of $(bname 45 0)" "$(bname 44 0).bak" "$(bname 43 0)" "$(bname 42 0)"
}
bad_names="$(bname 0 10),$(bname 1 10),$(bname 2 10),$(bname 35 10)"

rot="${W}/rot"
rotlog="${W}/rotlog"
make_rotate_folder "${rot}"
expected_removed=$(
    for ((i = 30; i < 40; i++)); do bname "${i}" 60; done
    bname 35 10
    sname 35 0
    sname 50 0
    echo "$(bname 3 0).partial"
)
expected_removed=$(sorted ${expected_removed})

before=$(folder_listing "${rot}")
run ifn --backup-dir "${rot}" --log-dir "${rotlog}" rotate --dry-run
expect_exit "rotate --dry-run" 0
dry_text=${CLI_LAST_OUT}
expect_eq "rotate --dry-run deletes nothing (folder listing identical)" "${before}" "$(folder_listing "${rot}")"
would=$(awk '$1 == "would" && $2 == "remove" {print $3}' <<<"${dry_text}" | sort)
expect_eq "rotate --dry-run: the files it would remove" "${expected_removed}" "${would}"
expect_contains "rotate --dry-run: summary" "dry run: 14 file(s) would be removed, nothing was deleted" "${dry_text}"
check "rotate --dry-run: an old good backup, with its reason" \
    grep -Eq "^would remove +$(bname 39 60 | sed 's/\./\\./g') +39 days old, past the 30-day retention; older than the 7 newest good backups$" \
    <<<"${dry_text}"
check "rotate --dry-run: a recent good one kept" grep -Eq "^keep +$(bname 0 60 | sed 's/\./\\./g') +within 30 days; floor" <<<"${dry_text}"
check "rotate --dry-run: a recent corrupt one kept for inspection" \
    grep -Eq "^keep +$(bname 0 10 | sed 's/\./\\./g') +within 30 days; verify failed .*kept for inspection$" <<<"${dry_text}"
check "rotate --dry-run: the old corrupt one removed" \
    grep -Eq "^would remove +$(bname 35 10 | sed 's/\./\\./g') +verify failed" <<<"${dry_text}"
check "rotate --dry-run: the old safety snapshot removed" \
    grep -Eq "^would remove +$(sname 35 0 | sed 's/\./\\./g') +safety snapshot 35 days old" <<<"${dry_text}"
check "rotate --dry-run: the recent safety snapshot kept" \
    grep -Eq "^keep +$(sname 2 0 | sed 's/\./\\./g') +newest safety snapshot" <<<"${dry_text}"
check "rotate --dry-run: the crashed .partial removed" \
    grep -Eq "^would remove +$(bname 3 0 | sed 's/\./\\./g')\.partial +partial file 7[0-9] h old" <<<"${dry_text}"
check "rotate --dry-run: a .partial with an old name but a fresh mtime kept" \
    grep -Eq "^keep +$(bname 2 30 | sed 's/\./\\./g')\.partial +partial file younger" <<<"${dry_text}"
for f in "notes.txt" "copy of" "$(bname 44 0).bak" "$(bname 43 0)" "$(bname 42 0)"; do
    expect_not_contains "rotate --dry-run: foreign '${f}' is no candidate" "${f}" "${dry_text}"
done

run ifn --backup-dir "${rot}" --log-dir "${rotlog}" rotate --dry-run --json
expect_exit "rotate --dry-run --json" 0
printf '%s\n' "${CLI_LAST_OUT}" >"${W}/rot-dry.json"
expect_eq "rotate --json parses as JSON" dict "$(json_get "type(d).__name__" "${W}/rot-dry.json")"
expect_eq "rotate --dry-run --json: dry_run, removed, bytes_freed" '[true, 0, 0]' \
    "$(json_get "[d['dry_run'], d['removed'], d['bytes_freed']]" "${W}/rot-dry.json")"
expect_eq "rotate --dry-run --json: remove flags agree with the text" "${expected_removed}" \
    "$(json_get "'\n'.join(sorted(x['name'] for x in d['decisions'] if x['remove']))" "${W}/rot-dry.json")"
expect_eq "rotate --dry-run --json: every decision has a kind and a reason" "[]" \
    "$(json_get "[x['name'] for x in d['decisions'] if not x['reason'] or x['kind'] not in ('backup', 'safety_snapshot', 'partial')]" "${W}/rot-dry.json")"
expect_eq "rotate --dry-run --json: newest first" "true" \
    "$(json_get "(lambda b: b == sorted(b, reverse=True))([x['name'][-22:-7] for x in d['decisions'] if x['kind'] == 'backup'])" "${W}/rot-dry.json")"
expect_eq "still nothing deleted" "${before}" "$(folder_listing "${rot}")"
json_get "'\\n'.join(x['name'] + '\\t' + x['reason'] for x in d['decisions'] if x['remove'])" "${W}/rot-dry.json" \
    >"${W}/rot-reasons.tsv"
bytes_expected=0
for f in ${expected_removed}; do
    bytes_expected=$((bytes_expected + $(stat -c %s "${rot}/${f}")))
done

names_before=$(names_in "${rot}")
run ifn --backup-dir "${rot}" --log-dir "${rotlog}" rotate
expect_exit "rotate" 0
removed=$(comm -23 <(printf '%s\n' "${names_before}") <(names_in "${rot}"))
expect_eq "rotate removed exactly what the dry run listed" "${expected_removed}" "${removed}"
expect_eq "rotate: its 'removed' lines" "${expected_removed}" \
    "$(awk '$1 == "removed" {print $2}' <<<"${CLI_LAST_OUT}" | sort)"
expect_contains "rotate: summary" "14 file(s) removed" "${CLI_LAST_OUT}"
expect_eq "rotate: nothing else changed" "$(comm -12 <(printf '%s\n' "${names_before}") <(names_in "${rot}"))" \
    "$(names_in "${rot}")"
for f in "notes.txt" "copy of $(bname 45 0)" "$(bname 44 0).bak"; do
    check "rotate: foreign '${f}' still there" test -f "${rot}/${f}"
done
check "rotate: the symlink named like a backup is still a symlink" test -L "${rot}/$(bname 43 0)"
check "rotate: its target is untouched" cmp -s "${rot}.outside/target.sql.gz" "${good}"
check "rotate: the folder named like a backup is still there" test -d "${rot}/$(bname 42 0)"
expect_eq "rotate: 30 good backups and 3 corrupt recent ones remain" 33 \
    "$(find "${rot}" -maxdepth 1 -type f -name 'ifn_connect_backup_*.sql.gz' | wc -l)"
log="${rotlog}/backup.log"
check "rotate logs to backup.log" test -f "${log}"
while IFS=$'\t' read -r name reason; do
    check "backup.log: removed ${name} with its reason" grep -qF "removed ${name} (" "${log}"
    check "backup.log: the reason for ${name}" grep -qF "): ${reason}" <<<"$(grep -F "removed ${name} (" "${log}")"
done <"${W}/rot-reasons.tsv"
expect_eq "backup.log: the removed files' sizes add up" "${bytes_expected}" \
    "$(sed -nE 's/.* removed [^ ]+ \(([0-9]+) bytes\): .*/\1/p' "${log}" | awk '{s += $1} END {print s + 0}')"
expect_contains "backup.log: rotate verified the files never verified" "verifying $(bname 0 10) (never verified)" \
    "$(cat "${log}")"

run ifn --backup-dir "${rot}" --log-dir "${rotlog}" rotate --json
expect_exit "rotate again" 0
printf '%s\n' "${CLI_LAST_OUT}" >"${W}/rot-again.json"
expect_eq "rotate again removes nothing" '[false, 0, 0]' \
    "$(json_get "[d['dry_run'], d['removed'], d['bytes_freed']]" "${W}/rot-again.json")"

# GFS: --keep-weekly / --keep-monthly keep more, each the newest (non-bad) backup of its week / month.
# The model below restates docs of include/ifnbackup/retention.hpp independently of the code.
gfs="${W}/gfs"
make_rotate_folder "${gfs}"
gfs_opts=(--retention-days 3 --min-keep 2)
run ifn --backup-dir "${gfs}" --log-dir "${rotlog}" "${gfs_opts[@]}" rotate --dry-run --json
expect_exit "rotate --dry-run, retention 3 days, floor 2" 0
printf '%s\n' "${CLI_LAST_OUT}" >"${W}/gfs0.json"
run ifn --backup-dir "${gfs}" --log-dir "${rotlog}" "${gfs_opts[@]}" --keep-weekly 4 --keep-monthly 3 rotate --dry-run --json
expect_exit "rotate --dry-run --keep-weekly 4 --keep-monthly 3" 0
printf '%s\n' "${CLI_LAST_OUT}" >"${W}/gfs1.json"
gfs_model() {
    python3 - "$@" <<'EOF'
import datetime, json, sys, time
doc, retention, min_keep, weekly, monthly, bad = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), set(sys.argv[6].split(","))
decisions = [x for x in json.load(open(doc))["decisions"] if x["kind"] == "backup"]
now = time.time()
expected, last_week, last_month = set(), None, None
for x in decisions:  # newest first
    t = datetime.datetime.strptime(x["name"][-22:-7], "%Y%m%d_%H%M%S")
    keep = now - t.timestamp() < retention * 86400
    if x["name"] not in bad:
        if min_keep > 0:
            min_keep, keep = min_keep - 1, True
        week, month = t.isocalendar()[:2], (t.year, t.month)
        if weekly > 0 and week != last_week:
            last_week, weekly, keep = week, weekly - 1, True
        if monthly > 0 and month != last_month:
            last_month, monthly, keep = month, monthly - 1, True
    if not keep:
        expected.add(x["name"])
actual = {x["name"] for x in decisions if x["remove"]}
if actual != expected:
    print("only in the code:", sorted(actual - expected), "only in the model:", sorted(expected - actual))
    sys.exit(1)
print(len(actual))
EOF
}
n0=$(gfs_model "${W}/gfs0.json" 3 2 0 0 "${bad_names}")
check "retention 3 days, floor 2: removals as documented (${n0})" test -n "${n0}"
n1=$(gfs_model "${W}/gfs1.json" 3 2 4 3 "${bad_names}")
check "with --keep-weekly 4 --keep-monthly 3: removals as documented (${n1})" test -n "${n1}"
check "--keep-weekly/--keep-monthly keep more (${n1} < ${n0} removals)" test "${n1:-99}" -lt "${n0:-0}"
expect_eq "GFS: some old backup kept by 'weekly'" "true" \
    "$(json_get "any('weekly: newest backup of week' in x['reason'] and not x['reason'].startswith('within') for x in d['decisions'])" "${W}/gfs1.json")"
expect_eq "GFS: some old backup kept by 'monthly'" "true" \
    "$(json_get "any('monthly: newest backup of' in x['reason'] and not x['reason'].startswith('within') for x in d['decisions'])" "${W}/gfs1.json")"
gfs_expected=$(json_get "'\n'.join(sorted(x['name'] for x in d['decisions'] if x['remove']))" "${W}/gfs1.json")
names_before=$(names_in "${gfs}")
run ifn --backup-dir "${gfs}" --log-dir "${rotlog}" "${gfs_opts[@]}" --keep-weekly 4 --keep-monthly 3 rotate --json
expect_exit "rotate --keep-weekly 4 --keep-monthly 3" 0
printf '%s\n' "${CLI_LAST_OUT}" >"${W}/gfs2.json"
expect_eq "GFS rotate removed exactly what its dry run listed" "${gfs_expected}" \
    "$(comm -23 <(printf '%s\n' "${names_before}") <(names_in "${gfs}"))"
expect_eq "GFS rotate --json: removed count" "$(printf '%s\n' "${gfs_expected}" | grep -c .)" \
    "$(json_get "d['removed']" "${W}/gfs2.json")"
expect_eq "GFS rotate: foreign files untouched" "$(foreign_of)" \
    "$(comm -12 <(names_in "${gfs}") <(foreign_of))"

# --min-keep: every recent backup is corrupt and every good one is older than the retention:
# the newest 7 good ones remain, whatever their age.
floor="${W}/floor"
mkdir -p "${floor}"
cp "${cases}/flipped.sql.gz" "${floor}/$(bname 0 10)"
cp "${cases}/truncated.sql.gz" "${floor}/$(bname 1 10)"
cp "${cases}/no_marker.sql.gz" "${floor}/$(bname 2 10)"
for ((i = 31; i <= 42; i++)); do
    cp "${good}" "${floor}/$(bname "${i}" 60)"
done
run ifn --backup-dir "${floor}" --log-dir "${rotlog}" rotate
expect_exit "rotate, all recent corrupt, all good ones old" 0
expect_eq "the newest 7 good backups and the 3 recent corrupt ones remain" \
    "$(sorted "$(bname 0 10)" "$(bname 1 10)" "$(bname 2 10)" $(for ((i = 31; i <= 37; i++)); do bname "${i}" 60; done))" \
    "$(names_in "${floor}")"
check "rotate: the floor is the reason they are kept" \
    grep -Eq "^keep +$(bname 37 60 | sed 's/\./\\./g') +floor: one of the 7 newest good backups$" <<<"${CLI_LAST_OUT}"
run ifn --backup-dir "${floor}" --log-dir "${rotlog}" --min-keep 3 rotate
expect_exit "rotate --min-keep 3" 0
expect_eq "--min-keep 3: the newest 3 good backups remain" \
    "$(sorted "$(bname 0 10)" "$(bname 1 10)" "$(bname 2 10)" $(for ((i = 31; i <= 33; i++)); do bname "${i}" 60; done))" \
    "$(names_in "${floor}")"
run ifn --backup-dir "${floor}" --log-dir "${rotlog}" --min-keep 0 rotate
expect_exit "rotate --min-keep 0 is refused" 2
expect_eq "--min-keep 0: nothing removed" 6 "$(names_in "${floor}" | wc -l)"

# --- backup: rotation after success; a failed backup removes nothing
fill_old_backups() {
    local dir=$1 i
    mkdir -p "${dir}"
    for ((i = 35; i < 45; i++)); do
        cp "${good}" "${dir}/$(bname "${i}" 60)"
    done
    cp "${good}" "${dir}/$(sname 60 0)"
    cp "${good}" "${dir}/$(sname 61 0)"
    head -c 4000 "${good}" >"${dir}/$(bname 50 0).partial"
    touch -d '50 days ago' "${dir}/$(bname 50 0).partial"
    echo "notes" >"${dir}/notes.txt"
}
auto="${W}/auto"
fill_old_backups "${auto}"
names_before=$(names_in "${auto}")
run ifn --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" --backup-dir "${auto}" --min-keep 3 backup
expect_exit "backup with rotation after success" 0
new_backup=$(comm -13 <(printf '%s\n' "${names_before}") <(names_in "${auto}") |
    grep -E '^ifn_connect_backup_[0-9]{8}_[0-9]{6}\.sql\.gz$')
expect_eq "backup: one new backup (${new_backup})" 1 "$(grep -c . <<<"${new_backup}")"
auto_removed=$(comm -23 <(printf '%s\n' "${names_before}") <(names_in "${auto}"))
expect_eq "backup: rotation removed the old files past the floor of 3" \
    "$(sorted $(for ((i = 37; i < 45; i++)); do bname "${i}" 60; done) "$(sname 61 0)" "$(bname 50 0).partial")" \
    "${auto_removed}"
check "backup: the old backups within the floor remain" test -f "${auto}/$(bname 35 60)" -a -f "${auto}/$(bname 36 60)"
# Counting the new backup (only read back after writing) in the floor removes the 37-day-old one: the
# rotation verifies it in full first.
expect_contains "backup.log: the new backup verified in full before the floor counts it" \
    "verifying ${new_backup} in full before deciding" "$(cat "${auto}/backup.log")"
expect_eq "backup: the new backup's record is the rotation's full verification" full \
    "$(state_check "${auto}" "${new_backup}")"
check "backup: the newest safety snapshot remains" test -f "${auto}/$(sname 60 0)"
check "backup: notes.txt remains" test -f "${auto}/notes.txt"
for f in ${auto_removed}; do
    check "backup.log: removal of ${f} logged with a reason" grep -Eq "removed ${f//./\\.} \([0-9]+ bytes\): .+" "${auto}/backup.log"
done
expect_contains "backup.log: rotation count" "rotation: 10 file(s) removed" "$(cat "${auto}/backup.log")"

failed="${W}/failed"
fill_old_backups "${failed}"
before=$(folder_listing "${failed}")
run ifn --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "no_such_db_$$" --backup-dir "${failed}" \
    --min-keep 1 --log-dir "${W}/failedlog" backup
expect_exit "a failed backup (unknown database)" 9
expect_eq "a failed backup removes nothing" "${before}" "$(folder_listing "${failed}")"
check "a failed backup logs no removal" test -z "$(grep -F 'removed ' "${W}/failedlog/backup.log" 2>/dev/null)"

cli_finish
