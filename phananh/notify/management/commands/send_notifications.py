"""`manage.py send_notifications [--retry-failed]`: deliver the due notifications once.

The huey worker does this every minute; run this from cron instead when the
worker is not used. --retry-failed first puts the notifications that were
given up on back in the queue (after fixing the mail settings, say), with
their attempt count kept.
"""

from django.core.management.base import BaseCommand

from phananh.lib import clock
from phananh.notify import delivery
from phananh.notify.models import Delivery, Notification


class Command(BaseCommand):
    help = "Deliver pending notifications whose time has come (with retries and backoff)."

    def add_arguments(self, parser):
        parser.add_argument("--retry-failed", action="store_true",
                            help="Queue the notifications that failed for good once more.")

    def handle(self, retry_failed=False, **options):
        if retry_failed:
            requeued = Notification.objects.filter(status=Delivery.FAILED).update(
                status=Delivery.PENDING, next_attempt_at=clock.now())
            self.stdout.write(f"failed notifications queued again: {requeued}")
        sent, failed = delivery.deliver_due()
        self.stdout.write(f"sent {sent}, failed {failed}")
