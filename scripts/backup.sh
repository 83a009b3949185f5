#!/usr/bin/env bash
# Back up PhanAnh into a new dated folder: scripts/backup.sh [DEST] (default var/backups).
#
# Reads the same environment as the app (DATABASE_URL, VAR_DIR, MEDIA_ROOT...)
# and writes DEST/phananh-YYYYmmdd-HHMMSS/ with:
#   database.sqlite3   SQLite's online backup (consistent while the app runs, WAL included), or
#   database.dump      pg_dump's custom format for PostgreSQL (consistent snapshot)
#   media.tar.gz       published photos (MEDIA_ROOT), when they are on local disk
#   incoming.tar.gz    uploads still waiting for the worker (INCOMING_ROOT), idem
#   secret_key         var/secret_key, when SECRET_KEY is not given by the environment
#   classifier.joblib  the trained classifier, when there is one (it can also be retrained)
#   summary.txt        counts and the audit chain head at backup time, for checking a restore
# Photos in object storage (S3_BUCKET) are not copied: keep them with the
# store's own versioning or replication. The job queue is not copied either:
# the sweeps re-queue unfinished photos and notifications live in the database.
# The folder is readable by its owner only (it holds the secret key and
# citizens' data). Restore with scripts/restore.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-phananh.settings}

# Counts and the audit chain head of the database the environment names;
# restore.sh compares them with the backup's (scripts/backup.sh --summary).
summary() {
  $BIN/python - <<'EOF'
import django
django.setup()
from phananh.reports.models import ChainHead, Event, Media, Report
head = ChainHead.objects.filter(pk=1).first()
print(f"reports {Report.objects.count()}")
print(f"events {Event.objects.count()}")
print(f"photos {Media.objects.count()}")
print(f"chain_head {head.seq if head else 0} {head.hash if head else '-'}")
EOF
}
if [ "${1:-}" = "--summary" ]; then
  summary
  exit 0
fi

DEST=${1:-${BACKUP_DIR:-var/backups}}
OUT="$DEST/phananh-$(date +%Y%m%d-%H%M%S)"
umask 077
mkdir -p "$OUT"

# Where things are, from the app's own settings.
eval "$(PYTHONPATH=. $BIN/python scripts/settings_paths.py)"

case "$ENGINE" in
  sqlite)
    $BIN/python - "$DB_NAME" "$OUT/database.sqlite3" <<'EOF'
import sqlite3, sys
source, target = sqlite3.connect(sys.argv[1]), sqlite3.connect(sys.argv[2])
with target:
    source.backup(target)  # page by page, consistent with concurrent writers
source.close(); target.close()
EOF
    ;;
  postgresql)
    command -v pg_dump >/dev/null || { echo "backup: pg_dump not found (apt-get install postgresql-client)" >&2; exit 1; }
    pg_dump --format=custom --no-owner --file="$OUT/database.dump" "$DATABASE_URL"
    ;;
  *) echo "backup: unsupported database engine $ENGINE" >&2; exit 1 ;;
esac

for part in media incoming; do
  dir=$([ $part = media ] && echo "$MEDIA" || echo "$INCOMING")
  if [ -n "$dir" ] && [ -d "$dir" ]; then
    tar -C "$dir" -czf "$OUT/$part.tar.gz" .
  fi
done
[ -z "${SECRET_KEY:-}" ] && [ -f "$VAR/secret_key" ] && cp "$VAR/secret_key" "$OUT/secret_key"
[ -f "$CLASSIFIER" ] && cp "$CLASSIFIER" "$OUT/classifier.joblib"

# What a restore must give back: read from the copy itself for SQLite; for
# PostgreSQL from the live database, which may have moved on since pg_dump's snapshot.
summary_db=${DATABASE_URL:-}
[ "$ENGINE" = sqlite ] && summary_db="sqlite:///$(cd "$OUT" && pwd)/database.sqlite3"
DATABASE_URL=$summary_db summary > "$OUT/summary.txt"
# Reading the copy left SQLite's (empty) side files next to it.
rm -f "$OUT/database.sqlite3-wal" "$OUT/database.sqlite3-shm"
echo "backup: $OUT"
cat "$OUT/summary.txt"
