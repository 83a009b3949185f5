"""Published chain heads: a rewrite of history after publication is caught by verify_audit."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from phananh.lib import clock
from phananh.reports import events, workflow
from phananh.reports.models import ChainHead, Event
from phananh.stats import publication
from phananh.stats.models import ChainHeadPublication

DAY_ONE = datetime(2025, 3, 3, 17, 5, tzinfo=UTC)  # 00:05 on 4 March in Vietnam


@pytest.fixture(autouse=True)
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def published(city, submit_report):
    """Two days of events, each day's head published."""
    first = submit_report()
    workflow.apply(first, "accept", city.officer_a)
    with clock.at(DAY_ONE):
        publication.publish()
    second = submit_report()
    workflow.apply(second, "accept", city.officer_a)
    with clock.at(DAY_ONE + timedelta(days=1)):
        publication.publish()
    submit_report()  # after the last publication
    return ChainHeadPublication.objects.order_by("day")


def rewrite_history_from(seq, payload):
    """What an insider with database access would do: change an event and
    recompute every later hash and the chain head, so the chain itself is
    consistent again."""
    Event.objects.filter(seq=seq).update(payload=payload)
    prev = Event.objects.get(seq=seq - 1).hash if seq > 1 else events.GENESIS
    for event in Event.objects.filter(seq__gte=seq).order_by("seq"):
        event.prev_hash = prev
        event.hash = events.chain_hash(prev, event)
        Event.objects.filter(pk=event.pk).update(prev_hash=event.prev_hash, hash=event.hash)
        prev = event.hash
    ChainHead.objects.filter(pk=1).update(hash=prev)


def verify_fails():
    with pytest.raises(CommandError) as excinfo:
        call_command("verify_audit", verbosity=0)
    return str(excinfo.value)


def test_one_publication_a_day(published):
    assert [p.day.isoformat() for p in published] == ["2025-03-04", "2025-03-05"]
    first = published[0]
    assert first.seq == 3 and first.hash == Event.objects.get(seq=3).hash
    with clock.at(DAY_ONE + timedelta(hours=6)):  # the same local day again: nothing new
        assert publication.publish() == first
    assert ChainHeadPublication.objects.count() == 2


def test_nothing_to_publish_on_an_empty_log(db):
    assert publication.publish() is None
    assert ChainHeadPublication.objects.count() == 0


def test_intact_history_verifies(published, capsys):
    call_command("verify_audit")
    assert "audit chain intact" in capsys.readouterr().out


def test_a_consistent_rewrite_is_caught_by_the_publication(published):
    rewrite_history_from(2, {"unit": "khac", "unit_name": "Đơn vị khác"})
    assert events.first_broken_event() is None  # the chain alone no longer shows it
    message = verify_fails()
    assert "event #3" in message and "published on 04/03/2025" in message and "rewritten" in message


def test_a_rewrite_after_the_last_publication_is_not_flagged_by_it(published):
    rewrite_history_from(published.last().seq + 1, {"channel": "phone"})
    assert publication.first_mismatch() is None  # nothing published covers it yet


def test_cutting_off_published_events_is_caught(published):
    last = published.last()
    Event.objects.filter(seq__gte=last.seq).delete()
    ChainHead.objects.filter(pk=1).update(seq=last.seq - 1, hash=Event.objects.get(seq=last.seq - 1).hash)
    message = verify_fails()
    assert f"event #{last.seq}" in message and "missing" in message


def test_the_earliest_problem_is_named(published):
    rewrite_history_from(2, {"unit": "khac"})
    Event.objects.filter(seq=1).update(payload={"channel": "sms"})  # now also plainly broken at #1
    assert "event #1" in verify_fails()


def test_public_page_and_api_list_the_heads(client, published):
    html = client.get(reverse("stats:chain_heads")).content.decode()
    for p in published:
        assert p.hash in html and p.day.strftime("%d/%m/%Y") in html
    assert ChainHead.objects.get().hash in html
    body = client.get("/api/v1/stats/chain-heads").json()
    assert [p["day"] for p in body["published"]] == ["2025-03-05", "2025-03-04"]
    assert body["current"]["seq"] == ChainHead.objects.get().seq


def test_the_page_pages_back_by_day(client, published, monkeypatch):
    from phananh.stats import views

    monkeypatch.setattr(views, "PUBLICATIONS_PER_PAGE", 1)
    html = client.get(reverse("stats:chain_heads")).content.decode()
    assert published.last().hash in html and published.first().hash not in html
    assert "?truoc=2025-03-05" in html
    older = client.get(reverse("stats:chain_heads"), {"truoc": "2025-03-05"}).content.decode()
    assert published.first().hash in older


def test_the_daily_task_and_command(published, capsys):
    from phananh.stats.tasks import publish_chain_head

    with clock.at(DAY_ONE + timedelta(days=2)):
        publish_chain_head.call_local()
        call_command("publish_chain_head")
    assert ChainHeadPublication.objects.count() == 3
    assert "06/03/2025: event #" in capsys.readouterr().out
