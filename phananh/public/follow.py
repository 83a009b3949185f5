""""Follow this one instead": a resident with the same problem joins an open
report rather than sending it again.

They are counted once (the workflow's `support` action: a public "supported"
event with no personal data, and `Report.supporters` + 1), and may leave an
email address or a mobile number to be told how it goes (a subscription,
like the reporter's own). Nothing about them is published or shown to staff.

A bot inflating a count is held back three ways: one count per browser (a
signed cookie listing the reports it followed), one per network address and
report (phananh.lib.ratelimit, for SUPPORT_WINDOW), and a few follows per
address per hour whatever the report. Residents behind one shared address
(a mobile network's NAT, an office) can all still subscribe; only the first
of them adds to the count, which errs on the side of an honest number.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from phananh.lib import phones, ratelimit
from phananh.lib.codes import normalize_tracking_code
from phananh.notify.models import Channel
from phananh.notify.subscriptions import subscribe
from phananh.reports import workflow
from phananh.reports.models import MediaKind

from . import reportpage
from .forms import error_summary

COOKIE = "phananh_followed"
COOKIE_SALT = "phananh.public.follow"
COOKIE_MAX_AGE = 365 * 24 * 3600
MAX_REMEMBERED = 50
SUPPORT_WINDOW = 30 * 24 * 3600
FOLLOWS_PER_HOUR = 20


class FollowForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"), required=False, max_length=254,
        help_text=_("We write when the report is resolved, rejected or reopened."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Mobile phone for SMS"), required=False, max_length=30,
        help_text=_("For example 0903 123 456."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )

    def clean_phone(self):
        value = self.cleaned_data["phone"].strip()
        if not value:
            return ""
        number = phones.normalize(value)  # InvalidPhone is a ValidationError with the reason
        if not phones.is_mobile(number):
            raise forms.ValidationError(_("%(number)s is a landline, which cannot receive SMS. Give a mobile number."),
                                        params={"number": phones.display(number)})
        return number

    def contacts(self):
        """[(notify channel, address)] the follower asked to be told on."""
        data = self.cleaned_data
        found = [(Channel.EMAIL, data["email"].strip())] if data.get("email") else []
        if data.get("phone"):
            found.append((Channel.SMS, data["phone"]))
        return found


def followed_codes(request):
    """Codes of the reports this browser followed, from the signed cookie."""
    raw = request.get_signed_cookie(COOKIE, default="", salt=COOKIE_SALT, max_age=COOKIE_MAX_AGE)
    return [code for code in raw.split(",") if code]


def _remember(response, request, code):
    codes = [c for c in followed_codes(request) if c != code] + [code]
    response.set_signed_cookie(
        COOKIE, ",".join(codes[-MAX_REMEMBERED:]), salt=COOKIE_SALT, max_age=COOKIE_MAX_AGE,
        httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE,
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def follow(request, code):
    canonical = normalize_tracking_code(code)
    if canonical is None:
        raise Http404(gettext("There is no report with this tracking code."))
    if canonical != code:
        return redirect("public:follow", code=canonical, permanent=True)
    report = reportpage.get_report(code)
    following = code in followed_codes(request)
    form = FollowForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if not report.is_open:
            form.add_error(None, gettext("This report is no longer open, so it cannot be followed here."))
            status = 409
        elif not ratelimit.hit("follow", ratelimit.client_ip(request), FOLLOWS_PER_HOUR, 3600).allowed:
            form.add_error(None, gettext("Too many requests from your connection. Please try again in an hour."))
            status = 429
        elif form.is_valid():
            try:
                counted = _follow(request, report, form, following)
            except workflow.WorkflowError as error:
                form.add_error(None, str(error))
                status = 409
            else:
                messages.success(request, _thanks(counted, following, form.contacts()))
                response = redirect(reverse("public:follow", args=[code]) + "#follow-status")
                _remember(response, request, code)
                return response
        else:
            status = 400
    return render(request, "public/follow.html", {
        "report": report,
        "form": form,
        "errors": error_summary(form),
        "following": following,
        "photo": report.media.filter(kind=MediaKind.EVIDENCE).exclude(thumbnail="").order_by("created_at", "id")
        .first(),
    }, status=status)


def _follow(request, report, form, following):
    """Count the support (once per browser and address) and subscribe the
    contacts, together. Returns whether it was counted."""
    counted = not following and ratelimit.hit(
        f"support:{report.code}", ratelimit.client_ip(request), 1, SUPPORT_WINDOW).allowed
    language = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    with transaction.atomic():
        if counted:
            workflow.apply(report, "support", None)
        for channel, address in form.contacts():
            subscribe(report, channel, address, language=language)
    return counted


def _thanks(counted, following, contacts):
    told = ", ".join(phones.display(address) if channel == Channel.SMS else address for channel, address in contacts)
    if counted:
        if told:
            return gettext("Thank you: you are counted among the residents with this problem, and we will tell you "
                           "at %(address)s when it changes.") % {"address": told}
        return gettext("Thank you: you are counted among the residents with this problem. Keep the tracking code "
                       "to follow it.")
    if following:
        if told:
            return gettext("You are already counted for this report. We will also tell you at %(address)s when it "
                           "changes.") % {"address": told}
        return gettext("You are already counted for this report: each person counts once.")
    # Not this browser, but this network address: another person, or the same one again.
    if told:
        return gettext("Someone on your connection is already counted for this report, so the count stays the "
                       "same. We will tell you at %(address)s when it changes.") % {"address": told}
    return gettext("Someone on your connection is already counted for this report, so the count stays the same. "
                   "Leave an email or phone number to be told when it changes.")
