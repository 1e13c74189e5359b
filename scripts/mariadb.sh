#!/usr/bin/env bash
# Make sure a MariaDB/MySQL server answers at 127.0.0.1:3306 for root with no
# password: use the one running, start an installed one, or install one from
# Debian's packages. Prints the DSN the tests should use.
set -euo pipefail

host=${BRIDGE_TEST_MYSQL_HOST:-127.0.0.1}
port=${BRIDGE_TEST_MYSQL_PORT:-3306}

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

ping_db() {
  if command -v mariadb-admin >/dev/null 2>&1; then
    mariadb-admin --protocol=tcp -h "$host" -P "$port" -uroot ping >/dev/null 2>&1
  elif command -v mysqladmin >/dev/null 2>&1; then
    mysqladmin --protocol=tcp -h "$host" -P "$port" -uroot ping >/dev/null 2>&1
  else
    (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null
  fi
}

wait_db() {
  for _ in $(seq 1 60); do
    ping_db && return 0
    sleep 1
  done
  return 1
}

if ping_db; then
  echo "mariadb: using the server at $host:$port" >&2
  exit 0
fi

if ! command -v mariadbd >/dev/null 2>&1 && ! [ -x /usr/sbin/mariadbd ]; then
  echo "mariadb: no server installed; installing mariadb-server from Debian's packages" >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mariadb-server mariadb-client >&2
fi

echo "mariadb: starting the installed server" >&2
as_root mkdir -p /run/mysqld
as_root chown mysql:mysql /run/mysqld 2>/dev/null || true
if [ ! -d /var/lib/mysql/mysql ]; then
  as_root mariadb-install-db --user=mysql --datadir=/var/lib/mysql >/dev/null
fi
as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql
if ! wait_db; then
  echo "mariadb: the server did not answer at $host:$port within 60 s" >&2
  exit 1
fi
# A fresh Debian install authenticates root by unix socket only: allow the
# passwordless TCP login the tests use (a throwaway test server).
as_root mariadb -uroot -e "ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket; FLUSH PRIVILEGES;" 2>/dev/null || true
echo "mariadb: started at $host:$port" >&2
