"""Fill `Report.search_text` for the reports that existed before search.

In batches of BATCH rows, walked by primary key, each batch in its own
transaction (the migration itself is not atomic): a city's archive of a
million reports is never held in memory or in one huge transaction, other
writers wait at most one batch, and an interrupted run simply starts again
(the migration is only recorded once it finishes, and rewriting a row gives
the same value).
"""

from django.db import migrations, transaction

from phananh.reports.search import search_text

BATCH = 2000


def backfill(apps, schema_editor):
    Report = apps.get_model("reports", "Report")
    connection = schema_editor.connection
    reports = Report.objects.using(connection.alias)
    # One plain UPDATE per row through executemany: bulk_update's CASE over a
    # whole batch grows with the square of the batch size.
    update = "UPDATE {} SET {} = %s WHERE {} = %s".format(
        *(connection.ops.quote_name(name) for name in (
            Report._meta.db_table, Report._meta.get_field("search_text").column, Report._meta.pk.column,
        ))
    )
    last_id = 0
    while True:
        with transaction.atomic(using=connection.alias):
            rows = list(
                reports.filter(id__gt=last_id).order_by("id").values_list("id", "description", "address")[:BATCH]
            )
            if not rows:
                return
            with connection.cursor() as cursor:
                cursor.executemany(update, [(search_text(text, address), pk) for pk, text, address in rows])
        last_id = rows[-1][0]


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('reports', '0004_report_search_text'),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
