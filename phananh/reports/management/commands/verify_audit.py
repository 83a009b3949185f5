from django.core.management.base import BaseCommand, CommandError

from phananh.reports.events import first_broken_event
from phananh.reports.models import ChainHead


class Command(BaseCommand):
    help = "Recompute the event hash chain; exit non-zero naming the first bad event."

    def handle(self, *args, **options):
        broken = first_broken_event()
        if broken:
            seq, reason = broken
            raise CommandError(f"audit chain broken at event #{seq}: {reason}")
        head = ChainHead.objects.get(pk=1)
        self.stdout.write(f"audit chain intact: {head.seq} events, head {head.hash}")
