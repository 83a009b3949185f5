"""What one report contributes to the statistics, as pure functions of its fact.

Every rollup row is the sum of `contribution(fact)` over the reports of its
dimension and period, so a report changing state moves its contribution from
one set of counters to another and the identity

    received = open + resolved + closed + rejected + merged

holds in every row by construction: each report is in exactly one state.
"""

from bisect import bisect_left

from phananh.reports.models import Status

COUNTERS = (
    "received", "open", "resolved", "closed", "rejected", "merged",
    "ack_on_time", "ack_late", "ack_overdue",
    "res_on_time", "res_late", "res_overdue",
    "fixed", "cannot_fix", "referred",
    "satisfied", "unsatisfied",
    "ever_resolved", "reopened",
)
STATES = ("open", "resolved", "closed", "rejected", "merged")

STATE_OF_STATUS = {
    Status.SUBMITTED: "open", Status.ASSIGNED: "open", Status.ACKNOWLEDGED: "open",
    Status.IN_PROGRESS: "open", Status.REOPENED: "open",
    Status.RESOLVED: "resolved", Status.CLOSED: "closed",
    Status.REJECTED: "rejected", Status.DUPLICATE: "merged",
}
# Rejected and duplicate reports carry no promise: they are counted, not timed.
UNMEASURED_STATES = ("rejected", "merged")
OUTCOMES = ("fixed", "cannot_fix", "referred")
RATINGS = ("satisfied", "unsatisfied")


def _hour_edges():
    """Upper bounds (in working seconds) of the resolution-time buckets: half
    hours for the first working day, coarser after. Fine where most reports
    fall, so a median read from the buckets is close to the exact one."""
    edges, hours = [], 0.0
    for step, until in ((0.5, 8), (1, 16), (2, 40), (4, 80), (8, 160), (20, 400), (40, 800)):
        while hours < until:
            hours += step
            edges.append(round(hours * 3600))
    return tuple(edges)


HOUR_EDGES = _hour_edges()
BUCKETS = len(HOUR_EDGES) + 1  # the last bucket holds everything longer than 800 working hours


def bucket_of(seconds):
    """Bucket i holds (edge[i-1], edge[i]] working seconds; bucket 0 starts at zero."""
    return bisect_left(HOUR_EDGES, seconds)


def bucket_bounds(bucket):
    """(lower, upper) in working hours; upper is None for the open-ended last bucket."""
    lower = HOUR_EDGES[bucket - 1] / 3600 if bucket > 0 else 0.0
    upper = HOUR_EDGES[bucket] / 3600 if bucket < len(HOUR_EDGES) else None
    return lower, upper


def median_bucket(counts):
    """The bucket holding the median (the ⌈n/2⌉-th smallest value), or None.
    `counts` maps bucket → number of resolutions."""
    n = sum(counts.values())
    if n == 0:
        return None
    target, seen = (n + 1) // 2, 0
    for bucket in sorted(counts):
        seen += counts[bucket]
        if seen >= target:
            return bucket
    raise AssertionError("unreachable")


def state_of(status):
    return STATE_OF_STATUS[status]


def ack_result(fact, ticked_until):
    """How the report stands against its acknowledgement deadline."""
    if state_of(fact.status) in UNMEASURED_STATES or fact.ack_due is None:
        return ""
    if fact.acknowledged_at is not None:
        return "on_time" if fact.acknowledged_at <= fact.ack_due else "late"
    if state_of(fact.status) != "open":
        return ""
    # Acknowledging at the due moment is on time, so it is overdue only after it.
    if ticked_until is not None and fact.ack_due < ticked_until:
        return "overdue"
    return "pending"


def resolve_result(fact, ticked_until):
    """How the report stands against its resolution deadline (current cycle)."""
    state = state_of(fact.status)
    if state in UNMEASURED_STATES or fact.resolve_due is None:
        return ""
    if state in ("resolved", "closed"):
        if fact.resolved_at is None:
            return ""
        return "on_time" if fact.resolved_at <= fact.resolve_due else "late"
    if ticked_until is not None and fact.resolve_due < ticked_until:
        return "overdue"
    return "pending"


def contribution(fact):
    """(counter names that are 1 for this report, resolution-time bucket or None).
    Reads the stored results, so a fact must be `settle`d first."""
    state = state_of(fact.status)
    names = ["received", state]
    if fact.ack_result in ("on_time", "late", "overdue"):
        names.append(f"ack_{fact.ack_result}")
    if fact.resolve_result in ("on_time", "late", "overdue"):
        names.append(f"res_{fact.resolve_result}")
    bucket = None
    if state in ("resolved", "closed"):
        if fact.outcome in OUTCOMES:
            names.append(fact.outcome)
        if fact.resolve_seconds is not None:
            bucket = bucket_of(fact.resolve_seconds)
    if fact.rating in RATINGS:
        names.append(fact.rating)
    if fact.ever_resolved:
        names.append("ever_resolved")
    if fact.reopen_count:
        names.append("reopened")
    return tuple(names), bucket
