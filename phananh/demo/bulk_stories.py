"""One generated report's life: its content, every step people took, and
what the deadline jobs did meanwhile.

A `Story` replays `phananh.reports.workflow` in memory: each step changes
the same fields the workflow changes and records the event the workflow
would record (same type, actor role, public flag, payload keys and unit),
at the moment it happened. Staff act in office hours, citizens whenever
they like; a step that would fall after "now" is not taken, so recent
reports are naturally still open and every status occurs. Time is kept as
integer microseconds (see bulk_calendar).

After the people's steps, `_deadline_jobs` adds what `phananh.sla.jobs`
would have done, running every minute: reminders before a deadline, the
overdue mark at the due moment, the escalation ladder, each once per
deadline and round; and the report's `deadline_check_at` is the next
moment the jobs have something to do, computed by `jobs.plan` itself.
"""

from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from types import SimpleNamespace

from django.conf import settings

from phananh.lib.codes import ALPHABET
from phananh.reports import search
from phananh.reports.models import OPEN_STATUSES, WITH_UNIT_STATUSES, Channel, MediaKind, Outcome, Rating, Status
from phananh.sla import config, deadlines, jobs

from . import bulk_texts, photos, texts
from .bulk_calendar import DAY_US, HOUR_US, MINUTE_US, from_us, to_us
from .bulk_city import HOT_SPOT_SHARE, HotSpot
from .bulk_random import Weighted
from .history import CHANNEL_WEIGHTS, HOUR_WEIGHTS

S = Status
ACK_PENDING = frozenset(deadlines.ACK_PENDING_STATUSES)
OPEN = frozenset(OPEN_STATUSES)
WITH_UNIT = frozenset(WITH_UNIT_STATUSES)

# (share, lowest, highest) fraction of the working-time budget at which a unit
# acknowledges / resolves: mostly in time, some late, a few very late (those
# still waiting are the overdue reports of the statistics).
ACK_TIMING = ((0.9, 0.05, 0.8), (0.08, 1.3, 3.0), (0.02, 3.0, 30.0))
RESOLVE_TIMING = ((0.82, 0.2, 0.85), (0.14, 1.1, 2.5), (0.04, 2.5, 25.0))
OUTCOME_WEIGHTS = {Outcome.FIXED: 76, Outcome.CANNOT_FIX: 12, Outcome.REFERRED: 12}
# What the citizen does with a result: rate it (closes), rate it
# unsatisfied (reopens), reopen it with a comment, or nothing (the job
# closes it when the rating window ends).
AFTER_WEIGHTS = {"satisfied": 42, "unsatisfied": 4, "reopen": 2.5, "nothing": 51.5}
# Scenarios other than the plain one (routed automatically, handled), per 100 reports.
SCENARIO_WEIGHTS = {"rejected": 4, "return_reject": 0.5, "return": 3, "duplicate": 7, "as_other": 6,
                    "no_location": 1, "plain": 78.5}
PHOTO_SHARE = 0.35
SCENARIOS, CHANNELS = Weighted(SCENARIO_WEIGHTS), Weighted(CHANNEL_WEIGHTS)
OUTCOMES, AFTER = Weighted(OUTCOME_WEIGHTS), Weighted(AFTER_WEIGHTS)
PHOTO_CHANNELS = frozenset({Channel.WEB, Channel.OPEN311, Channel.API, Channel.EMAIL})
CONFIDENTIAL_TEXT_SHARE = 0.02


class _Stop(Exception):
    """The next step would happen after now: the story ends where it is."""


@dataclass
class Content:
    scenario: str
    problem: object          # Category of what is really wrong
    category: object         # Category the report is submitted with
    ward: object             # bulk_city.Ward or None
    lat: float | None
    lng: float | None
    address: str
    description: str
    channel: str
    reporter: tuple          # (name, phone, email, confidential)
    photo: bool
    fillers: dict
    original: object = None  # the Story a duplicate repeats
    rejection: tuple = None  # texts.REJECTIONS entry, or (None, reason) after a return
    returned: tuple = None   # texts.RETURNS / RETURN_THEN_REJECT entry


class Writer:
    """Draws content: what a report is about, where, from whom, in what words."""

    def __init__(self, city, rng):
        self.city, self.rng = city, rng
        self._weights = {}
        self._returns = {first: (first, reason, then) for first, reason, then in texts.RETURNS
                         if first in city.by_code and then in city.by_code}
        self._return_rejects = [entry for entry in texts.RETURN_THEN_REJECT if entry[0] in city.by_code]

    def category_for(self, month, spot=None):
        rng = self.rng
        if spot is not None and rng.random() < 0.4:
            return spot.category
        choice = self._weights.get(month)
        if choice is None:
            choice = self._weights[month] = self.city.category_choice(month)
        return choice.pick(rng)

    def scenario(self):
        return SCENARIOS.pick(self.rng)

    def content(self, month, scenario, original=None):
        """What one report says and where; `original` is the Story a duplicate repeats."""
        rng, city = self.rng, self.city
        if scenario == "duplicate" and original is None:
            scenario = "plain"
        if scenario in ("return", "return_reject") and not (self._returns if scenario == "return"
                                                             else self._return_rejects):
            scenario = "plain"
        if scenario in ("rejected", "as_other", "no_location") and city.other is None:
            scenario = "plain"
        channel = CHANNELS.pick(rng)
        if scenario == "no_location":
            channel = Channel.SMS
        spot = None
        if original is not None:
            ward = original.content.ward
            problem = original.content.problem
        else:
            ward = city.pick_ward(rng)
            spot = rng.choice(ward.hot_spots) if rng.random() < HOT_SPOT_SHARE else None
            problem = self.category_for(month, spot)
        returned = None
        if scenario == "return":
            returned = rng.choice(sorted(self._returns.values()))
            problem = city.by_code[returned[0]]
        elif scenario == "return_reject":
            returned = rng.choice(self._return_rejects)
            problem = city.by_code[returned[0]]
        elif scenario == "as_other" and problem.code == "khac":
            scenario = "plain"  # filed under "other issues" anyway
        streets = bulk_texts.streets_for(ward.unit.code)
        if original is not None:
            fillers = original.content.fillers
            address = original.content.address or f"{fillers['num']} {fillers['street']}"
        else:
            fillers, address = bulk_texts.place(rng, streets)
        reporter = bulk_texts.reporter(rng, channel)
        style = bulk_texts.style_for(rng, channel)
        description = bulk_texts.describe(rng, problem, fillers, style, ward_name=ward.unit.name,
                                          reporter_name=reporter[0], ward_handled=problem.handler == "ward")
        category = problem
        rejection = None
        if scenario == "rejected":
            rejection = rng.choice(texts.REJECTIONS)
            description, category = rejection[0], city.other
        elif scenario in ("as_other", "no_location") and city.other is not None:
            category = city.other if scenario == "as_other" else problem
        lat = lng = None
        if scenario == "no_location":
            ward = None  # an SMS naming a street only: the coordinator works out where
        elif rejection is not None and not rejection[2]:
            ward, address = None, ""
        elif rng.random() < bulk_texts.WARD_ONLY.get(channel, bulk_texts.WARD_ONLY_DEFAULT):
            pass  # located by choosing the ward and typing an address
        else:
            if original is not None and original.content.lat is not None:
                lat, lng, ward = city.point_in(rng, ward, spot=_near(original.content))
            else:
                lat, lng, ward = city.point_in(rng, ward, spot)
            if rng.random() < 0.5:
                address = ""
        photo = (channel in PHOTO_CHANNELS and rejection is None and photos.has_scene(problem.code)
                 and rng.random() < PHOTO_SHARE)
        return Content(scenario=scenario, problem=problem, category=category, ward=ward, lat=lat, lng=lng,
                       address=address, description=description, channel=channel, reporter=reporter, photo=photo,
                       fillers=fillers, original=original, rejection=rejection, returned=returned)


def _near(content):
    """A few metres around where the original report was placed."""
    return HotSpot(content.lat, content.lng, 0.0002, content.problem)


def tracking_code(rng):
    symbols = "".join(rng.choices(ALPHABET, k=8))
    return f"{symbols[:4]}-{symbols[4:]}"


# --- the story -------------------------------------------------------------------------------

class Story:
    """A report's steps from `received` (µs) until now; `run()` plays them."""

    def __init__(self, gen, content, received, rng, force=None):
        self.gen, self.city, self.cal = gen, gen.city, gen.cal
        self.content, self.rng, self.force = content, rng, force
        self.received = self.t = self.base = received
        self.k = None            # position in the generated sequence, set when placed
        self.code = None
        self.events = []         # (t, order, type, actor_id, actor_role, unit_id, public, payload)
        self.media = []          # (kind, photo key, t)
        self.snapshots = []      # (t, status, unit_id, assignee_id, ack_due, resolve_due, round)
        self.category = content.category
        self.status = S.SUBMITTED
        self.unit_id = self.assignee_id = None
        self.ack_due = self.resolve_due = None
        self.acknowledged_at = self.resolved_at = self.closed_at = None
        self.extension_until, self.extension_reason = None, ""
        self.outcome = self.result_text = self.public_reason = self.rating = self.rating_comment = ""
        self.reopen_count = 0
        self.last_change = received
        self.deadline_check_at = None
        self.job_latency = rng.randrange(500_000, 20_000_000)

    # --- playing ------------------------------------------------------------------------

    def run(self):
        try:
            self._play()
        except _Stop:
            pass
        self._deadline_jobs()
        return self

    def _play(self):
        content, rng, force = self.content, self.rng, self.force
        self._submit()
        scenario = content.scenario
        if self.status == S.SUBMITTED:  # waiting for a coordinator
            if force == S.SUBMITTED:
                return
            self._triage_delay()
            if scenario == "rejected":
                self._coordinator("reject", reason=content.rejection[1])
                return
            if scenario == "duplicate":
                self._coordinator("merge")
                return
            self._coordinator("route", category=content.problem, ward=content.ward)
        elif scenario == "duplicate":
            self.work(0.2, 3)
            self._coordinator("merge")
            return
        elif rng.random() < 0.03 and force is None:
            other = self.city.same_handler(self.category, rng)
            if other is not None:
                self.work(0.1, 1)
                self._coordinator("reclassify", category=other)
        if self.unit_id is None:
            return  # no unit can take it: it waits for a coordinator
        if scenario in ("return", "return_reject"):
            self._returned()
            if self.status != S.ASSIGNED:
                return
        while True:
            if force == S.ASSIGNED or (force == S.REOPENED and self.reopen_count):
                return
            self._accept()
            if force == S.ACKNOWLEDGED:
                return
            self.work(0.2, 4)
            self._unit("start")
            self._extension_and_notes()
            if force == S.IN_PROGRESS:
                return
            self._resolve()
            if not self._after_resolution():
                return

    def _triage_delay(self):
        if self.rng.random() < 0.03:
            self.work(8, 80)  # a busy week for the coordinators
        else:
            self.work(0.2, 3)

    def _returned(self):
        rng = self.rng
        first, reason, then = self.content.returned
        if rng.random() < 0.5:
            self._accept()
            self.work(0.2, 2)
        else:
            self.work(0.5, 4)
        self._unit("return", reason=reason)
        self.work(0.2, 3)
        if self.content.scenario == "return_reject":
            self._coordinator("reject", reason=then)
            return
        self._coordinator("route", category=self.city.by_code[then], ward=self.content.ward)

    def _accept(self):
        rng = self.rng
        hours = self.category.ack_hours
        self.work_until(_fraction(rng, ACK_TIMING), hours)
        staff = self.city.staff_of(self.unit_id)
        if staff.heads and staff.officers and rng.random() < 0.35:
            head = rng.choice(staff.heads)
            self._unit("accept", actor=head, role="head")
            self.work(0.1, 1)
            self._unit("assign_officer", actor=head, role="head", officer=rng.choice(staff.officers))
            return
        self._unit("accept")
        if staff.officers and self.last_actor in staff.officers and rng.random() < 0.15:
            self.work(0.05, 0.5)
            self._unit("assign_officer", actor=self.last_actor, role="officer", officer=self.last_actor)

    def _extension_and_notes(self):
        rng = self.rng
        if rng.random() < 0.04:
            self.work(1, 8)
            if rng.random() < 0.5:
                self._coordinator("note", text=rng.choice(texts.NOTES))
            else:
                self._unit("note", text=rng.choice(texts.NOTES))
        if rng.random() < 0.05:
            self.work(1, 6)
            self._unit("request_extension", days=rng.randrange(2, 6), reason=rng.choice(texts.EXTENSION_REASONS))
            self.work(0.3, 4)
            if rng.random() < 0.75:
                self._coordinator("approve_extension")
            else:
                self._coordinator("decline_extension", reason=texts.DECLINE_REASONS[0])

    def _resolve(self):
        rng = self.rng
        budget = self.category.resolve_days * self.cal.hours_per_day
        timing = RESOLVE_TIMING if self.force is None else RESOLVE_TIMING[:1]
        self.work_until(_fraction(rng, timing), budget)
        outcome = OUTCOMES.pick(rng)
        if self.force == S.RESOLVED or self.reopen_count:
            outcome = Outcome.FIXED
        data = {"outcome": outcome}
        if outcome == Outcome.FIXED:
            data["result"] = texts.FIXED.get(self.category.code, texts.FIXED["khac"])
        elif outcome == Outcome.CANNOT_FIX:
            text, planned = rng.choice(texts.CANNOT_FIX)
            data["result"] = text
            if planned:
                day = from_us(self.t + rng.randrange(30, 120) * DAY_US, self.cal.tz).date()
                data["planned_date"] = day.isoformat()
        else:
            data["result"], data["referred_to"] = texts.REFERRED.get(self.category.code, texts.REFERRED_DEFAULT)
        self._unit("resolve", **data)

    def _after_resolution(self):
        """The citizen's answer; True when the report was reopened (another round)."""
        rng = self.rng
        choice = AFTER.pick(rng)
        force = self.force
        if force == S.CLOSED:
            choice = "satisfied"
        elif force == S.RESOLVED:
            choice = "nothing"
        elif force == S.REOPENED and not self.reopen_count:
            choice = "unsatisfied"
        if self.reopen_count >= 2 and choice in ("unsatisfied", "reopen"):
            choice = "nothing"
        if choice == "satisfied":
            self.later(1, 72)
            self._citizen("rate", rating=Rating.SATISFIED, comment=rng.choice(texts.SATISFIED_COMMENTS))
            return False
        if choice == "unsatisfied":
            self.later(2, 60)
            self._citizen("rate", rating=Rating.UNSATISFIED, comment=rng.choice(texts.UNSATISFIED_COMMENTS))
            return True
        if choice == "reopen":
            if rng.random() < 0.5:
                self.later(1, 48)
                self._citizen("rate", rating=Rating.SATISFIED, comment=rng.choice(texts.SATISFIED_COMMENTS))
            self.later(12, 72)
            self._citizen("reopen", comment=rng.choice(texts.REOPEN_COMMENTS))
            return True
        # Nobody rates it: the job closes it just after the rating window.
        window_end = self.resolved_at + settings.RATING_WINDOW_DAYS * DAY_US + 1
        self._at(self._job_moment(window_end))
        self._system_close()
        return False

    # --- time ------------------------------------------------------------------------

    def work(self, low, high):
        """A few working hours later (staff act in office hours)."""
        self._at(self.cal.add_hours_us(self.t, self.rng.uniform(low, high)))

    def work_until(self, fraction, hours):
        """At a fraction of a working-hours budget counted from the deadline
        base, or soon after the previous step when that moment has passed."""
        target = self.cal.add_hours_us(self.base, hours * fraction)
        if target <= self.t:
            self.work(0.2, 1.5)
        else:
            self._at(target)

    def later(self, low, high):
        """Some wall-clock hours later, but not in the small hours."""
        moment = self.t + int(self.rng.uniform(low, high) * HOUR_US)
        local = from_us(moment, self.cal.tz)
        if local.hour < 6:
            moment += ((6 - local.hour) * 60 - local.minute + self.rng.randrange(60)) * MINUTE_US
        self._at(max(moment, self.t + 5 * MINUTE_US))

    def _at(self, moment):
        if moment > self.gen.now:
            raise _Stop
        self.t = moment

    def _job_moment(self, due):
        """When the every-minute job acts on something due at `due`."""
        return -(-due // MINUTE_US) * MINUTE_US + self.job_latency

    # --- recording, as workflow does --------------------------------------------------------

    def _record(self, event_type, actor, role, payload, unit_id="same", public=True):
        self.events.append((self.t, len(self.events), event_type, actor.pk if actor else None, role,
                            self.unit_id if unit_id == "same" else unit_id, public, payload))

    def _changed(self):
        self.last_change = self.t
        self.snapshots.append((self.t, self.status, self.unit_id, self.assignee_id, self.ack_due,
                               self.resolve_due, self.reopen_count))

    def _due_times(self):
        tz = self.cal.tz
        return {"ack_due": from_us(self.ack_due, tz).isoformat(),
                "resolve_due": from_us(self.resolve_due, tz).isoformat()}

    def _fresh_deadlines(self):
        self.ack_due = self.cal.add_hours_us(self.t, self.category.ack_hours)
        self.resolve_due = self.cal.add_days_us(self.t, self.category.resolve_days)
        self.base = self.t

    def _submit(self):
        content, city = self.content, self.city
        self._fresh_deadlines()
        if content.photo:
            self.media.append((MediaKind.EVIDENCE, (content.problem.code, False), self.t))
        operator = None
        if content.channel == Channel.PHONE:
            operator = city.coordinator_for(content.ward.unit if content.ward else None, self.rng)
        ward = content.ward.unit if content.ward else None
        self._record("submitted", operator, "operator" if operator else "citizen", {
            "channel": content.channel, "category": self.category.code, "photos": 1 if content.photo else 0,
            "ward": ward.code if ward else None, **self._due_times(),
        }, unit_id=None)
        self._changed()
        decision = city.decide(self.category, ward)
        if decision.unit is not None:
            self._route(decision.unit, None, "system", reason=decision.reason, params=decision.params)
        else:
            self._record("triage_needed", None, "system", {"reason": decision.reason,
                                                           "reason_params": decision.params}, public=False)

    def _route(self, unit, actor, role, category=None, reason=None, params=None):
        payload = {"unit": unit.code, "unit_name": unit.name}
        if category is not None and category != self.category:
            payload["category"] = {"from": self.category.code, "to": category.code}
            self.category = category
        if reason:
            payload["reason"], payload["reason_params"] = reason, params
        self.unit_id, self.assignee_id = unit.pk, None
        self.status = S.ASSIGNED
        self._record("routed", actor, role, payload, unit_id=unit.pk)
        self._changed()

    def _coordinator(self, action, **data):
        ward = self.content.ward.unit if self.content.ward else None
        actor = self.city.coordinator_for(ward, self.rng)
        role = "coordinator"
        if action == "route":
            category = data["category"]
            target = data["ward"].unit if data["ward"] else self.city.pick_ward(self.rng).unit
            unit = self.city.decide(category, target).unit
            # "Other issues", or a kind of unit missing here: the ward itself takes it.
            self._route(unit or target, actor, role, category=category)
        elif action == "reclassify":
            category = data["category"]
            payload = {"from": self.category.code, "to": category.code}
            self.category = category
            self._record("reclassified", actor, role, payload, public=False)
            self._changed()
        elif action == "reject":
            self.public_reason = data["reason"]
            self.status = S.REJECTED
            self.closed_at = self.t
            self._record("rejected", actor, role, {"reason": self.public_reason})
            self._changed()
        elif action == "merge":
            original = self.content.original
            self.status = S.DUPLICATE
            self.closed_at = self.t
            self._record("merged", actor, role, {"original": original.code})
            self._changed()
        elif action == "note":
            self._record("note", actor, role, {"text": data["text"]}, public=False)
        elif action == "approve_extension":
            previous = self.resolve_due
            self.resolve_due = self.extension_until
            payload = {"from": from_us(previous).isoformat(), "until": from_us(self.resolve_due).isoformat(),
                       "reason": self.extension_reason}
            self.extension_until, self.extension_reason = None, ""
            self._record("extension_approved", actor, role, payload)
            self._changed()
        elif action == "decline_extension":
            self.extension_until, self.extension_reason = None, ""
            self._record("extension_declined", actor, role, {"reason": data["reason"]}, public=False)
            self._changed()

    def _unit(self, action, actor=None, role=None, **data):
        if actor is None:
            staff = self.city.staff_of(self.unit_id)
            people = staff.officers or staff.heads
            actor = self.rng.choice(people) if people else None
            role = "officer" if staff.officers or not people else "head"
        self.last_actor = actor
        if action == "accept":
            self.status = S.ACKNOWLEDGED
            self.acknowledged_at = self.t
            self._record("acknowledged", actor, role, {})
        elif action == "assign_officer":
            officer = data["officer"]
            self.assignee_id = officer.pk
            self._record("officer_assigned", actor, role, {"officer": officer.get_full_name() or officer.username},
                         public=False)
        elif action == "start":
            self.status = S.IN_PROGRESS
            self._record("started", actor, role, {})
        elif action == "return":
            unit = self.city.units[self.unit_id]
            self.unit_id = self.assignee_id = None
            self.status = S.SUBMITTED
            self.extension_until, self.extension_reason = None, ""
            self._record("returned", actor, role, {"reason": data["reason"], "unit": unit.code,
                                                   "unit_name": unit.name}, unit_id=unit.pk)
        elif action == "note":
            self._record("note", actor, role, {"text": data["text"]}, public=False)
            return
        elif action == "request_extension":
            base = max(self.resolve_due, self.t)
            self.extension_until = self.cal.add_days_us(base, data["days"])
            self.extension_reason = data["reason"]
            until = from_us(self.extension_until, self.cal.tz).isoformat()
            self._record("extension_requested", actor, role,
                         {"days": data["days"], "reason": data["reason"], "until": until}, public=False)
        elif action == "resolve":
            if data["outcome"] == Outcome.FIXED:
                self.media.append((MediaKind.PROOF, (self.category.code, True), self.t))
            payload = dict(data)
            payload["photos"] = 1 if data["outcome"] == Outcome.FIXED else 0
            self.outcome, self.result_text = data["outcome"], data["result"]
            self.status = S.RESOLVED
            self.resolved_at = self.t
            self.extension_until, self.extension_reason = None, ""
            self._record("resolved", actor, role, payload)
        self._changed()

    def _citizen(self, action, **data):
        if action == "rate":
            self.rating, self.rating_comment = data["rating"], data["comment"]
            if data["rating"] == Rating.SATISFIED:
                self.status = S.CLOSED
                self.closed_at = self.t
                self._record("rated", None, "citizen", {"rating": data["rating"], "comment": data["comment"]})
                self._changed()
                return
            self._reopen_fields()
            self._record("reopened", None, "citizen",
                         {"rating": data["rating"], "comment": data["comment"], **self._due_times()})
        else:
            self._reopen_fields()
            self._record("reopened", None, "citizen", {"comment": data["comment"], **self._due_times()})
        self._changed()

    def _reopen_fields(self):
        self._fresh_deadlines()
        self.status = S.REOPENED
        self.reopen_count += 1
        self.acknowledged_at = self.closed_at = None
        self.outcome = ""

    def _system_close(self):
        self.status = S.CLOSED
        self.closed_at = self.t
        self._record("closed", None, "system", {"reason": jobs.AUTO_CLOSE_REASON})
        self._changed()

    # --- the deadline jobs -------------------------------------------------------------

    def _deadline_jobs(self):
        """The reminders, overdue marks and escalations `sla.jobs` would have
        recorded, each at the first run of the every-minute job at or after
        its moment while the report was in a state that calls for it."""
        snapshots, now, cal = self.snapshots, self.gen.now, self.cal
        ladder = self.gen.ladder
        done, found, times = set(), [], {}
        for index, (start, status, unit_id, assignee_id, ack_due, resolve_due, round_) in enumerate(snapshots):
            end = snapshots[index + 1][0] if index + 1 < len(snapshots) else now + 1
            if end <= start or status not in OPEN:
                continue
            held = unit_id is not None and status in WITH_UNIT
            for kind, due in (("ack", ack_due if status in ACK_PENDING else None), ("resolve", resolve_due)):
                if due is None:
                    continue
                steps = times.get((kind, due))
                if steps is None:
                    # (moment, rank, event type, escalation level) of each step for this deadline.
                    steps = times[(kind, due)] = [
                        (cal.hours_before_us(due, config.remind_before_hours(kind)), 0, "reminder", None),
                        (due, 1, "overdue", None),
                        *((cal.add_hours_us(due, hours), 2 + level, "escalated", level)
                          for level, hours in enumerate(ladder)),
                    ]
                if self._job_moment(max(steps[0][0] if held else due, start)) >= end:
                    continue  # nothing comes due while the report is in this state
                for at, rank, event_type, level in steps:
                    if event_type != "overdue" and not held:
                        continue
                    key = (event_type, kind, due, round_, level)
                    if key in done:
                        continue
                    moment = self._job_moment(max(at, start))
                    if moment >= end or moment > now or (event_type == "reminder" and moment >= due):
                        continue
                    payload = {"kind": kind, "due": from_us(due).isoformat(), "round": round_}
                    if event_type == "reminder":
                        payload["to"] = "officer" if assignee_id else "unit"
                    elif event_type == "escalated":
                        who, code = self._ladder(level, unit_id)
                        payload.update({"level": level, "to": who, "unit": code})
                    done.add(key)
                    found.append((moment, rank, event_type, unit_id, event_type == "overdue", payload))
        if found:
            found.sort(key=lambda step: (step[0], step[1]))
            for moment, _rank, event_type, unit_id, public, payload in found:
                self.events.append((moment, len(self.events), event_type, None, "system", unit_id, public, payload))
            self.events.sort(key=lambda event: (event[0], event[1]))
            self.last_change = max(self.last_change, found[-1][0])
        self._next_check()

    def _ladder(self, level, unit_id):
        who = deadlines.LADDER[min(level, len(deadlines.LADDER) - 1)]
        if who == deadlines.UNIT_HEAD:
            return who, self.city.units[unit_id].code
        if who == deadlines.PARENT_HEAD:
            return who, self.city.parent_code(unit_id)
        return who, None

    def _next_check(self):
        """deadline_check_at: the next step `jobs.plan` sees for the report now."""
        if self.status not in OPEN and self.status != S.RESOLVED:
            return
        tz = self.cal.tz
        report = SimpleNamespace(
            status=self.status, unit_id=self.unit_id, assignee_id=self.assignee_id, reopen_count=self.reopen_count,
            ack_due=from_us(self.ack_due, tz), resolve_due=from_us(self.resolve_due, tz),
            resolved_at=from_us(self.resolved_at) if self.resolved_at is not None else None,
        )
        history = {}
        for event in self.events:
            if event[2] in jobs.JOB_EVENTS:
                history.setdefault(event[2], []).append(event[7])
        steps = jobs.plan(report, history, self.cal, from_us(self.gen.now))
        self.deadline_check_at = min(step.at for step in steps) if steps else None

    # --- the row ------------------------------------------------------------------------

    def search_text(self):
        # The folded description and address joined are exactly search.search_text(description,
        # address); both repeat (SMS templates, addresses), so each part is remembered.
        return _folded(self.content.description) + _folded(self.content.address)


@lru_cache(maxsize=65536)
def _folded(text):
    return search.search_text(text)


def _fraction(rng, timing):
    roll, total = rng.random(), 0.0
    for share, low, high in timing:
        total += share
        if roll < total:
            return rng.uniform(low, high)
    share, low, high = timing[-1]
    return rng.uniform(low, high)


def receipt_times(rng, count, now, days, tz):
    """`count` moments over the `days` days before `now`, sorted: more
    reports as the service gets known, fewer at weekends and at night."""
    from datetime import datetime, time

    today = from_us(now, tz).date()
    first = today - timedelta(days=days)
    day_list = [first + timedelta(days=i) for i in range(days + 1)]
    weekday = (1.0, 1.0, 1.0, 1.0, 1.0, 0.8, 0.65)
    weights = [(0.6 + 0.8 * i / days) * weekday[day.weekday()] for i, day in enumerate(day_list)]
    starts = [to_us(datetime.combine(day, time(0), tz)) for day in day_list]
    hours = rng.choices(range(24), weights=HOUR_WEIGHTS, k=count)
    chosen = rng.choices(range(len(day_list)), weights=weights, k=count)
    earliest = now - days * DAY_US
    moments = []
    for day_index, hour in zip(chosen, hours, strict=True):
        moment = starts[day_index] + hour * HOUR_US + rng.randrange(HOUR_US)
        if moment > now - MINUTE_US:
            moment = now - MINUTE_US - rng.randrange(6 * HOUR_US)
        moments.append(max(moment, earliest))
    moments.sort()
    return moments

