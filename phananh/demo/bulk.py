"""`generate_reports`: millions of realistic reports for benchmarks, in minutes.

The demo (`load_demo`) replays a few hundred stories through the workflow,
query by query; that would take days for a million. This generator plays
the same stories in memory (bulk_stories), then writes them in batches,
each batch one transaction:

- reports, their photos (Media rows pointing at a few shared files,
  bulk_photos) and their events, with plain multi-row INSERTs (bulk_write);
- the events continue the audit chain exactly as `reports.events.record`
  would have: the chain head is locked, each event gets the next `seq`,
  `prev_hash` and the hash of `events.canonical` (built here from the
  payload's JSON, which is then stored, see `canonical`), and the head
  moves to the last one, so `verify_audit` passes afterwards;
- the statistics fold the same events in the same transaction
  (`stats.rollup`'s own batch fold, with a context that does the working-
  time arithmetic through bulk_calendar), so `rebuild_stats --check` finds
  the rollups equal to a recount.

Events are written in time order across all reports: a batch writes every
pending event that happened before the next batch's first report arrived,
so the chain reads like the log of a city that really ran for two years.

Generated reports are marked by their idempotency key, "gen:<seed>:<n>".
The generator refuses to add them to a database holding other reports
(unless forced), and refuses a seed already used there. The same seed on
the same database at the same moment gives the same reports (content,
places, stories); the stories are placed relative to the current time.
"""

import hashlib
import json
import time
import uuid
from bisect import bisect_left
from collections import Counter, deque
from datetime import UTC, timedelta

from django.db import connection, transaction

from phananh.lib import clock
from phananh.lib.codes import hash_token
from phananh.reports.models import ChainHead, Event, Report, Status
from phananh.sla import config
from phananh.sla.service import current_calendar
from phananh.stats import fold, rollup
from phananh.stats.models import ReportFact, Watermark

from . import bulk_photos, bulk_write
from .bulk_calendar import DAY_US, HOUR_US, FastCalendar, from_us, to_us
from .bulk_city import City, NotReady
from .bulk_random import seeded
from .bulk_stories import Story, Writer, receipt_times, tracking_code

KEY_PREFIX = "gen:"
DAYS = 730
BATCH_SIZE = 10000
S = Status
# One report per status is placed first, so that even a small run shows
# every status: (status, scenario, youngest and oldest age in days).
COVERAGE = [
    (S.CLOSED, "plain", 30, 90), (S.DUPLICATE, "duplicate", None, None), (S.REJECTED, "rejected", 5, 60),
    (S.SUBMITTED, "as_other", 0.5, 30), (S.ASSIGNED, "plain", 0.5, 30), (S.ACKNOWLEDGED, "plain", 10, 40),
    (S.IN_PROGRESS, "plain", 10, 40), (S.RESOLVED, "plain", 1, 12), (S.REOPENED, "plain", 15, 60),
]
NOT_ORIGINALS = (S.REJECTED, S.DUPLICATE)


class Refused(Exception):
    """The generator will not run here; the message says why and what to do."""


def key_of(seed, index):
    return f"{KEY_PREFIX}{seed}:{index:07d}"


def has_real_reports():
    """True when a report that this generator did not make exists. One
    indexed scan at worst (the unique index on idempotency_key)."""
    return Report.objects.exclude(idempotency_key__startswith=KEY_PREFIX).exists()


def check(seed, force):
    if not force and has_real_reports():
        raise Refused("This database holds real (not generated) reports. Generated reports would mix with them "
                      "in every list, map and statistic; use an empty database, or --force if you really mean it.")
    if Report.objects.filter(idempotency_key=key_of(seed, 0)).exists():
        raise Refused(f"Reports from seed {seed} are already in this database; choose another --seed.")


class GenEvent:
    """The attributes `events.canonical` and the statistics fold read, without a model instance."""

    __slots__ = ("seq", "report_id", "type", "actor_id", "actor_role", "unit_id", "public", "payload",
                 "created_at", "prev_hash", "hash")


class FoldContext(fold.Context):
    """The statistics fold's context, with the same answers computed fast."""

    def __init__(self, cal):
        super().__init__()
        self.fast = cal

    def deadlines(self, category, start):
        return (self.fast.add_working_hours(start, category.ack_hours),
                self.fast.add_working_days(start, category.resolve_days))

    def working_seconds(self, start, end):
        return int(self.fast.working_time_between(start, end).total_seconds())


class Generator:
    """One run: `count` stories played in receipt order, written `batch_size`
    reports (and the events due by then) per transaction; `out` gets a
    progress line per batch."""

    def __init__(self, count, seed, *, days=DAYS, batch_size=BATCH_SIZE, out=None):
        self.count, self.seed, self.days, self.batch_size = count, seed, days, batch_size
        self.out = out or (lambda line: None)
        self.now = to_us(clock.now())
        self.city = City(seeded(seed, "city"))
        calendar = current_calendar()
        today = from_us(self.now, calendar.tz).date()
        self.cal = FastCalendar(calendar, today - timedelta(days=days + 10), today + timedelta(days=500))
        self.ladder = config.escalation_hours()
        self.writer = Writer(self.city, seeded(seed, "content"))
        self.stories_rng = seeded(seed, "stories")
        self.codes_rng = seeded(seed, "codes")
        self.codes = set()
        self.originals = deque(maxlen=300)
        self.pending = []
        self.statuses = Counter()
        self.written_events = 0
        self.seconds = Counter()  # CPU seconds by phase: where the time goes
        # Facts of the reports that still have events to write, as the fold
        # left them; valid while the statistics clock stays where it was.
        self.facts, self.unwritten, self.ticked_until = {}, {}, None
        self.fold_context = FoldContext(self.cal)

    # --- the whole run ---------------------------------------------------------------

    def run(self):
        # Every id the rows name was read from the database or reserved in the
        # batch's own transaction, so the rows are consistent by construction;
        # like loaddata, skip the per-row foreign-key lookups (a third of
        # SQLite's insert time). The tests check the constraints afterwards.
        with connection.constraint_checks_disabled():
            return self._run()

    def _run(self):
        started = time.monotonic()
        bulk_write.tune_sqlite()
        rollup.refresh()  # the statistics must be up to date before they fold our batches
        self.tables = bulk_write.Tables()
        self.photos = bulk_photos.ensure_photos(self.city.by_code)
        coverage = self._coverage() if self.count >= len(COVERAGE) else []
        regular = receipt_times(seeded(self.seed, "times"), self.count - len(coverage), self.now, self.days,
                                self.cal.tz)
        order = sorted([(t, None) for t in regular] + [(story.received, story) for story in coverage],
                       key=lambda item: item[0])
        self.ids = [0] * self.count
        for start in range(0, self.count, self.batch_size):
            began = time.process_time()
            chunk = order[start:start + self.batch_size]
            codes = iter(self._codes(sum(1 for _received, story in chunk if story is None)))
            stories = []
            for offset, (received, story) in enumerate(chunk):
                if story is None:  # the coverage stories have run already
                    story = self._regular(received)
                    story.code = next(codes)
                    story.run()
                story.k = start + offset
                self.unwritten[story.k] = len(story.events)
                self.statuses[story.status] += 1
                if story.status not in NOT_ORIGINALS and story.content.ward is not None \
                        and story.category.code != "khac":
                    self.originals.append(story)
                stories.append(story)
            self.seconds["stories"] += time.process_time() - began
            after = order[start + self.batch_size] if start + self.batch_size < self.count else None
            self._flush(stories, (after[0], start + self.batch_size) if after else None)
            done = start + len(chunk)
            seconds = time.monotonic() - started
            self.out(f"{done:,} / {self.count:,} reports, {self.written_events:,} events, "
                     f"{done / seconds:,.0f} reports/s")
        began = time.process_time()
        folded = rollup.refresh()
        self.seconds["refresh"] += time.process_time() - began
        if folded:
            self.out(f"statistics: folded {folded:,} events the batches could not fold themselves")
        return self.statuses

    def _regular(self, received):
        writer = self.writer
        scenario = writer.scenario()
        original = None
        if scenario == "duplicate" and self.originals:
            original = writer.rng.choice(self.originals)
            if original.received > received - HOUR_US:
                original = None
        month = from_us(received, self.cal.tz).month
        content = writer.content(month, scenario, original)
        return Story(self, content, received, self.stories_rng)

    def _coverage(self):
        """One story per status, drawn again until it ends in that status."""
        placed, closed = [], None
        for status, scenario, youngest, oldest in COVERAGE:
            for attempt in range(200):
                rng = seeded(self.seed, f"coverage:{status}:{attempt}")
                writer = Writer(self.city, rng)
                original = closed if scenario == "duplicate" else None
                if scenario == "duplicate":
                    if original is None:
                        break
                    received = original.received + int(rng.uniform(1, 48) * HOUR_US)
                else:
                    stretch = 1 + attempt // 20
                    oldest_days = min(oldest * stretch, self.days - 1)
                    received = self.now - int(rng.uniform(min(youngest, oldest_days), oldest_days) * DAY_US)
                content = writer.content(from_us(received, self.cal.tz).month, scenario, original)
                story = Story(self, content, received, rng, force=status)
                story.code = self._codes(1)[0]  # before it runs: a duplicate's event names it
                story.run()
                if story.status == status:
                    placed.append(story)
                    closed = story if status == S.CLOSED else closed
                    break
        return placed

    # --- tracking codes ------------------------------------------------------------------------

    def _codes(self, count):
        """`count` tracking codes used neither here nor in the database."""
        codes = []
        while len(codes) < count:
            fresh = []
            while len(fresh) < count - len(codes):
                code = tracking_code(self.codes_rng)
                if code not in self.codes:
                    self.codes.add(code)
                    fresh.append(code)
            taken = set()
            for start in range(0, len(fresh), 500):
                taken.update(Report.objects.filter(code__in=fresh[start:start + 500]).values_list("code", flat=True))
            codes += [code for code in fresh if code not in taken]
        return codes

    # --- one batch, one transaction ---------------------------------------------------------------

    def _flush(self, stories, boundary):
        """Write `stories` and every pending event before `boundary` ((time, k) of the
        next batch's first report; None: everything)."""
        clock_ = time.process_time
        began = clock_()
        for story in stories:
            for t, order, *rest in story.events:
                self.pending.append((t, story.k, order, *rest))
        # (moment, report, order within the report) is unique, so a plain sort never compares further.
        self.pending.sort()
        cut = len(self.pending) if boundary is None else bisect_left(self.pending, boundary)
        ripe, self.pending = self.pending[:cut], self.pending[cut:]
        self.seconds["sort"] += clock_() - began
        tables = self.tables
        with transaction.atomic():
            head = _locked_head()
            watermark = Watermark.objects.select_for_update().get_or_create(pk=1)[0]
            began = clock_()
            ids = bulk_write.reserve_report_ids(len(stories))
            for story, pk in zip(stories, ids, strict=True):
                self.ids[story.k] = pk
            rows = [self._report_row(story) for story in stories]
            media = [row for story in stories for row in self._media_rows(story)]
            self.seconds["rows"] += clock_() - began
            began = clock_()
            tables.reports.insert(rows)
            tables.media.insert(media)
            self.seconds["insert reports"] += clock_() - began
            began = clock_()
            chained, event_rows = self._chain(ripe, head)
            self.seconds["chain"] += clock_() - began
            began = clock_()
            tables.events.insert(event_rows)
            self.seconds["insert events"] += clock_() - began
            if chained:
                began = clock_()
                if watermark.seq == head.seq:
                    self._fold(chained, watermark)
                    watermark.seq = chained[-1].seq
                    watermark.refreshed_at = clock.now()
                    watermark.version = uuid.uuid4().hex
                    watermark.save()
                else:
                    self.facts = {}  # others' events are waiting: the job folds ours after them
                head.seq, head.hash = chained[-1].seq, chained[-1].hash
                head.save(update_fields=["seq", "hash"])
                self.seconds["statistics"] += clock_() - began
            began = clock_()
        self.seconds["commit"] += clock_() - began
        self.written_events += len(chained)
        self._forget_written(ripe)

    def _chain(self, ripe, head):
        """GenEvents for `ripe` continuing the chain after `head`, hashed as
        events.record does, and their rows in EVENT_COLUMNS order."""
        chained, rows, prev, seq = [], [], head.hash, head.seq
        ids, as_text = self.ids, self.tables.json_as_text
        for t, k, _order, event_type, actor_id, role, unit_id, public, payload in ripe:
            seq += 1
            event = GenEvent()
            event.seq, event.report_id, event.type = seq, ids[k], event_type
            event.actor_id, event.actor_role, event.unit_id = actor_id, role, unit_id
            event.public, event.payload, event.created_at = public, payload, from_us(t)
            event.prev_hash = prev
            payload_json = _dumps(payload)
            iso = event.created_at.isoformat(timespec="microseconds")
            event.hash = hashlib.sha256(prev.encode() + canonical(event, payload_json, iso)).hexdigest()
            if as_text:  # the JSON text hashed, and the moment as Django writes it for SQLite
                row_payload = payload_json
                row_moment = iso[:10] + " " + (iso[11:26] if event.created_at.microsecond else iso[11:19])
            else:
                row_payload, row_moment = payload, event.created_at
            rows.append((seq, ids[k], event_type, actor_id, role, unit_id, public, row_payload, row_moment, prev,
                         event.hash))
            prev = event.hash
            chained.append(event)
        return chained, rows

    def _fold(self, chained, watermark):
        """Fold `chained` into the statistics as rollup.refresh would, in this
        transaction: the facts of the reports they touch, and the counters."""
        ticked = watermark.ticked_until
        if ticked != self.ticked_until:
            self.facts, self.ticked_until = {}, ticked  # the clock moved: the stored facts are the truth
        facts = self.facts
        new = {e.report_id for e in chained if e.type == "submitted"}
        stored = {e.report_id for e in chained} - new - facts.keys()
        if stored:
            facts.update(ReportFact.objects.in_bulk(stored))
        known = set(facts)
        deltas = rollup.Deltas()
        touched = rollup._fold_events(chained, facts, self.fold_context, first_touch=lambda f: deltas.add(f, -1))
        new, changed = [], []
        for report_id in touched:
            fact = facts[report_id]
            fold.settle(fact, ticked)
            deltas.add(fact, +1)
            (changed if report_id in known else new).append(bulk_write.fact_row(fact))
        self.tables.facts.insert(new)
        self.tables.facts.update(changed)
        rollup._write(deltas)

    def _forget_written(self, ripe):
        """Drop the facts of reports whose every event is now written."""
        unwritten, ids = self.unwritten, self.ids
        for event in ripe:
            k = event[1]
            unwritten[k] -= 1
            if not unwritten[k]:
                del unwritten[k]
                self.facts.pop(ids[k], None)

    def _report_row(self, story):
        content = story.content
        name, phone, email, confidential = content.reporter
        original = content.original
        values = {
            "id": self.ids[story.k], "code": story.code, "category_id": story.category.pk,
            "description": content.description, "lat": content.lat, "lng": content.lng, "address": content.address,
            "ward_id": content.ward.unit.pk if content.ward else None, "channel": content.channel,
            "reporter_name": name, "reporter_phone": phone, "reporter_email": email, "confidential": confidential,
            "citizen_token_hash": hash_token(f"{self.seed}:{story.k}:{story.rng.getrandbits(96):024x}"),
            "idempotency_key": key_of(self.seed, story.k),
            "status": story.status, "unit_id": story.unit_id, "assignee_id": story.assignee_id,
            "duplicate_of_id": self.ids[original.k] if original is not None and story.status == S.DUPLICATE
            else None,
            "received_at": story.received, "ack_due": story.ack_due, "resolve_due": story.resolve_due,
            "acknowledged_at": story.acknowledged_at, "resolved_at": story.resolved_at,
            "closed_at": story.closed_at, "extension_requested_until": story.extension_until,
            "extension_reason": story.extension_reason,
            "outcome": story.outcome, "result_text": story.result_text, "public_reason": story.public_reason,
            "rating": story.rating, "rating_comment": story.rating_comment, "reopen_count": story.reopen_count,
            "updated_at": story.last_change, "deadline_check_at": story.deadline_check_at,
            "search_text": story.search_text(),
        }
        return [values[name] if name in values else default for name, default in bulk_write.REPORT_DEFAULTS]

    def _media_rows(self, story):
        pk = self.ids[story.k]
        for kind, (code, after), t in story.media:
            image, thumbnail, width, height = bulk_photos.photo_for(self.photos, code, after)
            yield (pk, kind, "", image, thumbnail, width, height, t)


# The JSON of events.canonical, for one value.
_dumps = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def canonical(event, payload_json, iso=None):
    """events.canonical(event), byte for byte, given the payload's JSON in the
    same encoding (and, optionally, the UTC moment already in ISO form). The
    keys are those of events.canonical in sorted order; reusing the
    payload's JSON (which SQLite then stores) saves encoding every payload
    twice. The tests compare it with events.canonical, and `verify_audit`
    recomputes every hash with events.py itself."""
    actor, unit = event.actor_id, event.unit_id
    return (
        '{"actor":' + ("null" if actor is None else str(actor))
        + ',"actor_role":' + _dumps(event.actor_role)
        + ',"created_at":"' + (iso or event.created_at.astimezone(UTC).isoformat(timespec="microseconds"))
        + '","payload":' + payload_json
        + ',"public":' + ("true" if event.public else "false")
        + ',"report":' + str(event.report_id)
        + ',"seq":' + str(event.seq)
        + ',"type":' + _dumps(event.type)
        + ',"unit":' + ("null" if unit is None else str(unit))
        + "}"
    ).encode()


def _moment(us):
    return from_us(us) if us is not None else None


def _locked_head():
    """The chain head, locked, as events.record takes it (created on an empty log)."""
    head = ChainHead.objects.select_for_update().filter(pk=1).first()
    if head is not None:
        return head
    if Event.objects.exists():
        raise RuntimeError("the audit chain head is missing; run manage.py verify_audit")
    ChainHead.objects.get_or_create(pk=1)
    return ChainHead.objects.select_for_update().get(pk=1)


def generate(count, seed, *, force=False, days=DAYS, batch_size=BATCH_SIZE, out=None):
    """Generate `count` reports over the last `days` days; returns the Generator
    (its `statuses` and `seconds` per phase). Raises Refused."""
    check(seed, force)
    try:
        generator = Generator(count, seed, days=days, batch_size=batch_size, out=out)
    except NotReady as error:
        raise Refused(str(error)) from error
    generator.run()
    return generator
