from django.core.management.base import BaseCommand, CommandError

from phananh.stats import monthly


class Command(BaseCommand):
    help = ("E-mail the monthly accountability report to unit heads and the city-wide one to coordinators "
            "(default: last month). Reports already sent for that month are not sent again.")

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM; default: last month")

    def handle(self, *args, month=None, **options):
        chosen = monthly.parse_month(month) if month else None
        if month and chosen is None:
            raise CommandError("give the month as YYYY-MM, e.g. 2025-06")
        sent = monthly.send_all(chosen)
        self.stdout.write(f"sent {sent} monthly reports")
