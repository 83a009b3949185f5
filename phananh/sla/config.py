"""Settings of the deadline jobs, with their defaults.

Read at call time (not import time) so that tests and a deployment's
settings module can change them. Every value is in working hours because
that is how the promises to citizens are written.
"""

from django.conf import settings

DEFAULTS = {
    # Remind the unit this many working hours before each deadline.
    "SLA_REMIND_BEFORE_ACK_HOURS": 1,
    "SLA_REMIND_BEFORE_RESOLVE_HOURS": 4,
    # The escalation ladder: working hours after a missed deadline at which
    # the unit's heads (step 1), the parent unit's heads (step 2) and the
    # coordinators (step 3) are told. A shorter list stops the ladder early.
    "SLA_ESCALATION_HOURS": [0, 8, 16],
    # Reports handled per database round trip by the jobs.
    "SLA_BATCH_SIZE": 200,
    # A report whose check failed unexpectedly is looked at again after this.
    "SLA_RETRY_MINUTES": 15,
}


def get(name):
    return getattr(settings, name, DEFAULTS[name])


def remind_before_hours(kind):
    return get("SLA_REMIND_BEFORE_ACK_HOURS" if kind == "ack" else "SLA_REMIND_BEFORE_RESOLVE_HOURS")


def escalation_hours():
    return [float(h) for h in get("SLA_ESCALATION_HOURS")]
