#!/usr/bin/env bash
# make cluster-test: PhanAnh as a small cluster on this one machine, configured
# only through environment variables, with an app server killed under load.
#
#   PostgreSQL 127.0.0.1:54340 (private, initdb in a temp dir)
#   Redis      127.0.0.1:63790 (cache, rate limits, job queue)
#   S3 (moto)  127.0.0.1:50000 (photos; bucket created at start)
#   haproxy    127.0.0.1:8400  -> gunicorn app1 127.0.0.1:8401, app2 127.0.0.1:8402
#   one huey job worker
#
# The driver (scripts/cluster/driver.py) sends CLUSTER_REPORTS reports (200)
# 8 at a time through haproxy as Open311 POSTs with a photo and an
# Idempotency-Key, retrying like a phone app; a quarter of the way in app1 is
# killed with SIGKILL (its whole process group) and started again. Then
# scripts/cluster/verify.py checks that every acknowledged report exists
# exactly once, its photo is published in the bucket, its notifications went
# out and the audit chain is intact, and the driver checks that a rate limit
# holds across both servers. Last, scripts/backup.sh and scripts/restore.sh
# take the PostgreSQL database into a new one and compare. Everything stops
# and is removed on exit; the exit status is non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=$ROOT/.venv/bin
export DEBIAN_FRONTEND=noninteractive

PG_PORT=54340 REDIS_PORT=63790 S3_PORT=50000 LB_PORT=8400 APP1_PORT=8401 APP2_PORT=8402
REPORTS=${CLUSTER_REPORTS:-200}
CONCURRENCY=8
READ_LIMIT=40
started_at=$SECONDS
say() { printf '[cluster %3ds] %s\n' $((SECONDS - started_at)) "$*"; }
fail() { say "FAIL: $*" >&2; exit 1; }

# --- tools: installed only when missing ---------------------------------------
need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v redis-server >/dev/null || need+=(redis-server)
command -v haproxy >/dev/null || need+=(haproxy)
if [ ${#need[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || fail "missing ${need[*]}: run as root or apt-get install -y ${need[*]}"
  say "installing ${need[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if ! $BIN/python -c "import moto.server, flask_cors, storages.backends.s3, boto3" 2>/dev/null; then
  say "installing requirements-cluster.txt into .venv"
  $BIN/python -m pip install --quiet -r requirements-cluster.txt
fi
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)

for port in $PG_PORT $REDIS_PORT $S3_PORT $LB_PORT $APP1_PORT $APP2_PORT; do
  if (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; then fail "port $port is in use; is another test running?"; fi
done

# --- processes: each in its own process group, stopped on any exit -------------
WORK=$(mktemp -d /tmp/phananh-cluster.XXXXXX)
chmod 755 "$WORK"
declare -A pid=()
as_postgres() { if [ "$(id -u)" = 0 ]; then su postgres -c "$*"; else bash -c "$*"; fi; }

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  for name in "${!pid[@]}"; do kill -TERM -- "-${pid[$name]}" 2>/dev/null || true; done
  sleep 1
  for name in "${!pid[@]}"; do kill -KILL -- "-${pid[$name]}" 2>/dev/null || true; done
  [ -d "$WORK/pg/data" ] && as_postgres "$PGBIN/pg_ctl -D $WORK/pg/data -m immediate stop" >/dev/null 2>&1 || true
  if [ $status -ne 0 ]; then
    for log in "$WORK"/*.log; do
      [ -f "$log" ] || continue
      echo "----- last lines of $(basename "$log") -----" >&2
      tail -n 15 "$log" >&2
    done
  fi
  rm -rf "$WORK"
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start NAME COMMAND...: run COMMAND as the leader of a new process group
# (setsid execs it directly), so that killing -PGID kills it with its children.
start() {
  local name=$1; shift
  setsid "$@" >>"$WORK/$name.log" 2>&1 &
  pid[$name]=$!
  disown $!  # cleanup() stops it by its group; no "Killed" notice from bash
}

http_status() {
  $BIN/python - "$1" <<'EOF'
import sys, urllib.request, urllib.error
try:
    print(urllib.request.urlopen(sys.argv[1], timeout=5).status)
except urllib.error.HTTPError as error:
    print(error.code)
except OSError:
    print(0)
EOF
}

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
  local seconds=$1 what=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || fail "$what did not come up within ${seconds}s"
    sleep 0.3
  done
}
port_open() { (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; }
healthy() { [ "$(http_status "$1")" = 200 ]; }
answers() { [ "$(http_status "$1")" != 0 ]; }

# --- the deployment's environment: nothing else configures it ------------------
export DJANGO_SETTINGS_MODULE=phananh.settings
SECRET_KEY=$(head -c 32 /dev/urandom | base64 | tr -d '/+=\n')
export SECRET_KEY
export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/phananh"
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
export S3_BUCKET=phananh-cluster S3_ENDPOINT_URL="http://127.0.0.1:$S3_PORT" S3_REGION=us-east-1
export S3_ACCESS_KEY_ID=cluster-test S3_SECRET_ACCESS_KEY=cluster-test-secret
export AWS_EC2_METADATA_DISABLED=true
export TRUSTED_PROXY_COUNT=1
export ALLOWED_HOSTS=127.0.0.1,localhost SITE_URL="http://127.0.0.1:$LB_PORT"
export STATIC_ROOT="$WORK/static"
export OPEN311_RATE_LIMIT=100000 OPEN311_READ_RATE_LIMIT=$READ_LIMIT
# Small app servers for a 2-core machine: 1 process x 4 threads each.
export WEB_WORKERS=1 WEB_THREADS=4
export LOG_LEVEL=WARNING
# Commands run here (migrate, load_demo) get their own local folder; each
# server below gets another, so nothing depends on a shared disk.
export VAR_DIR="$WORK/admin"

say "starting PostgreSQL, Redis and S3 (moto) in $WORK"
mkdir -p "$WORK/pg"
[ "$(id -u)" = 0 ] && chown postgres "$WORK/pg"
as_postgres "$PGBIN/initdb -D $WORK/pg/data -A trust -U postgres -E UTF8" >"$WORK/postgres.log" 2>&1
as_postgres "$PGBIN/pg_ctl -D $WORK/pg/data -l $WORK/pg/log -w -o \"-p $PG_PORT -k $WORK/pg \
  -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100\" start" >>"$WORK/postgres.log" 2>&1 \
  || fail "PostgreSQL did not start"
"$PGBIN/createdb" -h 127.0.0.1 -p $PG_PORT -U postgres phananh
start redis redis-server --bind 127.0.0.1 --port $REDIS_PORT --save "" --appendonly no --dir "$WORK"
start s3 "$BIN/python" -m moto.server -H 127.0.0.1 -p $S3_PORT
wait_for 20 "Redis" port_open $REDIS_PORT
wait_for 30 "moto" port_open $S3_PORT
$BIN/python scripts/cluster/verify.py make-bucket

say "migrating, loading the demo city, collecting static files"
$BIN/python manage.py migrate --noinput -v0
say "migrated; loading the demo city"
$BIN/python manage.py load_demo --reports 30 >"$WORK/load_demo.log" 2>&1 || { tail -n 20 "$WORK/load_demo.log"; fail "load_demo"; }
say "demo loaded; collecting static files"
$BIN/python manage.py collectstatic --noinput -v0
API_KEY=$($BIN/python manage.py create_api_key "Cluster test" | tail -n 1)
$BIN/python scripts/cluster/verify.py preflight

say "starting two app servers, the job worker and haproxy"
start_app() {  # start_app NAME PORT
  start "$1" env VAR_DIR="$WORK/$1" BIND="127.0.0.1:$2" "$BIN/gunicorn" -c phananh/gunicorn_conf.py \
    phananh.wsgi:application
}
start_app app1 $APP1_PORT
start_app app2 $APP2_PORT
start worker env VAR_DIR="$WORK/worker" "$BIN/python" manage.py run_huey
start lb env PHANANH_BIND="127.0.0.1:$LB_PORT" PHANANH_APP1="127.0.0.1:$APP1_PORT" \
  PHANANH_APP2="127.0.0.1:$APP2_PORT" PHANANH_APP_SLOTS=$((WEB_WORKERS * WEB_THREADS)) PHANANH_SITE_HOST=127.0.0.1 \
  haproxy -db -f scripts/cluster/haproxy.cfg
wait_for 60 "app1" answers "http://127.0.0.1:$APP1_PORT/healthz"
wait_for 60 "app2" answers "http://127.0.0.1:$APP2_PORT/healthz"
# 200 through haproxy: database and worker heartbeat (in Redis) both seen.
wait_for 60 "the cluster (healthz through haproxy)" healthy "http://127.0.0.1:$LB_PORT/healthz"

say "sending $REPORTS reports, $CONCURRENCY at a time; app1 is killed after $((REPORTS / 4))"
load_started=$SECONDS
$BIN/python scripts/cluster/driver.py submit --url "http://127.0.0.1:$LB_PORT" --api-key "$API_KEY" \
  --count "$REPORTS" --concurrency $CONCURRENCY --signal-file "$WORK/kill-now" \
  --signal-after $((REPORTS / 4)) --out "$WORK/results.json" &
driver=$!
while [ ! -e "$WORK/kill-now" ] && kill -0 $driver 2>/dev/null; do sleep 0.05; done
[ -e "$WORK/kill-now" ] || { wait $driver; fail "the driver ended before the kill point"; }
kill -KILL -- "-${pid[app1]}"
say "app1 (process group ${pid[app1]}) killed with SIGKILL; starting it again"
start_app app1 $APP1_PORT
restart_started=$SECONDS
wait_for 60 "app1 after its restart" answers "http://127.0.0.1:$APP1_PORT/healthz"
say "app1 answers again, $((SECONDS - restart_started)) s after the kill"
wait $driver || fail "the driver reported failures (above)"
load_seconds=$((SECONDS - load_started))
# haproxy's own account of the errors the clients saw: status, server, termination state.
awk '/POST \/open311/ && $6 ~ /^5/ {print "  " $6, $4, $10}' "$WORK/lb.log" | sort | uniq -c | sed 's/^/haproxy 5xx:/' || true

say "checking the reports, photos and notifications"
$BIN/python scripts/cluster/verify.py reports "$WORK/results.json" --wait 120 || fail "verification (above)"

say "checking that a read rate limit ($READ_LIMIT a minute per client) holds across both servers"
wait_for 30 "app1 back in haproxy" healthy "http://127.0.0.1:$APP1_PORT/healthz"
sleep 2  # haproxy's health check (rise 2, every 1 s) puts app1 back in rotation
$BIN/python scripts/cluster/driver.py ratelimit --url "http://127.0.0.1:$LB_PORT" \
  --requests $((READ_LIMIT + 20)) --limit $READ_LIMIT --servers 2 || fail "rate limit (above)"

say "backing up PostgreSQL with scripts/backup.sh and restoring into a new database"
kill -TERM -- "-${pid[worker]}"  # a quiet database: the summary is read after pg_dump's snapshot
PATH="$PGBIN:$PATH" scripts/backup.sh "$WORK/backups" >"$WORK/backup.log" 2>&1 || fail "backup.sh (backup.log)"
"$PGBIN/createdb" -h 127.0.0.1 -p $PG_PORT -U postgres phananh_restored
PATH="$PGBIN:$PATH" DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/phananh_restored" \
  VAR_DIR="$WORK/restored" scripts/restore.sh "$WORK"/backups/phananh-* >>"$WORK/backup.log" 2>&1 \
  || fail "restore.sh (backup.log)"
tail -n 5 "$WORK/backup.log"

say "PASS: $REPORTS reports in ${load_seconds}s with an app server killed; total $((SECONDS - started_at))s"
