"""Small timing helpers shared by the benchmarks (never used by tests)."""

import os
import statistics
import time

import django


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phananh.settings")
    django.setup()


def percentiles(samples_seconds):
    ordered = sorted(samples_seconds)

    def pick(p):
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    return {"p50_ms": pick(50), "p95_ms": pick(95), "p99_ms": pick(99),
            "mean_ms": statistics.fmean(ordered) * 1000, "n": len(ordered)}


def timed(fn, repeat):
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return percentiles(samples)


def line(name, stats):
    return (f"{name}: p50 {stats['p50_ms']:.3f} ms, p95 {stats['p95_ms']:.3f} ms, "
            f"p99 {stats['p99_ms']:.3f} ms (n={stats['n']})")
