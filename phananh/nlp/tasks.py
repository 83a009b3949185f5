"""Nightly retraining, so the classifier learns from operators' corrections."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import classifier

log = logging.getLogger(__name__)


# 19:00 UTC is 02:00 in Vietnam (huey runs in UTC here): quiet hours, and
# every correction of the working day is in. Web processes notice the new
# artifact within a minute (classifier.RELOAD_CHECK_SECONDS).
@db_periodic_task(crontab(hour="19", minute="0"))
def retrain_classifier():
    model = classifier.train(include_corrections=True)
    path = classifier.save(model)
    log.info("classifier retrained on %s examples (%s corrections) in %s s, written to %s",
             model.info["examples"], model.info["corrections"], model.info["seconds"], path)
