"""`manage.py load_demo`: the demo city, once.

`make run` calls this on every start, so a second run must change nothing:
the city, staff and reports are created in one transaction, and the
coordinator unit's existence marks a loaded demo. Photos are re-encoded
after the commit, inline, so they are ready when the command returns; that
step also finishes any photo a previous, interrupted run left waiting.
"""

import time
from collections import Counter
from io import StringIO

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from phananh.demo import areas, city, history, replay
from phananh.notify import outbox
from phananh.reports import media as media_lib
from phananh.reports.models import Category, Media
from phananh.sla.service import current_calendar
from phananh.units import routing
from phananh.units.models import Area, Unit

DEFAULT_SEED = 2025


class Command(BaseCommand):
    help = "Load the demo city (units, staff accounts, reports) unless it is already loaded."

    def add_arguments(self, parser):
        parser.add_argument("--reports", type=int, default=200, help="How many reports to create (default 200).")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Random seed for the report histories.")

    def handle(self, *args, reports=200, seed=DEFAULT_SEED, verbosity=1, **options):
        if reports < 0:
            raise CommandError("--reports must not be negative")
        if Unit.objects.filter(code=city.COORDINATOR_CODE).exists():
            self.stdout.write("The demo is already loaded; nothing to do.")
            self._finish_photos()
            return
        started = time.monotonic()
        with transaction.atomic():
            call_command("load_categories", stdout=self.stdout if verbosity > 1 else StringIO())
            town = city.build_city()
            self._areas(town, verbosity)
            created = self._reports(town, reports, seed)
        photo_count = self._finish_photos()
        self._summary(town, created, photo_count, time.monotonic() - started)

    def _areas(self, town, verbosity):
        missing = [ward for ward in town.wards if not ward.areas.exists()]
        if missing:
            out = self.stdout if verbosity > 1 else StringIO()
            areas.import_synthetic_areas([(ward.code, ward.name) for ward in missing], stdout=out)
        routing.forget_index()  # the next lookup sees the new areas

    def _reports(self, town, count, seed):
        categories = {c.code: c for c in Category.objects.all()}
        wards = [(ward, ward.code) for ward in town.wards]
        picker = areas.PointPicker(Area.objects.filter(unit__in=town.wards))
        planner = history.Planner(seed=seed, now=timezone.now(), categories=categories, wards=wards,
                                  picker=picker, calendar=current_calendar())
        plans = planner.plans(count)
        with outbox.suppressed():  # nobody gets mail about weeks-old demo history
            return replay.Replay(town, categories, seed).run(plans)

    def _finish_photos(self):
        """Publish every parked photo now instead of waiting for the worker."""
        done = 0
        for item in Media.objects.filter(image="").exclude(incoming="").order_by("pk").iterator():
            try:
                media_lib.process(item)
            except FileNotFoundError:
                continue  # a worker running beside us got to it first
            done += 1
        return done

    def _summary(self, town, reports, photo_count, seconds):
        statuses = Counter(report.get_status_display() for report in reports)
        self.stdout.write(self.style.SUCCESS(
            f"Demo loaded in {seconds:.1f} s: {len(town.wards)} wards with synthetic boundaries, "
            f"{len(reports)} reports, {photo_count} photos."
        ))
        if statuses:
            self.stdout.write("Reports by status: " + ", ".join(f"{name} {n}" for name, n in sorted(statuses.items())))
        self.stdout.write("\nDemo accounts (see phananh/demo/README.md):\n")
        self.stdout.write(city.accounts_table(town.accounts))
