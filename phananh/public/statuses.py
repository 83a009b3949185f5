"""How statuses read to the public: groups for filtering, plain sentences, map symbols.

The nine workflow statuses are too fine for someone scanning a list; people
ask "is it still open, was it fixed, was it refused?". The groups answer
that, and every status also gets a sentence saying what happens next.
"""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from phananh.reports.models import OPEN_STATUSES, Outcome, Status

STATUS_GROUPS = {
    "open": (_("Open (not resolved yet)"), tuple(OPEN_STATUSES)),
    "resolved": (_("Resolved, waiting for the resident's rating"), (Status.RESOLVED,)),
    "closed": (_("Closed"), (Status.CLOSED,)),
    "rejected": (_("Rejected"), (Status.REJECTED,)),
    "duplicate": (_("Duplicate of another report"), (Status.DUPLICATE,)),
}


def statuses_for(key):
    """The statuses selected by a group name or a single status value, or None."""
    if key in STATUS_GROUPS:
        return STATUS_GROUPS[key][1]
    if key in Status.values:
        return (key,)
    return None


EXPLANATIONS = {
    Status.SUBMITTED: _("Received. A coordinator will check it and send it to the unit responsible."),
    Status.ASSIGNED: _("Sent to the responsible unit, which has to acknowledge it."),
    Status.ACKNOWLEDGED: _("The responsible unit has acknowledged it and will start work."),
    Status.IN_PROGRESS: _("The responsible unit is working on it."),
    Status.RESOLVED: _("The unit says it has dealt with the problem. The resident can confirm or reopen it."),
    Status.REOPENED: _("Reopened because the problem is not solved. The unit must deal with it again."),
    Status.CLOSED: _("Closed. The outcome below says whether the problem was fixed."),
    Status.REJECTED: _("Rejected. The public reason is given below."),
    Status.DUPLICATE: _("Closed as a duplicate: the same problem is followed in another report."),
}

# Map symbols: a glyph as well as a colour, so the status never rests on colour alone.
# Resolved and closed reports only get the tick when the outcome is "fixed".
MAP_SYMBOLS = {
    Status.SUBMITTED: ("received", "•"),
    Status.ASSIGNED: ("waiting", "!"),
    Status.ACKNOWLEDGED: ("waiting", "!"),
    Status.REOPENED: ("waiting", "!"),
    Status.IN_PROGRESS: ("working", "…"),
    Status.RESOLVED: ("fixed", "✓"),
    Status.CLOSED: ("fixed", "✓"),
    Status.REJECTED: ("refused", "×"),
    Status.DUPLICATE: ("refused", "="),
}
UNFIXED_SYMBOL = ("unfixed", "–")

LEGEND = [
    ("received", "•", _("Received, not yet sent to a unit")),
    ("waiting", "!", _("Waiting for the unit (sent, acknowledged or reopened)")),
    ("working", "…", _("Being fixed")),
    ("fixed", "✓", _("Fixed (resolved or closed with the outcome “fixed”)")),
    ("unfixed", "–", _("Resolved or closed but not fixed (cannot be fixed now, or referred elsewhere)")),
    ("refused", "×", _("Rejected or duplicate")),
]


def map_labels():
    """Status and outcome texts and symbols for the map script, in the current language."""
    return {
        "statuses": {
            value: {"label": str(label), "symbol": MAP_SYMBOLS[value][1], "kind": MAP_SYMBOLS[value][0]}
            for value, label in Status.choices
        },
        "outcomes": {value: str(label) for value, label in Outcome.choices},
        "unfixed": {"symbol": UNFIXED_SYMBOL[1], "kind": UNFIXED_SYMBOL[0]},
    }


def map_texts():
    """Sentences the map script shows or announces; %(name)s placeholders are filled in by the script."""
    return {
        "reports": gettext("Reports shown in this area: %(count)s."),
        "clustered": gettext("Many reports here: %(count)s in %(groups)s groups, and %(singles)s single reports. "
                             "Zoom in to see each report."),
        "none": gettext("No reports in this area."),
        "error": gettext("The map could not load reports. The list of reports shows them all."),
        "loading": gettext("Loading reports…"),
        "cluster": gettext("%(count)s reports here. Zoom in."),
        "open": gettext("Open report"),
        "code": gettext("Tracking code"),
    }
