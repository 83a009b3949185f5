#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh: scripts/restore.sh BACKUP_FOLDER [--force]
#
# Restores into the place the environment names (DATABASE_URL or VAR_DIR's
# SQLite file, MEDIA_ROOT, INCOMING_ROOT), with the app stopped. It refuses
# to overwrite a database that already holds reports unless --force is given.
# Then it runs migrate (a backup from an older release) and verify_audit,
# and compares the counts with the backup's summary.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-phananh.settings}

SRC=${1:?usage: scripts/restore.sh BACKUP_FOLDER [--force]}
FORCE=${2:-}
[ -f "$SRC/summary.txt" ] || { echo "restore: $SRC is not a backup folder (no summary.txt)" >&2; exit 1; }

eval "$(PYTHONPATH=. $BIN/python scripts/settings_paths.py)"

has_reports() {
  $BIN/python - <<'EOF' 2>/dev/null
import sys
import django
django.setup()
from phananh.reports.models import Report
sys.exit(0 if Report.objects.exists() else 1)
EOF
}
if [ "$FORCE" != "--force" ] && has_reports; then
  echo "restore: the target database already holds reports; add --force to replace them" >&2
  exit 1
fi

case "$ENGINE" in
  sqlite)
    [ -f "$SRC/database.sqlite3" ] || { echo "restore: no database.sqlite3 in $SRC" >&2; exit 1; }
    mkdir -p "$(dirname "$DB_NAME")"
    # The old WAL and shared-memory files belong to the database being replaced.
    rm -f "$DB_NAME-wal" "$DB_NAME-shm"
    cp "$SRC/database.sqlite3" "$DB_NAME.restoring"
    mv "$DB_NAME.restoring" "$DB_NAME"
    ;;
  postgresql)
    [ -f "$SRC/database.dump" ] || { echo "restore: no database.dump in $SRC" >&2; exit 1; }
    pg_restore --clean --if-exists --no-owner --exit-on-error --dbname="$DATABASE_URL" "$SRC/database.dump"
    ;;
  *) echo "restore: unsupported database engine $ENGINE" >&2; exit 1 ;;
esac

for part in media incoming; do
  dir=$([ $part = media ] && echo "$MEDIA" || echo "$INCOMING")
  if [ -f "$SRC/$part.tar.gz" ]; then
    [ -n "$dir" ] || { echo "restore: $part.tar.gz is for local disk, but photos are in object storage" >&2; exit 1; }
    mkdir -p "$dir"
    tar -C "$dir" -xzf "$SRC/$part.tar.gz"
  fi
done
if [ -f "$SRC/secret_key" ] && [ -z "${SECRET_KEY:-}" ]; then
  mkdir -p "$VAR"
  install -m 600 "$SRC/secret_key" "$VAR/secret_key"
fi
[ -f "$SRC/classifier.joblib" ] && mkdir -p "$(dirname "$CLASSIFIER")" && cp "$SRC/classifier.joblib" "$CLASSIFIER"

$BIN/python manage.py migrate --noinput -v0
$BIN/python manage.py verify_audit

# The same summary as backup.sh wrote, from the restored database.
now=$(scripts/backup.sh --summary)
if [ "$now" != "$(cat "$SRC/summary.txt")" ]; then
  echo "restore: the restored database differs from the backup's summary:" >&2
  diff <(cat "$SRC/summary.txt") <(echo "$now") >&2 || true
  exit 1
fi
echo "restore: done; counts and audit chain head match the backup:"
echo "$now"
