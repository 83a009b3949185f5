"""The hotline operator's console (/can-bo/tong-dai/): a phone call becomes a report.

One keyboard-friendly form: the caller, the place (a ward from the list and
an address, or a point on the map), the description and the category (with
the classifier's suggestions as the operator types), and, beside it, the
open reports already known there (the duplicate finder's matches around a
map point, or the ward's recent open reports), so the operator can tell the
caller "this is already reported" instead of filing a duplicate.

The report is submitted through the workflow with channel "phone" and the
operator as the actor; the category the operator chose is routed as given. A
mobile number is subscribed by SMS and gets the tracking code by SMS too
(the same one-segment text as the SMS channel's answer). After sending, the
page comes back empty for the next call with the tracking code shown large,
for the operator to read out.

Coordinators (and superusers) use it: the hotline is part of the
coordination centre, and the ward list is their territory.
"""

import logging
import math
import uuid
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from phananh.intake import choices as intake_choices
from phananh.intake import sms
from phananh.lib import clock, phones
from phananh.nlp import classifier, duplicates
from phananh.notify import outbox
from phananh.notify.models import Channel as NotifyChannel
from phananh.notify.subscriptions import subscribe
from phananh.reports import workflow
from phananh.reports.models import OPEN_STATUSES, Category, Channel, Report
from phananh.units import routing
from phananh.units.access import visible_reports_filter

from . import scope
from .presets import is_coordinator

DESCRIPTION_MAX = 5000
RECENT_CALLS = 5
log = logging.getLogger(__name__)

HINT_LIMIT = 6
HINT_DAYS = 60
SESSION_DONE = "hotline_done"
SESSION_RECENT = "hotline_recent"


def coordinators_only(view):
    """Signed-in coordinators and superusers; everyone else is told why not."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_coordinator(request.user):
            return render(request, "console/hotline_forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


# --- the form ---------------------------------------------------------------------

class CallForm(forms.Form):
    caller_phone = forms.CharField(
        label=gettext_lazy("Caller's phone"), required=False, max_length=30,
        help_text=gettext_lazy("Any way it is written, old 0168… numbers too. Empty if withheld: then no SMS."),
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off", "autofocus": True}),
    )
    caller_name = forms.CharField(
        label=gettext_lazy("Caller's name"), required=False, max_length=120,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    confidential = forms.BooleanField(
        label=gettext_lazy("The caller asks to stay anonymous"), required=False,
        help_text=gettext_lazy("The unit handling the report will not see the name or phone; coordinators still do."),
    )
    ward = forms.ChoiceField(
        label=gettext_lazy("Ward / commune"), required=False,
        error_messages={"invalid_choice": gettext_lazy("Choose the ward or commune from the list.")},
    )
    address = forms.CharField(
        label=gettext_lazy("Address or landmark"), required=False, max_length=300,
        help_text=gettext_lazy("House number and street, alley, or a landmark the caller names."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    lat = forms.CharField(required=False, widget=forms.HiddenInput)
    lng = forms.CharField(required=False, widget=forms.HiddenInput)
    description = forms.CharField(
        label=gettext_lazy("What the caller reports"), max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("In the caller's words. It is published; leave out names and phone numbers."),
        error_messages={"required": gettext_lazy("Write down what the caller reports.")},
    )
    category = forms.ChoiceField(
        label=gettext_lazy("Category"),
        error_messages={"required": gettext_lazy("Choose the category."),
                        "invalid_choice": gettext_lazy("Choose the category from the list.")},
    )
    idempotency_key = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.wards = sorted(
            scope.filter_wards(user).filter(is_active=True).select_related("parent"),
            key=lambda w: (intake_choices.fold(w.parent.name) if w.parent_id else "", intake_choices.fold(w.name)),
        )
        self.fields["ward"].choices = [("", _("Choose the ward or commune"))] + intake_choices.ward_choices(self.wards)
        # Codes, not ids: the classifier's suggestions (hotline.js) name categories by code.
        self.fields["category"].choices = [("", _("Choose the category"))] + intake_choices.category_choices(
            intake_choices.active_categories())

    def clean_caller_phone(self):
        value = self.cleaned_data["caller_phone"].strip()
        return phones.normalize(value) if value else ""

    def clean_ward(self):
        pk = self.cleaned_data["ward"]
        return next((w for w in self.wards if str(w.pk) == pk), None) if pk else None

    def clean_category(self):
        category = Category.objects.filter(code=self.cleaned_data["category"], is_active=True).select_related(
            "group").first()
        if category is None:
            raise ValidationError(self.fields["category"].error_messages["invalid_choice"], code="invalid_choice")
        return category

    def clean_idempotency_key(self):
        try:
            return str(uuid.UUID(self.cleaned_data["idempotency_key"] or ""))
        except ValueError:
            return str(uuid.uuid4())

    def clean(self):
        data = super().clean()
        point = self._point()
        data["point"] = point
        if point is not None:
            if routing.ward_at(*point) is None:
                self.add_error("ward", _("The point set on the map is outside the area PhanAnh serves. Move it, "
                                         "or remove it and choose the ward."))
        elif "ward" not in self.errors and data.get("ward") is None:
            self.add_error("ward", _("Choose the ward or commune, or set the point on the map."))
        elif data.get("ward") is not None and not data.get("address"):
            self.add_error("address", _("Write down the address or a landmark, so the unit can find the place."))
        return data

    def _point(self):
        raw = [(self.cleaned_data.get(name) or "").strip().replace(",", ".") for name in ("lat", "lng")]
        if not any(raw):
            return None
        try:
            lat, lng = float(raw[0]), float(raw[1])
        except ValueError:
            lat = lng = math.nan
        if not (math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180):
            self.add_error("ward", _("The point on the map could not be read. Set it again, or choose the ward."))
            return None
        return round(lat, 6), round(lng, 6)


# --- taking the call ----------------------------------------------------------------

def take_call(data, operator):
    """Submit the call's report; returns (report, sms_sent). A repeated post
    of the same form (double click, retry) returns the first report."""
    lat, lng = data["point"] if data["point"] else (None, None)
    phone = data["caller_phone"]
    texted = bool(phone) and phones.is_mobile(phone)

    def text_the_code(report):
        if texted:
            subscribe(report, NotifyChannel.SMS, phone, is_reporter=True)
            outbox.enqueue(report, phone, f"PhanAnh {report.code}", sms.created_reply(report),
                           channel=NotifyChannel.SMS, event=report.events.get(type="submitted"))

    report, _token = workflow.submit(
        category=data["category"], description=data["description"], channel=Channel.PHONE,
        lat=lat, lng=lng, ward=None if data["point"] else data["ward"], address=data["address"],
        reporter_name=data["caller_name"], reporter_phone=phone, confidential=data["confidential"],
        idempotency_key="hotline:" + data["idempotency_key"], actor=operator, then=text_the_code,
    )
    return report, texted


@dataclass
class Hint:
    report: Report
    percent: int | None = None      # the duplicate finder's likelihood, when it was asked
    distance_m: int | None = None


def duplicate_hints(user, ward, category, point=None, text="", address=""):
    """("nearby" | "ward", [Hint]) for the reports the caller may be talking
    about, or (None, None) while the place is unknown.

    With a point and a category, the duplicate finder (phananh.nlp.duplicates)
    ranks the open reports around the point by how likely they are the same
    problem. Otherwise (a ward from the list has no point to measure from):
    the open reports of the last HINT_DAYS days in that ward, and category
    when chosen, newest first: a cheap indexed query on (ward, status)."""
    visible = visible_reports_filter(user)
    if point is not None and category is not None:
        try:
            matches = duplicates.find(*point, category, text, address=address, limit=HINT_LIMIT,
                                      floor=duplicates.POSSIBLE, visible=visible)
        except Exception:  # the finder must never cost the operator the form
            log.exception("duplicate finder failed on the hotline console")
        else:
            return "nearby", [Hint(m.report, m.percent, m.distance_m) for m in matches]
    if ward is None:
        return None, None
    since = clock.now() - timedelta(days=HINT_DAYS)
    reports = Report.objects.filter(visible, ward=ward, status__in=OPEN_STATUSES, received_at__gte=since)
    if category is not None:
        reports = reports.filter(category=category)
    return "ward", [Hint(r) for r in reports.select_related("category").order_by("-received_at", "-id")[:HINT_LIMIT]]


def _remember(request, report, texted):
    request.session[SESSION_DONE] = {"code": report.code, "phone": report.reporter_phone, "texted": texted}
    recent = [code for code in request.session.get(SESSION_RECENT, []) if code != report.code]
    request.session[SESSION_RECENT] = [report.code] + recent[: RECENT_CALLS - 1]


def _recent_calls(request):
    codes = request.session.get(SESSION_RECENT, [])
    found = {r.code: r for r in Report.objects.filter(code__in=codes).select_related("category")}
    return [found[code] for code in codes if code in found]


# --- views ---------------------------------------------------------------------------

@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@coordinators_only
def page(request):
    user = request.user
    status = 200
    done = None
    if request.method == "POST":
        form = CallForm(request.POST, user=user)
        if form.is_valid():
            try:
                report, texted = take_call(form.cleaned_data, user)
            except workflow.WorkflowError as error:
                form.add_error(None, str(error))
            else:
                _remember(request, report, texted)
                return redirect("console:hotline")
        status = 400
    else:
        form = CallForm(user=user, initial={"idempotency_key": str(uuid.uuid4())})
        done = request.session.pop(SESSION_DONE, None)
    # After a refused post the panel shows what the choices so far point to.
    chosen = form.cleaned_data if form.is_bound else {}
    category = chosen.get("category") if isinstance(chosen.get("category"), Category) else None
    return render(request, "console/hotline.html", {
        "form": form,
        "done": done,
        "done_phone": phones.display(done["phone"]) if done and done.get("phone") else "",
        "done_spelled": " ".join(done["code"]) if done else "",
        "recent": _recent_calls(request),
        "browser_text": _browser_text(),
        "nav": "hotline",
        **_hints_context(user, chosen.get("ward"), category, chosen.get("point"), chosen.get("description", ""),
                         chosen.get("address", "")),
    }, status=status)


def _hints_context(user, ward, category, point=None, text="", address=""):
    mode, hints = duplicate_hints(user, ward, category, point, text, address)
    return {"hints": hints, "hint_mode": mode, "hint_ward": ward, "hint_category": category,
            "hint_days": HINT_DAYS}


@require_GET
@coordinators_only
def hints(request):
    """The "already reported?" panel for what the form holds so far (hotline.js asks as it changes)."""
    params = request.GET
    ward = point = None
    try:
        if params.get("lat") and params.get("lng"):
            lat, lng = float(params["lat"]), float(params["lng"])
            if math.isfinite(lat) and math.isfinite(lng) and abs(lat) <= 90 and abs(lng) <= 180:
                point = (lat, lng)
                ward = routing.ward_at(lat, lng)
        if ward is None and params.get("ward"):
            ward = scope.filter_wards(request.user).filter(pk=int(params["ward"])).first()
    except ValueError:
        ward = None
    code = params.get("category")
    category = Category.objects.filter(code=code).select_related("group").first() if code else None
    return render(request, "console/hotline_hints.html", _hints_context(
        request.user, ward, category, point, params.get("text", "")[:DESCRIPTION_MAX], params.get("address", "")[:300]))


def _browser_text():
    """Sentences hotline.js shows, translated with the page."""
    return {
        "suggestConfidence": classifier.min_confidence(),
        "suggestChosen": _("Suggested from the description and chosen: %(name)s. Change it if it is wrong."),
        "suggestSame": _("The description points to the chosen category too."),
        "suggestOther": _("The description points to: %(name)s. Use the button to switch."),
        "suggestUnsure": _("The category is not clear from the description yet. Possible:"),
        "suggestNone": _("No category suggestion for this description."),
        "suggestPicked": _("Chosen: %(name)s"),
        "useCategory": _("Use: %(name)s (%(percent)s%%)"),
        "pointSet": _("Point set: %(lat)s, %(lng)s."),
        "pointWard": _("Point set: %(lat)s, %(lng)s, in %(ward)s (chosen in the ward list)."),
        "pointOutside": _("Point set: %(lat)s, %(lng)s. It is outside the area PhanAnh serves: move it or remove it."),
        "pointCleared": _("The point was removed; the ward list decides the place."),
        "pinLabel": _("The place of the problem. Drag to move it."),
        "wardFilterLabel": _("Type part of the ward's name to choose it"),
        "wardMatches": _("%(count)s wards match; the first is chosen."),
        "wardOne": _("1 ward matches and is chosen."),
        "wardNone": _("No ward matches. Try fewer letters."),
        "sending": _("Sending…"),
        "sent": _("Report %(code)s was sent. Read the code to the caller."),
    }
