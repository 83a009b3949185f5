import logging
from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, on_startup

from . import media as media_lib
from .models import Media

log = logging.getLogger(__name__)
HEARTBEAT_KEY = "worker:heartbeat"


@db_task(retries=3, retry_delay=10)
def process_media(media_id):
    item = Media.objects.filter(pk=media_id).first()
    if item is None:
        return
    try:
        media_lib.process(item)
    except Exception:
        log.exception("could not process photo %s of report %s", media_id, item.report_id)
        raise


@db_periodic_task(crontab(minute="*/10"))
def requeue_lost_media():
    """Queue again the photos whose processing job was lost."""
    for media_id in media_lib.stale_pending_ids(
        timezone.now(), min_age=timedelta(minutes=10), max_age=timedelta(days=2)
    ):
        process_media(media_id)


@db_periodic_task(crontab(minute="40", hour="*/6"))
def sweep_abandoned_uploads():
    deleted = media_lib.sweep_abandoned_uploads(timezone.now(), older_than=timedelta(hours=24))
    if deleted:
        log.info("deleted %d abandoned uploads", deleted)


@db_periodic_task(crontab(minute="*"))
def heartbeat():
    cache.set(HEARTBEAT_KEY, timezone.now().timestamp(), timeout=None)


@on_startup()
def heartbeat_on_start():
    cache.set(HEARTBEAT_KEY, timezone.now().timestamp(), timeout=None)
