from django.core.management.base import BaseCommand

from phananh.stats import rollup


class Command(BaseCommand):
    help = "Fold the events recorded since the last run into the statistics (what the job does every minute)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=rollup.BATCH_SIZE)

    def handle(self, *args, batch_size, **options):
        folded = rollup.refresh(batch_size=batch_size)
        watermark = rollup.current_watermark()
        self.stdout.write(f"folded {folded} events; statistics now include event #{watermark.seq}")
