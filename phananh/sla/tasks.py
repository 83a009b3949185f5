"""The deadline jobs on the worker's schedule (huey). Without huey, run
`manage.py run_deadline_jobs` from cron instead (docs/operations.md)."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import jobs

log = logging.getLogger(__name__)


# No huey lock around it: a lock left behind by a killed worker would stop
# the jobs for good, and overlapping runs are harmless anyway (each step is
# recorded once, under the report's row lock).
@db_periodic_task(crontab(minute="*"))
def deadline_jobs():
    """Every minute: reminders, overdue marks, escalations, auto-close."""
    counts = jobs.run()
    if counts:
        log.info("deadline jobs: %s", dict(counts))
