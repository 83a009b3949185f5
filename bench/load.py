"""A small HTTP load driver for the intake benchmarks: N multipart POSTs at
concurrency C from threads, each thread on its own keep-alive connection,
retrying with the same idempotency key after a connection error or a 5xx
as a phone would. Standard library only, so it measures the server, not a
client framework."""

import http.client
import io
import json
import os
import threading
import time
import uuid
from dataclasses import dataclass, field

from PIL import Image


def photo_bytes(target=60_000, seed=7):
    """A JPEG of about `target` bytes (noise compresses badly, like a real
    photo's detail), the same bytes on every run."""
    import random

    rng = random.Random(seed)
    side = 200
    while True:
        img = Image.frombytes("RGB", (side, side), bytes(rng.getrandbits(8) for _ in range(side * side * 3)))
        out = io.BytesIO()
        img.save(out, "JPEG", quality=75)
        if out.tell() >= target:
            return out.getvalue()
        side += 20


def multipart(fields, files):
    """(body, content type) for form `fields` and `files` {name: (filename, bytes, type)}."""
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        out.write(str(value).encode() + b"\r\n")
    for name, (filename, data, content_type) in files.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                  f"Content-Type: {content_type}\r\n\r\n".encode())
        out.write(data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


@dataclass
class Result:
    latencies: list = field(default_factory=list)
    answers: list = field(default_factory=list)  # (idempotency key, status, body) of the final try
    retries: int = 0
    errors: int = 0
    seconds: float = 0.0


def run(host, port, path, make_request, total, concurrency, *, max_tries=20):
    """POST `total` requests built by make_request(i) -> (fields, files, headers)."""
    result = Result()
    lock = threading.Lock()
    counter = iter(range(total))

    def worker():
        conn = http.client.HTTPConnection(host, port, timeout=60)
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                conn.close()
                return
            fields, files, headers = make_request(i)
            body, content_type = multipart(fields, files)
            headers = {"Content-Type": content_type, **headers}
            start = time.perf_counter()
            for attempt in range(max_tries):
                try:
                    conn.request("POST", path, body=body, headers=headers)
                    response = conn.getresponse()
                    data = response.read()
                    if response.status >= 500 or response.status == 429:
                        raise ConnectionError(f"HTTP {response.status}")
                    break
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = http.client.HTTPConnection(host, port, timeout=60)
                    with lock:
                        result.retries += 1
                    time.sleep(min(0.2 * 2 ** attempt, 2))
            else:
                with lock:
                    result.errors += 1
                continue
            elapsed = time.perf_counter() - start
            with lock:
                result.latencies.append(elapsed)
                result.answers.append((headers.get("Idempotency-Key"), response.status, data))

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - start
    return result


def json_or_none(data):
    try:
        return json.loads(data)
    except ValueError:
        return None


def rss_mib(root_pid):
    """Resident memory (MiB) of a process and each of its children, by pid."""
    out = {}
    pids = [root_pid]
    while pids:
        pid = pids.pop()
        try:
            with open(f"/proc/{pid}/status") as fh:
                rss = next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))
            out[pid] = rss / 1024
            with open(f"/proc/{pid}/task/{pid}/children") as fh:
                pids.extend(int(p) for p in fh.read().split())
        except (OSError, StopIteration):
            continue
    return out


class RssSampler(threading.Thread):
    """Keeps the peak RSS of each process under `root_pid` while load runs."""

    def __init__(self, root_pid, interval=0.5):
        super().__init__(daemon=True)
        self.root_pid, self.interval, self.peak = root_pid, interval, {}
        self._halt = threading.Event()

    def run(self):
        while not self._halt.is_set():
            for pid, mib in rss_mib(self.root_pid).items():
                self.peak[pid] = max(self.peak.get(pid, 0), mib)
            self._halt.wait(self.interval)

    def stop(self):
        self._halt.set()
        self.join()
        return self.peak


def cpu_count():
    return os.cpu_count() or 1
