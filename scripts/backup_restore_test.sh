#!/usr/bin/env bash
# make backup-test: back up a demo install with scripts/backup.sh, restore it
# with scripts/restore.sh into a fresh place, and check that nothing changed:
# same counts and audit chain head (restore.sh compares), verify_audit passes,
# every photo file is back byte for byte, and the secret key came back (so
# sessions and signed links survive). Runs on SQLite in a temporary folder,
# cleans up after itself, exits non-zero on any difference.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
WORK=$(mktemp -d /tmp/phananh-backup-test.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
started=$SECONDS
for name in DATABASE_URL REDIS_URL S3_BUCKET MEDIA_ROOT INCOMING_ROOT SECRET_KEY CLASSIFIER_PATH; do unset "$name"; done
export DJANGO_SETTINGS_MODULE=phananh.settings LOG_LEVEL=WARNING

echo "== a demo install in $WORK/original"
export VAR_DIR="$WORK/original"
$BIN/python manage.py migrate --noinput -v0
$BIN/python manage.py load_demo --reports 30 >/dev/null
# A photo still waiting for the worker must survive too.
mkdir -p "$VAR_DIR/incoming" && printf "parked upload" > "$VAR_DIR/incoming/waiting.upload"

echo "== backup"
scripts/backup.sh "$WORK/backups"
backup=$(ls -d "$WORK"/backups/phananh-*)
[ "$(stat -c %a "$backup")" = 700 ] || { echo "FAIL: the backup folder is readable by others"; exit 1; }

echo "== restore into $WORK/restored"
export VAR_DIR="$WORK/restored"
scripts/restore.sh "$backup"

echo "== compare"
(cd "$WORK/original/media" && find . -type f -exec sha256sum {} + | sort -k 2) > "$WORK/original.sums"
(cd "$WORK/restored/media" && find . -type f -exec sha256sum {} + | sort -k 2) > "$WORK/restored.sums"
diff -q "$WORK/original.sums" "$WORK/restored.sums" >/dev/null \
  || { echo "FAIL: photos differ after the restore"; diff "$WORK/original.sums" "$WORK/restored.sums" | head; exit 1; }
cmp -s "$WORK/original/incoming/waiting.upload" "$WORK/restored/incoming/waiting.upload" \
  || { echo "FAIL: a waiting upload was not restored"; exit 1; }
cmp -s "$WORK/original/secret_key" "$WORK/restored/secret_key" || { echo "FAIL: the secret key was not restored"; exit 1; }
# A second restore over a live database is refused without --force.
if scripts/restore.sh "$backup" 2>/dev/null; then echo "FAIL: restore overwrote a database without --force"; exit 1; fi
echo "PASS: backup and restore round trip ($(wc -l < "$WORK/original.sums") photo files) in $((SECONDS - started))s"
