"""Every transition of the state machine: allowed from its sources, refused (and harmless) elsewhere."""

from contextlib import nullcontext
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.forms.models import model_to_dict
from django.utils import translation

from phananh.lib import clock
from phananh.reports import workflow
from phananh.reports.models import Category, Event, Report, Status
from phananh.reports.workflow import SYSTEM, SYSTEM_ACTOR, TRANSITIONS, Citizen, NotAllowed, WorkflowError
from phananh.sla import service
from phananh.units import routing
from phananh.units.access import roles_on

from .conftest import OUTSIDE_POINT

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def vn(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=TZ)


@pytest.fixture(autouse=True)
def fresh_caches():
    routing.forget_index()
    service.forget_calendar()
    yield
    routing.forget_index()
    service.forget_calendar()


class Factory:
    """Takes a fresh report to any status through real transitions."""

    def __init__(self, city, submit_report):
        self.city, self.submit = city, submit_report

    def make(self, status):
        c = self.city
        if status in (Status.SUBMITTED, Status.REJECTED):
            report = self.submit(point=OUTSIDE_POINT)
            token = report.token
            if status == Status.REJECTED:
                report = workflow.apply(report, "reject", c.coordinator, reason="Không thuộc phạm vi.")
            return report, token
        report = self.submit()
        token = report.token
        steps = {
            Status.ASSIGNED: [],
            Status.DUPLICATE: [("merge", c.coordinator, {"original": self.submit()})],
            Status.ACKNOWLEDGED: [("accept", c.officer_a, {})],
            Status.IN_PROGRESS: [("accept", c.officer_a, {}), ("start", c.officer_a, {})],
        }
        resolved = [("accept", c.officer_a, {}),
                    ("resolve", c.officer_a, {"outcome": "cannot_fix", "result": "Cần bố trí kinh phí."})]
        steps[Status.RESOLVED] = resolved
        steps[Status.REOPENED] = [*resolved, ("reopen", Citizen(token), {"comment": "Vẫn chưa xử lý."})]
        steps[Status.CLOSED] = [*resolved, ("rate", Citizen(token), {"rating": "satisfied"})]
        for action, actor, data in steps[status]:
            report = workflow.apply(report, action, actor, **data)
        assert report.status == status
        return report, token


@pytest.fixture
def factory(city, submit_report):
    return Factory(city, submit_report)


def actor_and_data(action, city, report, token):
    """Someone entitled to `action` on reports like this one, with valid data."""
    coordinator, head = city.coordinator, city.head_a
    other = Report.objects.exclude(pk=report.pk).exclude(status__in=[Status.DUPLICATE, Status.REJECTED]).first()
    table = {
        "route": (coordinator, {"unit": city.ward_b}),
        "reclassify": (coordinator, {"category": Category.objects.get(code="tieng-on")}),
        "reject": (coordinator, {"reason": "Không thuộc phạm vi."}),
        "merge": (coordinator, {"original": other}),
        "accept": (head, {}),
        "assign_officer": (head, {"officer": city.officer_a}),
        "start": (head, {}),
        "return": (head, {"reason": "Không thuộc địa bàn."}),
        "request_extension": (head, {"days": 3, "reason": "Chờ vật tư."}),
        "approve_extension": (coordinator, {}),
        "decline_extension": (coordinator, {"reason": "Không đủ lý do."}),
        "resolve": (head, {"outcome": "cannot_fix", "result": "Cần bố trí kinh phí."}),
        "rate": (Citizen(token), {"rating": "satisfied"}),
        "reopen": (Citizen(token), {"comment": "Vẫn còn."}),
        "close": (coordinator, {"reason": "Hết hạn đánh giá."}),
        "note": (coordinator, {"text": "Ghi chú."}),
        "comment": (Citizen(token), {"text": "Thêm thông tin."}),
        "reset_deadlines": (coordinator, {"reason": "Đã chuyển đúng đơn vị."}),
        "support": (None, {}),  # anyone, not even signed in
        "remind": (SYSTEM_ACTOR, {"kind": "resolve"}),
        "mark_overdue": (SYSTEM_ACTOR, {"kind": "resolve"}),
        "escalate": (SYSTEM_ACTOR, {"kind": "resolve", "level": 0}),
    }
    return table[action]


def entitled(actor, report, action):
    if workflow.PUBLIC in TRANSITIONS[action].roles:
        return True
    if isinstance(actor, Citizen):
        return True
    if actor is SYSTEM_ACTOR:
        return SYSTEM in TRANSITIONS[action].roles
    return bool(roles_on(actor, report) & TRANSITIONS[action].roles)


def snapshot(report):
    row = Report.objects.get(pk=report.pk)
    fields = model_to_dict(row, exclude=["updated_at"])
    fields.update({f.attname: getattr(row, f.attname) for f in Report._meta.concrete_fields
                   if f.attname != "updated_at"})
    return fields, Event.objects.filter(report=report).count(), Event.objects.count()


REFUSED = [(action, status) for action, t in TRANSITIONS.items() for status in Status if status not in t.sources]
ALLOWED = [(action, status) for action, t in TRANSITIONS.items() for status in t.sources]


def test_every_action_has_a_handler_and_real_sources():
    assert set(TRANSITIONS) == set(workflow.HANDLERS)
    for transition in TRANSITIONS.values():
        assert transition.sources and set(transition.sources) <= set(Status)
    assert len(REFUSED) > 60  # the matrix below really is big


@pytest.mark.parametrize("action, status", REFUSED, ids=[f"{a}-from-{s}" for a, s in REFUSED])
def test_action_from_a_status_outside_its_sources_is_refused_and_changes_nothing(factory, city, action, status):
    report, token = factory.make(status)
    actor, data = actor_and_data(action, city, report, token)
    before = snapshot(report)
    with translation.override("en"), pytest.raises(WorkflowError) as excinfo:
        workflow.apply(report, action, actor, **data)
    if entitled(actor, report, action):
        # Refused because of the status, with the sentence that says so.
        assert type(excinfo.value) is WorkflowError
        assert str(excinfo.value).startswith("This cannot be done while the report is")
    else:
        assert isinstance(excinfo.value, NotAllowed)
    assert snapshot(report) == before


@pytest.mark.parametrize("action, status", ALLOWED, ids=[f"{a}-from-{s}" for a, s in ALLOWED])
def test_action_from_each_of_its_sources_works_and_writes_one_event(factory, city, action, status):
    report, token = factory.make(status)
    if action in ("approve_extension", "decline_extension"):
        report = workflow.apply(report, "request_extension", city.officer_a, days=2, reason="Chờ vật tư.")
    actor, data = actor_and_data(action, city, report, token)
    if action == "merge":
        data = {"original": factory.submit()}
    events_before = Event.objects.filter(report=report).count()
    assert entitled(actor, report, action)
    # The deadline jobs mark and escalate only deadlines that have passed.
    late = action in ("mark_overdue", "escalate")
    with clock.at(report.resolve_due + timedelta(days=30)) if late else nullcontext():
        workflow.apply(report, action, actor, **data)
    assert Event.objects.filter(report=report).count() == events_before + 1
    event = Event.objects.filter(report=report).order_by("-seq").first()
    assert event.public == TRANSITIONS[action].public


def test_allowed_actions_lists_exactly_what_apply_accepts(factory, city):
    report, _token = factory.make(Status.ACKNOWLEDGED)
    assert set(workflow.allowed_actions(report, city.officer_a)) == {
        "assign_officer", "start", "return", "request_extension", "resolve", "note"}
    assert set(workflow.allowed_actions(report, city.coordinator)) == {
        "merge", "approve_extension", "decline_extension", "note", "reset_deadlines"}
    assert workflow.allowed_actions(report, city.officer_b) == []
    assert workflow.allowed_actions(report, city.outsider) == []


def test_unknown_action_is_refused(factory, city):
    report, _token = factory.make(Status.ASSIGNED)
    with pytest.raises(WorkflowError):
        workflow.apply(report, "delete", city.coordinator)


# --- merge ---------------------------------------------------------------------------

def test_merge_into_itself_is_refused(factory, city):
    report, _token = factory.make(Status.ASSIGNED)
    before = snapshot(report)
    with pytest.raises(WorkflowError):
        workflow.apply(report, "merge", city.coordinator, original=report)
    with pytest.raises(WorkflowError):
        workflow.apply(report, "merge", city.coordinator, original=None)
    assert snapshot(report) == before


@pytest.mark.parametrize("original_status", [Status.DUPLICATE, Status.REJECTED])
def test_merge_into_a_duplicate_or_rejected_report_is_refused(factory, city, original_status):
    original, _token = factory.make(original_status)
    report, _token = factory.make(Status.ASSIGNED)
    before = snapshot(report)
    with translation.override("en"), pytest.raises(WorkflowError, match="cannot be an original"):
        workflow.apply(report, "merge", city.coordinator, original=original)
    assert snapshot(report) == before


def test_merge_judges_the_original_by_its_stored_status(factory, city):
    original, _token = factory.make(Status.ASSIGNED)
    stale = Report.objects.get(pk=original.pk)  # read before it is closed as a duplicate elsewhere
    workflow.apply(original, "merge", city.coordinator, original=factory.submit())
    report, _token = factory.make(Status.ASSIGNED)
    with pytest.raises(WorkflowError):
        workflow.apply(report, "merge", city.coordinator, original=stale)
    assert Report.objects.get(pk=report.pk).status == Status.ASSIGNED


def test_merge_into_a_closed_report_is_fine(factory, city):
    original, _token = factory.make(Status.CLOSED)
    report, _token = factory.make(Status.ASSIGNED)
    report = workflow.apply(report, "merge", city.coordinator, original=original)
    assert report.status == Status.DUPLICATE and report.duplicate_of == original and report.closed_at


# --- assign_officer ----------------------------------------------------------------------

def test_officer_may_take_a_report_but_not_give_it_to_someone_else(factory, city):
    report, _token = factory.make(Status.ACKNOWLEDGED)
    before = snapshot(report)
    with translation.override("en"), pytest.raises(NotAllowed, match="Only the unit head"):
        workflow.apply(report, "assign_officer", city.officer_a, officer=city.officer_a2)
    assert snapshot(report) == before
    report = workflow.apply(report, "assign_officer", city.officer_a, officer=city.officer_a)
    assert report.assignee == city.officer_a


def test_head_may_give_a_report_to_any_member(factory, city):
    report, _token = factory.make(Status.IN_PROGRESS)
    report = workflow.apply(report, "assign_officer", city.head_a, officer=city.officer_a2)
    assert report.assignee == city.officer_a2
    event = Event.objects.filter(report=report).order_by("-seq").first()
    assert event.type == "officer_assigned" and not event.public


def test_assigning_a_non_member_is_refused(factory, city):
    report, _token = factory.make(Status.ASSIGNED)
    before = snapshot(report)
    for person in (city.officer_b, city.outsider, city.coordinator):
        with translation.override("en"), pytest.raises(WorkflowError, match="is not a member of"):
            workflow.apply(report, "assign_officer", city.head_a, officer=person)
    with pytest.raises(WorkflowError):
        workflow.apply(report, "assign_officer", city.head_a, officer=None)
    assert snapshot(report) == before


def test_other_units_staff_cannot_assign(factory, city):
    report, _token = factory.make(Status.ASSIGNED)
    for person in (city.head_b, city.officer_b, city.outsider):
        with pytest.raises(NotAllowed):
            workflow.apply(report, "assign_officer", person, officer=person)
    assert Report.objects.get(pk=report.pk).assignee is None


# --- rating window, reopen ----------------------------------------------------------------

def resolved_at(factory, city, moment):
    report, token = factory.make(Status.ACKNOWLEDGED)
    with clock.at(moment):
        report = workflow.apply(report, "resolve", city.officer_a, outcome="referred", result="Đã chuyển.",
                                referred_to="VNPT")
    assert report.resolved_at == moment
    return report, token


def test_rating_inside_the_window_closes(factory, city, settings):
    t0 = vn(2025, 3, 3, 10)
    report, token = resolved_at(factory, city, t0)
    with clock.at(t0 + timedelta(days=settings.RATING_WINDOW_DAYS)):  # the last moment still counts
        report = workflow.apply(report, "rate", Citizen(token), rating="satisfied", comment="Tốt")
    assert report.status == Status.CLOSED and report.rating == "satisfied"
    assert report.closed_at == t0 + timedelta(days=settings.RATING_WINDOW_DAYS)


@pytest.mark.parametrize("action, data", [("rate", {"rating": "satisfied"}), ("reopen", {"comment": "Chưa xong"})])
def test_rating_or_reopening_after_the_window_is_refused(factory, city, settings, action, data):
    t0 = vn(2025, 3, 3, 10)
    report, token = resolved_at(factory, city, t0)
    before = snapshot(report)
    with clock.at(t0 + timedelta(days=settings.RATING_WINDOW_DAYS, seconds=1)), translation.override("en"):
        with pytest.raises(WorkflowError, match=f"The {settings.RATING_WINDOW_DAYS} days for rating"):
            workflow.apply(report, action, Citizen(token), **data)
    assert snapshot(report) == before


def test_rating_window_follows_the_setting(factory, city, settings):
    settings.RATING_WINDOW_DAYS = 2
    t0 = vn(2025, 3, 3, 10)
    report, token = resolved_at(factory, city, t0)
    assert workflow.rating_window_open(report, now=t0 + timedelta(days=2))
    assert not workflow.rating_window_open(report, now=t0 + timedelta(days=3))
    with clock.at(t0 + timedelta(days=3)), pytest.raises(WorkflowError):
        workflow.apply(report, "rate", Citizen(token), rating="unsatisfied")


def test_unsatisfied_rating_reopens(factory, city):
    report, token = factory.make(Status.RESOLVED)
    report = workflow.apply(report, "rate", Citizen(token), rating="unsatisfied", comment="Vẫn còn rác")
    assert report.status == Status.REOPENED and report.reopen_count == 1 and report.outcome == ""
    assert Event.objects.filter(report=report).order_by("-seq").first().type == "reopened"


def test_bad_rating_is_refused(factory, city):
    report, token = factory.make(Status.RESOLVED)
    with pytest.raises(WorkflowError):
        workflow.apply(report, "rate", Citizen(token), rating="so-so")
    with pytest.raises(NotAllowed):
        workflow.apply(report, "rate", Citizen("not-the-token"), rating="satisfied")
    assert Report.objects.get(pk=report.pk).status == Status.RESOLVED


def test_reopen_from_closed_within_the_window(factory, city):
    t0 = vn(2025, 3, 3, 10)  # Monday
    report, token = resolved_at(factory, city, t0)
    with clock.at(t0 + timedelta(hours=1)):
        report = workflow.apply(report, "rate", Citizen(token), rating="satisfied")
    assert report.status == Status.CLOSED
    with clock.at(vn(2025, 3, 5, 9)):  # Wednesday 09:00, inside the window
        report = workflow.apply(report, "reopen", Citizen(token), comment="Rác lại đổ ra như cũ.")
    assert report.status == Status.REOPENED
    assert report.reopen_count == 1 and report.closed_at is None and report.acknowledged_at is None
    assert report.ack_due == vn(2025, 3, 5, 14, 30)       # 4 working hours from Wednesday 09:00
    assert report.resolve_due == vn(2025, 3, 7, 9)        # 2 working days
    report = workflow.apply(report, "accept", city.officer_a)
    assert report.status == Status.ACKNOWLEDGED


def test_reopen_needs_a_comment(factory, city):
    report, token = factory.make(Status.RESOLVED)
    with pytest.raises(WorkflowError):
        workflow.apply(report, "reopen", Citizen(token), comment="  ")
    assert Report.objects.get(pk=report.pk).status == Status.RESOLVED


# --- deadlines -------------------------------------------------------------------------------

def test_deadlines_are_set_on_submit(city, submit_report):
    with clock.at(vn(2025, 1, 6, 10)):  # Monday 10:00
        report = submit_report()           # rác thải: 4 working hours, 2 working days
    assert report.received_at == vn(2025, 1, 6, 10)
    assert report.ack_due == vn(2025, 1, 6, 15, 30)
    assert report.resolve_due == vn(2025, 1, 8, 10)
    with clock.at(vn(2025, 1, 10, 16)):  # Friday 16:00, a category with 2 h / 1 day
        tree = submit_report(category="cay-xanh")
    assert tree.ack_due == vn(2025, 1, 13, 8, 30)
    assert tree.resolve_due == vn(2025, 1, 13, 16)


def test_deadlines_are_fresh_on_reopen(factory, city):
    with clock.at(vn(2025, 1, 6, 10)):
        report = factory.submit()
        token = report.token
        report = workflow.apply(report, "accept", city.officer_a)
    with clock.at(vn(2025, 1, 7, 10)):
        report = workflow.apply(report, "resolve", city.officer_a, outcome="cannot_fix", result="Chờ kinh phí.")
    with clock.at(vn(2025, 1, 10, 16)):  # Friday 16:00
        report = workflow.apply(report, "rate", Citizen(token), rating="unsatisfied", comment="Không đồng ý")
    assert report.ack_due == vn(2025, 1, 13, 10, 30)   # 1 h Friday + 3 h from Monday 07:30
    assert report.resolve_due == vn(2025, 1, 14, 16)   # 16 working hours
    stored = Report.objects.get(pk=report.pk)
    assert (stored.ack_due, stored.resolve_due) == (report.ack_due, report.resolve_due)


# --- extensions --------------------------------------------------------------------------------

def test_extension_approve_moves_resolve_due(factory, city):
    with clock.at(vn(2025, 1, 6, 10)):
        report = factory.submit()
        report = workflow.apply(report, "accept", city.officer_a)
        report = workflow.apply(report, "request_extension", city.officer_a, days=3, reason="Chờ vật tư.")
    assert report.resolve_due == vn(2025, 1, 8, 10)
    assert report.extension_requested_until == vn(2025, 1, 13, 10)  # 3 working days after the old due
    report = workflow.apply(report, "approve_extension", city.coordinator)
    assert report.resolve_due == vn(2025, 1, 13, 10)
    assert report.extension_requested_until is None and report.extension_reason == ""
    event = Event.objects.filter(report=report).order_by("-seq").first()
    assert event.type == "extension_approved" and event.public
    assert datetime.fromisoformat(event.payload["until"]) == vn(2025, 1, 13, 10)
    assert datetime.fromisoformat(event.payload["from"]) == vn(2025, 1, 8, 10)
    assert event.payload["reason"] == "Chờ vật tư."


def test_extension_decline_keeps_resolve_due(factory, city):
    report, _token = factory.make(Status.IN_PROGRESS)
    due = report.resolve_due
    report = workflow.apply(report, "request_extension", city.officer_a, days=5, reason="Chờ vật tư.")
    with pytest.raises(WorkflowError):
        workflow.apply(report, "decline_extension", city.coordinator, reason="")
    report = workflow.apply(report, "decline_extension", city.coordinator, reason="Việc đơn giản.")
    assert report.resolve_due == due and report.extension_requested_until is None
    with translation.override("en"), pytest.raises(WorkflowError, match="no pending extension"):
        workflow.apply(report, "approve_extension", city.coordinator)  # nothing pending any more
    assert Report.objects.get(pk=report.pk).resolve_due == due


def test_overdue_extension_counts_from_now(factory, city):
    with clock.at(vn(2025, 1, 6, 10)):
        report = factory.submit()
        report = workflow.apply(report, "accept", city.officer_a)
    with clock.at(vn(2025, 1, 20, 10)):  # long past the due date
        report = workflow.apply(report, "request_extension", city.officer_a, days=1, reason="Trễ.")
    assert report.extension_requested_until == vn(2025, 1, 21, 10)


@pytest.mark.parametrize("days", [0, 31, -1, "abc", None])
def test_extension_days_must_be_between_1_and_30(factory, city, days):
    report, _token = factory.make(Status.ACKNOWLEDGED)
    with pytest.raises(WorkflowError):
        workflow.apply(report, "request_extension", city.officer_a, days=days, reason="Chờ.")
    assert Report.objects.get(pk=report.pk).extension_requested_until is None


def test_only_coordinators_approve_extensions(factory, city):
    report, _token = factory.make(Status.ACKNOWLEDGED)
    report = workflow.apply(report, "request_extension", city.officer_a, days=2, reason="Chờ.")
    for person in (city.officer_a, city.head_a):
        with pytest.raises(NotAllowed):
            workflow.apply(report, "approve_extension", person)


# --- resolve details -------------------------------------------------------------------------

def test_cannot_fix_with_a_planned_date(factory, city):
    report, _token = factory.make(Status.ACKNOWLEDGED)
    report = workflow.apply(report, "resolve", city.officer_a, outcome="cannot_fix", result="Chờ ngân sách.",
                            planned_date=date(2025, 12, 1))
    assert Event.objects.filter(report=report, type="resolved").get().payload["planned_date"] == "2025-12-01"


def test_planned_date_as_text_from_an_api(factory, city):
    report, _token = factory.make(Status.ACKNOWLEDGED)
    before = snapshot(report)
    with pytest.raises(WorkflowError):
        workflow.apply(report, "resolve", city.officer_a, outcome="cannot_fix", result="Chờ.",
                       planned_date="tháng sau")
    assert snapshot(report) == before
    workflow.apply(report, "resolve", city.officer_a, outcome="cannot_fix", result="Chờ.", planned_date="2025-12-01")
    assert Event.objects.get(report=report, type="resolved").payload["planned_date"] == "2025-12-01"


def test_referred_needs_the_organisation(factory, city):
    report, _token = factory.make(Status.ACKNOWLEDGED)
    with pytest.raises(WorkflowError):
        workflow.apply(report, "resolve", city.officer_a, outcome="referred", result="Đã chuyển.")
    with pytest.raises(WorkflowError):
        workflow.apply(report, "resolve", city.officer_a, outcome="done", result="Đã xong.")
    assert Report.objects.get(pk=report.pk).status == Status.ACKNOWLEDGED


def test_a_refused_resolve_attaches_no_photos(factory, city, parked_photo):
    report, _token = factory.make(Status.ACKNOWLEDGED)
    with pytest.raises(WorkflowError):
        workflow.apply(report, "resolve", city.officer_a, outcome="referred", result="x", photos=[parked_photo()])
    assert report.media.count() == 0
