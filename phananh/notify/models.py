"""The notification outbox: messages to send, written with the event that causes them.

A Notification row is created in the same transaction as its Event, so a
change that rolls back sends nothing and a committed change cannot lose its
message. A worker then delivers pending rows, recording every Attempt; the
row is marked sent only after the channel has accepted the message.
"""

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from phananh.reports.models import Event, Report
from phananh.units.models import Unit


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    WEBPUSH = "webpush", _("Web push")
    WEBHOOK = "webhook", _("Webhook")


class Delivery(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed for good")


def new_webhook_secret():
    return secrets.token_urlsafe(32)


class WebhookEndpoint(models.Model):
    """A unit's system (its document-management software, say) that receives
    every event of the reports the unit handles, as signed JSON POSTs.
    See phananh.notify.webhooks and docs/notifications.md."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(_("URL"), max_length=500, help_text=_("Where the events are POSTed. Use https."))
    secret = models.CharField(
        _("signing secret"), max_length=100, default=new_webhook_secret,
        help_text=_("Give this to the receiving system: it checks the X-PhanAnh-Signature header with it."),
    )
    active = models.BooleanField(_("active"), default=True)
    event_types = models.JSONField(
        _("event types"), default=list, blank=True,
        help_text=_("Leave all unticked to receive every event."),
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        constraints = [models.UniqueConstraint(fields=["unit", "url"], name="webhook_endpoint_once")]
        indexes = [models.Index(fields=["unit", "active"], name="webhook_endpoint_unit")]

    def __str__(self):
        return f"{self.unit} → {self.url}"

    def wants(self, event_type):
        return not self.event_types or event_type in self.event_types


class Notification(models.Model):
    event = models.ForeignKey(Event, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="notifications")
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.EMAIL)
    recipient = models.CharField(_("recipient"), max_length=500)
    language = models.CharField(_("language"), max_length=8, default="vi")
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    status = models.CharField(_("status"), max_length=8, choices=Delivery.choices, default=Delivery.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # For the webhook channel: the endpoint (its secret signs each try). The
    # body holds the exact JSON sent, identical on every retry.
    webhook = models.ForeignKey(
        WebhookEndpoint, verbose_name=_("webhook endpoint"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="notifications",
    )

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            # One message per event, channel and person: a retried job or a
            # second enqueue can never send it twice.
            models.UniqueConstraint(fields=["event", "channel", "recipient"], name="notification_once"),
        ]
        indexes = [
            # The delivery worker's question: which pending rows are due?
            models.Index(
                fields=["next_attempt_at", "id"], name="notification_due",
                condition=models.Q(status="pending"),
            ),
        ]

    def __str__(self):
        return f"{self.channel} → {self.recipient} · {self.subject}"


class Subscription(models.Model):
    """Someone who wants to hear about a report: its reporter (on the channel
    they chose) or a citizen who pressed "me too" on it. `address` is an email
    address, a +84 phone number, or a web-push endpoint URL (with its keys in
    `push_keys`). Citizen notices go to every subscription of the report."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="subscriptions")
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    address = models.CharField(_("address"), max_length=500)
    push_keys = models.JSONField(_("web push keys"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=8, default="vi")
    is_reporter = models.BooleanField(_("reporter"), default=False)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.UniqueConstraint(fields=["report", "channel", "address"], name="subscription_once"),
        ]
        indexes = [
            # A push service says an endpoint is gone: drop it from every report.
            models.Index(fields=["channel", "address"], name="subscription_address"),
        ]

    def __str__(self):
        return f"{self.report_id} · {self.channel} → {self.address[:60]}"


class VapidKey(models.Model):
    """The site's one web-push key pair (VAPID), made on first use and kept
    in the database so that every app server signs with the same key: a
    browser's subscription is bound to the public key it was made with.
    VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY in the environment take precedence."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    public_key = models.CharField(max_length=100)   # base64url, uncompressed P-256 point
    private_key = models.CharField(max_length=100)  # base64url, raw 32-byte scalar
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("web push key")
        verbose_name_plural = _("web push keys")

    def __str__(self):
        return self.public_key[:16]


class Attempt(models.Model):
    """One try at delivering a notification. `ok` stays empty when the worker
    died during the try: the row shows the try happened, and the notification
    is still pending, so nothing is lost."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="attempt_log")
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    ok = models.BooleanField(_("delivered"), null=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["started_at", "id"]

    def __str__(self):
        return f"{self.notification_id} @ {self.started_at:%Y-%m-%d %H:%M:%S}"
