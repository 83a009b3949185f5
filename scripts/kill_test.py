"""make kill-test: SIGKILL the single-box server and job worker under load; nothing acknowledged is lost.

The single box is `make run`'s production setup: gunicorn (phananh/gunicorn_conf.py)
and one huey worker, on SQLite, with photos on local disk and jobs in the
SQLite queue. This script starts exactly those two processes (as
scripts/run.sh does, on port 8190 and a private VAR_DIR) and then:

1. Server kill. scripts/cluster/driver.py sends 120 Open311 reports with a
   photo, 8 at a time, each with an Idempotency-Key and retried on
   connection errors and 5xx. A quarter of the way in, gunicorn (its whole
   process group: master and workers) gets SIGKILL and is started again.
   Every acknowledged report must exist exactly once, with its photo
   processed and its notifications sent (scripts/cluster/verify.py).

2. Worker kill. 16 reports with large photos are sent while the worker is
   stopped, so that their jobs queue up; the worker is started, and as
   soon as it has published two photos it gets SIGKILL mid-job and is
   started again. Huey takes a job off the queue before running it, so the
   jobs that were running are gone; the rest of the queue survives. After
   the queue is drained, the photos still waiting are exactly the lost jobs,
   and the periodic sweep `requeue_lost_media` (every 10 minutes, only for
   photos older than that) must bring them back: this script runs the same
   sweep logic at once instead of waiting. A notification claimed but not
   finished by the killed worker is retried when its delivery lease runs
   out (phananh/notify/delivery.py); the script runs that delivery pass as
   if the lease had run out. Then the same checks as above.

Exits non-zero with a message on any loss, duplicate or stuck job. Stops
everything it started and deletes its folder on exit.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
PORT = 8190
URL = f"http://127.0.0.1:{PORT}"
SERVER_KILL_REPORTS = 120
WORKER_KILL_REPORTS = 16
T0 = time.monotonic()

sys.path.insert(0, str(ROOT / "scripts" / "cluster"))
import driver  # noqa: E402


def say(message):
    print(f"[kill-test {time.monotonic() - T0:5.1f}s] {message}", flush=True)


class Failure(Exception):
    pass


class Box:
    """The two processes of the single box, each in its own process group."""

    def __init__(self, work):
        self.work = work
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "phananh.settings",
            "VAR_DIR": str(work / "var"),
            "STATIC_ROOT": str(work / "static"),
            "PORT": str(PORT),
            "SITE_URL": URL,
            "LOG_LEVEL": "WARNING",
            "OPEN311_RATE_LIMIT": "100000",
        }
        for name in ("DATABASE_URL", "REDIS_URL", "S3_BUCKET", "MEDIA_ROOT", "INCOMING_ROOT", "HUEY_IMMEDIATE"):
            self.env.pop(name, None)  # the single-box defaults, whatever this shell has
        self.procs = {}

    def manage(self, *args, capture=False):
        result = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=self.env, text=True,
                                capture_output=True)
        if result.returncode != 0:
            raise Failure(f"manage.py {' '.join(args)} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
        return result.stdout

    def start(self, name):
        command = {
            "server": [GUNICORN, "-c", "phananh/gunicorn_conf.py", "phananh.wsgi:application"],
            "worker": [PYTHON, "manage.py", "run_huey", "--quiet"],
        }[name]
        log = open(self.work / f"{name}.log", "ab")  # noqa: SIM115 - the child keeps it
        self.procs[name] = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)

    def kill(self, name):
        """SIGKILL the process group: gunicorn's master and workers go down together, as in a crash."""
        proc = self.procs.pop(name)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def stop(self, name):
        """SIGTERM, as systemd stops a service: huey finishes its running jobs first."""
        proc = self.procs.pop(name)
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)

    def stop_all(self):
        for proc in self.procs.values():
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
        deadline = time.monotonic() + 10
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.procs.clear()

    def wait_healthy(self, seconds=60):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{URL}/healthz", timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise Failure(f"the server did not answer 200 on /healthz within {seconds}s")

    def tail(self):
        for log in sorted(self.work.glob("*.log")):
            lines = log.read_text(errors="replace").splitlines()[-15:]
            print(f"----- last lines of {log.name} -----\n" + "\n".join(lines), file=sys.stderr)


def use_box_settings(box):
    """Make this process a Django client of the box (same VAR_DIR, database and queue),
    to watch the database and run the sweeps the way the worker would."""
    os.environ.update(box.env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def pending_photos():
    from phananh.reports.models import Media

    return Media.objects.filter(incoming__gt="").count()


def queued_jobs():
    from huey.contrib.djhuey import HUEY

    return HUEY.pending_count()


def verify(box, results, label):
    result = subprocess.run([PYTHON, "scripts/cluster/verify.py", "reports", str(results), "--wait", "90"],
                            cwd=ROOT, env=box.env, text=True)
    if result.returncode != 0:
        raise Failure(f"{label}: verification failed (above)")


def server_kill(box):
    say(f"server kill: {SERVER_KILL_REPORTS} reports 8 at a time; gunicorn gets SIGKILL after "
        f"{SERVER_KILL_REPORTS // 4}")
    signal_file = box.work / "kill-server"
    results = box.work / "server-kill.json"
    started = time.monotonic()
    load = subprocess.Popen([PYTHON, "scripts/cluster/driver.py", "submit", "--url", URL, "--api-key", box.api_key,
                             "--count", str(SERVER_KILL_REPORTS), "--concurrency", "8", "--deadline", "90",
                             "--signal-file", str(signal_file), "--signal-after", str(SERVER_KILL_REPORTS // 4),
                             "--out", str(results)], cwd=ROOT, env=box.env)
    try:
        while not signal_file.exists() and load.poll() is None:
            time.sleep(0.02)
        if not signal_file.exists():
            raise Failure("the driver ended before the kill point")
        box.kill("server")
        killed = time.monotonic()
        say("gunicorn killed (SIGKILL to its process group); starting it again")
        box.start("server")
        box.wait_healthy()
        say(f"server back {time.monotonic() - killed:.1f}s after the kill")
        if load.wait() != 0:
            raise Failure("server kill: the driver reported failures (above)")
    finally:
        if load.poll() is None:
            load.terminate()
            load.wait()
    say(f"server kill: load took {time.monotonic() - started:.1f}s")
    verify(box, results, "server kill")


def worker_kill(box):
    say(f"worker kill: {WORKER_KILL_REPORTS} reports with large photos")
    results = box.work / "worker-kill.json"
    big = driver.photo_bytes(target=2_500_000, seed=11)
    submitter = driver.Submitter(driver.Target(URL), box.api_key, point=driver.DEFAULT_POINT,
                                 service=driver.DEFAULT_SERVICE, photo=big, deadline=60,
                                 stop_at=time.monotonic() + 120)
    # The worker is stopped (gracefully) while the reports come in, so that a
    # backlog is queued whatever the speed of this machine; it is then started
    # and killed once it is busy with that backlog.
    box.stop("worker")
    before = pending_photos()
    with ThreadPoolExecutor(max_workers=8) as pool:
        records = list(pool.map(submitter.submit, range(10_000, 10_000 + WORKER_KILL_REPORTS)))
    if not all(r["code"] for r in records):
        raise Failure("worker kill: not every report was acknowledged")
    results.write_text(json.dumps({"records": records}))
    box.start("worker")
    deadline = time.monotonic() + 60
    while True:
        waiting = pending_photos()
        if before + WORKER_KILL_REPORTS - waiting >= 2:
            break
        if time.monotonic() > deadline:
            raise Failure("worker kill: the worker did not start processing the photos within 60 s")
        time.sleep(0.05)
    if waiting < 2:
        raise Failure(f"worker kill: missed the moment ({waiting} photos waiting at the kill)")
    box.kill("worker")
    waiting = pending_photos()
    say(f"worker killed with SIGKILL while {waiting} photos were waiting; starting it again")
    box.start("worker")
    # Let the restarted worker drain what survived in the queue.
    deadline = time.monotonic() + 90
    while queued_jobs() or _still_moving():
        if time.monotonic() > deadline:
            raise Failure("worker kill: the restarted worker did not drain its queue")
    lost = pending_photos()
    say(f"queue drained; photos whose job died with the worker: {lost}")
    from datetime import timedelta

    from django.utils import timezone

    from phananh.notify import delivery
    from phananh.reports import media, tasks

    # requeue_lost_media's own logic, minus its 10-minute grace period.
    ids = media.stale_pending_ids(timezone.now(), min_age=timedelta(0), max_age=timedelta(days=2))
    for media_id in ids:
        tasks.process_media(media_id)
    say(f"the sweep queued {len(ids)} of them again")
    # The delivery pass as it runs once the killed worker's leases have expired.
    lease = timedelta(seconds=delivery.setting("NOTIFY_LEASE_SECONDS") + 1)
    sent, failed = delivery.deliver_due(now=timezone.now() + lease)
    say(f"delivery pass after the lease: {sent} sent, {failed} failed")
    verify(box, results, "worker kill")
    return lost


def _still_moving():
    """Photos still waiting while the queue is empty may be the ones the worker is on right now."""
    first = pending_photos()
    time.sleep(3)  # longer than one large photo takes to process
    return pending_photos() != first


def main():
    # Stopped from outside (CI's time limit, Ctrl-C): still stop everything below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = Path(tempfile.mkdtemp(prefix="phananh-kill-"))
    box = Box(work)
    try:
        say(f"preparing the single box in {work} (migrate, demo, static files)")
        box.manage("migrate", "--noinput", "-v0")
        box.manage("collectstatic", "--noinput", "-v0")
        box.manage("load_demo", "--reports", "30")
        use_box_settings(box)
        box.api_key = box.manage("create_api_key", "Kill test").strip().splitlines()[-1]
        box.start("worker")
        box.start("server")
        box.wait_healthy()
        server_kill(box)
        lost = worker_kill(box)
        say(f"PASS: nothing acknowledged was lost or duplicated (lost jobs recovered by the sweep: {lost})")
        return 0
    except Failure as failure:
        box.tail()
        say(f"FAIL: {failure}")
        return 1
    finally:
        box.stop_all()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
