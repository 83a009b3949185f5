"""`manage.py deadline START --hours N | --days N`: when is something due?

Prints the due moment in ISO 8601 with the local offset (+07:00), counted in
working time on the configured calendar (office hours, weekends, Vietnamese
holidays and the admin's calendar exceptions). START is ISO 8601
("2025-04-25T16:00", "2025-04-25T09:00:00Z") or the way people write it here
("25/04/2025 16:00"); without an offset it is local time.
"""

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from phananh.sla.calendar import WorkCalendar
from phananh.sla.service import current_calendar

LOCAL_FORMATS = ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y")


class Command(BaseCommand):
    help = "Print the moment that is N working hours or days after START (ISO 8601, local offset)."

    def add_arguments(self, parser):
        parser.add_argument(
            "start", nargs="+",
            help='ISO 8601 ("2025-04-25T16:00+07:00") or "dd/mm/yyyy HH:MM"; local time when no offset.',
        )
        amount = parser.add_mutually_exclusive_group(required=True)
        amount.add_argument("--hours", help="Working hours to add (may have decimals, e.g. 1.5).")
        amount.add_argument("--days", help="Working days to add (a working day is one full office day).")

    def handle(self, start, hours=None, days=None, **options):
        # Unquoted "25/04/2025 16:00" arrives as two arguments.
        moment = parse_start(" ".join(start))
        amount = parse_amount(hours, "--hours") if hours is not None else parse_amount(days, "--days")
        calendar = self._calendar()
        try:
            if hours is not None:
                due = calendar.add_working_hours(calendar.local(moment), amount)
            else:
                due = calendar.add_working_days(calendar.local(moment), amount)
        except (ValueError, OverflowError):
            raise CommandError("The due moment is too far away (more than ten years of working time).")
        self.stdout.write(due.isoformat())

    def _calendar(self):
        try:
            return current_calendar()
        except DatabaseError:
            # A database not migrated yet has no calendar exceptions to add.
            self.stderr.write("note: calendar exceptions unavailable (database not ready); using the defaults")
            return WorkCalendar()


def parse_start(text):
    text = text.strip()
    for fmt in LOCAL_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            pass
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(
            f"Cannot read the start moment {text!r}: use ISO 8601 (2025-04-25T16:00 or 2025-04-25T16:00+07:00) "
            'or "dd/mm/yyyy HH:MM" (25/04/2025 16:00).'
        )


def parse_amount(text, option):
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        raise CommandError(f"{option} needs a number, not {text!r}.")
    if not value.is_finite() or value < 0:
        raise CommandError(f"{option} must be zero or a positive number, not {text!r}.")
    return float(value)
