"""Periodic jobs of the statistics: fold new events every minute, publish the
chain head daily, e-mail the monthly reports on the first of the month.
Each is idempotent and also runnable as a management command."""

import logging

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from phananh.lib import clock

from . import monthly, publication, rollup

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
@lock_task("stats-refresh")
def refresh_stats():
    folded = rollup.refresh()
    if folded:
        log.info("statistics: folded %s events", folded)


@db_periodic_task(crontab(minute="5,35"))
def publish_chain_head():
    # Twice an hour: the first run of each local day publishes, the others
    # find today's row and change nothing (so a worker down at midnight
    # still publishes that day).
    publication.publish()


@db_periodic_task(crontab(minute="15"))
@lock_task("stats-monthly")
def send_monthly_reports():
    # Hourly, acting only on the first day of a month (local time); each
    # report is sent once, so later runs that day send only what failed.
    if timezone.localdate(clock.now()).day == 1:
        sent = monthly.send_all()
        log.info("statistics: sent %s monthly reports", sent)
