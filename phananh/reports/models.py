from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from phananh.units.models import Unit


class Bilingual(models.Model):
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)

    class Meta:
        abstract = True

    @property
    def name(self):
        return self.name_en if (get_language() or "vi").startswith("en") else self.name_vi

    def __str__(self):
        return self.name


class CategoryGroup(Bilingual):
    code = models.SlugField(_("code"), max_length=64, unique=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("category group")
        verbose_name_plural = _("category groups")
        ordering = ["position", "code"]


class Category(Bilingual):
    """What a report is about. `code` is a contract (Open311 service_code,
    routing rules, training data) and never changes once created."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    group = models.ForeignKey(CategoryGroup, on_delete=models.PROTECT, related_name="categories")
    handler = models.CharField(
        _("handler kind"), max_length=64,
        help_text=_('Kind of unit that handles it: "ward", "utility:water", "department:transport", "coordinator"...'),
    )
    ack_hours = models.PositiveSmallIntegerField(_("acknowledge within (working hours)"))
    resolve_days = models.PositiveSmallIntegerField(_("resolve within (working days)"))
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["group__position", "position", "code"]


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Received")
    ASSIGNED = "assigned", _("Sent to unit")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("Being fixed")
    RESOLVED = "resolved", _("Resolved")
    REOPENED = "reopened", _("Reopened")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")
    DUPLICATE = "duplicate", _("Duplicate")


OPEN_STATUSES = (
    Status.SUBMITTED, Status.ASSIGNED, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.REOPENED,
)
# Statuses in which a unit holds the report and its deadlines run.
WITH_UNIT_STATUSES = (Status.ASSIGNED, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.REOPENED)


class Channel(models.TextChoices):
    WEB = "web", _("Website / app")
    PHONE = "phone", _("Hotline")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    OPEN311 = "open311", _("Open311")
    API = "api", _("API")


class Outcome(models.TextChoices):
    FIXED = "fixed", _("Fixed")
    CANNOT_FIX = "cannot_fix", _("Cannot be fixed now")
    REFERRED = "referred", _("Referred to another organisation")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    UNSATISFIED = "unsatisfied", _("Not satisfied")


class Report(models.Model):
    """One citizen report. Its status and unit only ever change through
    `phananh.reports.workflow.apply`, which also writes the matching Event."""

    code = models.CharField(_("tracking code"), max_length=16, unique=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="reports")
    description = models.TextField(_("description"))
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lng = models.FloatField(_("longitude"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    ward = models.ForeignKey(
        Unit, verbose_name=_("ward / commune"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
        help_text=_("The ward whose area contains the location."),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.WEB)

    reporter_name = models.CharField(_("name"), max_length=120, blank=True)
    reporter_phone = models.CharField(_("phone"), max_length=20, blank=True)
    reporter_email = models.EmailField(_("email"), blank=True)
    confidential = models.BooleanField(_("keep my identity confidential"), default=False)
    citizen_token_hash = models.CharField(max_length=64, editable=False)
    idempotency_key = models.CharField(max_length=80, null=True, blank=True, unique=True, editable=False)

    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED, editable=False
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("handling unit"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="reports", editable=False,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("officer"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="assigned_reports", editable=False,
    )
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates", editable=False
    )

    received_at = models.DateTimeField(_("received"), editable=False)
    ack_due = models.DateTimeField(_("acknowledge by"), null=True, editable=False)
    resolve_due = models.DateTimeField(_("resolve by"), null=True, editable=False)
    acknowledged_at = models.DateTimeField(null=True, editable=False)
    resolved_at = models.DateTimeField(null=True, editable=False)
    closed_at = models.DateTimeField(null=True, editable=False)
    extension_requested_until = models.DateTimeField(null=True, editable=False)
    extension_reason = models.CharField(max_length=500, blank=True, editable=False)

    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True, editable=False)
    result_text = models.TextField(blank=True, editable=False)
    public_reason = models.TextField(blank=True, editable=False)
    rating = models.CharField(max_length=12, choices=Rating.choices, blank=True, editable=False)
    rating_comment = models.TextField(blank=True, editable=False)
    reopen_count = models.PositiveSmallIntegerField(default=0, editable=False)
    # Residents who said "me too" instead of sending the same report again
    # (the "support" action). A count only: who they are is never stored here,
    # and the public "supported" events carry no personal data either.
    supporters = models.PositiveIntegerField(_("residents with the same problem"), default=0, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    # When the deadline jobs (phananh.sla.jobs) next have something to do for
    # this report: the workflow sets it to "now" on every change, the jobs set
    # it to the next reminder, overdue or escalation moment (null: nothing
    # left). The jobs then read only the reports due for a look, not every
    # overdue report on every run.
    deadline_check_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The description and address folded for accent-insensitive search ("den
    # duong" finds "Đèn đường"): lower case, no diacritics, shorthand expanded,
    # each word after a space. Written once at submission, since neither text
    # changes afterwards; see phananh.reports.search.
    search_text = models.TextField(blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        indexes = [
            # Keyset pagination: newest first, id breaks ties.
            models.Index(fields=["-received_at", "-id"], name="report_recent"),
            models.Index(fields=["status", "-received_at", "-id"], name="report_status_recent"),
            models.Index(fields=["unit", "status", "resolve_due"], name="report_unit_queue"),
            models.Index(fields=["category", "status"], name="report_category_status"),
            models.Index(fields=["ward", "status"], name="report_ward_status"),
            models.Index(fields=["status", "resolve_due"], name="report_overdue"),
            models.Index(fields=["lat", "lng"], name="report_location"),
            # Lists filtered by category or ward, newest first (public list, API).
            models.Index(fields=["category", "-received_at", "-id"], name="report_category_recent"),
            models.Index(fields=["ward", "-received_at", "-id"], name="report_ward_recent"),
            # A unit's reports newest first, any status (queues, the public list's unit filter).
            models.Index(fields=["unit", "-received_at", "-id"], name="report_unit_recent"),
            # Open reports near a point (duplicate finder): reads only the
            # status's rows in the latitude band, not every report in it.
            models.Index(fields=["status", "lat", "lng"], name="report_status_location"),
            models.Index(
                fields=["deadline_check_at", "id"], name="report_deadline_check",
                condition=models.Q(deadline_check_at__isnull=False),
            ),
        ]

    def __str__(self):
        return self.code

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    def public_reporter_label(self):
        return _("A resident")


class MediaKind(models.TextChoices):
    EVIDENCE = "evidence", _("Photo of the problem")
    PROOF = "proof", _("Photo of the fix")


class Media(models.Model):
    """A photo attached to a report. Uploads land in private `incoming`
    storage; the worker re-encodes them without metadata into `image` and
    `thumbnail`, and only then is the photo shown."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="media")
    kind = models.CharField(max_length=10, choices=MediaKind.choices)
    incoming = models.CharField(max_length=255, blank=True)
    image = models.ImageField(upload_to="photos/%Y/%m/", blank=True, width_field="width", height_field="height")
    thumbnail = models.ImageField(upload_to="thumbs/%Y/%m/", blank=True)
    width = models.PositiveIntegerField(null=True)
    height = models.PositiveIntegerField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["created_at", "id"]
        indexes = [
            # The sweep for photos whose processing job was lost.
            models.Index(fields=["created_at"], name="media_pending", condition=models.Q(incoming__gt="")),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.report_id}"

    @property
    def ready(self):
        return bool(self.image)


class Event(models.Model):
    """Append-only history, one hash chain across all reports.

    seq is gap-free and hash = sha256(prev_hash + canonical JSON of the
    event), so editing, deleting or reordering any row breaks the chain
    (`manage.py verify_audit`). Rows are written only by `events.record`.
    """

    seq = models.BigIntegerField(unique=True, editable=False)
    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="events")
    type = models.CharField(max_length=32, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_role = models.CharField(max_length=16)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    public = models.BooleanField(default=True)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        indexes = [
            models.Index(fields=["report", "seq"], name="event_report_seq"),
            models.Index(fields=["unit", "type", "created_at"], name="event_unit_type"),
            models.Index(fields=["type", "created_at"], name="event_type_created"),
        ]

    def __str__(self):
        return f"#{self.seq} {self.type}"


class ChainHead(models.Model):
    """Single row holding the last seq and hash; locking it orders writers."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self):
        return f"#{self.seq} {self.hash[:12]}"
