"""Web push through the browser's push service (pywebpush: encryption and
VAPID signature). The body is the JSON {"title", "body", "url"} that the
service worker (sw.js) shows as a notification."""

from django.conf import settings
from pywebpush import WebPushException, webpush

from phananh.notify import push
from phananh.notify.models import Channel, Subscription

from .base import PermanentError, http_error, timeout

# How long the push service keeps a message for a phone that is off.
TTL_SECONDS = 7 * 24 * 3600
GONE = (404, 410)


def send(notification):
    endpoint = notification.recipient
    subscription = Subscription.objects.filter(channel=Channel.WEBPUSH, address=endpoint).order_by("-id").first()
    if subscription is None:
        raise PermanentError("the push subscription was removed")
    _public, private = push.keys()
    try:
        webpush(
            subscription_info={"endpoint": endpoint, "keys": subscription.push_keys},
            data=notification.body,
            vapid_private_key=private,
            vapid_claims={"sub": push.subject()},
            timeout=timeout(settings.WEBPUSH_TIMEOUT),
            ttl=TTL_SECONDS,
        )
    except WebPushException as error:
        status = error.status_code
        if status is None:
            raise ConnectionError(error.message) from error
        if status in GONE:
            # The browser dropped the subscription (unsubscribed, app data
            # cleared, expired): it will never work again, on any report.
            removed, _by_model = Subscription.objects.filter(channel=Channel.WEBPUSH, address=endpoint).delete()
            raise PermanentError(f"the push subscription has expired (HTTP {status}); "
                                 f"{removed} subscription(s) removed") from error
        text = getattr(error.response, "text", "") or ""
        raise http_error(status, text, retry_after=error.retry_after) from error
