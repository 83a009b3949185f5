"""The one place that writes Event rows, and the chain check that reads them."""

import hashlib
import json
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
    head = ChainHead.objects.select_for_update().get(pk=1)
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


def first_broken_event(batch_size=5000):
    """None when the chain is intact, else (seq or id, reason) for the first bad row."""
    expected_seq, prev = 1, GENESIS
    while True:
        batch = list(Event.objects.filter(seq__gte=expected_seq).order_by("seq")[:batch_size])
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
    head = ChainHead.objects.get(pk=1)
    if head.seq != expected_seq - 1 or head.hash != prev:
        return head.seq, f"chain head says #{head.seq} but the events end at #{expected_seq - 1}"
    return None
