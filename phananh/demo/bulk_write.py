"""Writing generated rows fast: plain INSERTs and UPDATEs with executemany.

Django's bulk_create builds a model instance per row and prepares every
field through its descriptors, which for seven million events costs more
than generating them. Here each table gets one statement run with
`executemany` on tuples in column order; only the values that need it are
adapted for the backend. Moments travel as integer microseconds since the
epoch (bulk_calendar) and become what the backend stores: on SQLite the
same "YYYY-MM-DD HH:MM:SS.ffffff" UTC text Django writes, on PostgreSQL an
aware datetime.

Report ids are needed before the rows are written (events and duplicates
point at them), so they are reserved: on PostgreSQL from the id sequence,
on SQLite as the numbers after the largest one ever used, which is safe
because the caller holds SQLite's write lock (IMMEDIATE transactions).
"""

import json
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, models

from phananh.reports.models import Event, Media, Report
from phananh.stats.models import ReportFact

from .bulk_calendar import from_us

NAIVE_EPOCH = datetime(1970, 1, 1)


def _datetime_adapter():
    ops = connection.ops
    if connection.vendor == "sqlite" and settings.USE_TZ and connection.timezone_name == "UTC":
        def adapt(value):
            # What ops.adapt_datetimefield_value writes (naive UTC text), without its checks.
            if type(value) is int:
                return str(NAIVE_EPOCH + timedelta(microseconds=value))
            return str(value.astimezone(UTC).replace(tzinfo=None))
    elif connection.vendor == "sqlite":
        def adapt(value):
            if type(value) is int:
                value = from_us(value)
            return ops.adapt_datetimefield_value(value)
    else:
        def adapt(value):
            return from_us(value) if type(value) is int else ops.adapt_datetimefield_value(value)
    return adapt


def _adapter(field):
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        return _datetime_adapter()
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(field, models.JSONField):
        if connection.vendor == "sqlite" and field.encoder is None:
            return json.dumps
        return lambda value: ops.adapt_json_value(value, field.encoder)
    return None


class Table:
    """Rows of `model` as tuples in `columns` order (attnames): INSERT them,
    or UPDATE them by their last column, the primary key. Columns named in
    `ready` are passed to the driver as they are."""

    def __init__(self, model, columns, key=None, ready=()):
        ops = connection.ops
        fields = {f.attname: f for f in model._meta.concrete_fields}
        self.adapters = [(i, adapt) for i, name in enumerate(columns)
                         if name not in ready and (adapt := _adapter(fields[name]))]
        table = ops.quote_name(model._meta.db_table)
        quoted = [ops.quote_name(fields[name].column) for name in columns]
        self.insert_sql = f"INSERT INTO {table} ({', '.join(quoted)}) VALUES ({', '.join(['%s'] * len(columns))})"
        if key:
            assignments = ", ".join(f"{column} = %s" for column in quoted[:-1])
            self.update_sql = f"UPDATE {table} SET {assignments} WHERE {quoted[-1]} = %s"

    def _prepared(self, rows):
        adapters = self.adapters
        prepared = []
        for row in rows:
            row = list(row)
            for index, adapt in adapters:
                if row[index] is not None:
                    row[index] = adapt(row[index])
            prepared.append(row)
        return prepared

    def insert(self, rows):
        if rows:
            with connection.cursor() as cursor:
                cursor.executemany(self.insert_sql, self._prepared(rows))

    def update(self, rows):
        if rows:
            with connection.cursor() as cursor:
                cursor.executemany(self.update_sql, self._prepared(rows))


REPORT_COLUMNS = [f.attname for f in Report._meta.concrete_fields]
# Columns the generator does not set get their model default.
REPORT_DEFAULTS = [(f.attname, f.get_default()) for f in Report._meta.concrete_fields]
EVENT_COLUMNS = ["seq", "report_id", "type", "actor_id", "actor_role", "unit_id", "public", "payload", "created_at",
                 "prev_hash", "hash"]
MEDIA_COLUMNS = ["report_id", "kind", "incoming", "image", "thumbnail", "width", "height", "created_at"]
# The fact's own columns, then its primary key (the report), as UPDATE wants them.
FACT_COLUMNS = [f.attname for f in ReportFact._meta.concrete_fields if not f.primary_key] + ["report_id"]


class Tables:
    def __init__(self):
        # SQLite stores JSON as text: an event's payload is written as the
        # JSON text its hash was computed over (see bulk.canonical), and its
        # moment in Django's text form, both prepared while hashing.
        self.json_as_text = connection.vendor == "sqlite"
        self.reports = Table(Report, REPORT_COLUMNS)
        self.events = Table(Event, EVENT_COLUMNS, ready=("payload", "created_at") if self.json_as_text else ())
        self.media = Table(Media, MEDIA_COLUMNS)
        self.facts = Table(ReportFact, FACT_COLUMNS, key=True)


def fact_row(fact):
    return [getattr(fact, name) for name in FACT_COLUMNS]


def reserve_report_ids(count):
    """`count` unused report ids, ascending. Call inside the transaction that inserts them."""
    table = Report._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)",
                           [count])
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(table)}")
        largest = cursor.fetchone()[0] or 0
        if connection.vendor == "sqlite":
            # AUTOINCREMENT never hands out a number again, even after a delete.
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            largest = max(largest, row[0] if row else 0)
    return list(range(largest + 1, largest + 1 + count))


def tune_sqlite():
    """A bigger page cache for the load: the random tracking codes land all
    over the unique index, and the default 2 MB cache would reread it from disk."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -262144")  # 256 MB, this connection only
