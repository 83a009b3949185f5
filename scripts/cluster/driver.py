"""Load driver for the cluster and kill tests: citizens' apps sending reports through Open311.

    driver.py submit --url http://127.0.0.1:8400 --api-key KEY --count 200 --out results.json
    driver.py ratelimit --url http://127.0.0.1:8400 --requests 60 --limit 40

`submit` sends `--count` reports, `--concurrency` at a time, as Open311 POSTs
to /open311/v2/requests.json with a ~60 kB JPEG as `media` and an
Idempotency-Key header. Like a well-behaved phone app, it retries with the
same key when the connection fails or the answer is a 5xx (or 429), until
`--deadline` seconds have passed. Every report's outcome is written to
`--out` as JSON for verify.py. With --signal-file, the file is created once
`--signal-after` reports have been acknowledged: the calling script kills a
server at that moment.

`ratelimit` sends GETs from one client (some with a forged X-Forwarded-For)
and checks that exactly `--limit` get through in one window, whichever
server answers: the count lives in the shared cache.

Only the standard library (and Pillow, which PhanAnh needs anyway): this
runs from the project's virtualenv with nothing else installed.
"""

import argparse
import http.client
import io
import json
import random
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

RETRY_STATUSES = {429, 500, 502, 503, 504}
# A point in a demo ward (Phường Nhiêu Lộc) and a category its ward handles;
# verify.py checks that such reports are routed and notify the ward's staff.
DEFAULT_POINT = (10.7890, 106.6850)
DEFAULT_SERVICE = "rac-thai"


def photo_bytes(target=60_000, seed=7):
    """A JPEG of about `target` bytes: noise over a gradient, which JPEG cannot squeeze much."""
    from PIL import Image

    rng = random.Random(seed)
    side = 120
    while True:
        img = Image.new("RGB", (side, side))
        img.putdata([(x * 255 // side, y * 255 // side, rng.randrange(256))
                     for y in range(side) for x in range(side)])
        out = io.BytesIO()
        img.save(out, "JPEG", quality=90)
        if out.tell() >= target or side > 1200:
            return out.getvalue()
        side = int(side * 1.25)


def multipart(fields, files):
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        out.write(str(value).encode() + b"\r\n")
    for name, (filename, content_type, data) in files.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                  f"Content-Type: {content_type}\r\n\r\n".encode())
        out.write(data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


class Target:
    def __init__(self, url, timeout=30):
        parts = urlsplit(url)
        self.host, self.port, self.timeout = parts.hostname, parts.port or 80, timeout

    def request(self, method, path, body=None, headers=None):
        """(status, headers, body bytes); raises OSError / HTTPException when the connection fails.
        The headers are looked up without regard to case (haproxy sends them in lower case)."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.msg, response.read()
        finally:
            conn.close()


class Submitter:
    """Sends reports and remembers what each one's answers were."""

    def __init__(self, target, api_key, *, point, service, photo, deadline, stop_at=None, signal_file=None,
                 signal_after=0):
        self.target, self.api_key = target, api_key
        self.point, self.service, self.photo = point, service, photo
        # Per report, and for the whole run (time.monotonic()): the test stops by itself.
        self.deadline = deadline
        self.stop_at = stop_at if stop_at is not None else float("inf")
        self.signal_file, self.signal_after = signal_file, signal_after
        self.acknowledged = 0
        self.lock = threading.Lock()

    def submit(self, index):
        key = str(uuid.uuid4())
        lat, lng = self.point
        fields = {
            "api_key": self.api_key,
            "service_code": self.service,
            # Spread over a few metres so reports are not all on one spot.
            "lat": f"{lat + (index % 17) * 0.00001:.6f}",
            "long": f"{lng + (index % 13) * 0.00001:.6f}",
            "description": f"Rác thải đổ bừa bãi ở đầu hẻm, bốc mùi hôi (thử nghiệm tải số {index}).",
            "email": f"nguoidan{index}@example.vn",
            "first_name": "Người dân",
            "last_name": f"số {index}",
        }
        body, content_type = multipart(fields, {"media": (f"anh-{index}.jpg", "image/jpeg", self.photo)})
        headers = {"Content-Type": content_type, "Idempotency-Key": key, "Accept-Language": "vi"}
        record = {"index": index, "key": key, "email": fields["email"], "code": None, "attempts": [],
                  "replayed": False, "served_by": None}
        started = time.monotonic()
        delay = 0.2
        while time.monotonic() - started < self.deadline and time.monotonic() < self.stop_at:
            try:
                status, answer_headers, payload = self.target.request(
                    "POST", "/open311/v2/requests.json", body, headers)
            except (OSError, http.client.HTTPException) as error:
                record["attempts"].append(type(error).__name__)
            else:
                record["attempts"].append(status)
                if status == 200:
                    record["code"] = json.loads(payload)[0]["service_request_id"]
                    record["replayed"] = answer_headers.get("Idempotent-Replayed") == "true"
                    record["served_by"] = answer_headers.get("X-Served-By")
                    self._acknowledged()
                    break
                if status not in RETRY_STATUSES:
                    record["refused"] = payload.decode("utf-8", "replace")[:500]
                    break
                if record["attempts"].count(500) >= 3:
                    # A crash or a restart answers 502/503 or drops the
                    # connection; a 500 again and again is a bug in the app.
                    record["refused"] = "500 three times: " + payload.decode("utf-8", "replace")[:400]
                    break
                if status == 429:
                    delay = max(delay, float(answer_headers.get("Retry-After", "1")))
            time.sleep(delay * random.uniform(0.8, 1.2))
            delay = min(delay * 2, 3.0)
        record["seconds"] = round(time.monotonic() - started, 3)
        return record

    def _acknowledged(self):
        with self.lock:
            self.acknowledged += 1
            if self.signal_file and self.acknowledged == self.signal_after:
                Path(self.signal_file).touch()


def run_submit(args):
    target = Target(args.url)
    photo = photo_bytes()
    started = time.monotonic()
    submitter = Submitter(target, args.api_key, point=(args.lat, args.lng), service=args.service, photo=photo,
                          deadline=args.deadline, stop_at=started + args.total_deadline,
                          signal_file=args.signal_file, signal_after=args.signal_after)
    with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        records = list(pool.map(submitter.submit, range(args.count)))
    elapsed = time.monotonic() - started
    Path(args.out).write_text(json.dumps({"photo_bytes": len(photo), "seconds": elapsed, "records": records},
                                         ensure_ascii=False, indent=1))
    acknowledged = [r for r in records if r["code"]]
    retried = [r for r in records if len(r["attempts"]) > 1]
    errors = Counter(str(a) for r in records for a in r["attempts"] if a != 200)
    print(f"driver: {len(acknowledged)}/{len(records)} reports acknowledged in {elapsed:.1f} s "
          f"({len(records) / elapsed:.1f}/s at concurrency {args.concurrency}, photo {len(photo) // 1000} kB); "
          f"{len(retried)} needed retries (failed attempts: {dict(errors) or 'none'}), "
          f"{sum(r['replayed'] for r in records)} answered from an earlier attempt")
    refused = [r for r in records if r.get("refused")]
    for record in refused[:3]:
        print(f"driver: report {record['index']} refused: {record['refused']}", file=sys.stderr)
    if len(acknowledged) != len(records):
        print(f"driver: FAIL: {len(records) - len(acknowledged)} reports never acknowledged", file=sys.stderr)
        return 1
    return 0


def run_ratelimit(args):
    """Exactly `limit` of `requests` GETs pass within one fixed window, spread over the servers."""
    target = Target(args.url)
    # Start early in a minute-aligned window, so the burst stays inside one.
    second = time.time() % 60
    if second > 45:
        time.sleep(60 - second + 0.5)
    passed, limited, servers = 0, 0, set()
    for i in range(args.requests):
        # Half of them claim another address: behind the proxy that must not
        # buy a fresh bucket (TRUSTED_PROXY_COUNT=1 reads the proxy's entry).
        headers = {"X-Forwarded-For": f"203.0.113.{i % 250}"} if i % 2 else {}
        status, answer_headers, _ = target.request("GET", "/open311/v2/services.json", headers=headers)
        servers.add(answer_headers.get("X-Served-By"))
        if status == 200:
            passed += 1
        elif status == 429:
            limited += 1
        else:
            print(f"ratelimit: FAIL: unexpected status {status}", file=sys.stderr)
            return 1
    print(f"ratelimit: {passed} passed, {limited} refused with 429, answered by {sorted(s for s in servers if s)}")
    if passed != args.limit or limited != args.requests - args.limit:
        print(f"ratelimit: FAIL: expected exactly {args.limit} to pass: the limit is not shared across servers",
              file=sys.stderr)
        return 1
    if args.servers and len(servers - {None}) < args.servers:
        print(f"ratelimit: FAIL: expected answers from {args.servers} servers", file=sys.stderr)
        return 1
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    submit = commands.add_parser("submit")
    submit.add_argument("--url", required=True)
    submit.add_argument("--api-key", required=True)
    submit.add_argument("--count", type=int, default=200)
    submit.add_argument("--concurrency", type=int, default=8)
    submit.add_argument("--deadline", type=float, default=120, help="seconds a report keeps being retried")
    submit.add_argument("--total-deadline", type=float, default=300, help="seconds after which nothing more is sent")
    submit.add_argument("--lat", type=float, default=DEFAULT_POINT[0])
    submit.add_argument("--lng", type=float, default=DEFAULT_POINT[1])
    submit.add_argument("--service", default=DEFAULT_SERVICE)
    submit.add_argument("--signal-file")
    submit.add_argument("--signal-after", type=int, default=0)
    submit.add_argument("--out", required=True)
    limit = commands.add_parser("ratelimit")
    limit.add_argument("--url", required=True)
    limit.add_argument("--requests", type=int, required=True)
    limit.add_argument("--limit", type=int, required=True)
    limit.add_argument("--servers", type=int, default=0, help="how many servers must have answered")
    args = parser.parse_args(argv)
    return run_submit(args) if args.command == "submit" else run_ratelimit(args)


if __name__ == "__main__":
    sys.exit(main())
