"""Open311 GeoReport v2: client keys, the extra questions a category may ask,
and a record of every request created through the API.

Keys are stored only as their SHA-256; the key itself is shown once, when it
is made. A Submission ties a report to the key that created it, the token
that `tokens/{token}` resolves, and the fields PhanAnh's Report has no column
for (device_id, account_id, the client's media_url, the attribute answers).
"""

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from phananh.reports.models import Category, Report


def _in_language(vi, en):
    """The English text for English readers when there is one, else the Vietnamese."""
    if (get_language() or "vi").startswith("en") and en:
        return en
    return vi


class ApiKey(models.Model):
    name = models.CharField(_("name"), max_length=120, help_text=_("Who uses this key, e.g. the app's name."))
    prefix = models.CharField(_("prefix"), max_length=16, editable=False, db_index=True,
                              help_text=_("The start of the key, to recognise it; the rest is never stored."))
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    rate_limit = models.PositiveIntegerField(
        _("requests per minute"), null=True, blank=True,
        help_text=_("New requests (POST) this key may send per minute. Empty: the default (OPEN311_RATE_LIMIT)."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self):
        return self.revoked_at is None


class Datatype(models.TextChoices):
    STRING = "string", _("Short text (one line)")
    NUMBER = "number", _("Number")
    DATETIME = "datetime", _("Date and time")
    TEXT = "text", _("Longer text")
    SINGLE = "singlevaluelist", _("One choice from a list")
    MULTI = "multivaluelist", _("Several choices from a list")


LIST_DATATYPES = (Datatype.SINGLE, Datatype.MULTI)

attribute_code_validator = RegexValidator(
    r"^[A-Za-z0-9_-]+$", _("Use only letters, digits, “-” and “_”."),
)


class ServiceAttribute(models.Model):
    """An extra question a category asks Open311 clients (the service
    definition's attribute). The answers are appended to the report's
    description, so they are public like the description itself."""

    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.CASCADE,
                                 related_name="open311_attributes")
    code = models.CharField(_("code"), max_length=64, validators=[attribute_code_validator],
                            help_text=_("Clients send the answer as attribute[code]."))
    order = models.PositiveSmallIntegerField(_("order"), default=1, help_text=_("1 is asked first."))
    variable = models.BooleanField(
        _("asks for an answer"), default=True,
        help_text=_("Untick for a notice that is only shown to the person reporting."),
    )
    datatype = models.CharField(_("kind of answer"), max_length=16, choices=Datatype.choices,
                                default=Datatype.STRING,
                                help_text=_("For the two list kinds, give the choices below."))
    required = models.BooleanField(_("required"), default=False)
    description_vi = models.CharField(
        _("question (Vietnamese)"), max_length=500,
        help_text=_("The answer becomes part of the public description: never ask for personal data."),
    )
    description_en = models.CharField(_("question (English)"), max_length=500, blank=True)
    datatype_description_vi = models.CharField(_("answer hint (Vietnamese)"), max_length=300, blank=True)
    datatype_description_en = models.CharField(_("answer hint (English)"), max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Open311 question")
        verbose_name_plural = _("Open311 questions")
        ordering = ["category", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="open311_attribute_code"),
            models.UniqueConstraint(fields=["category", "order"], name="open311_attribute_order"),
        ]

    def __str__(self):
        return f"{self.category.code} · {self.code}"

    @property
    def description(self):
        return _in_language(self.description_vi, self.description_en)

    @property
    def datatype_description(self):
        return _in_language(self.datatype_description_vi, self.datatype_description_en)


class AttributeValue(models.Model):
    """One choice of a singlevaluelist or multivaluelist question."""

    attribute = models.ForeignKey(ServiceAttribute, on_delete=models.CASCADE, related_name="values")
    key = models.CharField(_("key"), max_length=64, help_text=_("What clients send for this choice."))
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("choice")
        verbose_name_plural = _("choices")
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["attribute", "key"], name="open311_value_key")]

    def __str__(self):
        return f"{self.key}: {self.name_vi}"

    @property
    def name(self):
        return _in_language(self.name_vi, self.name_en)


class Submission(models.Model):
    """A report created through Open311 POST requests.xml|json."""

    report = models.OneToOneField(Report, on_delete=models.PROTECT, related_name="open311_submission")
    api_key = models.ForeignKey(ApiKey, verbose_name=_("API key"), on_delete=models.PROTECT,
                                related_name="submissions")
    # What `tokens/{token}` resolves: the client's Idempotency-Key when it
    # sent one, otherwise a random token returned in the Open311-Token header.
    token = models.CharField(_("token"), max_length=80, db_index=True)
    # SHA-256 of the submitted fields: a retry under the same Idempotency-Key
    # must repeat the same request.
    fingerprint = models.CharField(max_length=64)
    device_id = models.CharField(_("device id"), max_length=100, blank=True)
    account_id = models.CharField(_("account id"), max_length=100, blank=True)
    media_url = models.URLField(
        _("media URL sent by the client"), max_length=2000, blank=True,
        help_text=_("Kept for staff and never fetched by the server; it is not shown to the public."),
    )
    attributes = models.JSONField(_("answers to the category's questions"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 submission")
        verbose_name_plural = _("Open311 submissions")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.report_id} · {self.api_key_id}"
