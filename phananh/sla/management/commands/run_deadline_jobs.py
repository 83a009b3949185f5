"""`manage.py run_deadline_jobs [--now ISO] [--recheck]`: run the deadline jobs once.

For cron when the huey worker is not used, and for tests. Running it again
at once changes nothing: every reminder, overdue mark, escalation and
auto-close is recorded once. --now pins the time ("2025-04-25T16:00",
local time when no offset); --recheck first asks for a fresh look at every
open or resolved report, which is needed after changing the calendar or the
SLA_* settings.
"""

from django.core.management.base import BaseCommand, CommandError

from phananh.sla import jobs
from phananh.sla.calendar import WorkCalendar

from .deadline import parse_start


class Command(BaseCommand):
    help = "Run the deadline jobs once: reminders, overdue marks, escalations, auto-close."

    def add_arguments(self, parser):
        parser.add_argument("--now", help="Pretend it is this moment (ISO 8601; local time when no offset).")
        parser.add_argument("--recheck", action="store_true",
                            help="Look at every open or resolved report again (after calendar or settings changes).")

    def handle(self, now=None, recheck=False, **options):
        moment = None
        if now:
            try:
                moment = WorkCalendar().local(parse_start(now))
            except CommandError:
                raise CommandError(f"Cannot read --now {now!r}: use ISO 8601, e.g. 2025-04-25T16:00+07:00.")
        if recheck:
            self.stdout.write(f"reports to look at again: {jobs.recheck_all(moment)}")
        counts = jobs.run(moment)
        summary = ", ".join(f"{name} {n}" for name, n in sorted(counts.items())) or "nothing due"
        self.stdout.write(summary)
        if counts.get("errors"):
            raise CommandError(f"{counts['errors']} report(s) failed; see the log. They are retried on the next run.")
