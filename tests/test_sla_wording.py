"""The deadline events in words for staff and the public (phananh.sla.wording)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from phananh.lib import clock
from phananh.reports import workflow
from phananh.reports.models import Event
from phananh.sla import jobs, wording

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def vn(d, hh=0, mm=0):
    return datetime(2025, 3, d, hh, mm, tzinfo=TZ)


@pytest.fixture
def history(city, submit_report):
    with clock.at(vn(10, 9)):
        report = submit_report()
    jobs.run(vn(10, 14))
    jobs.run(vn(11, 14, 30))
    with clock.at(vn(11, 15)):
        workflow.apply(report, "reset_deadlines", city.coordinator, reason="Chuyển lại đơn vị.")
    # "type", or "type:kind" and "type:kind:level" for the deadline events.
    return {":".join(str(x) for x in (e.type, e.payload.get("kind"), e.payload.get("level")) if x is not None): e
            for e in Event.objects.filter(report=report)}


def test_staff_read_each_deadline_event_in_their_language(history):
    with translation.override("en"):
        assert wording.details(history["reminder:ack"]) == [
            "Deadline to acknowledge: 10/03/2025 14:30", "Reminded: the unit's officers"]
        assert wording.details(history["overdue:ack"]) == ["Deadline to acknowledge: 10/03/2025 14:30"]
        assert wording.details(history["escalated:ack:1"]) == [
            "Deadline to acknowledge: 10/03/2025 14:30", "Step 2: the heads of the unit above"]
        assert wording.details(history["deadlines_reset"]) == [
            "New deadlines: acknowledge by 12/03/2025 09:30, resolve by 13/03/2025 15:00"]
        assert str(wording.TITLES["overdue"]) == "Deadline missed"
        assert wording.details(history["routed"]) == []


def test_the_public_reads_a_sentence_for_public_deadline_events_only(history):
    with translation.override("en"):
        assert wording.public_sentence(history["overdue:ack"]) == (
            "The deadline to acknowledge the report (10/03/2025 14:30) passed without an acknowledgement.")
        assert wording.public_sentence(history["deadlines_reset"]) == (
            "The deadlines were set again from this moment: it should be resolved by 13/03/2025 15:00.")
        assert wording.public_sentence(history["reminder:ack"]) is None
        assert wording.public_sentence(history["escalated:ack:0"]) is None
    with translation.override("vi"):
        assert "%(" not in wording.public_sentence(history["overdue:ack"])
