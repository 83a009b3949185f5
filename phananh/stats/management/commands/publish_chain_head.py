from django.core.management.base import BaseCommand

from phananh.stats import publication


class Command(BaseCommand):
    help = "Publish today's audit chain head on the public audit page (once a day; again changes nothing)."

    def handle(self, *args, **options):
        published = publication.publish()
        if published is None:
            self.stdout.write("the event log is empty; nothing to publish")
        else:
            self.stdout.write(f"{published.day:%d/%m/%Y}: event #{published.seq} {published.hash}")
