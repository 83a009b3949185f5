"""Who is told about which event, and what the message says.

| event            | who                                                      |
|------------------|----------------------------------------------------------|
| routed           | the members of the unit the report was sent to           |
| officer_assigned | the officer it was given to (unless they took it)        |
| reminder         | the officer holding the report, else the unit's officers |
| escalated        | the heads (or coordinators) of that escalation step      |
| reopened         | the unit holding it, and the citizen                     |
| resolved         | the citizen                                              |
| rejected         | the citizen                                              |
| merged           | the citizen (their report now follows another one)       |

Staff are written to by email. "The citizen" is every Subscription of the
report, each on its own channel: the reporter (subscribed when the report
was made, see phananh.notify.subscriptions) and anyone following it. Email
carries the full text; SMS a short line with the code and the link; web
push the JSON {"title", "body", "url"} the service worker shows. A
confidential report still notifies them (confidentiality hides their name
from unit staff, it does not silence the platform). Staff messages never
carry the reporter's identity.

Messages are rendered now, in the event's transaction, from the templates in
notify/email/, notify/sms/ and notify/push/: the first line is the subject
(the push title), the rest the body. Staff get the site's language
(Vietnamese). Citizens' email, whose reader we do not know, has the site's
language followed by the other languages of the site; SMS and push, which
have no room for that, are in the language of the page they subscribed on.
"""

import json
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from phananh.sla import deadlines
from phananh.units.models import Role, Unit

from .models import Channel, Subscription

SEPARATOR = "\n\n" + "-" * 40 + "\n\n"


@dataclass(frozen=True)
class Message:
    recipient: str
    subject: str
    body: str
    language: str
    channel: str = Channel.EMAIL


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
    """The unit's people in `roles`, with only what a message needs (the
    address, whether the account is active): this runs inside the write
    transaction of every routed report."""
    if unit is None:
        return []
    return list(
        get_user_model().objects.filter(memberships__unit=unit, memberships__role__in=roles)
        .only("email", "is_active").order_by("id")
    )


def holders(report):
    """The people holding a report: its officer, else the unit's officers
    (its heads when the unit has no officers)."""
    if report.assignee_id:
        return [report.assignee]
    return unit_members(report.unit, (Role.OFFICER,)) or unit_members(report.unit, (Role.HEAD,))


# --- what -----------------------------------------------------------------------

def _site_link(name, code):
    return settings.SITE_URL + reverse(name, args=[code])


def _path(link):
    """A push opens its page on the site that subscribed it (sw.js resolves
    the path against its own origin), whatever SITE_URL says."""
    return link[len(settings.SITE_URL):] if link.startswith(settings.SITE_URL) else link


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


def _short(template, context, folder, language):
    """(first line, rest as one line) of a one-language SMS or push template."""
    with translation.override(language):
        text = render_to_string(f"notify/{folder}/{template}.txt", context).strip()
    first, _newline, rest = text.partition("\n")
    return first.strip(), " ".join(rest.split())


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


def _language(code):
    known = {language for language, _name in settings.LANGUAGES}
    return code if code in known else settings.LANGUAGE_CODE


def _to_citizen(template, event, link=None, **extra):
    """One message per subscription of the report, on its channel. `link`
    (where a push opens) defaults to the report's public page."""
    report = event.report
    subscriptions = list(Subscription.objects.filter(report=report).order_by("id"))
    if not subscriptions:
        return []
    link = link or _site_link("public:report", report.code)
    context = {"report": report, "event": event, "payload": event.payload, "link": link,
               "rating_days": settings.RATING_WINDOW_DAYS, **extra}
    out, email = [], None
    for subscription in subscriptions:
        language = _language(subscription.language)
        if subscription.channel == Channel.EMAIL:
            email = email or render(template, context, citizen_languages())
            out.append(Message(subscription.address, *email, settings.LANGUAGE_CODE, Channel.EMAIL))
        elif subscription.channel == Channel.SMS:
            subject, text = _short(template, context, "sms", language)
            out.append(Message(subscription.address, subject, text, language, Channel.SMS))
        elif subscription.channel == Channel.WEBPUSH:
            title, text = _short(template, context, "push", language)
            data = json.dumps({"title": title, "body": text, "url": _path(link)}, ensure_ascii=False)
            out.append(Message(subscription.address, title, data, language, Channel.WEBPUSH))
    return out


# --- the rules ------------------------------------------------------------------------

def _routed(event):
    return _to_staff("assigned", event, unit_members(event.unit), unit=event.unit)


def _officer_assigned(event):
    """A head gave the report to an officer: tell them, unless they took it themselves."""
    report = event.report
    officer = report.assignee
    if officer is None or officer.pk == event.actor_id:
        return []
    return _to_staff("officer_assigned", event, [officer], unit=report.unit)


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


def _merged(event):
    """The citizen's report is closed as a duplicate: point them at the one that goes on."""
    original = _site_link("public:report", event.payload["original"])
    return _to_citizen("citizen_merged", event, link=original, original_link=original)


RULES = {
    "routed": _routed,
    "officer_assigned": _officer_assigned,
    "reminder": _reminder,
    "escalated": _escalated,
    "reopened": _reopened,
    "resolved": _resolved,
    "rejected": _rejected,
    "merged": _merged,
}
