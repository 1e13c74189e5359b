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
# pdftotext (poppler-utils) checks the certificates' text; installed only when missing.
if ! command -v pdftotext >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  sudo=""; if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq poppler-utils >/dev/null 2>&1; then
    $sudo apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq poppler-utils >/dev/null
  fi
fi

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

step "go test"
timeout_flag=${GO_TEST_TIMEOUT:-20m}
go test -count=1 -timeout "$timeout_flag" -p 2 ./... 2>&1 | tee /tmp/bridge-go-test.log
status=${PIPESTATUS[0]}
passed=$(grep -c '^ok ' /tmp/bridge-go-test.log || true)
failed=$(grep -c '^FAIL\s' /tmp/bridge-go-test.log || true)
echo
echo "go test: $passed packages passed, $failed failed"
exit "$status"
