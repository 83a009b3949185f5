"""Working-time arithmetic for millions of generated deadlines, with the
configured calendar's exact answers.

`WorkCalendar` walks office windows day by day: 30–50 µs per deadline, and
generating a million reports asks for ten million of them. `FastCalendar`
lays the calendar's windows over a fixed span once, as integer microseconds
since the epoch with the working time before each window, and answers each
question with a binary search. Every result is the instant `WorkCalendar`
returns (tests compare the two on random moments, holidays and window
edges); questions outside the span go to the calendar itself.

Moments are integers here (microseconds since 1970-01-01 UTC): the
generator keeps its clocks as integers and turns them into datetimes only
for the rows it writes. The datetime methods (`add_working_hours`,
`working_time_between`, `windows_on`, `local`) make it usable wherever a
`WorkCalendar` is expected, e.g. by `phananh.sla.jobs.plan` and the
statistics fold.

Valid for zones without daylight saving time (Vietnam has none since 1975):
the calendar adds working time in wall-clock terms, this module in instants.
"""

from bisect import bisect_left, bisect_right
from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
MINUTE_US = 60_000_000
HOUR_US = 60 * MINUTE_US
DAY_US = 24 * HOUR_US


def to_us(moment):
    """An aware datetime as integer microseconds since the epoch."""
    return (moment - EPOCH) // MICROSECOND


def from_us(us, tz=UTC):
    return (EPOCH + timedelta(microseconds=us)).astimezone(tz)


class FastCalendar:
    def __init__(self, calendar, first_day, last_day):
        """Windows of `calendar` from `first_day` to `last_day` (local dates)."""
        self.calendar = calendar
        self.tz = calendar.tz
        self.hours_per_day = calendar.hours_per_day
        starts, ends, total = [], [], [0]
        day = first_day
        while day <= last_day:
            for start, end in calendar.windows_on(day):
                starts.append(to_us(start))
                ends.append(to_us(end))
                total.append(total[-1] + ends[-1] - starts[-1])
            day += timedelta(days=1)
        if not starts:
            raise ValueError("the calendar has no working time in the span")
        self.starts, self.ends = starts, ends
        self.before = total[:-1]   # working time before window i
        self.through = total[1:]   # working time up to the end of window i
        self._windows = {}

    # --- integer microseconds ------------------------------------------------

    def covers(self, us):
        return self.starts[0] <= us < self.ends[-1]

    def position(self, us):
        """Working time from the start of the span to `us`."""
        i = bisect_right(self.ends, us)
        if i == len(self.ends):
            return self.through[-1]
        return self.before[i] + max(0, us - self.starts[i])

    def add_hours_us(self, us, hours):
        """`us` plus `hours` of office time (WorkCalendar.add_working_hours)."""
        if hours < 0:
            raise ValueError("hours must not be negative")
        # timedelta rounds a float number of hours to the microsecond exactly
        # as WorkCalendar's arithmetic does.
        remaining = timedelta(hours=hours) // MICROSECOND
        i = bisect_right(self.ends, us)
        if us < self.starts[0] or i == len(self.ends):
            return self._slow_add(us, hours)
        target = self.before[i] + max(0, us - self.starts[i]) + remaining
        j = bisect_left(self.through, target, i)
        if j == len(self.through):
            return self._slow_add(us, hours)
        return self.starts[j] + target - self.before[j]

    def add_days_us(self, us, days):
        return self.add_hours_us(us, days * self.hours_per_day)

    def hours_before_us(self, us, hours):
        """The moment with exactly `hours` of office time between it and `us`
        (phananh.sla.deadlines.working_hours_before): when a reminder is due."""
        remaining = timedelta(hours=hours) // MICROSECOND
        last = bisect_left(self.starts, us) - 1  # the last window that starts before `us`
        if last < 0 or not self.covers(us):
            return self._slow_before(us, hours)
        target = self.position(us) - remaining
        if target < 0:
            return self._slow_before(us, hours)
        j = min(bisect_right(self.before, target) - 1, last)
        return self.starts[j] + target - self.before[j]

    def between_us(self, start, end):
        """Office time from `start` to `end` in microseconds (0 when end <= start)."""
        if end <= start:
            return 0
        if not (self.covers(start) and self.covers(end)):
            return self.calendar.working_time_between(from_us(start), from_us(end)) // MICROSECOND
        return self.position(end) - self.position(start)

    def _slow_add(self, us, hours):
        return to_us(self.calendar.add_working_hours(from_us(us, self.tz), hours))

    def _slow_before(self, us, hours):
        from phananh.sla.deadlines import working_hours_before

        return to_us(working_hours_before(self.calendar, from_us(us, self.tz), hours))

    # --- the WorkCalendar interface ------------------------------------------------

    def local(self, moment):
        return self.calendar.local(moment)

    def is_working_day(self, day):
        return self.calendar.is_working_day(day)

    def windows_on(self, day):
        windows = self._windows.get(day)
        if windows is None:
            windows = self._windows[day] = self.calendar.windows_on(day)
        return windows

    def add_working_hours(self, moment, hours):
        return from_us(self.add_hours_us(to_us(moment), hours), self.tz)

    def add_working_days(self, moment, days):
        return self.add_working_hours(moment, days * self.hours_per_day)

    def working_time_between(self, start, end):
        return timedelta(microseconds=self.between_us(to_us(start), to_us(end)))
