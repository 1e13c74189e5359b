#!/usr/bin/env bash
# The bridge against Moodle's own tools on a real Moodle 4.5 site, side by
# side in one run, each measurement from the site's fresh snapshot
# (scripts/real-moodle.sh reset between runs), median of BENCH_RUNS runs.
#
#   scripts/bench-real.sh                     2000 people, 3 runs (about 25 minutes on 2 cores)
#   BENCH_PEOPLE=300 BENCH_RUNS=1 scripts/bench-real.sh
#
# It uses its own sites (RM_WORK, RM_DB_PORT, RM_BASE_PORT below: never the
# ones the end-to-end suite uses), starts them when they are not running and
# stops them at the end unless BENCH_KEEP_SITES=1. Every measured end state is
# checked in the site's database before its time is reported: a comparison
# of two different end states is refused (exit 1).
#
# Measures:
#  1. enrolment of BENCH_PEOPLE new people into one course: `bridge enrol`
#     against admin/tool/uploaduser/cli/uploaduser.php (course1/role1), both
#     followed by \core\task\send_new_user_passwords_task (both leave the
#     create_password preference); SSO accounts (auth shibboleth, no password);
#     the same file again (nothing to do), with and without db_dsn. Manual
#     accounts go through core web services only (enrol_path: core), as the
#     target says; SSO accounts through local_bridge_create_enrol_users (the
#     bulk path) and through core's functions, side by side; manual accounts
#     on the bulk path are measured too, as an extra (BENCH_MANUAL_BULK=0: not).
#  2. progress of BENCH_PARTICIPANTS participants: `bridge tracking sync`
#     through web services and through the database, against a loop of one
#     core_completion_get_activities_completion_status call per person and
#     one SQL query.
#  3. copy of a small course: `bridge workflow run duplicate` against
#     admin/cli/backup.php + admin/cli/restore_backup.php.
#  4. scale: BENCH_SCALE_PEOPLE (20000) new people, SSO accounts on the bulk
#     path, BENCH_SCALE_RUNS times (default BENCH_RUNS) from a fresh site,
#     median against the 2,000-person median of (1), with the bridge's
#     largest peak RSS (issue 14: at most 10.5 times as long, at most
#     100 MB). One run alone moved between 40 and 51 s on the same machine.
#  5. costmodel: the simulator's cost model (moodlesim --cost) calibrated on
#     the academie site, then the same `bridge enrol` of 400 new people on
#     both, three rounds (e2e/costmodel_test.go, -tags costmodel): the
#     simulator's time over the real one, which should stay within 25%.
#  6. bigsite (extra; not in the default set, BENCH_ONLY=bigsite or add it to
#     the list): the manual enrolment of (1) on a site the size of an
#     académie, BENCH_SITE_ACCOUNTS (50000) existing accounts seeded after
#     each reset (untimed, scripts/bench-real/accounts.php): uploaduser.php +
#     the password task, the bridge on core web services, the bridge on the
#     bulk path. core_user_create_users checks each new e-mail with
#     LOWER(email) = LOWER(?), a scan of the user table per account, where
#     uploaduser.php and local_bridge check it by index.
# Output: a markdown table on stdout and in bench/results.md (section
# "Real Moodle 4.5.5+ (side by side, same machine)"; the rest of the file is kept).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
export PATH="$PATH:/usr/local/go/bin"
export RM_WORK=${RM_WORK:-/var/tmp/bridge-bench-moodle}
export RM_DB_PORT=${RM_DB_PORT:-3408}
export RM_BASE_PORT=${RM_BASE_PORT:-8491}
RUNS=${BENCH_RUNS:-3}
PEOPLE=${BENCH_PEOPLE:-2000}
SCALE=${BENCH_SCALE_PEOPLE:-20000}
PARTICIPANTS=${BENCH_PARTICIPANTS:-500}
ACTIVITIES=${BENCH_ACTIVITIES:-8}
SITE_ACCOUNTS=${BENCH_SITE_ACCOUNTS:-50000}
QUICK=${BENCH_QUICK:-5} # samples per run of a measure taking milliseconds
RESULTS=${BENCH_RESULTS:-$repo/bench/results.md}
rm_site() { scripts/real-moodle.sh "$@"; }
say() { echo "bench-real: $*" >&2; }
die() { say "$*"; exit 1; }

tmp=$(mktemp -d /tmp/bench-real.XXXXXX)
started=""
cleanup() {
  rm -rf "$tmp"
  if [ -n "$started" ] && [ -z "${BENCH_KEEP_SITES:-}" ]; then rm_site stop || true; fi
}
trap cleanup EXIT

if ! rm_site status 2>/dev/null | grep -q "academie up"; then
  say "starting the benchmark's own Moodle sites in $RM_WORK (ports $RM_BASE_PORT.., database $RM_DB_PORT)"
  rm_site start --sites 2 >&2
  started=1
fi
# The env file holds KEY=VALUE lines (DSNs with parentheses: not shell syntax).
while IFS='=' read -r key value; do
  case $key in RM_*) printf -v "$key" '%s' "$value" ;; esac
done <"$RM_WORK/env"
URL=$RM_ACADEMIE_URL
TOKEN=$(cat "$RM_ACADEMIE_TOKEN_FILE")
TREE=$RM_ACADEMIE_TREE
DSN=$RM_ACADEMIE_DSN
DB=moodle_academie
# One full reset first: it re-runs the bridge's setup on the snapshots when
# scripts/real-moodle/setup.php changed since they were made.
[ -n "$started" ] || [ -n "${BENCH_SKIP_FULL_RESET:-}" ] || rm_site reset >&2 || die "scripts/real-moodle.sh reset failed"
CGO_ENABLED=0 go build -trimpath -o "$tmp/bridge" ./bridge # as the README builds it
bridge=$tmp/bridge

sql() { mariadb --no-defaults -h127.0.0.1 -P"$RM_DB_PORT" -uroot -N -B "$DB" -e "$1"; }
mphp() { (cd "$TREE" && /usr/bin/time -f '%U %S' -a -o "$tmp/cpu.acc" php -d memory_limit=1024M -d max_input_vars=5000 "$@"); }
# CPU seconds, robust where wall time is not (a machine shared with other
# runs): the academie site's php -S workers and the private MariaDB, plus the
# measured command itself (the bridge, or Moodle's CLI tool).
ACAD_PORT=${RM_ACADEMIE_URL##*:}
site_ticks() {
  local t=0 p
  for p in $(pgrep -f "S 127.0.0.1:$ACAD_PORT") $(pgrep -f "datadir=$RM_WORK/mysql/data"); do
    [ -r "/proc/$p/stat" ] && t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat")))
  done
  echo "$t"
}
cpu_begin() { : >"$tmp/cpu.acc"; cpu0=$(site_ticks); }
cpu_end() { # name: records the CPU seconds since cpu_begin
  local site cmd
  site=$(awk -v a="$cpu0" -v b="$(site_ticks)" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", (b - a) / hz }')
  cmd=$({ grep -E '^[0-9.]+ [0-9.]+$' "$tmp/cpu.acc" || true; } | awk '{ s += $1 + $2 } END { printf "%.2f", s }')
  C[$1]="${C[$1]:-}${C[$1]:+ }$(awk -v a="$site" -v b="$cmd" 'BEGIN { printf "%.2f", a + b }')"
  say "  $1: CPU site $site s + command $cmd s"
}
# The stopwatch is bash's EPOCHREALTIME (microseconds, no process started):
# `date` in a command substitution forks twice (2.5 ms here), which was
# inside every measured interval and a sixth of the 15 ms progress read.
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", b - a }'; } # T0 T1: seconds
since() { elapsed "$1" "$EPOCHREALTIME"; }
# rec_since NAME T0: records the time since T0, read before anything forks.
rec_since() { local t1=$EPOCHREALTIME; rec "$1" "$(elapsed "$2" "$t1")"; }
ws() { # function key=value...: JSON answer
  local fn=$1; shift
  local args=() kv
  for kv in "$@"; do args+=(--data-urlencode "$kv"); done
  curl -fsS "$URL/webservice/rest/server.php" --data-urlencode "wstoken=$TOKEN" --data-urlencode "wsfunction=$fn" \
    --data-urlencode "moodlewsrestformat=json" "${args[@]}"
}
# settle: wait until no ad hoc task is due or running on the site (the
# site's task loop runs them): a task running beside a measured command
# takes a core from it. Snapshots made before install format 2 held
# build_installed_themes_task (13-16 s of one core) and distorted every
# measurement that followed a reset.
settle() {
  local i n
  for i in $(seq 1 60); do
    n=$(sql "SELECT COUNT(*) FROM mdl_task_adhoc WHERE nextruntime <= UNIX_TIMESTAMP() OR timestarted IS NOT NULL")
    [ "$n" = 0 ] && { quiesce_db; return 0; }
    sleep 1
  done
  die "the site still has $n ad hoc task(s) due after 60 s"
}
# quiesce_db: let MariaDB finish what the reset left it (flushing the
# restored tables' dirty pages, purging the dropped database's undo
# history) before a measurement starts, so that neither side pays for it:
# both were measured right after a reset, while InnoDB wrote back a
# snapshot's worth of pages in the background. Flushing is made eager for
# the wait, then set back to the server's default for the measurement.
db_status() { sql "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = '$1'"; }
quiesce_db() {
  local i dirty hist pct lwm t0
  t0=$EPOCHREALTIME
  pct=$(sql "SELECT @@GLOBAL.innodb_max_dirty_pages_pct"); lwm=$(sql "SELECT @@GLOBAL.innodb_max_dirty_pages_pct_lwm")
  sql "SET GLOBAL innodb_max_dirty_pages_pct_lwm = 0, innodb_max_dirty_pages_pct = 0"
  for i in $(seq 1 240); do
    dirty=$(db_status INNODB_BUFFER_POOL_PAGES_DIRTY); hist=$(db_status INNODB_HISTORY_LIST_LENGTH)
    [ "${dirty:-0}" -lt 50 ] && [ "${hist:-0}" -lt 50 ] && break
    sleep 0.5
  done
  sql "SET GLOBAL innodb_max_dirty_pages_pct = $pct, innodb_max_dirty_pages_pct_lwm = $lwm"
  say "  (database quiet in $(since "$t0") s: $dirty dirty page(s), history $hist)"
}
# reset_sites: the academie site back to its fresh snapshot. This is what
# `scripts/real-moodle.sh reset` does for every site, done here for the one
# site measured: on a loaded 2-core machine the full reset of both sites
# takes about 90 s, most of it re-creating ~500 tables per site.
reset_sites() {
  local dir=$RM_WORK/sites/academie i t0
  t0=$EPOCHREALTIME
  for i in 1 2; do
    if mariadb --no-defaults -uroot --socket="$RM_WORK/mysql/mysqld.sock" -e "DROP DATABASE IF EXISTS \`$DB\`;
        CREATE DATABASE \`$DB\` DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci" >"$tmp/reset.log" 2>&1 &&
      mariadb --no-defaults -uroot --socket="$RM_WORK/mysql/mysqld.sock" "$DB" <"$dir/snapshot.sql" >>"$tmp/reset.log" 2>&1; then
      rm -rf "$dir/data.old"; mv "$dir/data" "$dir/data.old"; cp -a "$dir/snapshot-data" "$dir/data"; rm -rf "$dir/data.old" 2>/dev/null || true
      say "  (site reset in $(since "$t0") s)"
      settle
      return 0
    fi
    say "reset attempt $i failed: $(tail -2 "$tmp/reset.log")"
  done
  die "could not reset the academie site"
}

# path_is FILE PATH: the enrolment's output names the path that ran (bulk, core).
path_is() { grep -qE "^path +$2\$" "$1" || die "$1: the enrolment did not run the $2 path: $(grep -E '^path' "$1" || echo 'no path line')"; }

# config DIR [extra domain keys]: a fresh bridge configuration and store.
config() {
  local dir=$1 extra=${2:-}
  rm -rf "$dir"; mkdir -p "$dir"
  cat >"$dir/bridge.yaml" <<YAML
data_dir: $dir
national: national
log_format: console
log_level: warn
domains:
  - name: national
    wwwroot: $RM_NATIONAL_URL
    token_file: $RM_NATIONAL_TOKEN_FILE
    zone: C
  - name: academie
    wwwroot: $URL
    token_file: $RM_ACADEMIE_TOKEN_FILE
    zone: B
    max_input_vars: 5000
    unknown_users: create
    create_auth: manual
$extra
YAML
  echo "$dir/bridge.yaml"
}
# br CONFIG ARGS...: runs the bridge, adding its CPU seconds to cpu.acc.
# The CPU comes from bash's `times` (children's user + system), read
# without starting a process: /usr/bin/time as a wrapper added 0.7 ms to
# the wall time of every bridge command, 5% of the 15 ms progress read.
br() {
  local cfg=$1 rc=0 k0; shift
  kids_ms; k0=$KIDS
  "$bridge" --config "$cfg" "$@" || rc=$?
  kids_ms
  printf '%d.%03d 0\n' $(((KIDS - k0) / 1000)) $(((KIDS - k0) % 1000)) >>"$tmp/cpu.acc"
  return "$rc"
}
# kids_ms: KIDS = the CPU milliseconds of this shell's finished children
# (the second line of `times`: "0m1.234s 0m0.056s"), with builtins only.
kids_ms() {
  local line u s
  times >"$tmp/times"
  { read -r line; read -r u s; } <"$tmp/times"
  to_ms "$u"; KIDS=$MS
  to_ms "$s"; KIDS=$((KIDS + MS))
}
# to_ms 1m2.345s: MS = 62345.
to_ms() {
  local m=${1%%m*} sec=${1#*m}
  sec=${sec%s}
  MS=$((10#$m * 60000 + 10#${sec%.*} * 1000 + 10#${sec#*.}))
}

# new_course SHORTNAME: an empty course in the default category, made over web services.
new_course() {
  local out
  out=$(ws core_course_create_courses "courses[0][fullname]=Bench $1" "courses[0][shortname]=$1" "courses[0][categoryid]=1")
  echo "$out" | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2 | grep . || die "creating course $1: $out"
}

# people FILE KIND: the same BENCH_PEOPLE people, for the bridge ("bridge")
# or for uploaduser with course1/role1 ("upload") and an auth column ("upload-sso").
people() {
  local file=$1 kind=$2 course=${3:-}
  awk -v n="$PEOPLE" -v kind="$kind" -v c="$course" 'BEGIN {
    if (kind == "bridge") print "username,firstname,lastname,email"
    else if (kind == "upload") print "username,firstname,lastname,email,course1,role1"
    else print "username,firstname,lastname,email,auth,course1,role1"
    for (i = 1; i <= n; i++) {
      u = sprintf("bench0%06d", i)
      line = u ",Prénom" i ",NOM" i "," u "@bench.invalid"
      if (kind == "upload") line = line "," c ",student"
      else if (kind == "upload-sso") line = line ",shibboleth," c ",student"
      print line
    }
  }' >"$file"
}

# state COURSEID: accounts, enrolments, student roles, pending passwords,
# accounts without a password yet, and accounts per auth, for the bench people.
state() {
  sql "SELECT
    (SELECT COUNT(*) FROM mdl_user WHERE username LIKE 'bench0%' AND deleted = 0),
    (SELECT COUNT(*) FROM mdl_user_enrolments ue JOIN mdl_enrol e ON e.id = ue.enrolid JOIN mdl_user u ON u.id = ue.userid
      WHERE e.courseid = $1 AND e.enrol = 'manual' AND u.username LIKE 'bench0%'),
    (SELECT COUNT(*) FROM mdl_role_assignments ra JOIN mdl_context x ON x.id = ra.contextid JOIN mdl_role r ON r.id = ra.roleid
      JOIN mdl_user u ON u.id = ra.userid WHERE x.contextlevel = 50 AND x.instanceid = $1 AND r.shortname = 'student' AND u.username LIKE 'bench0%'),
    (SELECT COUNT(*) FROM mdl_user_preferences p JOIN mdl_user u ON u.id = p.userid WHERE p.name = 'create_password' AND u.username LIKE 'bench0%'),
    (SELECT COUNT(*) FROM mdl_user WHERE username LIKE 'bench0%' AND deleted = 0 AND password = ''),
    (SELECT GROUP_CONCAT(a ORDER BY a) FROM (SELECT CONCAT(auth, '=', COUNT(*)) a FROM mdl_user WHERE username LIKE 'bench0%' GROUP BY auth) t)" |
    tr '\t' ' '
}
# expect WHAT GOT WANT: refuse to report a time for a different end state.
expect() { [ "$2" = "$3" ] || die "$1: end state '$2', want '$3' (accounts enrolments student-roles pending-passwords no-password auths)"; }

declare -A T # measure name -> space-separated seconds
declare -A C # measure name -> space-separated CPU seconds (site + command)
rec() { T[$1]="${T[$1]:-}${T[$1]:+ }$2"; say "  $1: $2 s"; }
cmedian() { T[cpu:$1]="${C[$1]:-}"; median "cpu:$1"; }
# median NAME: the median of a measure's runs, with three significant
# digits below a second (the 15 ms progress read rounded to 0.02 s misstated
# its ratio by a third; 0.0143 s rounded to 0.014 by 2%), since the ratios
# are computed from these.
median() { tr ' ' '\n' <<<"${T[$1]:-}" | { grep . || true; } | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print ""; exit }
  m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf (m < 0.1 ? "%.4f" : m < 1 ? "%.3f" : "%.2f"), m }'; }

password_task() { mphp admin/cli/scheduled_task.php --execute='\core\task\send_new_user_passwords_task' >"$tmp/task.log" 2>&1 || die "password task: $(tail -3 "$tmp/task.log")"; }

manual_end="$PEOPLE $PEOPLE $PEOPLE 0 0 manual=$PEOPLE"
sso_end="$PEOPLE $PEOPLE $PEOPLE 0 0 shibboleth=$PEOPLE"

only=${BENCH_ONLY:-enrol,scale,progress,copy,costmodel} # while developing: a subset
want() { [[ ",$only," == *",$1,"* ]]; }
want enrol && for run in $(seq 1 "$RUNS"); do
  say "run $run/$RUNS: enrolment of $PEOPLE new people"
  # (a) the bridge, manual accounts, then the deferred passwords.
  reset_sites
  cid=$(new_course BENCH-ENROL)
  people "$tmp/people.csv" bridge
  cfg=$(config "$tmp/a" "    enrol_path: core")
  cpu_begin; t0=$EPOCHREALTIME
  br "$cfg" enrol --domain academie --course BENCH-ENROL --csv "$tmp/people.csv" --unknown create >"$tmp/a.out" 2>&1 || die "bridge enrol: $(tail -5 "$tmp/a.out")"
  rec_since enrol_bridge "$t0"; cpu_end enrol_bridge
  path_is "$tmp/a.out" core
  cpu_begin; t0=$EPOCHREALTIME; password_task; rec_since enrol_bridge_task "$t0"; cpu_end enrol_bridge_task
  expect "bridge enrol (manual)" "$(state "$cid")" "$manual_end"
  # (d) the same file again: nothing to do; without then with db_dsn.
  cpu_begin; t0=$EPOCHREALTIME
  br "$cfg" enrol --domain academie --course BENCH-ENROL --csv "$tmp/people.csv" --unknown create >"$tmp/d.out" 2>&1 || die "bridge enrol again: $(tail -5 "$tmp/d.out")"
  rec_since rerun_bridge_ws "$t0"; cpu_end rerun_bridge_ws
  cfgdb=$(config "$tmp/d" "    db_dsn: $DSN")
  cpu_begin; t0=$EPOCHREALTIME
  br "$cfgdb" enrol --domain academie --course BENCH-ENROL --csv "$tmp/people.csv" --unknown create >"$tmp/d2.out" 2>&1 || die "bridge enrol again (db_dsn): $(tail -5 "$tmp/d2.out")"
  rec_since rerun_bridge_db "$t0"; cpu_end rerun_bridge_db
  expect "bridge enrol again" "$(state "$cid")" "$manual_end"

  # (a') extra: manual accounts on the bulk path (local_bridge_create_enrol_users).
  if [ "${BENCH_MANUAL_BULK:-1}" = 1 ]; then
    reset_sites
    cid=$(new_course BENCH-ENROL)
    cfg=$(config "$tmp/a2")
    cpu_begin; t0=$EPOCHREALTIME
    br "$cfg" enrol --domain academie --course BENCH-ENROL --csv "$tmp/people.csv" --unknown create >"$tmp/a2.out" 2>&1 || die "bridge enrol (bulk): $(tail -5 "$tmp/a2.out")"
    rec_since enrol_bridge_bulk "$t0"; cpu_end enrol_bridge_bulk
    path_is "$tmp/a2.out" bulk
    cpu_begin; t0=$EPOCHREALTIME; password_task; rec_since enrol_bridge_bulk_task "$t0"; cpu_end enrol_bridge_bulk_task
    expect "bridge enrol (manual, bulk path)" "$(state "$cid")" "$manual_end"
  fi

  # (b) uploaduser with course1/role1, then the deferred passwords.
  reset_sites
  cid=$(new_course BENCH-ENROL)
  people "$tmp/upload.csv" upload BENCH-ENROL
  cpu_begin; t0=$EPOCHREALTIME
  mphp admin/tool/uploaduser/cli/uploaduser.php --file="$tmp/upload.csv" --delimiter_name=comma >"$tmp/b.out" 2>&1 || die "uploaduser: $(tail -5 "$tmp/b.out")"
  rec_since enrol_moodle "$t0"; cpu_end enrol_moodle
  cpu_begin; t0=$EPOCHREALTIME; password_task; rec_since enrol_moodle_task "$t0"; cpu_end enrol_moodle_task
  expect "uploaduser (manual)" "$(state "$cid")" "$manual_end"
  # (d) uploaduser again on the same file, existing accounts kept as they are
  # (uutype 2: add new and update existing, uuupdatetype 0: no changes): it still checks every enrolment.
  cpu_begin; t0=$EPOCHREALTIME
  mphp admin/tool/uploaduser/cli/uploaduser.php --file="$tmp/upload.csv" --delimiter_name=comma --uutype=2 --uuupdatetype=0 >"$tmp/b2.out" 2>&1 || die "uploaduser again: $(tail -5 "$tmp/b2.out")"
  rec_since rerun_moodle "$t0"; cpu_end rerun_moodle
  expect "uploaduser again" "$(state "$cid")" "$manual_end"

  # (c) SSO accounts: no password to make.
  reset_sites
  cid=$(new_course BENCH-ENROL)
  cfg=$(config "$tmp/c")
  cpu_begin; t0=$EPOCHREALTIME
  br "$cfg" enrol --domain academie --course BENCH-ENROL --csv "$tmp/people.csv" --unknown create --auth shibboleth >"$tmp/c.out" 2>&1 || die "bridge enrol sso: $(tail -5 "$tmp/c.out")"
  rec_since sso_bridge "$t0"; cpu_end sso_bridge
  path_is "$tmp/c.out" bulk
  expect "bridge enrol (shibboleth)" "$(state "$cid")" "$sso_end"
  # The same through core's functions only.
  reset_sites
  cid=$(new_course BENCH-ENROL)
  cfg=$(config "$tmp/c3" "    enrol_path: core")
  cpu_begin; t0=$EPOCHREALTIME
  br "$cfg" enrol --domain academie --course BENCH-ENROL --csv "$tmp/people.csv" --unknown create --auth shibboleth >"$tmp/c3.out" 2>&1 || die "bridge enrol sso (core): $(tail -5 "$tmp/c3.out")"
  rec_since sso_bridge_core "$t0"; cpu_end sso_bridge_core
  path_is "$tmp/c3.out" core
  expect "bridge enrol (shibboleth, core path)" "$(state "$cid")" "$sso_end"
  reset_sites
  cid=$(new_course BENCH-ENROL)
  people "$tmp/upload-sso.csv" upload-sso BENCH-ENROL
  cpu_begin; t0=$EPOCHREALTIME
  mphp admin/tool/uploaduser/cli/uploaduser.php --file="$tmp/upload-sso.csv" --delimiter_name=comma >"$tmp/c2.out" 2>&1 || die "uploaduser sso: $(tail -5 "$tmp/c2.out")"
  rec_since sso_moodle "$t0"; cpu_end sso_moodle
  expect "uploaduser (shibboleth)" "$(state "$cid")" "$sso_end"
done

# 4. Scale (measured here, beside the 2,000-person runs it is compared with).
want scale && for run in $(seq 1 "${BENCH_SCALE_RUNS:-$RUNS}"); do
  say "run $run/${BENCH_SCALE_RUNS:-$RUNS}: scale: $SCALE new people, SSO accounts, bulk path"
  reset_sites
  cid=$(new_course BENCH-ENROL)
  [ -f "$tmp/scale.csv" ] || PEOPLE=$SCALE people "$tmp/scale.csv" bridge
  cfg=$(config "$tmp/s")
  # GNU time's %M is the process's maximum resident set (KiB): the peak RSS
  # comes from the timed run itself; its user and system CPU join the command's, as br() adds them.
  cpu_begin; t0=$EPOCHREALTIME
  /usr/bin/time -f '%U %S %M' -o "$tmp/scale.time" "$bridge" --config "$cfg" enrol --domain academie --course BENCH-ENROL \
    --csv "$tmp/scale.csv" --unknown create --auth shibboleth >"$tmp/s.out" 2>&1 || die "bridge enrol ($SCALE): $(tail -5 "$tmp/s.out")"
  rec_since scale_bridge "$t0"
  awk '{ print $1, $2 }' "$tmp/scale.time" >>"$tmp/cpu.acc"; cpu_end scale_bridge
  path_is "$tmp/s.out" bulk
  expect "bridge enrol ($SCALE, shibboleth)" "$(state "$cid")" "$SCALE $SCALE $SCALE 0 0 shibboleth=$SCALE"
  rss=$(awk '{ printf "%.1f", $3 / 1024 }' "$tmp/scale.time")
  T[scale_rss]="${T[scale_rss]:-}${T[scale_rss]:+ }$rss"; say "  scale_rss: $rss MiB"
done

# 1c. (extra) The manual enrolment of (1) on a site with SITE_ACCOUNTS
# existing accounts. Each measure starts from the fresh snapshot plus the
# same seeded accounts (untimed).
want bigsite && for run in $(seq 1 "$RUNS"); do
  say "run $run/$RUNS: enrolment of $PEOPLE new people on a site with $SITE_ACCOUNTS existing accounts"
  people "$tmp/people.csv" bridge
  people "$tmp/upload.csv" upload BENCH-ENROL
  for m in moodle bridge_bulk bridge_core; do
    reset_sites
    mphp "$repo/scripts/bench-real/accounts.php" --count="$SITE_ACCOUNTS" >"$tmp/seed.out" 2>&1 || die "seeding accounts: $(tail -5 "$tmp/seed.out")"
    settle
    cid=$(new_course BENCH-ENROL)
    cpu_begin; t0=$EPOCHREALTIME
    case $m in
    moodle)
      mphp admin/tool/uploaduser/cli/uploaduser.php --file="$tmp/upload.csv" --delimiter_name=comma >"$tmp/big.out" 2>&1 ||
        die "uploaduser (big site): $(tail -5 "$tmp/big.out")" ;;
    bridge_bulk)
      br "$(config "$tmp/big")" enrol --domain academie --course BENCH-ENROL --csv "$tmp/people.csv" --unknown create >"$tmp/big.out" 2>&1 ||
        die "bridge enrol (big site, bulk): $(tail -5 "$tmp/big.out")"
      path_is "$tmp/big.out" bulk ;;
    bridge_core)
      br "$(config "$tmp/big" "    enrol_path: core")" enrol --domain academie --course BENCH-ENROL --csv "$tmp/people.csv" --unknown create >"$tmp/big.out" 2>&1 ||
        die "bridge enrol (big site, core): $(tail -5 "$tmp/big.out")"
      path_is "$tmp/big.out" core ;;
    esac
    password_task
    rec_since "big_$m" "$t0"; cpu_end "big_$m"
    expect "$m (big site)" "$(state "$cid")" "$manual_end"
  done
done

# 2. Progress: reading changes nothing in Moodle, so one fixture serves every run.
if want progress; then
say "progress of $PARTICIPANTS participants ($ACTIVITIES activities)"
reset_sites
mphp "$repo/scripts/bench-real/course.php" --shortname=BENCH-PROG --activities="$ACTIVITIES" --users="$PARTICIPANTS" >"$tmp/prog.out" 2>&1 ||
  die "progress fixture: $(tail -5 "$tmp/prog.out")"
pcid=$(grep -o 'courseid=[0-9]*' "$tmp/prog.out" | cut -d= -f2)
progress_sql="SELECT COUNT(DISTINCT ue.userid), COALESCE(SUM(d.done), 0) FROM mdl_user_enrolments ue JOIN mdl_enrol e ON e.id = ue.enrolid
  LEFT JOIN (SELECT cmc.userid, COUNT(*) done FROM mdl_course_modules_completion cmc JOIN mdl_course_modules cm ON cm.id = cmc.coursemoduleid
    WHERE cm.course = $pcid AND cm.completion > 0 AND cmc.completionstate IN (1, 2) GROUP BY cmc.userid) d ON d.userid = ue.userid
  WHERE e.courseid = $pcid"
want_prog=$(sql "$progress_sql" | tr '\t' ' ')
# Participants and done activities in the bridge's snapshot (its SQLite store).
bridge_done() { sqlite3 "$1/bridge.db" "SELECT COUNT(*) || ' ' || COALESCE(SUM(done), 0) FROM tracking_progress WHERE domain = 'academie' AND course_id = $pcid"; }
for run in $(seq 1 "$RUNS"); do
  say "run $run/$RUNS: progress"
  cfg=$(config "$tmp/p1")
  cpu_begin; t0=$EPOCHREALTIME; br "$cfg" tracking sync --domain academie --course BENCH-PROG >"$tmp/p1.out" 2>&1 || die "tracking sync (ws): $(tail -5 "$tmp/p1.out")"
  rec_since prog_bridge_ws "$t0"; cpu_end prog_bridge_ws
  expect "tracking sync (web services)" "$(bridge_done "$tmp/p1")" "$want_prog"
  # The database reads take milliseconds, where one cron run or page
  # flush of the site lands in one sample out of several: each is taken
  # QUICK times per run (a fresh store each time for the first), and the
  # median of them all is reported.
  for rep in $(seq 1 "$QUICK"); do
    cfg=$(config "$tmp/p2" "    db_dsn: $DSN")
    cpu_begin; t0=$EPOCHREALTIME; br "$cfg" tracking sync --domain academie --course BENCH-PROG >"$tmp/p2.out" 2>&1 || die "tracking sync (db): $(tail -5 "$tmp/p2.out")"
    rec_since prog_bridge_db "$t0"; cpu_end prog_bridge_db
    expect "tracking sync (database)" "$(bridge_done "$tmp/p2")" "$want_prog"
  done
  # Again on the same store: an operator's store exists already (the runs
  # above created it and applied every migration, about 5 ms of their time).
  for rep in $(seq 1 "$QUICK"); do
    cpu_begin; t0=$EPOCHREALTIME; br "$cfg" tracking sync --domain academie --course BENCH-PROG >"$tmp/p3.out" 2>&1 || die "tracking sync (db, existing store): $(tail -5 "$tmp/p3.out")"
    rec_since prog_bridge_db_store "$t0"; cpu_end prog_bridge_db_store
  done
  expect "tracking sync (database, existing store)" "$(bridge_done "$tmp/p2")" "$want_prog"
  # A script without the bridge: one completion call per participant.
  cpu_begin; t0=$EPOCHREALTIME
  ids=$(sql "SELECT DISTINCT ue.userid FROM mdl_user_enrolments ue JOIN mdl_enrol e ON e.id = ue.enrolid WHERE e.courseid = $pcid")
  n=0; done_sum=0
  for uid in $ids; do
    d=$(ws core_completion_get_activities_completion_status "courseid=$pcid" "userid=$uid" | { grep -o '"state":[12]' || true; } | wc -l)
    n=$((n + 1)); done_sum=$((done_sum + d))
  done
  rec_since prog_ws_loop "$t0"; cpu_end prog_ws_loop
  expect "completion call per participant" "$n $done_sum" "$want_prog"
  for rep in $(seq 1 "$QUICK"); do
    cpu_begin; t0=$EPOCHREALTIME; got=$(sql "$progress_sql" | tr '\t' ' '); rec_since prog_sql "$t0"; cpu_end prog_sql
    expect "one SQL query" "$got" "$want_prog"
  done
done
fi

# 3. Copy of a small course on the same site.
modules() { sql "SELECT COUNT(*) FROM mdl_course_modules WHERE course = $1"; }
want copy && for run in $(seq 1 "$RUNS"); do
  say "run $run/$RUNS: course copy"
  reset_sites
  cfg=$(config "$tmp/w")
  br "$cfg" domains bootstrap --domain academie >"$tmp/boot.out" 2>&1 || die "bootstrap: $(tail -5 "$tmp/boot.out")"
  gabcat=$(grep -oE 'category gabarit +id [0-9]+' "$tmp/boot.out" | grep -oE '[0-9]+$')
  mphp "$repo/scripts/bench-real/course.php" --shortname=BENCH-GAB --category="$gabcat" --activities="$ACTIVITIES" >"$tmp/gab.out" 2>&1 ||
    die "course fixture: $(tail -5 "$tmp/gab.out")"
  gid=$(grep -o 'courseid=[0-9]*' "$tmp/gab.out" | cut -d= -f2)
  want=$(modules "$gid")
  cpu_begin; t0=$EPOCHREALTIME
  br "$cfg" workflow run duplicate --domain academie --course BENCH-GAB --shortname BENCH-COPY --name "Copie" >"$tmp/dup.out" 2>&1 ||
    die "workflow run duplicate: $(tail -5 "$tmp/dup.out")"
  rec_since copy_bridge "$t0"; cpu_end copy_bridge
  copy=$(sql "SELECT id FROM mdl_course WHERE shortname = 'BENCH-COPY'")
  expect "bridge duplicate" "$(modules "${copy:-0}")" "$want"
  rm -rf "$tmp/mbz"; mkdir -p "$tmp/mbz"
  cpu_begin; t0=$EPOCHREALTIME
  mphp admin/cli/backup.php --courseid="$gid" --destination="$tmp/mbz" >"$tmp/bk.out" 2>&1 || die "backup.php: $(tail -5 "$tmp/bk.out")"
  mphp admin/cli/restore_backup.php --file="$(ls "$tmp"/mbz/*.mbz | head -1)" --categoryid="$gabcat" >"$tmp/rs.out" 2>&1 ||
    die "restore_backup.php: $(tail -5 "$tmp/rs.out")"
  rec_since copy_moodle "$t0"; cpu_end copy_moodle
  rcid=$(sql "SELECT MAX(id) FROM mdl_course")
  [ "$rcid" != "$copy" ] && [ "$rcid" != "$gid" ] || die "restore_backup.php made no course"
  expect "backup.php + restore_backup.php" "$(modules "$rcid")" "$want"
done

# 5. The simulator's cost model, against this site. The e2e harness resets
# the sites itself (scripts/real-moodle.sh reset with this RM_WORK).
if want costmodel; then
  say "the simulator's cost model against the real site (about 3 minutes)"
  cost_rc=0
  BRIDGE_E2E_ENV=$RM_WORK/env go test -tags costmodel -count=1 -timeout 30m -v -run '^TestSimulatorPredictsRealTime$' ./e2e \
    >"$tmp/cost.out" 2>&1 || cost_rc=$?
  T[cost_ratio]=$(sed -n 's/.*median ratio simulator\/real of 3 rounds: \([0-9.]*\).*/\1/p' "$tmp/cost.out" | head -1)
  [ -n "${T[cost_ratio]}" ] || die "cost model: no ratio measured: $(grep -v '^=== ' "$tmp/cost.out" | tail -20)"
  T[cost_rounds]=$(sed -n 's/.*real \([0-9.]*\) s, simulator \([0-9.]*\) s.*/\1\/\2/p' "$tmp/cost.out" | tr '\n' ' ')
  say "  cost model: simulator/real ${T[cost_ratio]} (real/simulator seconds per round: ${T[cost_rounds]})"
  [ "$cost_rc" = 0 ] || say "  cost model: OFF by more than 25% (the ratio is reported, the simulator needs recalibrating)"
fi

# --- the table ------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) { r = b / a; if (r >= 1) printf "bridge %.1f× faster", r; else printf "Moodle tool %.1f× faster", 1 / r } else print "n/a" }'; }
sum() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a + b }'; }
eb=$(median enrol_bridge); ebt=$(median enrol_bridge_task); em=$(median enrol_moodle); emt=$(median enrol_moodle_task)
table="$tmp/table.md"
{
  echo "| Measure (median of $RUNS; the database reads of the progress, of $RUNS×$QUICK) | Bridge | Moodle's own tool | Ratio |"
  echo "|---|---|---|---|"
  echo "| Enrolment of $PEOPLE new people (manual accounts) into one course, then the deferred passwords; core web services only (\`enrol_path: core\`) | \`bridge enrol --unknown create\`: $eb s + password task $ebt s = **$(sum "$eb" "$ebt") s** | \`uploaduser.php\` (course1/role1): $em s + password task $emt s = **$(sum "$em" "$emt") s** | $(ratio "$(sum "$eb" "$ebt")" "$(sum "$em" "$emt")") |"
  if [ -n "$(median enrol_bridge_bulk)" ]; then
    ebb=$(median enrol_bridge_bulk); ebbt=$(median enrol_bridge_bulk_task)
    echo "| (extra) the same manual accounts on the bulk path (local_bridge_create_enrol_users) | $ebb s + password task $ebbt s = **$(sum "$ebb" "$ebbt") s** | as above | $(ratio "$(sum "$ebb" "$ebbt")" "$(sum "$em" "$emt")") |"
  fi
  echo "| Enrolment of $PEOPLE new people, SSO accounts (auth shibboleth, no password) | bulk path (local_bridge_create_enrol_users): **$(median sso_bridge) s**; core web services only: $(median sso_bridge_core) s | \`uploaduser.php\` with an auth column: $(median sso_moodle) s | $(ratio "$(median sso_bridge)" "$(median sso_moodle)") (bulk), $(ratio "$(median sso_bridge_core)" "$(median sso_moodle)") (core) |"
  echo "| The same file again (nothing to do) | web services only: $(median rerun_bridge_ws) s; with db_dsn: $(median rerun_bridge_db) s | \`uploaduser.php --uutype=2 --uuupdatetype=0\`: $(median rerun_moodle) s | $(ratio "$(median rerun_bridge_ws)" "$(median rerun_moodle)") (web services) |"
  echo "| Progress of $PARTICIPANTS participants, $ACTIVITIES tracked activities | \`tracking sync\` through web services (1 + 2 calls per person): $(median prog_bridge_ws) s; with db_dsn: $(median prog_bridge_db) s (fresh store), $(median prog_bridge_db_store) s (existing store) | a loop of one \`core_completion_get_activities_completion_status\` call per person (curl): $(median prog_ws_loop) s; one SQL query (mariadb client): $(median prog_sql) s | database $(ratio "$(median prog_bridge_db)" "$(median prog_bridge_ws)" | sed 's/bridge //; s/Moodle tool /web services /') than web services (existing store: $(ratio "$(median prog_bridge_db_store)" "$(median prog_bridge_ws)" | sed 's/bridge //; s/ faster//; s/Moodle tool /web services /')) |"
  if [ -n "$(median scale_bridge)" ]; then
    echo "| Enrolment of $SCALE new people, SSO accounts, bulk path (median of ${BENCH_SCALE_RUNS:-$RUNS}) | **$(median scale_bridge) s**, peak RSS at most $(tr ' ' '\n' <<<"${T[scale_rss]:-}" | sort -g | tail -1) MiB | | $(awk -v a="$(median scale_bridge)" -v b="$(median sso_bridge)" 'BEGIN { if (a > 0 && b > 0) printf "%.1f× the %d-person median (%.2f s)", a / b, '"$PEOPLE"', b; else print "n/a" }') |"
  fi
  if [ -n "$(median big_moodle)" ]; then
    echo "| (extra) The same $PEOPLE manual accounts on a site with $SITE_ACCOUNTS existing accounts, password task included | core web services only: **$(median big_bridge_core) s**; bulk path: **$(median big_bridge_bulk) s** | \`uploaduser.php\` + password task: **$(median big_moodle) s** | $(ratio "$(median big_bridge_core)" "$(median big_moodle)") (core), $(ratio "$(median big_bridge_bulk)" "$(median big_moodle)") (bulk) |"
  fi
  echo "| Copy of a course with $ACTIVITIES activities on the same site | \`workflow run duplicate\` (core_course_duplicate_course): $(median copy_bridge) s | \`backup.php\` + \`restore_backup.php\`: $(median copy_moodle) s | $(ratio "$(median copy_bridge)" "$(median copy_moodle)") |"
  if [ -n "${T[cost_ratio]:-}" ]; then
    echo "| The simulator's cost model (\`moodlesim --cost\`, calibrated on this site), \`bridge enrol\` of 400 new people, 3 rounds | simulator / real: **${T[cost_ratio]}** (median; real/simulator seconds per round: ${T[cost_rounds]}) | | $(awk -v r="${T[cost_ratio]}" 'BEGIN { print (r >= 0.75 && r <= 1.25) ? "within 25%" : "OFF by more than 25%" }') |"
  fi
  echo
  echo "CPU seconds spent by the measured command and the Moodle site (its \`php -S\` workers and MariaDB), median of $RUNS:"
  echo "what the work costs the machine, unlike wall time unaffected by other processes sharing it."
  echo
  echo "| Measure | Bridge | Moodle's own tool |"
  echo "|---|---|---|"
  echo "| Enrolment of $PEOPLE new people (manual accounts), then the deferred passwords | $(sum "$(cmedian enrol_bridge)" "$(cmedian enrol_bridge_task)") s | $(sum "$(cmedian enrol_moodle)" "$(cmedian enrol_moodle_task)") s |"
  if [ -n "$(median enrol_bridge_bulk)" ]; then
    echo "| (extra) manual accounts on the bulk path, then the deferred passwords | $(sum "$(cmedian enrol_bridge_bulk)" "$(cmedian enrol_bridge_bulk_task)") s | |"
  fi
  echo "| Enrolment of $PEOPLE new people, SSO accounts | bulk path: $(cmedian sso_bridge) s; core path: $(cmedian sso_bridge_core) s | $(cmedian sso_moodle) s |"
  echo "| The same file again | web services only: $(cmedian rerun_bridge_ws) s; with db_dsn: $(cmedian rerun_bridge_db) s | $(cmedian rerun_moodle) s |"
  echo "| Progress of $PARTICIPANTS participants | web services: $(cmedian prog_bridge_ws) s; with db_dsn: $(cmedian prog_bridge_db) s (fresh store), $(cmedian prog_bridge_db_store) s (existing store) | |"
  if [ -n "$(median big_moodle)" ]; then
    echo "| (extra) $PEOPLE manual accounts on a site with $SITE_ACCOUNTS accounts | core: $(cmedian big_bridge_core) s; bulk: $(cmedian big_bridge_bulk) s | $(cmedian big_moodle) s |"
  fi
  echo "| Copy of a course | $(cmedian copy_bridge) s | $(cmedian copy_moodle) s |"
} >"$table"

cpu=$(awk -F: '/model name/ { sub(/^ /, "", $2); print $2; exit }' /proc/cpuinfo 2>/dev/null || echo unknown)
release=$(sed -n "s/^\$release *= *'\([^']*\)'.*/\1/p" "$TREE/version.php")
section="$tmp/section.md"
{
  echo "## Real Moodle 4.5.5+ (side by side, same machine)"
  echo
  echo "Produced by \`scripts/bench-real.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $(nproc) CPU(s), $cpu; Moodle $release"
  echo "(\`php -S\` with 4 workers, MariaDB on the same machine, both started by \`scripts/real-moodle.sh\`)."
  echo "BENCH_PEOPLE=$PEOPLE, BENCH_RUNS=$RUNS: each enrolment and copy starts from the site's fresh snapshot; the progress"
  echo "measures read one fixture course (reading changes nothing). Before a time is kept, the end state is checked in"
  echo "Moodle's database: accounts, manual enrolments, student roles, no pending create_password and no empty password,"
  echo "auth per account; the same done-activity total for every progress path; the same number of activities in the copy."
  echo "Both enrolment paths leave the create_password preference (accounts made with createpassword): the time of"
  echo "\\core\\task\\send_new_user_passwords_task run right after is counted on both sides."
  echo "The machine is shared with other people's test runs: figures are noisy, compare within one table only."
  echo
  cat "$table"
  echo
  echo "Raw seconds per run:"
  echo
  echo '```'
  for k in $(printf '%s\n' "${!T[@]}" | grep -v '^cpu:' | sort); do echo "$k: ${T[$k]}"; done
  for k in $(printf '%s\n' "${!C[@]}" | sort); do echo "cpu $k: ${C[$k]}"; done
  echo '```'
} >"$section"

# Replace our section in results.md, keep everything else.
if [ -f "$RESULTS" ]; then
  awk -v f="$section" '
    /^## Real Moodle 4\.5\.5\+ \(side by side, same machine\)/ { skip = 1; while ((getline l < f) > 0) print l; print ""; next }
    skip && /^## / { skip = 0 }
    !skip { print }' "$RESULTS" >"$tmp/results.md"
  if ! grep -q '^## Real Moodle 4.5.5+ (side by side' "$tmp/results.md"; then
    { cat "$RESULTS"; echo; cat "$section"; } >"$tmp/results.md"
  fi
  cp "$tmp/results.md" "$RESULTS"
else
  { echo "# Benchmark results"; echo; cat "$section"; } >"$RESULTS"
fi
cat "$table"
echo
say "written to $RESULTS"
