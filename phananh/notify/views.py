"""The one citizen-facing endpoint of notify: turning on web push for a
report from the phone that sent it (the confirmation page's button)."""

import json

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from phananh.intake import citizen_session
from phananh.lib import ratelimit
from phananh.lib.codes import normalize_tracking_code, token_matches
from phananh.reports.models import Report

from . import push
from .models import Channel, Subscription
from .subscriptions import current_language, subscribe

MAX_BODY_BYTES = 4096
MAX_PUSH_SUBSCRIPTIONS = 10  # phones per report; more is abuse, not a family
RATE_LIMIT = (20, 600)       # tries per address per ten minutes


def _error(status, message):
    return JsonResponse({"error": message}, status=status)


@never_cache
@require_POST
def push_subscribe(request, code):
    """POST the browser's PushSubscription JSON ({"endpoint", "keys": {"p256dh",
    "auth"}}). Allowed to whoever holds the report's private link: the
    session of the device that sent it, or "token" in the body."""
    limit, window = RATE_LIMIT
    if not ratelimit.hit("push-subscribe", ratelimit.client_ip(request), limit, window).allowed:
        return _error(429, _("Too many tries. Please wait a few minutes and try again."))
    code = normalize_tracking_code(code)
    report = Report.objects.filter(code=code).only("id", "code", "citizen_token_hash").first() if code else None
    if report is None:
        return _error(404, _("There is no report with this code."))
    if len(request.body) > MAX_BODY_BYTES:
        return _error(400, _("The browser sent an unreadable push subscription."))
    try:
        data = json.loads(request.body)
    except ValueError:
        return _error(400, _("The browser sent an unreadable push subscription."))
    token = citizen_session.token_for(request, report.code) or (data.get("token") if isinstance(data, dict) else None)
    if not isinstance(token, str) or not token_matches(token, report.citizen_token_hash):
        return _error(403, _("Notifications can be turned on only from the phone that sent the report, "
                             "or with its private link."))
    try:
        endpoint, keys = push.parse_subscription(data)
    except push.BadSubscription as error:
        return _error(400, str(error))
    existing = Subscription.objects.filter(report=report, channel=Channel.WEBPUSH, address=endpoint).first()
    if existing is None:
        if Subscription.objects.filter(report=report, channel=Channel.WEBPUSH).count() >= MAX_PUSH_SUBSCRIPTIONS:
            return _error(400, _("Too many phones already get notifications for this report."))
        subscribe(report, Channel.WEBPUSH, endpoint, push_keys=keys, language=current_language())
        status = 201
    else:
        if existing.push_keys != keys:  # the browser renewed the subscription's keys
            Subscription.objects.filter(channel=Channel.WEBPUSH, address=endpoint).update(push_keys=keys)
        status = 200
    return JsonResponse({
        "subscribed": True,
        "message": _("Done. This phone will get a notification when report %(code)s is answered.")
        % {"code": report.code},
    }, status=status)
