"""Keep the rollup tables in step with the event log, incrementally.

`refresh()` reads the events after the watermark in chain order, in batches;
each batch updates the facts, the rollups and the watermark in one
transaction, so a crash or a second worker never counts an event twice or
skips one. It then advances the deadline clock (`tick`): a deadline passing
is not an event, but it turns "not yet due" into "overdue".

Each touched report's old contribution is subtracted and its new one added
(see measures.contribution), and rows that fall to zero are deleted, so the
tables are always exactly what `recount()` computes from scratch, the
property the test suite checks after every random step.
"""

import logging
import uuid
from collections import Counter, defaultdict

from django.db import connection, transaction
from django.db.models import Q

from phananh.lib import clock
from phananh.reports.models import Event

from . import fold, histogram, measures
from .models import DayRollup, Dim, MonthRollup, ReportFact, TotalRollup, Watermark

log = logging.getLogger(__name__)

BATCH_SIZE = 1000
EVENT_FIELDS = ("seq", "report_id", "type", "unit_id", "payload", "created_at")
FACT_FIELDS = [f.name for f in ReportFact._meta.concrete_fields if not f.primary_key]
FACT_ATTRS = [f.attname for f in ReportFact._meta.concrete_fields if not f.primary_key]
RESULT_FIELDS = ["ack_result", "resolve_result"]

# (name, model, date field) of the counter tables.
ROW_TABLES = (("day", DayRollup, "day"), ("month", MonthRollup, "month"), ("total", TotalRollup, None))
# Tables that also keep the resolution-time histogram; its bucket b travels
# through the deltas as the pseudo-counter "h<b>".
WITH_HOURS = ("month", "total")


def dims_of(fact):
    """The rollup keys a report counts under: the city, its current holder
    (0: none, waiting for triage), its category, its ward (0: none)."""
    return (
        (Dim.CITY, 0),
        (Dim.UNIT, fact.unit_id or 0),
        (Dim.CATEGORY, fact.category_id),
        (Dim.WARD, fact.ward_id or 0),
    )


class Deltas:
    """Counter changes per rollup row, accumulated over a batch."""

    def __init__(self):
        self.rows = {name: defaultdict(Counter) for name, _model, _field in ROW_TABLES}

    def add(self, fact, sign):
        names, bucket = measures.contribution(fact)
        month = fact.day.replace(day=1)
        for dim, key in dims_of(fact):
            for table, row_key in (("day", (dim, key, fact.day)), ("month", (dim, key, month)),
                                   ("total", (dim, key))):
                counter = self.rows[table][row_key]
                for name in names:
                    counter[name] += sign
                if bucket is not None and table in WITH_HOURS:
                    counter[f"h{bucket}"] += sign

    def tables(self):
        """Non-zero rows only, in the shape `snapshot()` returns."""
        out = {}
        for name, rows in self.rows.items():
            out[name] = {}
            for key, counter in rows.items():
                values = {n: v for n, v in counter.items() if v}
                if values:
                    out[name][key] = values
        return out


# --- the job -----------------------------------------------------------------

def refresh(batch_size=BATCH_SIZE, now=None):
    """Fold every event after the watermark, then advance the deadline clock.
    Returns the number of events folded. Safe to run at any time, twice, or
    in two processes at once (the watermark row is locked per batch)."""
    ctx = fold.Context()
    folded = 0
    while count := fold_next_batch(ctx, batch_size):
        folded += count
    tick(now)
    return folded


def fold_next_batch(ctx, batch_size=BATCH_SIZE):
    """Fold the next `batch_size` events in one transaction with the
    watermark; returns how many there were (0: up to date)."""
    with transaction.atomic():
        watermark = _locked_watermark()
        events = list(
            Event.objects.filter(seq__gt=watermark.seq).order_by("seq").only(*EVENT_FIELDS)[:batch_size]
        )
        if not events:
            return 0
        _fold_batch(events, watermark.ticked_until, ctx)
        watermark.seq = events[-1].seq
        watermark.refreshed_at = clock.now()
        watermark.version = uuid.uuid4().hex
        watermark.save()
    return len(events)


def tick(now=None):
    """Move the deadline clock to `now`: reports whose deadline passed while
    still not acknowledged or not resolved become overdue."""
    now = now or clock.now()
    with transaction.atomic():
        watermark = _locked_watermark()
        moment = max(watermark.ticked_until, now) if watermark.ticked_until else now
        due = ReportFact.objects.filter(
            Q(ack_result="pending", ack_due__lt=moment) | Q(resolve_result="pending", resolve_due__lt=moment)
        )
        deltas, changed = Deltas(), []
        for fact in due.iterator(chunk_size=2000):
            deltas.add(fact, -1)
            fold.settle(fact, moment)
            deltas.add(fact, +1)
            changed.append(fact)
        _update(ReportFact, changed, RESULT_FIELDS)
        _write(deltas)
        watermark.ticked_until = moment
        watermark.refreshed_at = clock.now()
        if changed or not watermark.version:
            watermark.version = uuid.uuid4().hex
        watermark.save()
    return len(changed)


def rebuild(batch_size=5000):
    """Forget every rollup and fold the whole log again from event #1."""
    with transaction.atomic():
        watermark = _locked_watermark()
        for model in (ReportFact, DayRollup, MonthRollup, TotalRollup):
            model.objects.all().delete()
        watermark.seq = 0
        watermark.ticked_until = clock.now()
        watermark.refreshed_at = None
        watermark.version = uuid.uuid4().hex
        watermark.save()
    return refresh(batch_size=batch_size)


def _locked_watermark():
    watermark, _created = Watermark.objects.select_for_update().get_or_create(pk=1)
    return watermark


def current_watermark():
    return Watermark.objects.filter(pk=1).first() or Watermark(pk=1)


def _fold_events(events, facts, ctx, first_touch=None):
    """Apply `events` to `facts` (report id → fact), creating facts from
    `submitted` events. Returns the ids of the facts it created or changed."""
    touched = set()
    for event in events:
        fact = facts.get(event.report_id)
        if fact is None:
            if event.type != "submitted":
                # Cannot happen through the workflow; skipping keeps the job
                # alive, and a rebuild skips it the same way.
                log.warning("event #%s of report %s comes before its submitted event", event.seq, event.report_id)
                continue
            facts[event.report_id] = fold.start_fact(event, ctx)
            touched.add(event.report_id)
            continue
        if event.report_id not in touched:
            if first_touch is not None:
                first_touch(fact)
            touched.add(event.report_id)
        fold.apply_event(fact, event, ctx)
    return touched


def _fold_batch(events, ticked_until, ctx):
    known = ReportFact.objects.in_bulk({event.report_id for event in events})
    facts = dict(known)
    deltas = Deltas()
    touched = _fold_events(events, facts, ctx, first_touch=lambda fact: deltas.add(fact, -1))
    new, changed = [], []
    for report_id in touched:
        fact = facts[report_id]
        fold.settle(fact, ticked_until)
        deltas.add(fact, +1)
        (changed if report_id in known else new).append(fact)
    ReportFact.objects.bulk_create(new, batch_size=1000)
    _update(ReportFact, changed, FACT_FIELDS)
    _write(deltas)


# --- writing counter changes ------------------------------------------------------

def _write(deltas):
    for name, model, date_field in ROW_TABLES:
        _write_rows(model, date_field, deltas.rows[name], with_hours=name in WITH_HOURS)


def _update(model, rows, fields):
    """UPDATE each row by primary key in one executemany. Django's
    bulk_update builds a CASE expression per field and row, which costs
    seconds for a batch of a thousand facts (bench/bench_stats.py)."""
    if not rows:
        return
    ops = connection.ops
    columns = [model._meta.get_field(name) for name in fields]
    assignments = ", ".join(f"{ops.quote_name(column.column)} = %s" for column in columns)
    sql = (f"UPDATE {ops.quote_name(model._meta.db_table)} SET {assignments} "
           f"WHERE {ops.quote_name(model._meta.pk.column)} = %s")
    params = [
        [column.get_db_prep_save(getattr(row, column.attname), connection) for column in columns] + [row.pk]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _existing(model, date_field, keys):
    """Rows of `model` for the given row keys, in one query per dimension."""
    found = {}
    by_dim = defaultdict(list)
    for key in keys:
        by_dim[key[0]].append(key)
    for dim, dim_keys in by_dim.items():
        rows = model.objects.filter(dim=dim, key__in={k[1] for k in dim_keys})
        if date_field:
            rows = rows.filter(**{f"{date_field}__in": {k[2] for k in dim_keys}})
        for row in rows:
            found[_row_key(row, date_field)] = row
    return found


def _row_key(row, date_field):
    key = (row.dim, row.key)
    return key + (getattr(row, date_field),) if date_field else key


def _write_rows(model, date_field, deltas, with_hours):
    deltas = {key: counter for key, counter in deltas.items() if any(counter.values())}
    if not deltas:
        return
    existing = _existing(model, date_field, deltas)
    create, update, delete = [], [], []
    for key, counter in deltas.items():
        row = existing.get(key)
        if row is None:
            row = model(dim=key[0], key=key[1], **({date_field: key[2]} if date_field else {}))
        hours = {}
        for name, change in counter.items():
            if name.startswith("h"):
                hours[int(name[1:])] = change
            else:
                setattr(row, name, getattr(row, name) + change)
        values = [getattr(row, name) for name in measures.COUNTERS]
        try:
            if hours:
                row.hours = histogram.changed(row.hours, hours)
        except ValueError:
            values.append(-1)
        if min(values) < 0:
            raise RuntimeError(f"{model.__name__} {key} would go negative; run manage.py rebuild_stats")
        if not any(values) and not (with_hours and bytes(row.hours or b"")):
            if row.pk:
                delete.append(row.pk)
        elif row.pk:
            update.append(row)
        else:
            create.append(row)
    model.objects.bulk_create(create, batch_size=1000)
    _update(model, update, measures.COUNTERS + (("hours",) if with_hours else ()))
    if delete:
        model.objects.filter(pk__in=delete).delete()


# --- checking against a recount from scratch -------------------------------------

def recount(ticked_until, up_to_seq=None):
    """(facts, tables) computed in memory from the log (up to event
    `up_to_seq`), as a rebuild with the deadline clock at `ticked_until`
    would store them."""
    ctx = fold.Context()
    facts = {}
    events = Event.objects.order_by("seq").only(*EVENT_FIELDS)
    if up_to_seq is not None:
        events = events.filter(seq__lte=up_to_seq)
    events = events.iterator(chunk_size=5000)
    _fold_events(events, facts, ctx)
    deltas = Deltas()
    for fact in facts.values():
        fold.settle(fact, ticked_until)
        deltas.add(fact, +1)
    return {pk: fact_values(fact) for pk, fact in facts.items()}, deltas.tables()


def snapshot():
    """(facts, tables) as stored, in the shape `recount` returns."""
    facts = {fact.pk: fact_values(fact) for fact in ReportFact.objects.iterator(chunk_size=5000)}
    tables = {}
    for name, model, date_field in ROW_TABLES:
        tables[name] = {}
        for row in model.objects.iterator(chunk_size=5000):
            values = {n: getattr(row, n) for n in measures.COUNTERS if getattr(row, n)}
            if name in WITH_HOURS:
                values.update({f"h{b}": c for b, c in histogram.as_dict(histogram.decode(row.hours)).items()})
            tables[name][_row_key(row, date_field)] = values
    return facts, tables


def fact_values(fact):
    return tuple(getattr(fact, attname) for attname in FACT_ATTRS)


def differences(limit=20):
    """Where the stored rollups differ from a recount now; empty when equal."""
    watermark = current_watermark()
    expected_facts, expected_tables = recount(watermark.ticked_until, up_to_seq=watermark.seq)
    facts, tables = snapshot()
    found = []
    for pk in sorted(set(expected_facts) | set(facts)):
        if expected_facts.get(pk) != facts.get(pk):
            found.append(f"fact of report {pk}: stored {facts.get(pk)}, recount {expected_facts.get(pk)}")
    for name in expected_tables:
        want, have = expected_tables[name], tables[name]
        for key in sorted(set(want) | set(have), key=repr):
            if want.get(key) != have.get(key):
                found.append(f"{name} {key}: stored {have.get(key)}, recount {want.get(key)}")
    return found[:limit]
