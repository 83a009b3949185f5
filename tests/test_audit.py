"""The hash-chained event log and `manage.py verify_audit`."""

import hashlib
import json
import os
import subprocess
import sys
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import transaction

from phananh.reports import events, workflow
from phananh.reports.models import ChainHead, Event
from phananh.reports.workflow import Citizen

from .conftest import OUTSIDE_POINT


@pytest.fixture
def history(city, submit_report):
    """A few reports taken through real transitions: about a dozen events."""
    a = submit_report()
    token = a.token
    a = workflow.apply(a, "accept", city.officer_a)
    a = workflow.apply(a, "note", city.officer_a, text="Đã liên hệ tổ dân phố.")
    a = workflow.apply(a, "resolve", city.officer_a, outcome="cannot_fix", result="Đất tư nhân, đã báo chủ đất.")
    workflow.apply(a, "rate", Citizen(token), rating="satisfied", comment="Cảm ơn phường.")
    b = submit_report(point=OUTSIDE_POINT)
    workflow.apply(b, "reject", city.coordinator, reason="Không thuộc phạm vi tiếp nhận.")
    c = submit_report(category="den-chieu-sang")
    workflow.apply(c, "accept", city.lighting_officer)
    assert Event.objects.count() >= 10
    return Event.objects.order_by("seq")


def verify():
    call_command("verify_audit", verbosity=0)


def broken_at():
    with pytest.raises(CommandError) as excinfo:
        verify()
    return str(excinfo.value)


def nth(n):
    return Event.objects.get(seq=n)


def test_intact_history_verifies(history, capsys):
    call_command("verify_audit")
    head = ChainHead.objects.get()
    assert f"audit chain intact: {history.count()} events" in capsys.readouterr().out
    assert head.seq == history.count() == history.last().seq
    assert head.hash == history.last().hash


def test_empty_chain_verifies(db):
    verify()


def test_each_event_links_to_the_previous_one(history):
    prev = events.GENESIS
    for expected_seq, event in enumerate(history, start=1):
        assert event.seq == expected_seq
        assert event.prev_hash == prev
        assert event.hash == hashlib.sha256(prev.encode() + events.canonical(event)).hexdigest()
        prev = event.hash


def test_editing_a_payload_is_detected(history):
    Event.objects.filter(seq=5).update(payload={"text": "sửa lén"})
    message = broken_at()
    assert "event #5" in message and "altered" in message


@pytest.mark.parametrize("field, value", [
    ("type", "rated"),
    ("public", False),
    ("actor_role", "head"),
    ("actor", None),
])
def test_editing_any_hashed_field_is_detected(history, field, value):
    target = history.exclude(**{field: value}).filter(seq__gt=1).first()
    Event.objects.filter(pk=target.pk).update(**{field: value})
    assert f"#{target.seq}" in broken_at()


def test_moving_the_timestamp_is_detected(history):
    event = nth(3)
    Event.objects.filter(pk=event.pk).update(created_at=event.created_at - timedelta(microseconds=1))
    assert "event #3 was altered" in broken_at()


def test_deleting_an_event_is_detected(history):
    Event.objects.filter(seq=4).delete()
    message = broken_at()
    assert "#4" in message and "missing" in message


def test_deleting_the_last_events_is_detected(history):
    last = history.last().seq
    Event.objects.filter(seq__gte=last - 1).delete()
    message = broken_at()
    assert f"#{last - 1}" in message and "missing" in message


def test_swapping_two_events_is_detected(history):
    third, fourth = nth(3), nth(4)
    with transaction.atomic():
        Event.objects.filter(pk=third.pk).update(seq=-3)
        Event.objects.filter(pk=fourth.pk).update(seq=3)
        Event.objects.filter(pk=third.pk).update(seq=4)
    assert "event #3 does not follow" in broken_at()


def test_editing_prev_hash_is_detected(history):
    Event.objects.filter(seq=6).update(prev_hash="f" * 64)
    assert "event #6 does not follow" in broken_at()


def test_rewriting_one_event_with_a_fresh_hash_still_breaks_the_next_link(history):
    event = nth(5)
    event.payload = {"text": "bịa đặt"}
    event.hash = events.chain_hash(event.prev_hash, event)
    Event.objects.filter(pk=event.pk).update(payload=event.payload, hash=event.hash)
    assert "event #6 does not follow" in broken_at()


def test_a_row_outside_the_numbering_is_detected(history):
    stray = nth(2)
    Event.objects.create(seq=0, report_id=stray.report_id, type="note", actor_role="system", payload={},
                         created_at=stray.created_at, prev_hash=events.GENESIS, hash="0" * 64)
    assert "event #0" in broken_at()


def test_tampering_with_the_chain_head_is_detected(history):
    last = history.last().seq
    ChainHead.objects.update(hash="a" * 64)
    assert f"chain head hash does not match event #{last}" in broken_at()
    ChainHead.objects.update(hash=history.last().hash, seq=last - 2)
    assert f"#{last - 1}" in broken_at()
    ChainHead.objects.update(seq=last + 3)
    assert f"event #{last + 1} is missing" in broken_at()


def test_verify_audit_reads_in_batches(history):
    assert events.first_broken_event(batch_size=3) is None
    Event.objects.filter(seq=7).update(payload={"x": 1})
    seq, reason = events.first_broken_event(batch_size=3)
    assert seq == 7 and "altered" in reason


def test_record_refuses_to_run_outside_a_transaction(history, monkeypatch):
    # Tests always run inside a transaction, so pretend to be in autocommit mode.
    monkeypatch.setattr(events.transaction, "get_connection", lambda: SimpleNamespace(in_atomic_block=False))
    with pytest.raises(RuntimeError, match="inside a transaction"):
        events.record(history.first().report, "note")
    monkeypatch.undo()
    assert Event.objects.count() == history.count() == ChainHead.objects.get().seq


def test_many_appends_keep_seq_gap_free(city, submit_report):
    reports = [submit_report(point=OUTSIDE_POINT) for _ in range(3)]
    for i in range(60):
        report = reports[i % 3]
        with transaction.atomic():
            events.record(report, "note", payload={"text": f"ghi chú {i}", "n": i}, public=False)
    seqs = list(Event.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    assert ChainHead.objects.get().seq == len(seqs)
    verify()


def test_a_rolled_back_transition_leaves_no_hole(city, submit_report):
    report = submit_report()
    before = ChainHead.objects.get().seq
    with pytest.raises(workflow.WorkflowError):
        workflow.apply(report, "resolve", city.officer_a, outcome="fixed", result="x")  # not acknowledged
    with pytest.raises(RuntimeError), transaction.atomic():
        events.record(report, "note", payload={"text": "sẽ bị huỷ"})
        raise RuntimeError("rollback")
    assert ChainHead.objects.get().seq == before == Event.objects.count()
    workflow.apply(report, "accept", city.officer_a)
    assert ChainHead.objects.get().seq == before + 1
    verify()


def test_an_emptied_head_table_starts_again_from_genesis(city, submit_report):
    # What `manage.py flush` or a test-database reset leaves behind.
    ChainHead.objects.all().delete()
    report = submit_report()
    assert report.events.order_by("seq").first().seq == 1
    assert ChainHead.objects.get().seq == report.events.count()
    verify()


def test_a_missing_head_with_events_refuses_to_write_and_is_reported(history):
    ChainHead.objects.all().delete()
    assert "chain head row is missing" in broken_at()
    with pytest.raises(RuntimeError, match="head is missing"), transaction.atomic():
        events.record(history.first().report, "note")
    assert not ChainHead.objects.exists()


CONCURRENT_WRITERS = """
import json, threading
import django
django.setup()
from django.core.management import call_command
from django.db import connection, transaction
from phananh.reports import events, workflow
from phananh.reports.models import Category, Event, Report

call_command("migrate", verbosity=0)
call_command("load_categories", verbosity=0)
report, _token = workflow.submit(category=Category.objects.get(code="khac"), description="x", channel="web")
errors = []

def writer(n):
    try:
        for i in range(20):
            with transaction.atomic():
                events.record(Report.objects.get(pk=report.pk), "note", payload={"writer": n, "i": i})
    except Exception as exc:
        errors.append(repr(exc))
    finally:
        connection.close()

threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
seqs = list(Event.objects.order_by("seq").values_list("seq", flat=True))
print(json.dumps({"errors": errors, "seqs": seqs, "broken": events.first_broken_event()}))
"""


def test_concurrent_writers_keep_seq_gap_free(tmp_path):
    # The test database is in memory, where SQLite cannot run writers side by side;
    # so this runs real threads against a fresh file database, as deployed.
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="phananh.test_settings", PYTHONPATH=str(settings.BASE_DIR))
    done = subprocess.run([sys.executable, "-c", CONCURRENT_WRITERS], cwd=settings.BASE_DIR, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["errors"] == []
    assert result["seqs"] == list(range(1, 8 * 20 + 3))  # submitted + triage_needed + 160 notes
    assert result["broken"] is None
