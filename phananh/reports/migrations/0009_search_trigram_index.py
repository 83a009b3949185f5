"""On PostgreSQL, a trigram index for the accent-insensitive search.

A search term must begin a word of `search_text` (`LIKE '% term%'`, see
phananh.reports.search), which no B-tree can answer: a word that occurs in
no report made the lists read every row (0.7 s at a million reports). With
pg_trgm's GIN index the planner finds such a word, or a rare one, in the
index, and still walks the newest-first index for a common word.

pg_trgm is a trusted extension (PostgreSQL 13+): the owner of the database
may create it. Where the database user may not, the migration says so and
goes on without the index (search still works, as before). SQLite has no
such index; there the cost stays as docs/benchmarks.md records.
"""

import sys

from django.db import DatabaseError, migrations, transaction

INDEX = "report_search_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as error:
        sys.stderr.write(
            f"\nreports.0009: pg_trgm could not be created ({error}).\n"
            "Search works without it but reads many rows for rare words; a superuser can run "
            "CREATE EXTENSION pg_trgm in this database, then `manage.py migrate reports 0008` and `migrate`.\n"
        )
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON reports_report USING gin (search_text gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("reports", "0008_unit_recent_index")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
