"""Rollup tables: statistics folded from the event log, never typed in.

`ReportFact` holds, per report, what its events say about it (holder,
deadlines, acknowledgement, resolution, rating); the rollups sum the facts
per dimension and period. Only `rollup.refresh` and `rollup.rebuild` write
these tables, and a rebuild from the events gives exactly the same rows.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from phananh.reports.models import Category, Report, Status
from phananh.units.models import Unit


class Watermark(models.Model):
    """Single row: how far the rollups have read the event log.

    `seq` is the last event folded in; `ticked_until` is the moment deadlines
    were last compared against (a deadline passing is not an event, so the
    job also advances this clock and marks what fell overdue).
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    ticked_until = models.DateTimeField(null=True)
    refreshed_at = models.DateTimeField(null=True)
    # A fresh random value whenever the rollups change: what was computed from
    # them can be cached under it and is never stale (scorecards.table).
    version = models.CharField(max_length=32, blank=True)

    def __str__(self):
        return f"#{self.seq}"


class Result(models.TextChoices):
    """How a report stands against one deadline."""

    NONE = "", _("Not measured")          # rejected or duplicate: no promise to keep
    PENDING = "pending", _("Not yet due")
    ON_TIME = "on_time", _("On time")
    LATE = "late", _("Late")
    OVERDUE = "overdue", _("Overdue")      # due has passed and it is still not done


class ReportFact(models.Model):
    """What the event log says about one report, as of the watermark."""

    report = models.OneToOneField(Report, primary_key=True, on_delete=models.CASCADE, related_name="+")
    received_at = models.DateTimeField()
    day = models.DateField(help_text="Local date of reception: the report's period.")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    ward = models.ForeignKey(Unit, null=True, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, null=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices)
    cycle_start = models.DateTimeField(help_text="Reception, or the latest reopening or clock reset.")
    ack_due = models.DateTimeField(null=True)
    resolve_due = models.DateTimeField(null=True)
    acknowledged_at = models.DateTimeField(null=True)
    resolved_at = models.DateTimeField(null=True)
    resolve_seconds = models.PositiveIntegerField(null=True, help_text="Working time from cycle start to resolution.")
    outcome = models.CharField(max_length=12, blank=True)
    rating = models.CharField(max_length=12, blank=True)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    ever_resolved = models.BooleanField(default=False)
    ack_result = models.CharField(max_length=8, choices=Result.choices, blank=True)
    resolve_result = models.CharField(max_length=8, choices=Result.choices, blank=True)

    class Meta:
        indexes = [
            # The job's clock tick: what falls due next.
            models.Index(fields=["ack_result", "ack_due"], name="fact_ack_tick"),
            models.Index(fields=["resolve_result", "resolve_due"], name="fact_resolve_tick"),
            # Monthly report: a unit's overdue reports, most late first; and a
            # month's overdue reports city-wide.
            models.Index(fields=["unit", "resolve_result", "resolve_due"], name="fact_unit_overdue"),
            models.Index(fields=["resolve_result", "day"], name="fact_result_day"),
        ]

    def __str__(self):
        return f"fact {self.report_id}"


class Dim(models.IntegerChoices):
    CITY = 0, _("City")
    UNIT = 1, _("Unit")
    CATEGORY = 2, _("Category")
    WARD = 3, _("Ward")


class RollupBase(models.Model):
    """Counters of the reports received in a period, grouped by one dimension.

    `key` is the id of the unit, category or ward (0: none, or the city).
    """

    dim = models.PositiveSmallIntegerField(choices=Dim.choices)
    key = models.BigIntegerField()
    # One column per name in measures.COUNTERS (a test keeps the two in step).
    received = models.IntegerField(default=0)
    open = models.IntegerField(default=0)
    resolved = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    rejected = models.IntegerField(default=0)
    merged = models.IntegerField(default=0)
    ack_on_time = models.IntegerField(default=0)
    ack_late = models.IntegerField(default=0)
    ack_overdue = models.IntegerField(default=0)
    res_on_time = models.IntegerField(default=0)
    res_late = models.IntegerField(default=0)
    res_overdue = models.IntegerField(default=0)
    fixed = models.IntegerField(default=0)
    cannot_fix = models.IntegerField(default=0)
    referred = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    unsatisfied = models.IntegerField(default=0)
    ever_resolved = models.IntegerField(default=0)
    reopened = models.IntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{Dim(self.dim).name.lower()} {self.key} {getattr(self, 'day', getattr(self, 'month', 'total'))}"


class DayRollup(RollupBase):
    day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dim", "key", "day"], name="dayrollup_unique")]
        indexes = [models.Index(fields=["dim", "day"], name="dayrollup_dim_day")]


class MonthRollup(RollupBase):
    month = models.DateField(help_text="First day of the month.")
    # How many resolutions took a number of working hours in each bucket
    # (measures.HOUR_EDGES), packed by stats.histogram: enough for a median.
    hours = models.BinaryField(default=b"")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dim", "key", "month"], name="monthrollup_unique")]
        indexes = [models.Index(fields=["dim", "month"], name="monthrollup_dim_month")]


class TotalRollup(RollupBase):
    """All periods together: "overdue now" and the all-time figures in one row."""

    hours = models.BinaryField(default=b"")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dim", "key"], name="totalrollup_unique")]


class ChainHeadPublication(models.Model):
    """The audit chain head as published on a day. Once people have seen (and
    perhaps archived) it, any later rewrite of events up to `seq` shows."""

    day = models.DateField(_("date"), unique=True)
    seq = models.BigIntegerField(_("last event"))
    hash = models.CharField(_("hash"), max_length=64)
    published_at = models.DateTimeField(_("published at"))

    class Meta:
        verbose_name = _("published chain head")
        verbose_name_plural = _("published chain heads")
        ordering = ["-day"]

    def __str__(self):
        return f"{self.day:%d/%m/%Y} #{self.seq} {self.hash[:12]}"


class MonthlyReportDelivery(models.Model):
    """A monthly report already e-mailed, so the job never sends it twice."""

    month = models.DateField()
    unit = models.ForeignKey(Unit, null=True, on_delete=models.CASCADE, related_name="+",
                             help_text="Empty for the city-wide report.")
    recipients = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["month", "unit"], name="monthly_delivery_once"),
            models.UniqueConstraint(fields=["month"], condition=models.Q(unit__isnull=True),
                                    name="monthly_city_delivery_once"),
        ]

    def __str__(self):
        return f"{self.month:%m/%Y} · {self.unit or 'city'}"
