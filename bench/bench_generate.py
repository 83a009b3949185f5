"""generate_reports at full size: how long a million reports take, and what they weigh.

1. In a fresh database (SQLite by default, DATABASE_URL for PostgreSQL):
   migrate, the demo city without reports, then `generate_reports` of N
   reports (default 1,000,000) over two years, timed, with the CPU seconds
   of each phase (stories played in memory, rows, hashing the audit chain,
   inserts, statistics fold).
2. Prints the database size, rows per table and the time the checks take:
   `verify_audit` (the whole chain) and, with --check-stats, `rebuild_stats
   --check` (a recount of every event in memory: minutes at full size).

The database stays in $VAR_DIR/generated-reports.sqlite3 (or --db FILE) for
bench_lists.py and bench_map.py; a second run finds the reports there and
only measures the checks.

Run: PYTHONPATH=.:bench .venv/bin/python bench/bench_generate.py [--reports N] [--db FILE] [--check-stats]
"""

import argparse
import time
from io import StringIO

import generated

generated.configure()

from common import setup_django  # noqa: E402

setup_django()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from phananh.reports.models import Event, Media, Report  # noqa: E402
from phananh.stats.models import DayRollup, MonthRollup, ReportFact  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    generated.add_arguments(parser)
    parser.add_argument("--check-stats", action="store_true", help="also time rebuild_stats --check (slow)")
    args = parser.parse_args()
    print(f"machine: {generated.machine()}")
    print(f"database: {connection.vendor}")
    cpu = time.process_time()
    generator = generated.prepare(args.reports, args.seed)
    if generator is not None:
        cpu = time.process_time() - cpu
        print(f"events written: {generator.written_events:,} ({generator.written_events / args.reports:.1f} a report)")
        print(f"CPU: {cpu:.0f} s in all, {cpu / args.reports * 1e6:.0f} µs a report; by phase: " + ", ".join(
            f"{phase} {seconds:.0f} s" for phase, seconds in generator.seconds.most_common()))
        print("by status: " + ", ".join(f"{s} {n:,}" for s, n in sorted(generator.statuses.items())))
    size, where = generated.database_size()
    print(f"size: {size / 2**30:.2f} GiB ({where})")
    for model in (Report, Event, Media, ReportFact, DayRollup, MonthRollup):
        print(f"  {model._meta.db_table}: {model.objects.count():,} rows")
    started = time.monotonic()
    call_command("verify_audit", stdout=StringIO())
    print(f"verify_audit: {time.monotonic() - started:.0f} s")
    if args.check_stats:
        started = time.monotonic()
        call_command("rebuild_stats", "--check", stdout=StringIO())
        print(f"rebuild_stats --check: {time.monotonic() - started:.0f} s")
    print(f"machine after: {generated.machine()}")


if __name__ == "__main__":
    main()
