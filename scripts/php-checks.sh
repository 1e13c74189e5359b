#!/usr/bin/env bash
# PHP checks of the Moodle plugins: syntax (php -l), style (phpcs with moodle-plugins/phpcs.xml;
# warnings are shown, errors fail) and the standalone PHPUnit tests (no Moodle needed).
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in php phpcs phpunit; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "php-checks.sh: $tool is missing; run scripts/php-deps.sh" >&2
    exit 1
  fi
done

echo "-- php -l"
failed=0
while IFS= read -r -d '' file; do
  if ! out=$(php -l "$file" 2>&1); then
    echo "$out"; failed=1
  fi
done < <(find moodle-plugins internal/api/testdata -name '*.php' -print0)
[ "$failed" -eq 0 ] || { echo "php -l: syntax errors" >&2; exit 1; }

echo "-- phpcs"
phpcs -q --standard=moodle-plugins/phpcs.xml --runtime-set ignore_warnings_on_exit 1 moodle-plugins

echo "-- phpunit (standalone)"
for config in moodle-plugins/*/*/phpunit.xml; do
  [ -e "$config" ] || continue
  phpunit --do-not-cache-result -c "$config"
done
