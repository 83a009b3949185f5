"""Who is told about which event, and what the message says.

| event        | who                                                    |
|--------------|--------------------------------------------------------|
| routed       | the members of the unit the report was sent to         |
| reminder     | the officer holding the report, else the unit's officers |
| escalated    | the heads (or coordinators) of that escalation step    |
| reopened     | the unit holding it, and the citizen                   |
| resolved     | the citizen                                            |
| rejected     | the citizen                                            |

The citizen is written to only when they gave an email address; a
confidential report still notifies them (confidentiality hides their name
from unit staff, it does not silence the platform). Staff messages never
carry the reporter's identity.

Messages are rendered now, in the event's transaction, from the templates in
notify/email/: the first line is the subject, the rest the body. Staff get
the site's language (Vietnamese); citizens, whose language we do not know,
get the site's language followed by the other languages of the site.
"""

from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from phananh.sla import deadlines
from phananh.units.models import Membership, Role, Unit

SEPARATOR = "\n\n" + "-" * 40 + "\n\n"


@dataclass(frozen=True)
class Message:
    recipient: str
    subject: str
    body: str
    language: str


def for_event(event):
    rule = RULES.get(event.type)
    return rule(event) if rule else []


# --- who ----------------------------------------------------------------------

def _emails(users):
    seen, out = set(), []
    for user in users:
        email = (user.email or "").strip()
        if user.is_active and email and email.lower() not in seen:
            seen.add(email.lower())
            out.append(email)
    return out


def unit_members(unit, roles=(Role.OFFICER, Role.HEAD)):
    if unit is None:
        return []
    members = Membership.objects.filter(unit=unit, role__in=roles).select_related("user").order_by("user_id")
    return [m.user for m in members]


def holders(report):
    """The people holding a report: its officer, else the unit's officers
    (its heads when the unit has no officers)."""
    if report.assignee_id:
        return [report.assignee]
    return unit_members(report.unit, (Role.OFFICER,)) or unit_members(report.unit, (Role.HEAD,))


# --- what -----------------------------------------------------------------------

def _site_link(name, code):
    return settings.SITE_URL + reverse(name, args=[code])


def render(template, context, languages):
    """(subject, body) of notify/email/<template>.txt in each language, the first one leading."""
    subject, bodies = None, []
    for language in languages:
        with translation.override(language):
            text = render_to_string(f"notify/email/{template}.txt", context).strip()
        first, _newline, rest = text.partition("\n")
        subject = subject or first.strip()
        bodies.append(rest.strip())
    return subject, SEPARATOR.join(bodies) + "\n"


def staff_languages():
    return [settings.LANGUAGE_CODE]


def citizen_languages():
    return [settings.LANGUAGE_CODE] + [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def _to_staff(template, event, users, **extra):
    report = event.report
    context = {"report": report, "event": event, "payload": event.payload,
               "link": _site_link("console:report", report.code), **extra}
    subject, body = render(template, context, staff_languages())
    return [Message(email, subject, body, settings.LANGUAGE_CODE) for email in _emails(users)]


def _to_citizen(template, event):
    report = event.report
    email = (report.reporter_email or "").strip()
    if not email:
        return []
    context = {"report": report, "event": event, "payload": event.payload,
               "link": _site_link("public:report", report.code), "rating_days": settings.RATING_WINDOW_DAYS}
    subject, body = render(template, context, citizen_languages())
    return [Message(email, subject, body, settings.LANGUAGE_CODE)]


# --- the rules ------------------------------------------------------------------------

def _routed(event):
    return _to_staff("assigned", event, unit_members(event.unit), unit=event.unit)


def _due(report, kind):
    return report.ack_due if kind == deadlines.ACK else report.resolve_due


def _reminder(event):
    report = event.report
    kind = event.payload.get("kind")
    return _to_staff("reminder", event, holders(report), kind=kind, due=_due(report, kind), unit=report.unit)


def _escalated(event):
    report = event.report
    payload = event.payload
    who = payload.get("to")
    unit = Unit.objects.filter(code=payload["unit"]).first() if payload.get("unit") else None
    people = deadlines.ladder_people(report, who, unit)
    kind = payload.get("kind")
    return _to_staff("escalated", event, people, kind=kind, due=_due(report, kind), who=who, target_unit=unit,
                     step=payload.get("level", 0) + 1, unit=report.unit)


def _reopened(event):
    report = event.report
    return _to_staff("reopened", event, holders(report), unit=report.unit) + _to_citizen("citizen_reopened", event)


def _resolved(event):
    return _to_citizen("citizen_resolved", event)


def _rejected(event):
    return _to_citizen("citizen_rejected", event)


RULES = {
    "routed": _routed,
    "reminder": _reminder,
    "escalated": _escalated,
    "reopened": _reopened,
    "resolved": _resolved,
    "rejected": _rejected,
}
