"""The one place that writes Event rows, and the chain check that reads them."""

import hashlib
import json
from collections import namedtuple
from datetime import UTC

from django.db import transaction

from phananh.lib import clock

from .models import ChainHead, Event

GENESIS = "0" * 64


def canonical(event):
    """The exact bytes that are hashed for an event: stable key order, no
    whitespace, UTC time with microseconds, ids instead of objects."""
    body = {
        "seq": event.seq,
        "report": event.report_id,
        "type": event.type,
        "actor": event.actor_id,
        "actor_role": event.actor_role,
        "unit": event.unit_id,
        "public": event.public,
        "payload": event.payload,
        "created_at": event.created_at.astimezone(UTC).isoformat(timespec="microseconds"),
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def chain_hash(prev_hash, event):
    return hashlib.sha256(prev_hash.encode() + canonical(event)).hexdigest()


def record(report, type, *, actor=None, actor_role="system", public=True, payload=None, unit=None):
    """Append one event to the chain. Must run inside the caller's transaction
    so that the state change and its event commit or fail together."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("events.record must be called inside a transaction")
    head = _locked_head()
    event = Event(
        seq=head.seq + 1,
        report=report,
        type=type,
        actor=actor,
        actor_role=actor_role,
        unit=unit if unit is not None else report.unit,
        public=public,
        payload=payload or {},
        created_at=clock.now(),
        prev_hash=head.hash,
    )
    event.hash = chain_hash(head.hash, event)
    event.save(force_insert=True)
    head.seq, head.hash = event.seq, event.hash
    head.save(update_fields=["seq", "hash"])
    return event


def _locked_head():
    head = ChainHead.objects.select_for_update().filter(pk=1).first()
    if head is not None:
        return head
    # The migration creates the row, but `manage.py flush` (and test database
    # resets) empty the table: an empty log may start again from genesis.
    if Event.objects.exists():
        # With events present that would fork the chain; refuse instead.
        raise RuntimeError("the audit chain head is missing; run manage.py verify_audit")
    ChainHead.objects.get_or_create(pk=1)
    return ChainHead.objects.select_for_update().get(pk=1)


# An event as read back for checking: the fields canonical() hashes, and its hashes.
StoredEvent = namedtuple("StoredEvent", "seq report_id type actor_id actor_role unit_id public payload created_at "
                                        "prev_hash hash")


def first_broken_event(batch_size=5000):
    """None when the chain is intact, else (seq, reason) for the first bad row."""
    stray = Event.objects.filter(seq__lt=1).order_by("seq").first()
    if stray is not None:
        # The walk below starts at #1 and would never see such a row.
        return stray.seq, f"event #{stray.seq} is outside the chain (numbers start at #1)"
    expected_seq, prev = 1, GENESIS
    while True:
        # Plain rows, not model instances: the walk reads every event there is.
        batch = [
            StoredEvent._make(row) for row in
            Event.objects.filter(seq__gte=expected_seq).order_by("seq").values_list(*StoredEvent._fields)[:batch_size]
        ]
        if not batch:
            break
        for event in batch:
            if event.seq != expected_seq:
                return expected_seq, f"event #{expected_seq} is missing (next is #{event.seq})"
            if event.prev_hash != prev:
                return event.seq, f"event #{event.seq} does not follow the previous event"
            if chain_hash(prev, event) != event.hash:
                return event.seq, f"event #{event.seq} was altered (hash mismatch)"
            prev, expected_seq = event.hash, expected_seq + 1
    last = expected_seq - 1
    head = ChainHead.objects.filter(pk=1).first()
    if head is None:
        return last, "the chain head row is missing"
    if head.seq > last:
        return last + 1, f"event #{last + 1} is missing (the chain head says the chain ends at #{head.seq})"
    if head.seq < last:
        return head.seq + 1, f"chain head says #{head.seq} but the events go on to #{last}"
    if head.hash != prev:
        return last, f"chain head hash does not match event #{last}"
    return None
