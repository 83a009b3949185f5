#!/usr/bin/env bash
# Serve PhanAnh the way production does: gunicorn + WhiteNoise for the site and
# APIs, one huey worker for jobs. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PORT="${PORT:-8000}"
export DJANGO_SETTINGS_MODULE=phananh.settings

$BIN/python manage.py migrate --noinput
$BIN/python manage.py collectstatic --noinput --verbosity 0
$BIN/python manage.py load_demo
[ -f "${CLASSIFIER_PATH:-${VAR_DIR:-var}/classifier.joblib}" ] || $BIN/python manage.py train_classifier

pids=()
stop() {
  trap - INT TERM EXIT
  echo "Stopping PhanAnh..."
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
}
trap stop INT TERM EXIT

# The worker runs at lower CPU priority: in a burst of reports (a flood, a
# storm) acknowledging each citizen comes first; photo processing and
# delivery catch up right after (docs/deploy.md).
nice -n "${WORKER_NICE:-10}" $BIN/python manage.py run_huey --quiet &
pids+=($!)
# Threads let one process serve slow phones without blocking; the settings
# (WEB_WORKERS, WEB_THREADS...) and why are in phananh/gunicorn_conf.py.
PORT="$PORT" $BIN/gunicorn -c phananh/gunicorn_conf.py phananh.wsgi:application &
pids+=($!)
echo "PhanAnh is serving on http://127.0.0.1:${PORT} (Ctrl-C to stop)"
wait -n "${pids[@]}"
