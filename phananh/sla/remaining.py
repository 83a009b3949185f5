"""How much working time is left before a deadline, or how late it is, in words.

"còn 2 giờ làm việc" / "2 working hours left", "quá hạn 1 ngày làm việc" /
"overdue by 1 working day". Counted in office time on the configured
calendar, so a deadline on Monday 09:00 seen on Friday 16:00 has 2 working
hours left, not a weekend's worth. The largest whole unit is shown (a day is
one full office day), rounded down: never more time than there really is.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from phananh.lib import clock

from .service import current_calendar


@dataclass(frozen=True)
class Remaining:
    working_time: timedelta  # office time between now and the deadline
    overdue: bool
    hours_per_day: float

    @property
    def minutes(self):
        return int(self.working_time.total_seconds() // 60)

    def words(self):
        minutes = self.minutes
        day = int(self.hours_per_day * 60)
        if day and minutes >= day:
            return _days(minutes // day, self.overdue)
        if minutes >= 60:
            return _hours(minutes // 60, self.overdue)
        if minutes >= 1:
            return _minutes(minutes, self.overdue)
        return _("just overdue") if self.overdue else _("due now")


def remaining(due, now=None, calendar=None):
    """Working time from `now` to `due` (None when there is no deadline)."""
    if due is None:
        return None
    now = now or clock.now()
    calendar = calendar or current_calendar()
    if now < due:
        return Remaining(calendar.working_time_between(now, due), False, calendar.hours_per_day)
    return Remaining(calendar.working_time_between(due, now), True, calendar.hours_per_day)


def describe(due, now=None, calendar=None):
    """The remaining working time before `due` in words ("" without a deadline)."""
    left = remaining(due, now, calendar)
    return left.words() if left is not None else ""


def _days(n, overdue):
    if overdue:
        return ngettext("overdue by %(n)d working day", "overdue by %(n)d working days", n) % {"n": n}
    return ngettext("%(n)d working day left", "%(n)d working days left", n) % {"n": n}


def _hours(n, overdue):
    if overdue:
        return ngettext("overdue by %(n)d working hour", "overdue by %(n)d working hours", n) % {"n": n}
    return ngettext("%(n)d working hour left", "%(n)d working hours left", n) % {"n": n}


def _minutes(n, overdue):
    if overdue:
        return ngettext("overdue by %(n)d working minute", "overdue by %(n)d working minutes", n) % {"n": n}
    return ngettext("%(n)d working minute left", "%(n)d working minutes left", n) % {"n": n}
