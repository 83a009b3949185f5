"""Worker tasks: deliver a new notification at once, and sweep for due retries."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import delivery


@db_task()
def deliver_notification(pk):
    delivery.deliver(pk)


@db_periodic_task(crontab(minute="*"))
def deliver_pending():
    delivery.deliver_due()
