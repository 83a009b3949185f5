"""Who follows a report: `subscribe` is the one way to add a subscription.

The reporter is subscribed when the report is made (`subscribe_reporter`,
run for the "submitted" event inside the report's own transaction, so a
report never exists without the subscription its reporter asked for):

- where the citizen chose how to hear from us (`REPORTER_CHOICES`), as that
  choice says: callers wrap workflow.submit in `reporter_choice(choice)`, and
  the web form, which cannot wrap it, hands the choice over with
  `choose_for_next_report` just before the view calls workflow.submit;
- without a choice (API, Open311, an operator typing a phone call...): the
  email address when one was given, and the phone by SMS when the report
  itself came by SMS or by a call to the hotline.

"Me too" followers are subscribed when they follow it; a web-push
subscription is added from the confirmation page (phananh.notify.views).
Citizen notices (resolved, rejected, reopened...) go to every subscription.
"""

import threading
from contextlib import contextmanager

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
SMS_BY_DEFAULT = {"sms", "phone"}

_local = threading.local()
ANY_REPORT = object()


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


@contextmanager
def reporter_choice(choice):
    """Reports created inside this block subscribe their reporter as
    `choice` says (EMAIL, SMS, PUSH or NONE), e.g. an API's "notify" field:

        with subscriptions.reporter_choice("sms"):
            report, token = workflow.submit(...)
    """
    previous = getattr(_local, "choice", None)
    _local.choice = (ANY_REPORT, choice)
    try:
        yield
    finally:
        _local.choice = previous


def choose_for_next_report(idempotency_key, choice):
    """The same for a caller that cannot wrap workflow.submit (the web form,
    which the view asks for submit's arguments just before calling it): only
    the report created with `idempotency_key` in this thread takes the
    choice; the next call replaces it, so nothing lingers for other reports."""
    _local.choice = (idempotency_key, choice) if idempotency_key else None


def _take_choice(report):
    pending = getattr(_local, "choice", None)
    if not pending:
        return None
    key, choice = pending
    if key is ANY_REPORT:
        return choice
    if report.idempotency_key and key == report.idempotency_key:
        _local.choice = None
        return choice
    return None


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


def subscribe_reporter(report):
    language = current_language()
    return [
        subscribe(report, channel, address, is_reporter=True, language=language)
        for channel, address in reporter_addresses(report, _take_choice(report))
    ]
