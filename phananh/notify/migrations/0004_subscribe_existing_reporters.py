"""Reports made before subscriptions existed wrote to `reporter_email`
directly; citizen notices now go to subscriptions only, so those reporters
are subscribed here, in batches (there may be millions of reports)."""

from django.db import migrations

BATCH = 2000


def subscribe_reporters(apps, schema_editor):
    Report = apps.get_model("reports", "Report")
    Subscription = apps.get_model("notify", "Subscription")
    last_id = 0
    while True:
        rows = list(
            Report.objects.filter(id__gt=last_id).exclude(reporter_email="")
            .order_by("id").values_list("id", "reporter_email", "received_at")[:BATCH]
        )
        if not rows:
            return
        Subscription.objects.bulk_create(
            [Subscription(report_id=pk, channel="email", address=email.strip(), is_reporter=True, language="vi",
                          push_keys={}, created_at=received) for pk, email, received in rows if email.strip()],
            ignore_conflicts=True,
        )
        last_id = rows[-1][0]


class Migration(migrations.Migration):

    dependencies = [
        ("notify", "0003_webhooks_push_keys"),
    ]

    operations = [
        migrations.RunPython(subscribe_reporters, migrations.RunPython.noop),
    ]
