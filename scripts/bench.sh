#!/usr/bin/env bash
# Run every benchmark in bench/ and print its numbers; docs/benchmarks.md
# records them with the machine they were taken on.
set -euo pipefail
cd "$(dirname "$0")/.."
export VAR_DIR="${VAR_DIR:-$(mktemp -d /tmp/phananh-bench.XXXXXX)}"
status=0
for script in bench/bench_*.py; do
  echo "== $script"
  PYTHONPATH=.:bench .venv/bin/python "$script" || status=1
done
exit $status
