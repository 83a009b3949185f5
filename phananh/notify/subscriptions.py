"""Who follows a report: `subscribe` is the one way to add a subscription.

The reporter is subscribed when the report is made (`subscribe_reporter`,
called by workflow.submit inside the report's own transaction, so a report
never exists without the subscription its reporter asked for):

- where the citizen chose how to hear from us (`REPORTER_CHOICES`, passed
  as workflow.submit's `notify_by`), as that choice says;
- without a choice (API, Open311, an operator typing a phone call...): the
  email address when one was given, and the phone by SMS when the report
  itself came by SMS, by a call to the hotline or from an Open311 app (its
  requester's phone is given to be contacted on, and such apps have no
  web push of ours).

"Me too" followers are subscribed when they follow it; a web-push
subscription is added from the confirmation page (phananh.notify.views).
Citizen notices (resolved, rejected, reopened...) go to every subscription.
"""


from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from phananh.lib import clock

from .models import Channel, Subscription
from .sms import InvalidNumber, to_e164

EMAIL, SMS, PUSH, NONE = "email", "sms", "push", "none"
REPORTER_CHOICES = [
    (EMAIL, _("By email")),
    (SMS, _("By SMS to my phone")),
    (PUSH, _("With notifications on this phone (you turn them on after sending)")),
    (NONE, _("No messages: I will follow the report with its code")),
]
# Report channels whose reporter is best answered by SMS when no choice was made.
SMS_BY_DEFAULT = {"sms", "phone", "open311"}



def subscribe(report, channel, address, *, is_reporter=False, push_keys=None, language="vi"):
    """Add (or return the existing) subscription of `address` on `channel`."""
    address = (address or "").strip()
    if not address:
        raise ValueError("a subscription needs an address")
    existing = Subscription.objects.filter(report=report, channel=channel, address=address).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Subscription.objects.create(
                report=report, channel=channel, address=address, push_keys=push_keys or {},
                language=language, is_reporter=is_reporter, created_at=clock.now(),
            )
    except IntegrityError:  # a concurrent request subscribed the same address
        return Subscription.objects.get(report=report, channel=channel, address=address)


def current_language():
    known = {code for code, _name in settings.LANGUAGES}
    language = (get_language() or "").split("-")[0]
    return language if language in known else settings.LANGUAGE_CODE


def reporter_addresses(report, choice=None):
    """[(channel, address)] the reporter of `report` is told on."""
    email = (report.reporter_email or "").strip()
    phone = _sms_number(report.reporter_phone)
    if choice == EMAIL:
        return [(Channel.EMAIL, email)] if email else []
    if choice == SMS:
        return [(Channel.SMS, phone)] if phone else []
    if choice == NONE:
        return []
    # PUSH is set up on the confirmation page; until then (and should the
    # browser refuse) an email address given on the form still works.
    found = [(Channel.EMAIL, email)] if email else []
    if choice is None and phone and report.channel in SMS_BY_DEFAULT:
        found.append((Channel.SMS, phone))
    return found


def _sms_number(phone):
    try:
        return to_e164(phone) if phone else ""
    except InvalidNumber:
        return ""  # a landline: fine for a call back, no use for SMS


def subscribe_reporter(report, choice=None):
    """Subscribe the reporter of a report being created (inside workflow.submit's
    transaction) as `choice` says (EMAIL, SMS, PUSH, NONE, or None for the
    channel's default). The report is new, so nobody else can have
    subscribed to it yet: one INSERT, no look-up."""
    language, now = current_language(), clock.now()
    return Subscription.objects.bulk_create([
        Subscription(report=report, channel=channel, address=address, language=language, is_reporter=True,
                     created_at=now)
        for channel, address in dict.fromkeys(reporter_addresses(report, choice))
    ])
