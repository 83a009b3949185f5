"""Who follows a report: `subscribe` is the one way to add a subscription.

The reporter is subscribed on the channel they chose when the report is
made; "me too" followers are subscribed when they follow it. Citizen
notices (resolved, rejected, reopened...) go to every subscription.
"""

from django.db import IntegrityError, transaction

from phananh.lib import clock

from .models import Subscription


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
