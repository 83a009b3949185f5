"""`{% push_offer report %}`: the "notify me on this phone" card of the
confirmation page. It stays hidden until push-subscribe.js finds a browser
that can receive web push."""

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from phananh.notify import push

register = template.Library()


def _service_worker_url():
    """The PWA's service worker (intake.pwa), registered by push-subscribe.js
    only if no page has registered it yet."""
    try:
        return reverse("intake:service_worker")
    except NoReverseMatch:
        return ""


@register.inclusion_tag("notify/push_offer.html", takes_context=True)
def push_offer(context, report):
    return {
        "report": report,
        "csrf_token": context.get("csrf_token"),
        "subscribe_url": reverse("notify:push_subscribe", args=[report.code]),
        "vapid_public_key": push.public_key(),
        "service_worker_url": _service_worker_url(),
        "texts": {
            "working": _("Asking your browser…"),
            "denied": _("Notifications are blocked for this site. To get them, allow notifications for this "
                        "site in your browser's settings (the lock or site icon next to the address), then "
                        "press the button again."),
            "dismissed": _("You did not allow notifications yet. Press the button again and choose Allow."),
            "failed": _("This phone could not be set up for notifications. Please try again later, or follow "
                        "the report with its code."),
            "offline": _("No connection. Please try again when you are online."),
            "done": _("Notifications are on for this phone."),
        },
    }
