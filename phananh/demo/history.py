"""Plans for the demo's report histories: who did what, and when.

A plan is one report's story as a list of timed steps (submit, accept,
start, resolve, rate...). Each plan follows a scenario that ends in a known
status — waiting for triage, overdue with the unit, fixed and rated,
reopened, rejected, merged as a duplicate... — and the replay (replay.py)
performs the steps through the real workflow, so the event log is genuine.

Staff act in office hours (the working calendar decides "a few working hours
later"); citizens rate whenever they like; the system closes a report when
its rating window has passed. A plan whose steps would not fit before "now",
or would miss the state its scenario is about, is drawn again.

Content (category, words, place, people) comes from a random stream seeded by
the demo seed and the plan's number alone, so the same seed writes the same
reports whatever day it is loaded; how each story unfolds (times, who acts,
the replies) comes from a second stream, as it has to fit before "now".
"""

import random
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings

from phananh.reports.models import Channel, Outcome, Status

from . import photos, texts

# Scenario name -> (final status, weight, youngest and oldest age in days).
SCENARIOS = {
    "triage_waiting": (Status.SUBMITTED, 6, 0.02, 1.5),
    "returned_waiting": (Status.SUBMITTED, 3, 0.1, 3),
    "assigned_fresh": (Status.ASSIGNED, 8, 0.0, 1),
    "assigned_overdue": (Status.ASSIGNED, 6, 3, 20),
    "acknowledged": (Status.ACKNOWLEDGED, 7, 0.1, 4),
    "acknowledged_overdue": (Status.ACKNOWLEDGED, 4, 5, 25),
    "in_progress": (Status.IN_PROGRESS, 10, 0.2, 6),
    "extension_pending": (Status.IN_PROGRESS, 4, 1, 8),
    "extension_decided": (Status.IN_PROGRESS, 5, 2, 12),
    "in_progress_overdue": (Status.IN_PROGRESS, 7, 8, 40),
    "resolved_fixed": (Status.RESOLVED, 9, 0.5, 10),
    "resolved_cannot_fix": (Status.RESOLVED, 4, 0.5, 10),
    "resolved_referred": (Status.RESOLVED, 4, 0.5, 10),
    "closed_satisfied": (Status.CLOSED, 38, 2, 60),
    "closed_timeout": (Status.CLOSED, 30, 9, 60),
    "closed_after_reopen": (Status.CLOSED, 7, 8, 60),
    "reopened_unsatisfied": (Status.REOPENED, 5, 1, 12),
    "reopened_comment": (Status.REOPENED, 3, 1, 12),
    "rejected": (Status.REJECTED, 8, 0.5, 60),
    "rejected_after_return": (Status.REJECTED, 3, 1, 60),
    "duplicate": (Status.DUPLICATE, 12, 0.5, 58),
    "triage_then_closed": (Status.CLOSED, 6, 3, 60),
    "reroute_then_closed": (Status.CLOSED, 6, 5, 60),
    "no_location": (Status.CLOSED, 3, 10, 60),
}

CATEGORY_WEIGHTS = {
    "rac-thai": 14, "lan-chiem-via-he": 12, "den-chieu-sang": 12, "ngap-nuoc": 9, "hu-hong-mat-duong": 9,
    "ho-ga-nap-cong": 6, "cap-vien-thong": 6, "nuoc-thai": 6, "tieng-on": 6, "dau-xe-trai-phep": 5, "cay-xanh": 5,
    "cap-nuoc": 5, "dien": 4, "xay-dung-trai-phep": 4, "quang-cao-trai-phep": 4, "o-nhiem-khong-khi": 3,
    "den-tin-hieu": 3, "an-ninh": 3, "y-te": 2, "giao-thong-cong-cong": 2, "giao-duc": 2, "thai-do-phuc-vu": 2,
}
OTHER = "khac"
# Scenarios whose problem category is free to choose (the others bring their own).
FREE_CHOICE = {"assigned_fresh", "assigned_overdue", "acknowledged", "acknowledged_overdue", "in_progress",
               "extension_pending", "extension_decided", "in_progress_overdue", "resolved_fixed",
               "resolved_cannot_fix", "resolved_referred", "closed_satisfied", "closed_timeout",
               "closed_after_reopen", "reopened_unsatisfied", "reopened_comment", "triage_then_closed",
               "no_location"}
CHANNEL_WEIGHTS = {Channel.WEB: 60, Channel.PHONE: 15, Channel.SMS: 10, Channel.EMAIL: 5, Channel.OPEN311: 5,
                   Channel.API: 5}
WEB_STYLES = {"casual": 50, "nodiac": 20, "formal": 15, "sms": 15}
# Hours of the day people send reports, by weight (local time).
HOUR_WEIGHTS = [1, 1, 0, 0, 0, 1, 3, 6, 8, 9, 8, 7, 5, 5, 7, 8, 8, 7, 8, 9, 9, 7, 4, 2]
MARGIN = timedelta(minutes=3)  # the newest step happens at least this long before the load


class Redraw(Exception):
    """The drawn times do not tell the scenario's story; draw again."""


@dataclass
class Step:
    at: object                 # aware datetime
    action: str                # "submit" or a workflow action
    actor: str                 # citizen, coordinator, officer, head or system
    data: dict = field(default_factory=dict)


@dataclass
class Plan:
    index: int
    scenario: str
    expected: str              # the status the replay must end in
    problem: str               # category code of what is really wrong
    category: str              # category code the report is submitted with
    ward_code: str | None      # ward where the problem is
    point: tuple | None        # (lat, lng) when the reporter placed it on the map
    ward_only: bool            # located by choosing the ward, no point
    address: str
    description: str
    channel: str
    fillers: dict = field(default_factory=dict)   # street, number... the description was written with
    reporter_name: str = ""
    reporter_phone: str = ""
    reporter_email: str = ""
    confidential: bool = False
    photo: bool = False        # an evidence photo comes with the report
    received_at: object = None
    steps: list = field(default_factory=list)


def apportion(weights, total):
    """Split `total` by `weights` (largest remainder), at least one each
    when there is room, so small demos still show every state."""
    names = list(weights)
    if total < len(names):
        return dict.fromkeys(names[:total], 1)
    spare = total - len(names)
    whole = sum(weights.values())
    shares = {n: spare * weights[n] / whole for n in names}
    counts = {n: 1 + int(shares[n]) for n in names}
    left = total - sum(counts.values())
    for n in sorted(names, key=lambda n: shares[n] - int(shares[n]), reverse=True)[:left]:
        counts[n] += 1
    return counts


class Timeline:
    """The clock of one plan while its steps are written."""

    def __init__(self, planner, plan, rng):
        self.calendar, self.rng, self.plan = planner.calendar, rng, plan
        self.t = plan.received_at
        self.base = plan.received_at  # when the current deadlines were set
        self.resolved_at = None

    def work(self, low, high):
        """A few working hours later (staff act in office hours)."""
        self.t = self.calendar.add_working_hours(self.t, self.rng.uniform(low, high))
        return self

    def work_until(self, fraction_low, fraction_high, hours):
        """At a fraction of a working-hours budget counted from the deadline base,
        or soon after the previous step when that moment has already passed."""
        target = self.calendar.add_working_hours(self.base, hours * self.rng.uniform(fraction_low, fraction_high))
        if target <= self.t:
            return self.work(0.2, 1.5)
        self.t = target
        return self

    def later(self, low_hours, high_hours):
        """Some wall-clock hours later, but not in the small hours."""
        moment = self.t + timedelta(hours=self.rng.uniform(low_hours, high_hours))
        local = moment.astimezone(self.calendar.tz)
        if local.hour < 6:
            moment = local.replace(hour=6, minute=self.rng.randrange(60)).astimezone(moment.tzinfo)
        self.t = max(moment, self.t + timedelta(minutes=5))
        return self

    def do(self, action, actor, **data):
        self.plan.steps.append(Step(self.t, action, actor, data))
        return self


class Planner:
    def __init__(self, *, seed, now, categories, wards, picker, calendar):
        self.seed, self.now = seed, now
        self.categories = categories    # code -> Category
        self.wards = wards              # [(unit, code)]
        self.picker = picker            # areas.PointPicker
        self.calendar = calendar
        self.window = timedelta(days=settings.RATING_WINDOW_DAYS)

    # --- the whole city ------------------------------------------------------

    def plans(self, count):
        counts = apportion({name: spec[1] for name, spec in SCENARIOS.items()}, count)
        order = [name for name, n in counts.items() for _ in range(n)]
        random.Random(f"{self.seed}:order").shuffle(order)
        free = list(CATEGORY_WEIGHTS)
        random.Random(f"{self.seed}:categories").shuffle(free)
        plans = []
        for index, scenario in enumerate(order):
            if scenario == "duplicate":
                continue
            rng = random.Random(f"{self.seed}:{index}")
            category = free.pop() if free and scenario in FREE_CHOICE else None
            plans.append(self._plan(index, scenario, rng, category))
        originals = [p for p in plans if p.scenario not in ("rejected", "rejected_after_return", "triage_waiting")
                     and p.category != OTHER and p.ward_code]
        for index, scenario in enumerate(order):
            if scenario == "duplicate":
                plans.append(self._duplicate(index, random.Random(f"{self.seed}:{index}"), originals))
        plans.sort(key=lambda p: p.index)
        return plans

    # --- one report ------------------------------------------------------------

    def _plan(self, index, scenario, rng, category=None):
        expected, _weight, youngest, oldest = SCENARIOS[scenario]
        problem, submitted_as, story = self._story(scenario, rng, category)
        channel = Channel.SMS if scenario == "no_location" else None
        plan = self._content(index, scenario, expected, problem, submitted_as, rng, channel=channel)
        if scenario == "no_location":
            # An SMS with a street name only: the coordinator works out the ward.
            plan.point, plan.ward_only = None, False
        self._schedule(plan, youngest, oldest, story)
        return plan

    def _story(self, scenario, rng, category):
        """(problem category, category submitted with, function writing the steps)."""
        pick = category or self._weighted_category(rng)
        if scenario == "triage_waiting":
            problem = rng.choice([OTHER, pick])
            return problem, OTHER, lambda tl, r: None
        if scenario == "rejected":
            which = rng.randrange(len(texts.REJECTIONS))
            return OTHER, OTHER, lambda tl, r: self._reject_other(tl, r, which)
        if scenario in ("returned_waiting", "reroute_then_closed"):
            first, reason, then = rng.choice(texts.RETURNS)
            return first, first, lambda tl, r: self._returned(tl, r, reason, then, scenario == "returned_waiting")
        if scenario == "rejected_after_return":
            first, reason, rejection = rng.choice(texts.RETURN_THEN_REJECT)
            return first, first, lambda tl, r: self._returned_rejected(tl, r, reason, rejection)
        if scenario == "triage_then_closed":
            return pick, OTHER, lambda tl, r: self._triaged(tl, r, pick)
        if scenario == "no_location":
            return pick, pick, lambda tl, r: self._triaged(tl, r, None)
        submitted_as = pick
        if pick == "dau-xe-trai-phep" and scenario.startswith("closed") and rng.random() < 0.6:
            submitted_as = "lan-chiem-via-he"  # the coordinator corrects it before the ward starts
        return pick, submitted_as, lambda tl, r: self._with_unit(tl, r, scenario, pick, submitted_as)

    def _weighted_category(self, rng):
        names = list(CATEGORY_WEIGHTS)
        return rng.choices(names, weights=[CATEGORY_WEIGHTS[n] for n in names])[0]

    def _content(self, index, scenario, expected, problem, category, rng, *, channel=None, same_as=None):
        """Who reports what, where, how; `same_as` is an earlier plan about the same problem."""
        if same_as is None:
            ward, ward_code = rng.choice(self.wards)
            fillers, address = texts.place(rng, ward_code)
        else:
            ward_code, fillers = same_as.ward_code, same_as.fillers
            address = same_as.address or f"{fillers['num']} {fillers['street']}"
            ward = next(unit for unit, code in self.wards if code == ward_code)
        channel = channel or rng.choices(list(CHANNEL_WEIGHTS), weights=list(CHANNEL_WEIGHTS.values()))[0]
        plan = Plan(index=index, scenario=scenario, expected=expected, problem=problem, category=category,
                    ward_code=ward_code, point=None, ward_only=False, address="", description="", channel=channel,
                    fillers=fillers)
        self._reporter(plan, rng)
        if channel == Channel.WEB:
            style = rng.choices(list(WEB_STYLES), weights=list(WEB_STYLES.values()))[0]
        else:
            style = {Channel.PHONE: "operator", Channel.SMS: "sms", Channel.EMAIL: "formal"}.get(channel, "casual")
        ward_handled = self.categories[problem].handler == "ward"
        plan.description = texts.describe(rng, problem, fillers, style, ward_handled=ward_handled,
                                          ward_name=ward.name, reporter_name=plan.reporter_name)
        share_of_ward_only = {Channel.PHONE: 0.5, Channel.SMS: 1.0, Channel.EMAIL: 0.6}.get(channel, 0.12)
        if rng.random() < share_of_ward_only:
            plan.ward_only, plan.address = True, address
        else:
            plan.address = address if rng.random() < 0.5 else ""
            if same_as is not None and same_as.point:
                plan.point = self.picker.near(rng, ward.pk, *same_as.point)
            else:
                plan.point = self.picker.point_in(rng, ward.pk)
        plan.photo = (channel in (Channel.WEB, Channel.OPEN311, Channel.API, Channel.EMAIL)
                      and photos.has_scene(problem) and rng.random() < 0.6)
        return plan

    def _reporter(self, plan, rng):
        channel = plan.channel
        named = {Channel.WEB: 0.55, Channel.PHONE: 0.7, Channel.SMS: 0.0, Channel.EMAIL: 1.0}.get(channel, 0.5)
        if rng.random() < named:
            plan.reporter_name = texts.person_name(rng)
            if channel != Channel.EMAIL or rng.random() < 0.3:
                plan.reporter_phone = texts.phone_number(rng)
            if channel == Channel.EMAIL or rng.random() < 0.15:
                plan.reporter_email = texts.email_for(rng, plan.reporter_name)
            plan.confidential = rng.random() < 0.25
        elif channel in (Channel.PHONE, Channel.SMS):
            plan.reporter_phone = texts.phone_number(rng)  # caller ID / sender number

    def _duplicate(self, index, rng, originals):
        """Someone else reports the same problem a little later, nearby; a
        coordinator merges it into the first report."""
        times = random.Random(f"{self.seed}:{index}:time")
        for _attempt in range(200):
            original = rng.choice(originals)
            if original.received_at > self.now - timedelta(hours=6):
                continue
            plan = self._content(index, "duplicate", Status.DUPLICATE, original.problem, original.category, rng,
                                 same_as=original)
            hours = (self.now - original.received_at).total_seconds() / 3600
            plan.received_at = original.received_at + timedelta(hours=times.uniform(1, min(72, hours - 5)))
            plan.steps = [Step(plan.received_at, "submit", "citizen")]
            tl = Timeline(self, plan, times).work(0.2, 3)
            tl.do("merge", "coordinator", original=original.index)
            if tl.t <= self.now - MARGIN:
                return plan
        raise RuntimeError("could not place a duplicate report in the demo period")

    # --- time ---------------------------------------------------------------

    def _schedule(self, plan, youngest, oldest, story):
        """Draw the receipt time and the steps until they fit the scenario."""
        times = random.Random(f"{self.seed}:{plan.index}:time")
        for attempt in range(240):
            # Rarely (a long holiday just before the load) the range is too
            # narrow; widen it step by step rather than fail.
            stretch = min(1 + attempt // 40, 60 / max(oldest, 0.1))
            age = timedelta(days=times.uniform(youngest, oldest * stretch))
            plan.received_at = self._time_of_day(times, self.now - age)
            if plan.received_at > self.now - MARGIN:
                continue
            plan.steps = [Step(plan.received_at, "submit", "citizen")]
            tl = Timeline(self, plan, times)
            try:
                story(tl, times)
                self._check(plan, tl)
            except Redraw:
                continue
            return
        raise RuntimeError(f"could not schedule scenario {plan.scenario!r}")

    def _time_of_day(self, rng, moment):
        local = moment.astimezone(self.calendar.tz)
        hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
        local = local.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60), microsecond=0)
        return local.astimezone(moment.tzinfo)

    def _check(self, plan, tl):
        if plan.steps[-1].at > self.now - MARGIN:
            raise Redraw
        category = self.categories[plan.category]  # deadlines follow the category at submission
        ack_due = self.calendar.add_working_hours(tl.base, category.ack_hours)
        resolve_due = self.calendar.add_working_days(tl.base, category.resolve_days)
        scenario = plan.scenario
        if scenario == "assigned_fresh" and self.now >= ack_due:
            raise Redraw
        if scenario in ("acknowledged", "in_progress") and self.now >= resolve_due:
            raise Redraw
        if scenario in ("assigned_overdue", "acknowledged_overdue", "in_progress_overdue") and self.now <= resolve_due:
            raise Redraw
        if scenario.startswith("resolved") and tl.resolved_at < self.now - self.window + timedelta(hours=12):
            raise Redraw
        if scenario.startswith("reopened") and plan.steps[-1].at < self.now - timedelta(days=2):
            raise Redraw

    # --- stories -------------------------------------------------------------

    def _with_unit(self, tl, rng, scenario, problem, submitted_as):
        if submitted_as != problem:
            tl.work(0.1, 1).do("reclassify", "coordinator", category=problem)
        category = self.categories[problem]
        if scenario in ("assigned_fresh", "assigned_overdue"):
            return
        late = scenario.endswith("overdue") or rng.random() < 0.15
        self._accept(tl, rng, category, late=late)
        if scenario.startswith("acknowledged"):
            return
        tl.work(0.2, 4).do("start", "officer")
        if scenario == "in_progress_overdue":
            tl.work(8, 24).do("note", "coordinator", text=rng.choice(texts.OVERDUE_NOTES))
            return
        if scenario in ("extension_pending", "extension_decided"):
            tl.work(1, 6).do("request_extension", "officer", days=rng.randrange(2, 6),
                             reason=rng.choice(texts.EXTENSION_REASONS))
            if scenario == "extension_decided":
                if rng.random() < 0.75:
                    tl.work(0.3, 4).do("approve_extension", "coordinator")
                else:
                    tl.work(0.3, 4).do("decline_extension", "coordinator", reason=texts.DECLINE_REASONS[0])
            return
        if scenario == "in_progress":
            return
        outcome = {"resolved_cannot_fix": Outcome.CANNOT_FIX, "resolved_referred": Outcome.REFERRED}.get(
            scenario, Outcome.FIXED)
        if scenario == "closed_timeout" and rng.random() < 0.35:
            outcome = rng.choice([Outcome.CANNOT_FIX, Outcome.REFERRED])
        self._resolve(tl, rng, category, outcome)
        self._after_resolution(tl, rng, scenario, category)

    def _accept(self, tl, rng, category, late=False):
        if late:
            tl.work_until(1.3, 3.0, category.ack_hours)
        else:
            tl.work_until(0.1, 0.9, category.ack_hours)
        if category.handler == "ward" and rng.random() < 0.35:
            tl.do("accept", "head").work(0.1, 1).do("assign_officer", "head", officer="officer")
        else:
            tl.do("accept", "officer")

    def _resolve(self, tl, rng, category, outcome, late=None):
        late = rng.random() < 0.2 if late is None else late
        hours = category.resolve_days * self.calendar.hours_per_day
        if late:
            tl.work_until(1.1, 2.2, hours)
        else:
            tl.work_until(0.3, 0.95, hours)
        data = {"outcome": outcome}
        if outcome == Outcome.FIXED:
            data.update(result=texts.FIXED[category.code], photos="proof")
        elif outcome == Outcome.CANNOT_FIX:
            text, planned = rng.choice(texts.CANNOT_FIX)
            data["result"] = text
            if planned:
                data["planned_date"] = (tl.t + timedelta(days=rng.randrange(30, 120))).date()
        else:
            text, to = texts.REFERRED.get(category.code, texts.REFERRED_DEFAULT)
            data.update(result=text, referred_to=to)
        tl.do("resolve", "officer", **data)
        tl.resolved_at = tl.t

    def _after_resolution(self, tl, rng, scenario, category):
        if scenario == "closed_satisfied":
            self._rate_ok(tl, rng)
        elif scenario == "closed_timeout":
            self._time_out(tl, rng)
        elif scenario == "reopened_unsatisfied":
            tl.later(2, 60).do("rate", "citizen", rating="unsatisfied", comment=rng.choice(texts.UNSATISFIED_COMMENTS))
        elif scenario == "reopened_comment":
            if rng.random() < 0.5:
                self._rate_ok(tl, rng)
            tl.later(12, 72).do("reopen", "citizen", comment=rng.choice(texts.REOPEN_COMMENTS))
        elif scenario == "closed_after_reopen":
            tl.later(2, 48).do("rate", "citizen", rating="unsatisfied", comment=rng.choice(texts.UNSATISFIED_COMMENTS))
            tl.base = tl.t
            self._accept(tl, rng, category)
            tl.work(0.2, 3).do("start", "officer")
            self._resolve(tl, rng, category, Outcome.FIXED, late=False)
            if rng.random() < 0.7:
                self._rate_ok(tl, rng)
            else:
                self._time_out(tl, rng)
        elif scenario in ("triage_then_closed", "reroute_then_closed", "no_location"):
            if rng.random() < 0.5 and scenario != "no_location":
                self._rate_ok(tl, rng)
            else:
                self._time_out(tl, rng)

    def _rate_ok(self, tl, rng):
        tl.later(1, 72).do("rate", "citizen", rating="satisfied", comment=rng.choice(texts.SATISFIED_COMMENTS))

    def _time_out(self, tl, rng):
        tl.t = tl.resolved_at + self.window + timedelta(minutes=rng.randrange(5, 600))
        tl.do("close", "system")

    def _reject_other(self, tl, rng, which):
        """Something that is not a report about the city: each text has its reason."""
        plan = tl.plan
        text, reason, located = texts.REJECTIONS[which]
        plan.description, plan.photo = text, False
        if not located:
            plan.point, plan.ward_only, plan.address = None, False, ""
        tl.work(0.2, 3).do("reject", "coordinator", reason=reason)

    def _returned(self, tl, rng, reason, then, waiting):
        if rng.random() < 0.5:
            self._accept(tl, rng, self.categories[tl.plan.category])
            tl.work(0.2, 2)
        else:
            tl.work(0.5, 4)
        tl.do("return", "officer", reason=reason)
        if waiting:
            return
        tl.work(0.2, 3).do("route", "coordinator", category=then)
        tl.plan.problem = then
        category = self.categories[then]
        self._accept(tl, rng, category)
        tl.work(0.2, 4).do("start", "officer")
        self._resolve(tl, rng, category, Outcome.FIXED)
        self._after_resolution(tl, rng, "reroute_then_closed", category)

    def _returned_rejected(self, tl, rng, reason, rejection):
        tl.work(0.5, 6).do("return", "officer", reason=reason)
        tl.work(0.2, 3).do("reject", "coordinator", reason=rejection)

    def _triaged(self, tl, rng, category_code):
        """A coordinator sends a report that routing could not place: the
        citizen chose "Other" (then the category is set), or gave no location."""
        plan = tl.plan
        data = {"category": category_code} if category_code else {}
        tl.work(0.2, 3).do("route", "coordinator", **data)
        category = self.categories[plan.problem]
        self._accept(tl, rng, category)
        tl.work(0.2, 4).do("start", "officer")
        self._resolve(tl, rng, category, Outcome.FIXED)
        self._after_resolution(tl, rng, plan.scenario, category)

