#!/usr/bin/env bash
# Real Moodle 4.5 sites for the end-to-end suite and the benchmarks, from the
# shared tarball (never from code committed here).
#
#   scripts/real-moodle.sh start [--sites N] [--without-local-bridge] [--plain-site NAME]
#   scripts/real-moodle.sh reset      # every site back to its fresh snapshot (seconds)
#   scripts/real-moodle.sh stop       # no php -S, cron loop or database left behind
#   scripts/real-moodle.sh env        # KEY=VALUE lines for the tests (also in $RM_WORK/env)
#   scripts/real-moodle.sh status
#
# Sites: "national" then "academie", "academie2"…; --plain-site adds one more
# site without the plugins (local_bridge's fallbacks). Each site has its own
# tree (hard links to one unpacked copy), dataroot, database on a private
# MariaDB instance (own datadir, socket and port), a php -S server with the
# PHP settings Moodle needs, and a loop running its ad hoc tasks (async backups).
#
# Environment:
#   MOODLE_TARBALL  the Moodle tree archive (default ../shared/moodle/moodle-4.5.5plus.tar.xz)
#   MOODLE_TREE     an unpacked Moodle 4.5 tree to use instead of the tarball
#   RM_WORK         work directory (default /var/tmp/bridge-real-moodle); never inside ../shared
#   RM_DB_PORT      private MariaDB port (default 3407)
#   RM_BASE_PORT    first site's HTTP port (default 8481)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=${RM_WORK:-/var/tmp/bridge-real-moodle}
dbport=${RM_DB_PORT:-3407}
baseport=${RM_BASE_PORT:-8481}
tarball=${MOODLE_TARBALL:-$repo/../shared/moodle/moodle-4.5.5plus.tar.xz}
sock=$work/mysql/mysqld.sock
logdir=$work/logs
adminpass='Admin-pass-1234!'

die() { echo "real-moodle: $*" >&2; exit 1; }
say() { echo "real-moodle: $*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
sql() { mariadb --no-defaults -uroot --socket="$sock" "$@"; }

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# --- dependencies -----------------------------------------------------------
php_deps() {
  local missing=() ext
  command -v php >/dev/null 2>&1 || missing+=(php8.2-cli)
  for ext in mysqli xml mbstring curl zip gd intl soap bcmath; do
    if ! php -m 2>/dev/null | grep -qix "$ext"; then
      case $ext in mysqli) missing+=(php8.2-mysql) ;; *) missing+=("php8.2-$ext") ;; esac
    fi
  done
  command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || missing+=(mariadb-server)
  command -v mariadb >/dev/null 2>&1 || missing+=(mariadb-client)
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]} and no apt-get; install them by hand"
  # Another run may be installing at the same time: wait for its lock (10 min) rather than fail.
  say "installing ${missing[*]} from Debian's packages"
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >"$work/apt.log" 2>&1; then
    as_root apt-get -o DPkg::Lock::Timeout=600 update -qq >>"$work/apt.log" 2>&1
    as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >>"$work/apt.log" 2>&1 \
      || die "could not install ${missing[*]} (log: $work/apt.log)"
  fi
}

# --- the code tree ----------------------------------------------------------
# code/moodle is the pristine tree; its stamp names where it came from.
unpack() {
  local src stamp
  if [ -n "${MOODLE_TREE:-}" ]; then
    [ -f "$MOODLE_TREE/version.php" ] || die "MOODLE_TREE=$MOODLE_TREE is not a Moodle tree (no version.php)"
    src="tree:$(cd "$MOODLE_TREE" && pwd)"
  else
    [ -f "$tarball" ] || die "no Moodle tarball at $tarball; set MOODLE_TARBALL=FILE or MOODLE_TREE=DIR (a Moodle 4.5 tree)"
    src="tarball:$(stat -c '%s %Y' "$tarball")"
  fi
  stamp=$work/code/stamp
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$src" ] && [ -f "$work/code/moodle/version.php" ]; then return 0; fi
  say "unpacking Moodle ($src)"
  rm -rf "$work/code"; mkdir -p "$work/code"
  if [ -n "${MOODLE_TREE:-}" ]; then
    cp -a "$MOODLE_TREE" "$work/code/moodle"
  else
    tar -xJf "$tarball" -C "$work/code" || die "could not unpack $tarball"
  fi
  [ -f "$work/code/moodle/version.php" ] || die "the archive has no moodle/version.php"
  echo "$src" >"$stamp"
}

# Bump when install_site changes what a fresh site holds.
install_format=2 # 2: snapshots taken with no ad hoc task due

# The snapshot key changes with the Moodle code, the plugins and the install
# format: a changed key reinstalls the site. The setup key changes with
# setup.php and the bridge's function list: a changed one only re-runs the
# (idempotent) setup on the snapshot, in seconds.
setup_key() {
  { cat "$repo/scripts/real-moodle/setup.php"; sed -n '/^var Needs/,/^}/p' "$repo/internal/domains/functions.go"; } \
    | sha256sum | cut -c1-16
}
snapshot_key() {
  { cat "$work/code/stamp"; echo "$install_format";
    (cd "$repo/moodle-plugins" && find . -type f -print0 | sort -z | xargs -0 sha256sum);
    echo "$dbport $baseport"; } | sha256sum | cut -c1-16
}

# --- the private database server --------------------------------------------
db_start() {
  if [ -S "$sock" ] && sql -e 'SELECT 1' >/dev/null 2>&1; then return 0; fi
  if port_busy "$dbport"; then die "port $dbport is in use by another process; set RM_DB_PORT"; fi
  # Its own temporary directory: two instances initialised at once in /tmp
  # collide on MariaDB's temporary table names.
  mkdir -p "$work/mysql/tmp" "$logdir"
  # .installed marks a complete initialisation (a failed one is removed).
  if [ ! -f "$work/mysql/data/.installed" ] && [ ! -d "$work/mysql/data/mysql" ]; then
    say "initialising the private MariaDB in $work/mysql"
    rm -rf "$work/mysql/data"
    mariadb-install-db --no-defaults --user="$(id -un)" --datadir="$work/mysql/data" --tmpdir="$work/mysql/tmp" \
      --auth-root-authentication-method=normal >"$logdir/mariadb-install.log" 2>&1 \
      || { rm -rf "$work/mysql/data"; die "mariadb-install-db failed (log: $logdir/mariadb-install.log)"; }
    touch "$work/mysql/data/.installed"
  fi
  # Throwaway test data: durability traded for speed.
  nohup mariadbd --no-defaults --user="$(id -un)" --datadir="$work/mysql/data" --socket="$sock" \
    --port="$dbport" --bind-address=127.0.0.1 --pid-file="$work/mysql/mysqld.pid" --tmpdir="$work/mysql/tmp" \
    --skip-log-bin --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 \
    --innodb-buffer-pool-size=512M --max-connections=300 --character-set-server=utf8mb4 \
    --collation-server=utf8mb4_unicode_ci --log-error="$logdir/mariadb.log" >/dev/null 2>&1 </dev/null &
  for _ in $(seq 1 60); do
    sql -e 'SELECT 1' >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  die "the private MariaDB did not start on port $dbport (log: $logdir/mariadb.log)"
}

db_stop() {
  if [ -f "$work/mysql/mysqld.pid" ]; then
    local pid; pid=$(cat "$work/mysql/mysqld.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    rm -f "$work/mysql/mysqld.pid"
  fi
}

# --- sites ------------------------------------------------------------------
site_names() { cat "$work/sites.list" 2>/dev/null || true; }
site_port() { grep -n "^$1\$" "$work/sites.list" | cut -d: -f1 | awk -v b="$baseport" '{print b+$1-1}'; }

site_php() { # php with the settings Moodle needs, in the site's tree
  local name=$1; shift
  (cd "$work/sites/$name/moodle" && php -d max_input_vars=5000 -d memory_limit=512M -d post_max_size=8M \
    -d upload_max_filesize=8M "$@")
}

make_tree() { # $1 site, $2 with plugins (1/0)
  local name=$1 plugins=$2 dir=$work/sites/$1
  rm -rf "$dir/moodle"; mkdir -p "$dir"
  cp -al "$work/code/moodle" "$dir/moodle"
  if [ "$plugins" = 1 ]; then
    cp -r "$repo/moodle-plugins/local/bridge" "$dir/moodle/local/bridge"
    for b in "$repo"/moodle-plugins/blocks/*/; do cp -r "$b" "$dir/moodle/blocks/$(basename "$b")"; done
  fi
  local port; port=$(site_port "$name")
  cat >"$dir/moodle/config.php" <<PHP
<?php  // Written by scripts/real-moodle.sh for the test site "$name".
unset(\$CFG);
global \$CFG;
\$CFG = new stdClass();
\$CFG->dbtype    = 'mariadb';
\$CFG->dblibrary = 'native';
\$CFG->dbhost    = '127.0.0.1';
\$CFG->dbname    = 'moodle_${name//-/_}';
\$CFG->dbuser    = 'root';
\$CFG->dbpass    = '';
\$CFG->prefix    = 'mdl_';
\$CFG->dboptions = ['dbpersist' => 0, 'dbport' => $dbport, 'dbsocket' => '', 'dbcollation' => 'utf8mb4_unicode_ci'];
\$CFG->wwwroot   = 'http://127.0.0.1:$port';
\$CFG->dataroot  = '$dir/data';
\$CFG->admin     = 'admin';
\$CFG->directorypermissions = 0777;
\$CFG->noemailever = true;
require_once(__DIR__ . '/lib/setup.php');
PHP
}

install_site() { # $1 site, $2 with plugins
  local name=$1 plugins=$2 dir=$work/sites/$1 db port log
  db="moodle_${name//-/_}"; port=$(site_port "$name"); log=$logdir/install-$name.log
  make_tree "$name" "$plugins"
  rm -rf "$dir/data"; mkdir -p "$dir/data"
  sql -e "DROP DATABASE IF EXISTS \`$db\`; CREATE DATABASE \`$db\` DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
  mv "$dir/moodle/config.php" "$dir/config.php.keep"
  say "installing $name (log: $log)"
  if ! site_php "$name" admin/cli/install.php --non-interactive --agree-license --lang=en \
      --wwwroot="http://127.0.0.1:$port" --dataroot="$dir/data" --dbtype=mariadb --dbhost=127.0.0.1 \
      --dbport="$dbport" --dbname="$db" --dbuser=root --dbpass= --prefix=mdl_ \
      --fullname="m@gistère $name" --shortname="$name" --adminuser=admin --adminpass="$adminpass" \
      --adminemail=admin@example.invalid --supportemail=support@example.invalid >"$log" 2>&1; then
    die "installing $name failed: $(grep -m1 -iE 'error|exception' "$log" || tail -n1 "$log") (log: $log)"
  fi
  mv "$dir/config.php.keep" "$dir/moodle/config.php"
  setup_site "$name"
  echo "$(snapshot_key) $plugins" >"$dir/snapshot.key"
}

# setup_site configures the bridge's service, role, user and token, then
# snapshots the site (database dump and dataroot).
setup_site() {
  local name=$1 dir=$work/sites/$1 db="moodle_${1//-/_}" log=$logdir/install-$1.log functions
  functions=$(cd "$repo" && go run ./bridge domains functions | paste -sd, -) || die "could not list the bridge's functions"
  site_php "$name" "$repo/scripts/real-moodle/setup.php" --functions="$functions" \
    --tokenfile="$dir/token" --domain="$name" >>"$log" 2>&1 || die "configuring $name failed (log: $log)"
  # The install leaves ad hoc tasks due (build_installed_themes_task compiles
  # every theme: 13 to 16 s of one core). Run them before the snapshot: left
  # in it, they ran again after every reset, beside the test or the
  # benchmark that had just started, and took a core from it.
  site_php "$name" admin/cli/adhoc_task.php --execute >>"$log" 2>&1 || die "running $name's pending ad hoc tasks failed (log: $log)"
  mariadb-dump --no-defaults -uroot --socket="$sock" --single-transaction --skip-comments "$db" >"$dir/snapshot.sql" \
    || die "could not dump $db"
  rm -rf "$dir/snapshot-data"; cp -a "$dir/data" "$dir/snapshot-data"
  setup_key >"$dir/setup.key"
}

restore_site() { # back to the snapshot: database and dataroot
  local name=$1 dir=$work/sites/$1 db="moodle_${1//-/_}" runner=""
  if [ -f "$dir/cron.pid" ]; then runner=1; stop_runner "$name"; fi
  sql -e "DROP DATABASE IF EXISTS \`$db\`; CREATE DATABASE \`$db\` DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
  sql "$db" <"$dir/snapshot.sql" || die "could not restore $db from $dir/snapshot.sql"
  # The running site and its task loop may write into the dataroot meanwhile:
  # swap directories, then remove the old one.
  rm -rf "$dir/data.old"; mv "$dir/data" "$dir/data.old"
  cp -a "$dir/snapshot-data" "$dir/data"
  rm -rf "$dir/data.old" 2>/dev/null || rm -rf "$dir/data.old" 2>/dev/null || true
  if [ -n "$runner" ]; then start_runner "$name"; fi
}

serve_site() {
  local name=$1 dir=$work/sites/$1 port
  port=$(site_port "$name")
  if [ -f "$dir/php.pid" ] && kill -0 "$(cat "$dir/php.pid")" 2>/dev/null; then return 0; fi
  kill_strays "$name" # a server of this very tree left behind is ours to end
  port_busy "$port" && die "port $port (site $name) is in use by another process; stop it or set RM_BASE_PORT"
  # exec: the recorded pid is php itself, and no shell keeps our stdout open.
  # OPcache as on a production site (the CLI SAPI has it off by default, which
  # would recompile Moodle on every request).
  (cd "$dir/moodle" && PHP_CLI_SERVER_WORKERS=4 exec php -d max_input_vars=5000 -d memory_limit=512M \
    -d post_max_size=8M -d upload_max_filesize=8M -d opcache.enable_cli=1 -d opcache.memory_consumption=256 \
    -d opcache.max_accelerated_files=30000 -S "127.0.0.1:$port") >"$logdir/php-$name.log" 2>&1 </dev/null &
  echo $! >"$dir/php.pid"
  start_runner "$name"
  for _ in $(seq 1 60); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/login/index.php" 2>/dev/null && return 0
    sleep 0.5
  done
  die "site $name did not answer on port $port (log: $logdir/php-$name.log)"
}

# Ad hoc tasks (asynchronous backups and restores, deferred passwords) as cron would run
# them: a fresh PHP process within 2 seconds of a task being due. Not one long-lived
# runner (--keep-alive): it keeps the configuration it read at start, and wrote backups
# with backup_version 2008111700 (set by the first backup after it started), which every
# restore refuses. PHP starts only when the queue holds a due task (the mariadb client
# asks in milliseconds): a Moodle bootstrap every 2 s per site kept a core busy.
start_runner() {
  local dir=$work/sites/$1 db="moodle_${1//-/_}"
  stop_runner "$1"
  local due="SELECT COUNT(*) FROM mdl_task_adhoc WHERE nextruntime <= UNIX_TIMESTAMP()"
  (cd "$dir/moodle" && exec bash -c 'while :; do
      n=$(mariadb --no-defaults -uroot --socket="$0" -N -B "$1" -e "$2" 2>/dev/null || echo 1)
      [ "$n" = 0 ] || php -d memory_limit=512M admin/cli/adhoc_task.php --execute
      sleep 2
    done' "$sock" "$db" "$due") \
    >>"$logdir/cron-$1.log" 2>&1 </dev/null &
  echo $! >"$dir/cron.pid"
}

stop_runner() {
  local dir=$work/sites/$1
  if [ -f "$dir/cron.pid" ]; then
    pkill -P "$(cat "$dir/cron.pid")" 2>/dev/null || true
    kill "$(cat "$dir/cron.pid")" 2>/dev/null || true
    rm -f "$dir/cron.pid"
  fi
}

stop_site() {
  local dir=$work/sites/$1 f
  for f in cron.pid php.pid; do
    if [ -f "$dir/$f" ]; then
      pkill -P "$(cat "$dir/$f")" 2>/dev/null || true
      kill "$(cat "$dir/$f")" 2>/dev/null || true
      rm -f "$dir/$f"
    fi
  done
  kill_strays "$1"
}

# kill_strays ends php processes serving this site's tree that no pid file
# names (the workers of a php -S whose master died, a runner left over).
kill_strays() {
  local dir=$work/sites/$1 pid cwd
  for pid in $(pgrep -x php 2>/dev/null); do
    cwd=$(readlink "/proc/$pid/cwd" 2>/dev/null || true)
    if [ "$cwd" = "$dir/moodle" ]; then kill "$pid" 2>/dev/null || true; fi
  done
  sleep 0.2
}

write_env() {
  local out=$work/env name port names=""
  : >"$out.tmp"
  for name in $(site_names); do
    port=$(site_port "$name"); names="$names${names:+,}$name"
    local key=${name^^}; key=${key//-/_}
    {
      echo "RM_${key}_URL=http://127.0.0.1:$port"
      echo "RM_${key}_TOKEN_FILE=$work/sites/$name/token"
      echo "RM_${key}_DSN=root@tcp(127.0.0.1:$dbport)/moodle_${name//-/_}"
      echo "RM_${key}_TREE=$work/sites/$name/moodle"
      echo "RM_${key}_PLUGINS=$(cut -d' ' -f2 "$work/sites/$name/snapshot.key")"
    } >>"$out.tmp"
  done
  { echo "RM_SITES=$names"; echo "RM_WORK=$work"; echo "RM_ADMIN_PASSWORD=$adminpass"; cat "$out.tmp"; } >"$out"
  rm -f "$out.tmp"
}

cmd_start() {
  local n=2 plugins=1 plain=""
  while [ $# -gt 0 ]; do
    case $1 in
      --sites) n=${2:?--sites N}; shift 2 ;;
      --without-local-bridge) plugins=0; shift ;;
      --plain-site) plain=${2:?--plain-site NAME}; shift 2 ;;
      *) die "unknown option $1 (start [--sites N] [--without-local-bridge] [--plain-site NAME])" ;;
    esac
  done
  [[ $n =~ ^[1-9]$ ]] || die "--sites takes 1 to 9"
  case "$work/" in "$(cd "$repo/.." && pwd)/shared/"*) die "RM_WORK must not be inside ../shared (read-only in CI)";; esac
  mkdir -p "$work" "$logdir"
  php_deps
  unpack
  { echo national; [ "$n" -ge 2 ] && echo academie; for i in $(seq 3 "$n"); do echo "academie$((i-1))"; done; } >"$work/sites.list"
  [ -n "$plain" ] && echo "$plain" >>"$work/sites.list"
  db_start
  local key name want pids=()
  key=$(snapshot_key)
  for name in $(site_names); do
    want=$plugins; [ "$name" = "$plain" ] && want=0
    if [ -f "$work/sites/$name/snapshot.key" ] && [ "$(cat "$work/sites/$name/snapshot.key")" = "$key $want" ] \
        && [ -d "$work/sites/$name/moodle" ]; then
      restore_site "$name"
      if [ "$(cat "$work/sites/$name/setup.key" 2>/dev/null)" != "$(setup_key)" ]; then
        say "re-running the bridge setup on $name (setup.php or the function list changed)"
        setup_site "$name"
      fi
    else
      stop_site "$name"
      install_site "$name" "$want" &
      pids+=($!)
    fi
  done
  for p in "${pids[@]}"; do wait "$p" || die "a site failed to install (logs in $logdir)"; done
  for name in $(site_names); do serve_site "$name"; done
  write_env
  say "ready: $(site_names | paste -sd' ' -) ($work/env)"
}

cmd_reset() {
  [ -f "$work/sites.list" ] || die "no sites; run scripts/real-moodle.sh start"
  db_start
  local name
  for name in $(site_names); do
    restore_site "$name"
    if [ "$(cat "$work/sites/$name/setup.key" 2>/dev/null)" != "$(setup_key)" ]; then
      say "re-running the bridge setup on $name (setup.php or the function list changed)"
      setup_site "$name"
    fi
  done
  say "reset: $(site_names | paste -sd' ' -)"
}

cmd_stop() {
  local name
  for name in $(site_names); do stop_site "$name"; done
  if [ -S "$sock" ]; then
    for name in $(site_names); do sql -e "DROP DATABASE IF EXISTS \`moodle_${name//-/_}\`" 2>/dev/null || true; done
  fi
  db_stop
  say "stopped"
}

case ${1:-} in
  start) shift; cmd_start "$@" ;;
  reset) cmd_reset ;;
  stop) cmd_stop ;;
  env) [ -f "$work/env" ] || die "no sites; run scripts/real-moodle.sh start"; cat "$work/env" ;;
  status) for n in $(site_names); do
            p=$(site_port "$n"); if port_busy "$p"; then echo "$n up http://127.0.0.1:$p"; else echo "$n down"; fi
          done ;;
  *) echo "usage: scripts/real-moodle.sh start [--sites N] [--without-local-bridge] [--plain-site NAME] | reset | stop | env | status" >&2; exit 2 ;;
esac
