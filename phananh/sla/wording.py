"""The deadline events in words, for the staff history and the public timeline.

Events store codes and UTC moments (they are hashed, so they must not depend
on the reader's language); these functions say them in the reader's
language and zone:

- `TITLES[type]` and `details(event)`: a heading and detail lines for staff;
- `public_sentence(event)`: one sentence for the public page (None for the
  internal events, which the public never sees).
"""

from datetime import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import deadlines

TITLES = {
    "reminder": gettext_lazy("Deadline reminder"),
    "overdue": gettext_lazy("Deadline missed"),
    "escalated": gettext_lazy("Escalated"),
    "deadlines_reset": gettext_lazy("Deadlines restarted"),
}


def _when(text):
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return text or ""
    return formats.date_format(timezone.localtime(moment), "d/m/Y H:i")


def _deadline(payload):
    due = _when(payload.get("due"))
    if payload.get("kind") == deadlines.ACK:
        return _("Deadline to acknowledge: %(due)s") % {"due": due}
    return _("Deadline to resolve: %(due)s") % {"due": due}


def details(event):
    """Detail lines for a deadline event ([] for any other type)."""
    p = event.payload or {}
    if event.type == "reminder":
        to = _("the officer holding it") if p.get("to") == "officer" else _("the unit's officers")
        return [_deadline(p), _("Reminded: %(who)s") % {"who": to}]
    if event.type == "overdue":
        return [_deadline(p)]
    if event.type == "escalated":
        who = {
            deadlines.UNIT_HEAD: _("the head of the unit"),
            deadlines.PARENT_HEAD: _("the heads of the unit above"),
            deadlines.COORDINATORS: _("the coordinators"),
        }.get(p.get("to"), p.get("to"))
        step = _("Step %(n)d: %(who)s") % {"n": (p.get("level") or 0) + 1, "who": who}
        return [_deadline(p), step]
    if event.type == "deadlines_reset":
        ack, resolve = p.get("ack_due") or {}, p.get("resolve_due") or {}
        lines = [_("New deadlines: acknowledge by %(ack)s, resolve by %(resolve)s") % {
            "ack": _when(ack.get("to")), "resolve": _when(resolve.get("to"))}]
        if p.get("extension_request_dropped"):
            lines.append(_("The pending extension request was withdrawn."))
        return lines
    return []


def public_sentence(event):
    """The public timeline's sentence for a public deadline event, else None."""
    p = event.payload or {}
    if event.type == "overdue":
        due = _when(p.get("due"))
        if p.get("kind") == deadlines.ACK:
            return _("The deadline to acknowledge the report (%(due)s) passed without an acknowledgement.") % {
                "due": due}
        return _("The deadline to resolve the report (%(due)s) passed without a resolution.") % {"due": due}
    if event.type == "deadlines_reset":
        return _("The deadlines were set again from this moment: it should be resolved by %(due)s.") % {
            "due": _when((p.get("resolve_due") or {}).get("to"))}
    return None
