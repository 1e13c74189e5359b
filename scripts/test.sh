#!/usr/bin/env bash
# The project's whole test suite: the README's test command, and what CI runs.
#   scripts/test.sh            everything (installs what is missing)
#   SHORT=1 scripts/test.sh    skip the long reliability tests
set -euo pipefail
cd "$(dirname "$0")/.."

export PATH="$PATH:/usr/local/go/bin:$(go env GOPATH 2>/dev/null || echo /root/go)/bin"
if ! command -v go >/dev/null 2>&1; then
  echo "test.sh: Go is required (https://go.dev/dl/); it is not on PATH" >&2
  exit 1
fi

step() { printf '\n== %s\n' "$*"; }

step "dependencies"
scripts/mariadb.sh
# In CI the MySQL-backed tests must run: a missing database fails, never skips.
if [ "${CI:-}" = "true" ]; then export BRIDGE_REQUIRE_MYSQL=1; fi
# CI runs the long reliability tests (more kill points and fault seeds);
# SHORT=1 keeps the quick subset.
if [ "${CI:-}" = "true" ] && [ -z "${SHORT:-}" ]; then export BRIDGE_LONG_TESTS=1; fi
export BRIDGE_TEST_MYSQL_DSN=${BRIDGE_TEST_MYSQL_DSN:-root@tcp(127.0.0.1:3306)/}
if [ -x scripts/php-deps.sh ]; then scripts/php-deps.sh; fi
# Debian packages the tests drive, installed only when missing:
#   pdftotext (poppler-utils) checks the certificates' text;
#   chromium runs the blocks' browser suite on the real sites (e2e);
#   prometheus and promtool check the shipped alert rules and dashboard.
need_pkg() { # $1 command, $2 package
  command -v "$1" >/dev/null 2>&1 && return 0
  command -v apt-get >/dev/null 2>&1 || return 0
  local sudo=""; if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$2" >/dev/null 2>&1; then
    $sudo apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$2" >/dev/null
  fi
}
need_pkg pdftotext poppler-utils
need_pkg chromium chromium
need_pkg prometheus prometheus

step "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.git/*'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

step "go vet"
go vet ./...

if [ -x scripts/php-checks.sh ]; then
  step "PHP checks"
  scripts/php-checks.sh
fi

# The end-to-end suite runs on real Moodle sites installed from the shared
# tarball (or MOODLE_TREE). In CI a missing tarball or a failed install fails.
tarball=${MOODLE_TARBALL:-../shared/moodle/moodle-4.5.5plus.tar.xz}
e2e_env=""
if [ -n "${MOODLE_TREE:-}" ] || [ -f "$tarball" ]; then
  step "real Moodle sites"
  if scripts/real-moodle.sh start --plain-site sanslb; then
    e2e_env="${RM_WORK:-/var/tmp/bridge-real-moodle}/env"
    # Leave no php -S, task loop or database behind (RM_KEEP=1 keeps them for the next run).
    if [ -z "${RM_KEEP:-}" ]; then trap 'scripts/real-moodle.sh stop || true' EXIT; fi
  elif [ "${CI:-}" = "true" ]; then
    echo "test.sh: the real Moodle sites could not be installed (see the line above); CI needs them" >&2
    exit 1
  fi
elif [ "${CI:-}" = "true" ]; then
  echo "test.sh: no Moodle tarball at $tarball and no MOODLE_TREE: the end-to-end suite cannot run in CI" >&2
  exit 1
fi

step "go test"
timeout_flag=${GO_TEST_TIMEOUT:-20m}
log=$(mktemp /tmp/bridge-go-test.XXXXXX)
set +e
go test -count=1 -timeout "$timeout_flag" -p 2 $(go list ./... | grep -v '/e2e$') 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
passed=$(grep -c '^ok ' "$log" || true)
failed=$(grep -c '^FAIL\s' "$log" || true)

step "end-to-end suite (real Moodle and moodlesim)"
e2e_log=$(mktemp /tmp/bridge-e2e.XXXXXX)
BRIDGE_E2E_ENV=$e2e_env go test -count=1 -timeout "$timeout_flag" -v ./e2e 2>&1 >"$e2e_log" || e2e_status=$?
e2e_status=${e2e_status:-0}
# The failures in full, then every scenario's verdict.
if [ "$e2e_status" -ne 0 ]; then grep -vE '^(=== (RUN|PAUSE|CONT)|--- PASS)' "$e2e_log" | tail -n 300; fi
grep -E '^(--- (PASS|FAIL)|ok |FAIL|e2e:)' "$e2e_log" || true

echo
echo "go test: $passed packages passed, $failed failed"
grep -E '^e2e: [0-9]+ passed, [0-9]+ failed' "$e2e_log" || grep -E '^e2e: did not run' "$e2e_log" \
  || { echo "e2e: 0 passed, 1 failed (the suite printed no result)"; e2e_status=1; }
if [ "$status" -ne 0 ]; then exit "$status"; fi
exit "$e2e_status"
