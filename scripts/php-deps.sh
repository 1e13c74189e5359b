#!/usr/bin/env bash
# Installs what the PHP checks need (Debian/Ubuntu packages), only what is missing.
# Idempotent and quiet; fast when everything is present (no apt-get at all).
set -euo pipefail

missing=()
command -v php >/dev/null 2>&1 || missing+=(php-cli)
command -v phpunit >/dev/null 2>&1 || missing+=(phpunit)
command -v phpcs >/dev/null 2>&1 || missing+=(php-codesniffer)
if command -v php >/dev/null 2>&1; then
  php -m 2>/dev/null | grep -qix xmlwriter || missing+=(php-xml)   # phpunit needs dom/xml
  php -m 2>/dev/null | grep -qix mbstring || missing+=(php-mbstring)
else
  missing+=(php-xml php-mbstring)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "php-deps.sh: missing ${missing[*]} and apt-get is not available; install them by hand" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "php-deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists only when the install fails on stale ones.
if ! $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
  $sudo apt-get update -qq >/dev/null
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
