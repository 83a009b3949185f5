"""Working-time arithmetic: office hours, weekends, Vietnamese holidays.

Pure functions over a `WorkCalendar` value; nothing here touches the database
(see `phananh.sla.service.current_calendar` for the configured calendar).
Inputs may be aware datetimes in any zone (naive ones are read as the
calendar's local time); results are in the calendar's local zone.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

DEFAULT_WINDOWS = ((time(7, 30), time(11, 30)), (time(13, 0), time(17, 0)))
SUBSTITUTE = re.compile(r"substituted from (\d{2})/(\d{2})/(\d{4})")
# A deadline search never needs to look further than this; it guards against
# a misconfigured calendar with no working day at all.
MAX_SCAN_DAYS = 3660


@lru_cache(maxsize=64)
def vietnam_public_days(year):
    """(days off, make-up working days) around one year from the `holidays` package.

    The package lists a bridge day off as "Day off (substituted from
    04/26/2025)": the date in brackets is the Saturday worked in exchange.
    That Saturday can fall in the neighbouring year (the day off 02/01/2015
    was worked on 27/12/2014), so the years either side are read too.
    """
    days_off, makeup = set(), set()
    years = (year - 1, year, year + 1)
    for day, name in holidays.country_holidays("VN", years=years, language="en_US").items():
        days_off.add(day)
        match = SUBSTITUTE.search(name)
        if match:
            month, dom, yr = (int(x) for x in match.groups())
            makeup.add(date(yr, month, dom))
    return frozenset(days_off), frozenset(makeup)


@dataclass(frozen=True)
class WorkCalendar:
    tz: ZoneInfo = ZoneInfo("Asia/Ho_Chi_Minh")
    windows: tuple = DEFAULT_WINDOWS
    weekdays: frozenset = frozenset({0, 1, 2, 3, 4})
    extra_days_off: frozenset = field(default_factory=frozenset)
    extra_working_days: frozenset = field(default_factory=frozenset)
    use_public_holidays: bool = True

    @property
    def hours_per_day(self):
        return sum(_seconds(start, end) for start, end in self.windows) / 3600

    def is_working_day(self, day):
        if day in self.extra_working_days:
            return True
        if day in self.extra_days_off:
            return False
        if self.use_public_holidays:
            days_off, makeup = vietnam_public_days(day.year)
            if day in makeup:
                return True
            if day in days_off:
                return False
        return day.weekday() in self.weekdays

    def windows_on(self, day):
        """The office-hour intervals of one day as aware datetimes."""
        if not self.is_working_day(day):
            return []
        return [
            (datetime.combine(day, start, self.tz), datetime.combine(day, end, self.tz))
            for start, end in self.windows
        ]

    def local(self, moment):
        """`moment` in the calendar's zone; a naive datetime is read as local
        office time (not the server's zone, which may well be UTC)."""
        if moment.tzinfo is None:
            return moment.replace(tzinfo=self.tz)
        return moment.astimezone(self.tz)

    def _intervals_from(self, moment):
        """Working intervals from `moment` onwards, the first one clipped."""
        moment = self.local(moment)
        day = moment.date()
        for _ in range(MAX_SCAN_DAYS):
            for start, end in self.windows_on(day):
                if end > moment:
                    yield max(start, moment), end
            day += timedelta(days=1)
        raise ValueError("calendar has no working time within ten years")

    def next_opening(self, moment):
        """`moment` itself when inside office hours, else the next opening."""
        return next(self._intervals_from(moment))[0]

    def add_working_hours(self, moment, hours):
        if hours < 0:
            raise ValueError("hours must not be negative")
        remaining = timedelta(hours=hours)
        for start, end in self._intervals_from(moment):
            if remaining <= end - start:
                return start + remaining
            remaining -= end - start
        raise AssertionError("unreachable")

    def add_working_days(self, moment, days):
        """N working days = N full office days of working time, so a report
        received Monday 10:00 with two days is due Wednesday 10:00."""
        return self.add_working_hours(moment, days * self.hours_per_day)

    def working_time_between(self, start, end):
        """Office time elapsed from `start` to `end` (zero when end <= start)."""
        start, end = self.local(start), self.local(end)
        total = timedelta()
        day = start.date()
        # Walk the days of the span only: a span without any office time (a
        # calendar of days off) is zero, not a ten-year search for an opening.
        while day <= end.date():
            for a, b in self.windows_on(day):
                a, b = max(a, start), min(b, end)
                if b > a:
                    total += b - a
            day += timedelta(days=1)
        return total


def _seconds(start, end):
    return (datetime.combine(date.min, end) - datetime.combine(date.min, start)).seconds
