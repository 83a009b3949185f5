"""Publishing the audit chain head, and checking the chain against what was published.

The hash chain (phananh.reports.events) catches an edited, deleted or
reordered event, unless someone with database access rewrites every hash
after it too. The daily publication closes that gap: once a head (seq, hash)
has been on the public page, and perhaps in someone's archive, a rewrite of
any event up to that seq changes the hash at seq and no longer matches.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from phananh.lib import clock
from phananh.reports.models import ChainHead, Event

from .models import ChainHeadPublication

CHECK_BATCH = 500


def publish(now=None):
    """Store today's chain head (local date); once a day, so running the job
    again the same day changes nothing. Returns the publication, or None
    while the log is empty."""
    now = now or clock.now()
    head = ChainHead.objects.filter(pk=1).first()
    if head is None or head.seq == 0:
        return None
    day = timezone.localdate(now)
    existing = ChainHeadPublication.objects.filter(day=day).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return ChainHeadPublication.objects.create(day=day, seq=head.seq, hash=head.hash, published_at=now)
    except IntegrityError:
        return ChainHeadPublication.objects.get(day=day)  # another worker published it a moment ago


def first_mismatch():
    """None when every published head still matches the chain, else
    (seq, reason) for the earliest one that does not: the history up to that
    event was rewritten (or cut short) after it was published."""
    publications = list(ChainHeadPublication.objects.order_by("seq", "day").values_list("day", "seq", "hash"))
    last_good = 0
    for start in range(0, len(publications), CHECK_BATCH):
        chunk = publications[start:start + CHECK_BATCH]
        hashes = dict(Event.objects.filter(seq__in={seq for _day, seq, _hash in chunk}).values_list("seq", "hash"))
        for day, seq, published_hash in chunk:
            when = day.strftime("%d/%m/%Y")
            if seq not in hashes:
                return seq, f"event #{seq}, whose hash was published on {when}, is missing"
            if hashes[seq] != published_hash:
                return seq, (f"event #{seq} no longer has the hash published on {when}: "
                             f"events after #{last_good} were rewritten after publication")
            last_good = seq
    return None
