from django.core.management.base import BaseCommand, CommandError

from phananh.stats import rollup


class Command(BaseCommand):
    help = ("Recompute every statistic from the whole event log. With --check, change nothing and exit "
            "non-zero if the stored rollups differ from a recount (they never should).")

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="compare with a recount instead of rebuilding")
        parser.add_argument("--batch-size", type=int, default=5000)

    def handle(self, *args, check, batch_size, **options):
        if check:
            rollup.refresh()
            differences = rollup.differences()
            if differences:
                for line in differences:
                    self.stderr.write(line)
                raise CommandError("the stored statistics differ from a recount; run manage.py rebuild_stats")
            self.stdout.write("statistics equal a recount from the event log")
            return
        folded = rollup.rebuild(batch_size=batch_size)
        self.stdout.write(f"statistics rebuilt from {folded} events")
