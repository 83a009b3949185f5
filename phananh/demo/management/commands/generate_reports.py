"""`manage.py generate_reports N --seed S`: bulk-create N realistic reports with their events.

For benchmarks and load tests (DESIGN §8). See phananh/demo/bulk.py for what
is generated and how; docs/benchmarks.md for how long it takes.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from phananh.demo import bulk


class Command(BaseCommand):
    help = ("Bulk-create N realistic generated reports over the last two years, with their events (continuing "
            "the audit chain) and statistics, in the wards that have areas. Refuses a database with real reports "
            "unless --force.")

    def add_arguments(self, parser):
        parser.add_argument("count", type=int, metavar="N", help="How many reports to create.")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1); one seed per database.")
        parser.add_argument("--force", action="store_true",
                            help="Add generated reports even though the database holds real ones.")
        parser.add_argument("--days", type=int, default=bulk.DAYS,
                            help=f"Spread the reports over this many days before now (default {bulk.DAYS}).")
        parser.add_argument("--batch-size", type=int, default=bulk.BATCH_SIZE,
                            help=f"Reports per transaction (default {bulk.BATCH_SIZE}).")

    def handle(self, *args, count, seed, force, days, batch_size, verbosity=1, **options):
        if count < 1:
            raise CommandError("N must be at least 1.")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if not 1 <= days <= 3650:
            raise CommandError("--days must be between 1 and 3650.")
        out = self.stdout.write if verbosity > 0 else None
        started = time.monotonic()
        try:
            generator = bulk.generate(count, seed, force=force, days=days, batch_size=batch_size, out=out)
        except bulk.Refused as error:
            raise CommandError(str(error)) from error
        seconds = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(
            f"Generated {count:,} reports (seed {seed}) with {generator.written_events:,} events in {seconds:.1f} s, "
            f"{count / seconds:,.0f} reports/s."
        ))
        self.stdout.write("By status: " + ", ".join(
            f"{status} {n:,}" for status, n in sorted(generator.statuses.items())))
        if verbosity > 1:
            self.stdout.write("Seconds by phase: " + ", ".join(
                f"{phase} {spent:.1f}" for phase, spent in generator.seconds.most_common()))
