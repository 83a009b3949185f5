"""Perform the planned histories through the real workflow, in time order.

Every step runs inside `clock.at(step.at)`, so received_at, deadlines and
event times are those of the story, and steps of all reports are replayed in
one chronological sequence, so the event chain reads forward in time like a
real log. Nothing here touches a status: `workflow.submit` and
`workflow.apply` do, with their permission checks and events.
"""

import random

from django.db.models import OuterRef, Subquery

from phananh.lib import clock
from phananh.reports import media as media_lib
from phananh.reports import workflow
from phananh.reports.models import Event, Media, Report
from phananh.units import routing

from . import photos


class Replay:
    def __init__(self, city, categories, seed):
        self.city = city
        self.categories = categories
        self.seed = seed
        self.wards = {ward.code: ward for ward in city.wards}
        self.reports = {}   # plan index -> latest Report instance
        self.tokens = {}    # plan index -> the citizen's secret token

    def run(self, plans):
        steps = [(step.at, plan.index, n, plan, step) for plan in plans for n, step in enumerate(plan.steps)]
        steps.sort(key=lambda item: item[:3])
        for at, _index, _n, plan, step in steps:
            with clock.at(at):
                if step.action == "submit":
                    self._submit(plan)
                else:
                    self._apply(plan, step)
        self._check(plans)
        self._touch(plans)
        return [self.reports[plan.index] for plan in plans]

    def _submit(self, plan):
        rng = random.Random(f"{self.seed}:{plan.index}:photo")
        parked = []
        if plan.photo:
            parked.append(self._park(photos.draw(plan.problem, rng), f"IMG_{plan.index:04d}.jpg"))
        lat, lng = plan.point or (None, None)
        operator = self.city.coordinator if plan.channel == "phone" else None
        report, token = workflow.submit(
            category=self.categories[plan.category], description=plan.description, channel=plan.channel,
            lat=lat, lng=lng, ward=self.wards[plan.ward_code] if plan.ward_only else None, address=plan.address,
            reporter_name=plan.reporter_name, reporter_phone=plan.reporter_phone,
            reporter_email=plan.reporter_email, confidential=plan.confidential, photos=parked, actor=operator,
        )
        self._stamp_media(report, parked)
        self.reports[plan.index], self.tokens[plan.index] = report, token

    def _apply(self, plan, step):
        report = self.reports[plan.index]
        data = dict(step.data)
        if step.action == "route":
            category = self.categories[data.pop("category")] if "category" in data else report.category
            ward = report.ward or self.wards[plan.ward_code]
            data["unit"] = routing.responsible_unit(category.handler, ward)
            if category != report.category:
                data["category"] = category
        elif step.action == "reclassify":
            data["category"] = self.categories[data["category"]]
        elif step.action == "merge":
            data["original"] = self.reports[data["original"]]
        elif step.action == "assign_officer":
            data["officer"] = self.city.staff[report.unit_id]["officer"]
        parked = []
        if data.get("photos") == "proof":
            rng = random.Random(f"{self.seed}:{plan.index}:proof:{step.at.isoformat()}")
            parked = [self._park(photos.draw(report.category.code, rng, after=True), f"fix_{plan.index:04d}.jpg")]
            data["photos"] = parked
        report = workflow.apply(report, step.action, self._actor(plan, step, report), **data)
        self._stamp_media(report, parked)
        self.reports[plan.index] = report

    def _actor(self, plan, step, report):
        if step.actor == "citizen":
            return workflow.Citizen(self.tokens[plan.index])
        if step.actor == "system":
            return workflow.SYSTEM_ACTOR
        if step.actor == "coordinator":
            return self.city.coordinator
        staff = self.city.staff[report.unit_id]
        return staff[step.actor] or staff["officer"]

    @staticmethod
    def _park(image, name):
        upload = photos.jpeg_upload(image, name)
        media_lib.validate_image(upload)
        return media_lib.park_upload(upload)

    @staticmethod
    def _stamp_media(report, parked):
        """Photos carry the time of the story, not of the load."""
        if parked:
            Media.objects.filter(report=report, incoming__in=parked).update(created_at=clock.now())

    def _check(self, plans):
        """Each report must end where its scenario says: a mismatch is a bug in
        the plans, and a demo showing the wrong states would mislead."""
        wrong = [
            f"#{plan.index} {plan.scenario}: {self.reports[plan.index].status} != {plan.expected}"
            for plan in plans if self.reports[plan.index].status != plan.expected
        ]
        if wrong:
            raise AssertionError("demo reports ended in unexpected states: " + "; ".join(wrong[:5]))

    def _touch(self, plans):
        """`updated_at` is the time of each report's last event (the field is
        auto-set, so the row would say "now" until told otherwise)."""
        last_event = Event.objects.filter(report=OuterRef("pk")).order_by("-seq").values("created_at")[:1]
        Report.objects.filter(pk__in=[self.reports[p.index].pk for p in plans]).update(
            updated_at=Subquery(last_event)
        )
