"""Random workflows through the real state machine keep the statistics honest.

After every step: the identity received = open + resolved + closed +
rejected + merged holds in every rollup row, the incrementally maintained
rollups equal a recount of the whole log from scratch, and the facts folded
from events agree with what the workflow wrote on the reports.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from phananh.lib import clock
from phananh.reports import events, workflow
from phananh.reports.models import Category, ChainHead, Report, Status
from phananh.stats import measures, rollup
from phananh.stats.models import DayRollup, MonthRollup, ReportFact, TotalRollup, Watermark

from .conftest import OUTSIDE_POINT, WARD_A_POINT, WARD_B_POINT

S = Status
# Monday 3 March 2025, 08:00 in Ho Chi Minh City: inside office hours.
START = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)
CATEGORIES = ["rac-thai", "den-chieu-sang", "hu-hong-mat-duong"]
POINTS = [WARD_A_POINT, WARD_B_POINT, OUTSIDE_POINT, None]
picks = st.integers(min_value=0, max_value=10_000)


def build_machine(city, parked_photo):
    staff = {city.ward_a.pk: city.officer_a, city.ward_b.pk: city.officer_b, city.lighting.pk: city.lighting_officer}
    targets = [city.ward_a, city.ward_b, city.lighting]

    class Workflows(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            # Each example starts from the city alone and leaves nothing behind.
            self.savepoint = transaction.savepoint()
            self.now = START
            self.tokens = {}

        def teardown(self):
            transaction.savepoint_rollback(self.savepoint)

        # --- helpers ---------------------------------------------------------
        def act(self, fn, *args, **kwargs):
            with clock.at(self.now):
                try:
                    return fn(*args, **kwargs)
                except workflow.WorkflowError:
                    return None  # a refusal (e.g. the rating window has closed) changes nothing

        def pick(self, index, statuses):
            reports = list(Report.objects.filter(status__in=statuses).order_by("pk"))
            return reports[index % len(reports)] if reports else None

        # --- rules -----------------------------------------------------------
        @rule(category=st.sampled_from(CATEGORIES), point=st.sampled_from(POINTS))
        def submit(self, category, point):
            lat, lng = point if point else (None, None)
            ward = None if point else city.ward_b
            with clock.at(self.now):
                report, token = workflow.submit(
                    category=Category.objects.get(code=category), description="Đèn hỏng, rác ùn ứ.",
                    channel="web", lat=lat, lng=lng, ward=ward,
                )
            self.tokens[report.pk] = token

        @rule(hours=st.sampled_from([0.25, 1, 3, 9, 30, 80, 200]))
        def advance(self, hours):
            self.now += timedelta(hours=hours)

        @rule(index=picks, past=st.sampled_from([0, 1]))
        def advance_to_a_deadline(self, index, past):
            """Stop the clock exactly on (or a second after) a coming deadline:
            where "on time" and "overdue" meet."""
            coming = sorted(
                {due for pair in Report.objects.values_list("ack_due", "resolve_due") for due in pair
                 if due is not None and due > self.now}
            )
            if coming:
                self.now = coming[index % len(coming)] + timedelta(seconds=past)

        @rule(index=picks, choice=st.sampled_from(range(3)))
        def route(self, index, choice):
            report = self.pick(index, [S.SUBMITTED])
            if report:
                self.act(workflow.apply, report, "route", city.coordinator, unit=targets[choice])

        @rule(index=picks, category=st.sampled_from(CATEGORIES))
        def reclassify(self, index, category):
            report = self.pick(index, [S.SUBMITTED, S.ASSIGNED])
            if report:
                self.act(workflow.apply, report, "reclassify", city.coordinator,
                         category=Category.objects.get(code=category))

        @rule(index=picks)
        def accept(self, index):
            report = self.pick(index, [S.ASSIGNED, S.REOPENED])
            if report:
                self.act(workflow.apply, report, "accept", staff[report.unit_id])

        @rule(index=picks)
        def start(self, index):
            report = self.pick(index, [S.ACKNOWLEDGED])
            if report:
                self.act(workflow.apply, report, "start", staff[report.unit_id])

        @rule(index=picks, outcome=st.sampled_from(["fixed", "cannot_fix", "referred"]))
        def resolve(self, index, outcome):
            report = self.pick(index, [S.ACKNOWLEDGED, S.IN_PROGRESS])
            if report:
                extra = {"photos": [parked_photo()]} if outcome == "fixed" else {}
                if outcome == "referred":
                    extra["referred_to"] = "VNPT"
                self.act(workflow.apply, report, "resolve", staff[report.unit_id], outcome=outcome,
                         result="Đã xử lý.", **extra)

        @rule(index=picks, rating=st.sampled_from(["satisfied", "unsatisfied"]))
        def rate(self, index, rating):
            report = self.pick(index, [S.RESOLVED])
            if report:
                self.act(workflow.apply, report, "rate", workflow.Citizen(self.tokens[report.pk]), rating=rating)

        @rule(index=picks)
        def reopen(self, index):
            report = self.pick(index, [S.RESOLVED, S.CLOSED])
            if report:
                self.act(workflow.apply, report, "reopen", workflow.Citizen(self.tokens[report.pk]),
                         comment="Vẫn còn.")

        @rule(index=picks)
        def close(self, index):
            report = self.pick(index, [S.RESOLVED])
            if report:
                self.act(workflow.apply, report, "close", city.coordinator)

        @rule(index=picks)
        def reject(self, index):
            report = self.pick(index, [S.SUBMITTED])
            if report:
                self.act(workflow.apply, report, "reject", city.coordinator, reason="Không thuộc phạm vi.")

        @rule(index=picks, original=picks)
        def merge(self, index, original):
            report = self.pick(index, [S.SUBMITTED, S.ASSIGNED, S.ACKNOWLEDGED])
            other = self.pick(original, [S.SUBMITTED, S.ASSIGNED, S.ACKNOWLEDGED, S.IN_PROGRESS, S.RESOLVED])
            if report and other and other.pk != report.pk:
                self.act(workflow.apply, report, "merge", city.coordinator, original=other)

        @rule(index=picks)
        def give_back(self, index):
            report = self.pick(index, [S.ASSIGNED, S.ACKNOWLEDGED, S.IN_PROGRESS, S.REOPENED])
            if report:
                self.act(workflow.apply, report, "return", staff[report.unit_id], reason="Không phải của chúng tôi.")

        @rule(index=picks, days=st.integers(min_value=1, max_value=5), approve=st.booleans())
        def extend(self, index, days, approve):
            report = self.pick(index, [S.ACKNOWLEDGED, S.IN_PROGRESS])
            if report:
                self.act(workflow.apply, report, "request_extension", staff[report.unit_id], days=days,
                         reason="Chờ vật tư.")
                action = "approve_extension" if approve else "decline_extension"
                self.act(workflow.apply, report, action, city.coordinator, reason="Không đủ lý do.")

        @rule(index=picks, outcome=st.sampled_from(["fixed", "cannot_fix"]), late=st.booleans())
        def push_along(self, index, outcome, late):
            """Take an open report one step down the usual path, so that random
            runs reach resolutions, ratings and late answers often."""
            report = self.pick(index, [S.SUBMITTED, S.ASSIGNED, S.REOPENED, S.ACKNOWLEDGED, S.IN_PROGRESS])
            if report is None:
                return
            if late:
                self.now += timedelta(days=4)
            if report.status == S.SUBMITTED:
                self.act(workflow.apply, report, "route", city.coordinator, unit=city.ward_a)
            elif report.status in (S.ASSIGNED, S.REOPENED):
                self.act(workflow.apply, report, "accept", staff[report.unit_id])
            else:
                extra = {"photos": [parked_photo()]} if outcome == "fixed" else {}
                self.act(workflow.apply, report, "resolve", staff[report.unit_id], outcome=outcome,
                         result="Đã xử lý.", **extra)

        @rule(index=picks, kind=st.sampled_from(["reminder", "overdue", "escalated"]))
        def unknown_event(self, index, kind):
            # Event types the statistics do not know (another app's jobs) must change nothing.
            report = self.pick(index, list(S))
            if report:
                with clock.at(self.now), transaction.atomic():
                    events.record(report, kind, public=False, payload={"level": 1})

        @rule(batch=st.integers(min_value=1, max_value=4))
        def refresh_in_small_batches(self, batch):
            with clock.at(self.now):
                rollup.refresh(batch_size=batch)

        # --- what must always hold -------------------------------------------
        @invariant()
        def statistics_are_honest(self):
            with clock.at(self.now):
                rollup.refresh(batch_size=7)
            watermark = Watermark.objects.get()
            assert watermark.seq == (ChainHead.objects.get().seq if ChainHead.objects.exists() else 0)
            assert rollup.snapshot() == rollup.recount(watermark.ticked_until)
            identity_holds_in_every_row()
            facts_agree_with_the_reports()

    return Workflows


def identity_holds_in_every_row():
    for model in (DayRollup, MonthRollup, TotalRollup):
        for row in model.objects.all():
            assert row.received == sum(getattr(row, state) for state in measures.STATES), row


def facts_agree_with_the_reports():
    facts = ReportFact.objects.in_bulk()
    for report in Report.objects.all():
        fact = facts[report.pk]
        assert (fact.status, fact.unit_id, fact.category_id, fact.ward_id, fact.reopen_count) == (
            report.status, report.unit_id, report.category_id, report.ward_id, report.reopen_count)
        assert (fact.ack_due, fact.resolve_due, fact.rating) == (report.ack_due, report.resolve_due, report.rating)


@pytest.mark.django_db
def test_random_workflows_keep_the_statistics_honest(city, parked_photo):
    machine = build_machine(city, parked_photo)
    run_state_machine_as_test(machine, settings=settings(
        max_examples=15, stateful_step_count=35, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    ))
