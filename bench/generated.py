"""A database of generated reports shared by bench_generate, bench_lists and bench_map.

`configure()` runs before Django starts: `--db FILE` (or, by default,
$VAR_DIR/generated-reports.sqlite3) becomes the SQLite database, unless
DATABASE_URL names another one (PostgreSQL). `prepare()` migrates, loads
the demo city without reports, and generates the reports unless that seed
is already there, so the three scripts share one expensive database:
`make bench` runs bench_generate first (alphabetical order), the others
reuse what it made.
"""

import os
import sys
import tempfile
import time

DEFAULT_FILE = "generated-reports.sqlite3"


def configure():
    os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="phananh-bench-generated-"))
    if "--db" in sys.argv:
        path = os.path.abspath(sys.argv[sys.argv.index("--db") + 1])
        os.environ["DATABASE_URL"] = "sqlite:///" + path
    elif "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"] = "sqlite:///" + os.path.join(os.environ["VAR_DIR"], DEFAULT_FILE)
    # Test settings: plain static files (no collectstatic), jobs inline, the real cache.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phananh.test_settings")


def add_arguments(parser, count=1_000_000):
    parser.add_argument("--reports", type=int, default=count, help="how many reports to generate when there are none")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", help="SQLite file to keep the generated reports in (and reuse)")


def prepare(count, seed, out=print):
    """Migrate, load the demo city, generate `count` reports unless the seed is
    there; returns the generation's Generator, or None when reused."""
    from django.core.management import call_command

    from phananh.demo import bulk
    from phananh.reports.models import Report
    from phananh.units.models import Area

    call_command("migrate", verbosity=0)
    if not Area.objects.exists():
        call_command("load_demo", reports=0, stdout=open(os.devnull, "w"))
    if Report.objects.filter(idempotency_key=bulk.key_of(seed, 0)).exists():
        out(f"reports of seed {seed} kept from an earlier run")
        return None
    started = time.monotonic()
    batches = []

    def progress(line):  # one line in ten batches
        batches.append(line)
        if len(batches) % 10 == 0:
            out("  " + line)

    generator = bulk.generate(count, seed, out=progress)
    out(f"generated {count:,} reports in {time.monotonic() - started:.0f} s")
    return generator


def database_size():
    """(bytes, description) of the database in use."""
    from django.conf import settings
    from django.db import connection

    if connection.vendor == "sqlite":
        path = settings.DATABASES["default"]["NAME"]
        size = sum(os.path.getsize(p) for p in (str(path), f"{path}-wal") if os.path.exists(p))
        return size, f"SQLite file {path}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database()), version()")
        size, version = cursor.fetchone()
    return size, version.split(",")[0]


def machine():
    """One line about the machine, for the record."""
    import platform

    load = os.getloadavg()
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}")
