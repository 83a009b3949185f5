"""Checks for the cluster and kill tests, run with the deployment's own environment.

    verify.py make-bucket                 create S3_BUCKET (and S3_INCOMING_BUCKET) on the object store
    verify.py preflight                   the driver's point and category route to staff who get email
    verify.py reports results.json        what the driver was told happened, did

`reports` waits (up to --wait seconds) for the job worker to process every
photo and deliver every notification, then checks, for each report the
driver got a success answer for:

- it exists exactly once, by its Idempotency-Key and by its text (so no
  retry created a second report, with or without the key);
- its photo was processed: published as a JPEG in media storage (read back
  with boto3 straight from the bucket when S3_BUCKET is set) and its
  thumbnail too, and nothing is still waiting in incoming storage;
- its reporter's email subscription exists and the notifications its
  routing caused were all sent;

and that the event hash chain is intact (verify_audit). Exits 1 with one
line per problem otherwise.
"""

import argparse
import io
import json
import os
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MARKER = "thử nghiệm tải số"


def setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phananh.settings")
    import django

    django.setup()


def s3_client():
    import boto3

    return boto3.client(
        "s3", endpoint_url=os.environ.get("S3_ENDPOINT_URL") or None,
        aws_access_key_id=os.environ.get("S3_ACCESS_KEY_ID") or None,
        aws_secret_access_key=os.environ.get("S3_SECRET_ACCESS_KEY") or None,
        region_name=os.environ.get("S3_REGION") or None,
    )


def make_bucket(args):
    client = s3_client()
    for bucket in {os.environ["S3_BUCKET"], os.environ.get("S3_INCOMING_BUCKET") or os.environ["S3_BUCKET"]}:
        client.create_bucket(Bucket=bucket)
        print(f"verify: bucket {bucket} created")
    return 0


def preflight(args):
    setup_django()
    from phananh.notify.messages import unit_members
    from phananh.reports.models import Category
    from phananh.units import routing

    sys.path.insert(0, str(Path(__file__).parent))
    import driver

    lat, lng = driver.DEFAULT_POINT
    ward = routing.ward_at(lat, lng)
    category = Category.objects.filter(code=driver.DEFAULT_SERVICE).first()
    if ward is None or category is None:
        print(f"verify: FAIL: no ward at {lat},{lng} or no category {driver.DEFAULT_SERVICE}: is the demo loaded?")
        return 1
    emails = [u.email for u in unit_members(ward) if u.email]
    if not emails:
        print(f"verify: FAIL: nobody at {ward.name} has an email address; reports would notify no one")
        return 1
    print(f"verify: reports at {lat},{lng} go to {ward.name}, whose {len(emails)} staff get email")
    return 0


class Problems(list):
    def add(self, message):
        self.append(message)


def wait_for_worker(ids, seconds):
    from phananh.notify.models import Delivery, Notification
    from phananh.reports.models import Media

    started = time.monotonic()
    while True:
        waiting_photos = Media.objects.filter(report_id__in=ids, incoming__gt="").count()
        waiting_mail = Notification.objects.filter(report_id__in=ids, status=Delivery.PENDING).count()
        if not waiting_photos and not waiting_mail:
            print(f"verify: every photo processed and every notification delivered "
                  f"(waited {time.monotonic() - started:.1f} s for the worker)")
            return
        if time.monotonic() - started > seconds:
            print(f"verify: still waiting after {seconds} s: {waiting_photos} photos, {waiting_mail} notifications")
            return
        time.sleep(1)


def check_reports(args):
    setup_django()
    from django.conf import settings
    from django.core.files.storage import storages
    from django.core.management import call_command
    from PIL import Image

    from phananh.notify.models import Channel as NotifyChannel
    from phananh.notify.models import Delivery, Notification, Subscription
    from phananh.reports.models import Media, Report

    data = json.loads(Path(args.results).read_text())
    records = data["records"]
    problems = Problems()
    acknowledged = [r for r in records if r["code"]]
    if len(acknowledged) != len(records):
        problems.add(f"{len(records) - len(acknowledged)} of {len(records)} reports were never acknowledged")

    # The reports of this run: the driver numbers each one in its text.
    indexes = {r["index"] for r in records}
    rows = [row for row in Report.objects.filter(description__contains=MARKER)
            .values("id", "code", "idempotency_key", "description") if report_index(row) in indexes]
    by_key, by_index = defaultdict(list), Counter()
    for row in rows:
        if row["idempotency_key"]:
            by_key[row["idempotency_key"].rsplit(":", 1)[-1]].append(row)
        by_index[report_index(row)] += 1
    for record in records:
        found = by_key.get(record["key"], [])
        if len(found) > 1 or by_index[record["index"]] > 1:
            problems.add(f"report {record['index']} exists {max(len(found), by_index[record['index']])} times")
        if record["code"] and (len(found) != 1 or found[0]["code"] != record["code"]):
            problems.add(f"report {record['index']} was acknowledged as {record['code']} but the database has "
                         f"{[row['code'] for row in found] or 'nothing'}")
    unexpected = len(rows) - sum(len(v) for k, v in by_key.items() if k in {r["key"] for r in records})
    if unexpected:
        problems.add(f"{unexpected} reports exist that the driver never sent with a key")
    ids = [row["id"] for row in rows]
    wait_for_worker(ids, args.wait)

    media = list(Media.objects.filter(report_id__in=ids).select_related("report"))
    per_report = Counter(m.report_id for m in media)
    for row in rows:
        if per_report[row["id"]] != 1:
            problems.add(f"report {row['code']} has {per_report[row['id']]} photos, expected 1")
    s3 = s3_client() if getattr(settings, "S3_BUCKET", "") else None
    storage = storages["default"]
    for item in media:
        if item.incoming or not item.image:
            problems.add(f"photo of {item.report.code} was never processed (still {item.incoming!r})")
            continue
        for field in (item.image, item.thumbnail):
            try:
                raw = read_published(s3, storage, field.name)
                with Image.open(io.BytesIO(raw)) as img:
                    if img.format != "JPEG" or img.getexif():
                        problems.add(f"{field.name} of {item.report.code} is not a clean JPEG")
            except Exception as error:  # any read failure is the finding
                problems.add(f"{field.name} of {item.report.code} cannot be read: {type(error).__name__} {error}")
    if s3 is not None:
        print(f"verify: {len(media)} photos read back from bucket {settings.S3_BUCKET} with boto3")
        check_abandoned_sweep(s3, problems)
        check_public_urls(media[:5], problems)

    emails = {r["code"]: r["email"] for r in acknowledged}
    subscribed = set(Subscription.objects.filter(report_id__in=ids, channel=NotifyChannel.EMAIL, is_reporter=True)
                     .values_list("report__code", "address"))
    notifications = defaultdict(Counter)
    for report_code, status in Notification.objects.filter(report_id__in=ids).values_list("report__code", "status"):
        notifications[report_code][status] += 1
    for code, email in emails.items():
        if (code, email) not in subscribed:
            problems.add(f"the reporter of {code} ({email}) is not subscribed to it")
        counts = notifications.get(code, Counter())
        if not counts:
            problems.add(f"report {code} caused no notification")
        elif counts[Delivery.SENT] != sum(counts.values()):
            problems.add(f"report {code} has notifications not sent: {dict(counts)}")
    sent = sum(c[Delivery.SENT] for c in notifications.values())
    print(f"verify: {len(rows)} reports for {len(records)} sent, {len(media)} photos, {sent} notifications sent")
    check_citizen_notices(acknowledged[:5], args.wait, problems)

    try:
        call_command("verify_audit")
    except Exception as error:
        problems.add(f"verify_audit: {error}")

    for problem in problems[:20]:
        print(f"verify: FAIL: {problem}", file=sys.stderr)
    if len(problems) > 20:
        print(f"verify: ... and {len(problems) - 20} more problems", file=sys.stderr)
    return 1 if problems else 0


def check_citizen_notices(records, seconds, problems):
    """The ward answers a few reports (accept, then resolve as "cannot fix now"):
    the worker must email each reporter at the address they gave."""
    from phananh.notify.models import Delivery, Notification
    from phananh.reports import workflow
    from phananh.reports.models import Report
    from phananh.units.models import Membership, Role

    expected = {}
    for record in records:
        report = Report.objects.select_related("unit").get(code=record["code"])
        officer = Membership.objects.filter(unit=report.unit, role=Role.OFFICER).select_related("user").first()
        if officer is None:
            problems.add(f"report {report.code} went to {report.unit}, which has no officer to answer it")
            continue
        workflow.apply(report, "accept", officer.user)
        workflow.apply(report, "resolve", officer.user, outcome="cannot_fix",
                       result="Đã kiểm tra; cần bố trí kinh phí để xử lý (thử nghiệm).")
        expected[report.pk] = record["email"]
    deadline = time.monotonic() + seconds
    while True:
        sent = set(Notification.objects.filter(report_id__in=expected, status=Delivery.SENT)
                   .values_list("report_id", "recipient"))
        missing = [pk for pk, email in expected.items() if (pk, email) not in sent]
        if not missing or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    for pk in missing:
        problems.add(f"the reporter of report #{pk} ({expected[pk]}) was not emailed about its resolution")
    print(f"verify: {len(expected) - len(missing)} of {len(expected)} reporters emailed by the worker "
          "after their report was resolved")


def report_index(row):
    return int(row["description"].split(MARKER)[1].split(")")[0])


def read_published(s3, storage, name):
    if s3 is None:
        with storage.open(name, "rb") as fh:
            return fh.read()
    from django.conf import settings

    key = f"{storage.location}/{name}" if storage.location else name
    return s3.get_object(Bucket=settings.S3_BUCKET, Key=key)["Body"].read()


def check_abandoned_sweep(s3, problems):
    """Uploads parked by requests that the kill cut off are left in incoming/;
    the periodic sweep (run here without its one-day grace period) must find
    and delete them through the S3 storage, and nothing else is there."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from phananh.reports import media as media_lib

    bucket = os.environ.get("S3_INCOMING_BUCKET") or settings.S3_BUCKET
    left = s3.list_objects_v2(Bucket=bucket, Prefix="incoming/").get("KeyCount", 0)
    deleted = media_lib.sweep_abandoned_uploads(timezone.now() + timedelta(seconds=1), older_than=timedelta(0))
    after = s3.list_objects_v2(Bucket=bucket, Prefix="incoming/").get("KeyCount", 0)
    print(f"verify: {left} uploads abandoned in incoming/ by cut-off requests; the sweep deleted {deleted}")
    if deleted != left or after:
        problems.add(f"the abandoned-upload sweep deleted {deleted} of {left} objects; {after} remain")


def check_public_urls(media, problems):
    """The URLs pages link to answer anonymous visitors with the photo."""
    import urllib.request

    for item in media:
        url = item.image.url
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                if response.status != 200 or response.read(2) != b"\xff\xd8":
                    problems.add(f"{url} did not answer with the JPEG")
        except OSError as error:
            problems.add(f"{url} cannot be fetched: {error}")
    print(f"verify: {len(media)} photo URLs fetched anonymously, e.g. {media[0].image.url if media else '-'}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("make-bucket")
    commands.add_parser("preflight")
    reports = commands.add_parser("reports")
    reports.add_argument("results")
    reports.add_argument("--wait", type=float, default=120, help="seconds to wait for the worker")
    args = parser.parse_args(argv)
    return {"make-bucket": make_bucket, "preflight": preflight, "reports": check_reports}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
