"""On SQLite, a trigram index of `search_text` for the accent-insensitive search.

The PostgreSQL counterpart is migration 0009. SQLite has no trigram index
on a column, but FTS5 has a trigram tokenizer whose index answers
`LIKE '% word%'`: an external-content table over reports_report, kept in
step by triggers, that phananh.reports.search asks how many reports hold a
word before letting the list walk the reports (a word found nowhere then
costs milliseconds instead of a read of every row). A SQLite built without
FTS5 goes on without it, and search works as before.
"""

import sys

from django.db import DatabaseError, migrations, transaction

TABLE = "reports_report_search"
CREATE = [
    f"CREATE VIRTUAL TABLE {TABLE} USING fts5(search_text, content='reports_report', content_rowid='id', "
    "tokenize='trigram', detail='none')",
    f"CREATE TRIGGER {TABLE}_insert AFTER INSERT ON reports_report BEGIN "
    f"INSERT INTO {TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END",
    f"CREATE TRIGGER {TABLE}_delete AFTER DELETE ON reports_report BEGIN "
    f"INSERT INTO {TABLE}({TABLE}, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
    f"CREATE TRIGGER {TABLE}_update AFTER UPDATE OF search_text ON reports_report BEGIN "
    f"INSERT INTO {TABLE}({TABLE}, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
    f"INSERT INTO {TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END",
    f"INSERT INTO {TABLE}({TABLE}) VALUES ('rebuild')",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            for statement in CREATE:
                schema_editor.execute(statement)
    except DatabaseError as error:
        sys.stderr.write(f"\nreports.0010: no FTS5 trigram table ({error}); search works without it, "
                         "but a word found in no report reads every row of the lists.\n")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for trigger in ("insert", "delete", "update"):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_{trigger}")
    schema_editor.execute(f"DROP TABLE IF EXISTS {TABLE}")


class Migration(migrations.Migration):
    dependencies = [("reports", "0009_search_trigram_index")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
