#!/usr/bin/env bash
# The whole suite. Browser tests need Debian's Chromium; without it they are
# skipped, and this script says so loudly rather than passing quietly.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export PYTHONHASHSEED=0
if [ ! -x /usr/bin/chromium ]; then
  echo "################################################################"
  echo "## WARNING: /usr/bin/chromium not found: BROWSER TESTS SKIPPED ##"
  echo "## install it with: apt-get install -y chromium               ##"
  echo "################################################################"
fi
$BIN/ruff check . || exit 1
$BIN/python manage.py makemigrations --check --dry-run >/dev/null || { echo "models changed without a migration"; exit 1; }
$BIN/python -m pytest -q "$@"
status=$?
if [ ! -x /usr/bin/chromium ]; then
  echo "## WARNING: browser tests were SKIPPED (no /usr/bin/chromium) ##"
fi
exit $status
