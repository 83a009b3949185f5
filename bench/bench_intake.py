"""Intake rate: reports with a 60 KB photo, 1,000 at concurrency 8.

Four measurements in one run, on the same machine:
1. raw SQLite: single-row INSERT transactions (WAL), 8 threads — the floor
   of any SQLite-backed intake;
2. a bare Django view that only stores the upload and inserts one row,
   served by the same gunicorn setup as `make run` — the floor for Django;
3. PhanAnh: Open311 POST on the production server of `make run`
   (scripts/run.sh: gunicorn + huey worker, SQLite), with an
   Idempotency-Key per report; afterwards every acknowledged report must
   exist exactly once (zero loss, zero duplicates);
4. django-helpdesk 2.6.1 (its REST ticket API, basic auth, SQLite WAL,
   gunicorn with 2 × cores + 1 sync workers), in its own virtualenv.

With `--postgres URL` PhanAnh is measured a second time in the same run,
its database at URL (an existing PostgreSQL database; the demo city is
loaded into it the first time, as `make run` does).

    python bench/bench_intake.py [--reports 1000] [--concurrency 8] [--skip-helpdesk] [--postgres URL]
"""

import argparse
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from common import percentiles
from load import RssSampler, cpu_count, json_or_none, photo_bytes, run

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
HELPDESK_VENV = BENCH / ".venv-helpdesk"
POINTS = [(10.7725, 106.6980), (10.7760, 106.7005), (10.7830, 106.6950), (10.7905, 106.7090)]


def wait_for(url, seconds=240):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"server did not answer at {url}")


def stop(process):
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


def serve(command, env, cwd, health_url, log):
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    wait_for(health_url)
    return process


def summary(name, result, total, peak=None):
    stats = percentiles(result.latencies) if result.latencies else {"p50_ms": 0, "p95_ms": 0, "n": 0}
    ok = sum(200 <= status < 300 for _, status, _ in result.answers)
    row = {
        "name": name, "ok": ok, "total": total, "seconds": result.seconds,
        "rate": ok / result.seconds if result.seconds else 0,
        "p50": stats["p50_ms"], "p95": stats["p95_ms"], "retries": result.retries, "errors": result.errors,
    }
    if peak:
        workers = sorted(peak.values())
        row["rss"] = f"{workers[-1]:.0f} MiB max of {len(workers)} processes"
    print(f"{name}: {ok}/{total} ok in {row['seconds']:.1f} s = {row['rate']:.1f}/s, "
          f"p50 {row['p50']:.0f} ms, p95 {row['p95']:.0f} ms, retries {row['retries']}, errors {row['errors']}"
          + (f", RSS {row['rss']}" if peak else ""), flush=True)
    return row


# --- 1. raw SQLite ------------------------------------------------------------------------

def raw_sqlite(total, concurrency, workdir):
    path = workdir / "raw.sqlite3"
    setup = sqlite3.connect(path)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE intake (id INTEGER PRIMARY KEY, description TEXT, created TEXT)")
    setup.close()
    counter = iter(range(total))
    lock = threading.Lock()
    latencies = []

    def worker():
        conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        conn.execute("PRAGMA synchronous=NORMAL")
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            start = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO intake (description, created) VALUES (?, datetime('now'))", (f"report {i}",))
            conn.execute("COMMIT")
            with lock:
                latencies.append(time.perf_counter() - start)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    stats = percentiles(latencies)
    print(f"raw SQLite: {total} single-row transactions in {seconds:.2f} s = {total / seconds:.0f}/s, "
          f"p95 {stats['p95_ms']:.2f} ms", flush=True)
    return {"name": "raw SQLite single-row transactions", "ok": total, "total": total, "seconds": seconds,
            "rate": total / seconds, "p50": stats["p50_ms"], "p95": stats["p95_ms"], "retries": 0, "errors": 0}


# --- 2. bare Django view ---------------------------------------------------------------------

def gunicorn_like_make_run(port):
    """The gunicorn flags of scripts/run.sh (2 processes x 4 threads)."""
    return ["--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4", "--timeout", "60"]


def bare_django(total, concurrency, workdir, photo):
    data = workdir / "floor"
    (data / "media").mkdir(parents=True)
    db = sqlite3.connect(data / "floor.sqlite3")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE intake (id INTEGER PRIMARY KEY, description TEXT NOT NULL, photo TEXT NOT NULL, "
               "created TEXT NOT NULL)")
    db.close()
    env = {**os.environ, "FLOOR_DATA_DIR": str(data), "PYTHONPATH": str(BENCH)}
    port = 8311
    with open(workdir / "floor.log", "w") as log:
        server = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "floor_site.wsgi", *gunicorn_like_make_run(port)],
                                  env=env, cwd=BENCH, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            time.sleep(2)
            sampler = RssSampler(server.pid)
            sampler.start()
            result = run("127.0.0.1", port, "/intake", lambda i: (
                {"description": f"Đèn đường hư số {i}"}, {"media": ("anh.jpg", photo, "image/jpeg")}, {},
            ), total, concurrency)
            peak = sampler.stop()
        finally:
            stop(server)
    rows = sqlite3.connect(data / "floor.sqlite3").execute("SELECT count(*) FROM intake").fetchone()[0]
    print(f"  rows stored: {rows}")
    return summary("bare Django view (store upload + insert one row)", result, total, peak)


# --- 3. PhanAnh ------------------------------------------------------------------------------

def manage(env, *args):
    return subprocess.run([str(ROOT / ".venv/bin/python"), "manage.py", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, check=True).stdout


def phananh(total, concurrency, workdir, photo, database_url=None):
    var = workdir / ("phananh-var-postgres" if database_url else "phananh-var")
    var.mkdir()
    port = 8310
    env = {**os.environ, "VAR_DIR": str(var), "PORT": str(port), "DJANGO_SETTINGS_MODULE": "phananh.settings",
           # The bench is one client sending 1,000 reports a minute: lift the per-key limit.
           "OPEN311_RATE_LIMIT": "1000000", "API_RATE_LIMIT": "1000000"}
    env.pop("PYTHONPATH", None)
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    with open(workdir / "phananh.log", "w") as log:
        server = serve(["bash", "scripts/run.sh"], env, ROOT, f"http://127.0.0.1:{port}/healthz", log)
        try:
            key = manage(env, "create_api_key", "bench-intake").strip().splitlines()[-1]
            service_code = "den-chieu-sang"
            run_id = os.urandom(4).hex()
            sampler = RssSampler(server.pid)
            sampler.start()
            result = run("127.0.0.1", port, "/open311/v2/requests.json", lambda i: (
                {"api_key": key, "service_code": service_code, "lat": POINTS[i % 4][0], "long": POINTS[i % 4][1],
                 "description": f"Đèn đường trước số {i} bị hư mấy hôm nay, tối om.",
                 "email": f"nguoidan{i}@example.vn"},
                {"media": ("anh.jpg", photo, "image/jpeg")},
                {"Idempotency-Key": f"bench-{run_id}-{i}"},
            ), total, concurrency)
            peak = sampler.stop()
            where = " (PostgreSQL)" if database_url else ""
            row = summary(f"PhanAnh: Open311 POST on `make run`{where}", result, total, peak)
            row["loss"] = check_phananh(env, result, run_id, total)
        finally:
            stop(server)
    return row


def check_phananh(env, result, run_id, total):
    """Every acknowledged report exists exactly once; returns a sentence."""
    codes = []
    for _, status, body in result.answers:
        answer = json_or_none(body)
        if 200 <= status < 300 and isinstance(answer, list) and answer and answer[0].get("service_request_id"):
            codes.append(answer[0]["service_request_id"])
    out = manage(env, "shell", "-c", (
        "from phananh.reports.models import Report;"
        f"print(Report.objects.filter(idempotency_key__contains='bench-{run_id}-').count())"
    )).strip().splitlines()[-1]
    stored = int(out)
    verdict = (f"{len(codes)} acknowledged, {len(set(codes))} distinct codes, {stored} reports stored "
               f"for {total} keys")
    print("  " + verdict, flush=True)
    if len(set(codes)) != len(codes) or stored != len(codes):
        raise SystemExit("PhanAnh lost or duplicated reports: " + verdict)
    return verdict


# --- 4. django-helpdesk ----------------------------------------------------------------------

def ensure_helpdesk_venv():
    python = HELPDESK_VENV / "bin/python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(HELPDESK_VENV)], check=True)
        subprocess.run([str(HELPDESK_VENV / "bin/pip"), "install", "-q", "-r",
                        str(BENCH / "requirements-helpdesk.txt")], check=True)
    return python


def helpdesk(total, concurrency, workdir, photo):
    python = ensure_helpdesk_venv()
    data = workdir / "helpdesk"
    data.mkdir()
    env = {**os.environ, "HELPDESK_DATA_DIR": str(data), "PYTHONPATH": str(BENCH),
           "DJANGO_SETTINGS_MODULE": "helpdesk_site.settings"}
    subprocess.run([str(python), "-m", "django", "migrate", "-v0"], env=env, cwd=BENCH, check=True)
    subprocess.run([str(python), "-m", "django", "shell", "-c", (
        "from django.contrib.auth.models import User; from helpdesk.models import Queue;"
        "User.objects.create_superuser('bench', 'bench@example.org', 'bench');"
        "Queue.objects.create(title='Phản ánh', slug='phan-anh')"
    )], env=env, cwd=BENCH, check=True, capture_output=True)
    port = 8312
    workers = 2 * cpu_count() + 1
    with open(workdir / "helpdesk.log", "w") as log:
        server = subprocess.Popen([str(HELPDESK_VENV / "bin/gunicorn"), "helpdesk_site.wsgi", "--bind",
                                   f"127.0.0.1:{port}", "--workers", str(workers), "--timeout", "60"],
                                  env=env, cwd=BENCH, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            time.sleep(3)
            import base64
            auth = "Basic " + base64.b64encode(b"bench:bench").decode()
            queue_id = 1
            sampler = RssSampler(server.pid)
            sampler.start()
            result = run("127.0.0.1", port, "/api/tickets/", lambda i: (
                {"queue": queue_id, "title": f"Đèn đường hư {i}", "priority": 3,
                 "description": f"Đèn đường trước số {i} bị hư mấy hôm nay, tối om.",
                 "submitter_email": f"nguoidan{i}@example.vn"},
                {"attachment": ("anh.jpg", photo, "image/jpeg")},
                {"Authorization": auth},
            ), total, concurrency)
            peak = sampler.stop()
        finally:
            stop(server)
    return summary(f"django-helpdesk 2.6.1 ticket API ({workers} sync workers)", result, total, peak)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--skip-helpdesk", action="store_true")
    parser.add_argument("--postgres", metavar="URL", help="also measure PhanAnh on this PostgreSQL database")
    args = parser.parse_args()
    photo = photo_bytes()
    print(f"photo: {len(photo)} bytes; {args.reports} reports at concurrency {args.concurrency}; "
          f"{cpu_count()} CPU cores", flush=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="phananh-intake-") as tmp:
        workdir = Path(tmp)
        rows.append(raw_sqlite(args.reports, args.concurrency, workdir))
        rows.append(bare_django(args.reports, args.concurrency, workdir, photo))
        rows.append(phananh(args.reports, args.concurrency, workdir, photo))
        if args.postgres:
            rows.append(phananh(args.reports, args.concurrency, workdir, photo, database_url=args.postgres))
        if not args.skip_helpdesk:
            rows.append(helpdesk(args.reports, args.concurrency, workdir, photo))
    print("\n| server | ok | time | reports/s | p50 | p95 | peak RSS |\n|---|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['name']} | {row['ok']}/{row['total']} | {row['seconds']:.1f} s | {row['rate']:.1f} | "
              f"{row['p50']:.1f} ms | {row['p95']:.1f} ms | {row.get('rss', '')} |")


if __name__ == "__main__":
    main()
