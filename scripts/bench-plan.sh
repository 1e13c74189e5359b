#!/usr/bin/env bash
# Parse and plan a large enrolment file with the real `bridge` binary, its
# look-ups answered from SQL (db_dsn), and report the process's own time
# and peak RSS (issue 14: at least 100,000 rows/s, at most 64 MB).
#
#   scripts/bench-plan.sh                          20,000 then 100,000 rows, once each
#   BENCH_PLAN_ROWS=100000 BENCH_PLAN_RUNS=3 scripts/bench-plan.sh
#
# Moodle's database is a throwaway one on the MariaDB of the Go tests
# (127.0.0.1:3306, root, BRIDGE_TEST_MYSQL_DSN's server) holding the
# tables the bridge reads (internal/moodledb/testdata/schema.sql) and
# as many accounts as the largest file has rows, every person of the files;
# the web services (course look-up, site probe) are a `bridge moodlesim`
# process, not counted. The plan is a dry run: it reads, matches every row
# and changes nothing.
# Prints per run one line "plan: N rows in S s (R rows/s), peak RSS M MiB, CPU C s (…)",
# and with several runs a line "median of K: …" per size: the CPU seconds
# (user + system) of the bridge process are what a shared, loaded machine does not
# inflate. BENCH_PLAN_ENV prefixes the command (e.g. "env GODEBUG=gctrace=1").
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
export PATH="$PATH:/usr/local/go/bin"
SIZES=${BENCH_PLAN_ROWS:-20000 100000}
RUNS=${BENCH_PLAN_RUNS:-1}
ROWS=$(printf "%s\n" $SIZES | sort -n | tail -1)
DB=bridge_bench_plan
say() { echo "bench-plan: $*" >&2; }
sql() { mariadb --no-defaults -h127.0.0.1 -P3306 -uroot "$@"; }

scripts/mariadb.sh >/dev/null 2>&1 || true
sql -e 'SELECT 1' >/dev/null 2>&1 || { say "no MariaDB at 127.0.0.1:3306 (scripts/mariadb.sh starts one)"; exit 1; }
tmp=$(mktemp -d /tmp/bench-plan.XXXXXX)
sim=""
cleanup() {
  [ -z "$sim" ] || kill "$sim" 2>/dev/null || true
  sql -e "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
  [ -n "${BENCH_KEEP_TMP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT

CGO_ENABLED=0 go build -trimpath -o "$tmp/bridge" ./bridge # as the README builds it
say "seeding $ROWS accounts in $DB"
sql -e "DROP DATABASE IF EXISTS $DB; CREATE DATABASE $DB CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
sql "$DB" <internal/moodledb/testdata/schema.sql
# Moodle's own unique key on usernames (the project's DDL keeps only what it reads).
sql "$DB" -e "CREATE UNIQUE INDEX mdl_user_mneuse_uix ON mdl_user (mnethostid, username);
  INSERT INTO mdl_user (username, firstname, lastname, email, auth, confirmed, mnethostid)
  SELECT CONCAT('u', LPAD(seq, 7, '0')), 'Prénom', CONCAT('NOM', seq), CONCAT('user', LPAD(seq, 7, '0'), '@ac-a.fr'),
         'shibboleth', 1, 1 FROM seq_1_to_${ROWS};"

for n in $SIZES; do
  awk -v n="$n" 'BEGIN { print "Nom;Prénom;Courriel;Établissement";
    for (i = 1; i <= n; i++) printf "NOM%d;Prénom;user%07d@ac-a.fr;ETAB%d\n", i, i, i % 37 }' >"$tmp/people-$n.csv"
done

BRIDGE_ADDR_FILE="$tmp/sim.addr" "$tmp/bridge" moodlesim --listen 127.0.0.1:0 --token tok --sites academie >"$tmp/sim.log" 2>&1 &
sim=$!
for _ in $(seq 1 100); do [ -s "$tmp/sim.addr" ] && break; sleep 0.05; done
[ -s "$tmp/sim.addr" ] || { say "moodlesim did not start: $(cat "$tmp/sim.log")"; exit 1; }
url="http://$(cat "$tmp/sim.addr")" # one site: served at the root
course=$(curl -fsS "$url/webservice/rest/server.php" -d wstoken=tok -d wsfunction=core_course_create_courses \
  -d moodlewsrestformat=json --data-urlencode "courses[0][fullname]=Plan bench" \
  --data-urlencode "courses[0][shortname]=PLAN-BENCH" -d "courses[0][categoryid]=1" | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)
# The same course in the database: with db_dsn, --course PLAN-BENCH is looked up there.
sql "$DB" -e "INSERT INTO mdl_course (id, fullname, shortname) VALUES ($course, 'Plan bench', 'PLAN-BENCH')"
echo tok >"$tmp/token"
chmod 600 "$tmp/token"
cat >"$tmp/bridge.yaml" <<YAML
data_dir: $tmp/data
log_level: warn
domains:
  - name: academie
    wwwroot: $url
    token_file: $tmp/token
    zone: B
    db_dsn: root@tcp(127.0.0.1:3306)/$DB
YAML

# plan N: one dry run of the N-row file; prints its line and appends "secs kib cpu" to $tmp/runs-N.
plan() {
  local n=$1 secs kib usr sys matched
  ${BENCH_PLAN_ENV:-} /usr/bin/time -f '%e %M %U %S' -o "$tmp/time" "$tmp/bridge" --config "$tmp/bridge.yaml" enrol --domain academie \
    --course PLAN-BENCH --csv "$tmp/people-$n.csv" --dry-run --report "$tmp/report.csv" >"$tmp/out" 2>&1 ||
    { say "bridge enrol --dry-run failed: $(tail -5 "$tmp/out")"; exit 1; }
  read -r secs kib usr sys <"$tmp/time"
  matched=$(grep -c ';will_enrol;' "$tmp/report.csv" || true)
  [ "$matched" = "$n" ] || { say "the plan matched $matched of $n rows: $(tail -5 "$tmp/out")"; exit 1; }
  echo "$secs $kib $(awk -v u="$usr" -v y="$sys" 'BEGIN { print u + y }')" >>"$tmp/runs-$n"
  line "plan:" "$n" "$secs" "$kib" "$usr" "$sys"
}
line() {
  awk -v t="$1" -v n="$2" -v s="$3" -v k="$4" -v u="$5" -v y="$6" 'BEGIN {
    printf "%s %d rows in %.2f s (%.0f rows/s), peak RSS %.1f MiB, CPU %.2f s (%.0f rows per CPU second)\n", t, n, s, n / s, k / 1024, u + y, n / (u + y) }'
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

for n in $SIZES; do
  say "planning $n rows (dry run), $RUNS run(s)"
  for _ in $(seq 1 "$RUNS"); do plan "$n"; done
  if [ "$RUNS" -gt 1 ]; then
    # Each figure's own median (wall, RSS, CPU), not one run's.
    line "median of $RUNS:" "$n" "$(cut -d' ' -f1 "$tmp/runs-$n" | median)" "$(cut -d' ' -f2 "$tmp/runs-$n" | median)" \
      "$(cut -d' ' -f3 "$tmp/runs-$n" | median)" 0
  fi
done
