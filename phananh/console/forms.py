"""Forms of the staff console: the queue filters and one form per workflow action.

The forms only check what a person typed and turn it into the keyword
arguments of `workflow.apply`; the workflow stays the authority on whether
an action is allowed and consistent. Each action form carries its action
name as prefix, so the dozen forms on a report page have distinct ids.
Django links hints and errors to their inputs (aria-describedby `<id>_helptext`
and `<id>_error`); the templates use the same ids.
"""

from itertools import groupby

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from phananh.lib.codes import normalize_tracking_code
from phananh.reports import media as media_lib
from phananh.reports import search
from phananh.reports.models import Category, MediaKind, Outcome, Report, Status
from phananh.units.access import unit_roles, visible_reports_filter
from phananh.units.models import Role

from . import presets, queue, scope

# --- shared pieces -------------------------------------------------------------


def category_choices(blank_label):
    """Active categories grouped under their group name (<optgroup>)."""
    categories = Category.objects.filter(is_active=True).select_related("group").order_by(
        "group__position", "group__code", "position", "code"
    )
    choices = [("", blank_label)]
    for group, items in groupby(categories, key=lambda c: c.group):
        choices.append((group.name, [(c.pk, c.name) for c in items]))
    return choices


def unit_choices(units, blank_label):
    """Units grouped by kind, so "Phường ..." and "Công ty ..." are not mixed."""
    choices = [("", blank_label)]
    for _kind, items in groupby(units, key=lambda u: u.kind):
        items = list(items)
        choices.append((items[0].get_kind_display(), [(u.pk, u.name) for u in items]))
    return choices


def person_label(user):
    return user.get_full_name() or user.username


class QueueFilterForm(forms.Form):
    """GET filters of the queue. Invalid values are reported and ignored."""

    q = search.SearchField()
    status = forms.ChoiceField(label=_("Status"), required=False)
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.all(), required=False)
    unit = forms.ModelChoiceField(label=_("Handling unit"), queryset=None, required=False)
    ward = forms.ModelChoiceField(label=_("Ward / commune"), queryset=None, required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    mine = forms.BooleanField(label=_("Assigned to me"), required=False)
    extension = forms.BooleanField(label=_("Extension requested"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            (queue.OPEN, _("All open reports")),
            *Status.choices,
            (queue.ALL, _("All statuses")),
        ]
        self.fields["category"].choices = category_choices(_("All categories"))
        units = list(scope.filter_units(user))
        self.fields["unit"].queryset = scope.filter_units(user)
        self.fields["unit"].choices = unit_choices(units, _("All units"))
        # Someone in a single unit sees only that unit's reports: no choice to offer.
        self.show_unit = len(units) > 1
        self.fields["ward"].queryset = scope.filter_wards(user)
        self.fields["ward"].empty_label = _("All wards")

    @property
    def query_without_search(self):
        """The current filters without the search, for a "Clear search" link."""
        return presets.query_with({key: value for key, value in self.data.items() if key != "q"})

    def filters(self):
        """Filters from the valid fields; a bad value counts as "any"."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return queue.Filters(
            status=data.get("status") or queue.OPEN,
            category=data.get("category"),
            unit=data.get("unit"),
            ward=data.get("ward"),
            overdue=bool(data.get("overdue")),
            mine=bool(data.get("mine")),
            extension=bool(data.get("extension")),
            search=data.get("q"),
        )


# --- action forms ------------------------------------------------------------------


class ActionForm(forms.Form):
    """Base of the action forms: knows its report and the person acting."""

    action = ""
    button_label = None  # overrides the action's button text when set

    def __init__(self, *args, report, user, **kwargs):
        kwargs.setdefault("prefix", self.action)
        super().__init__(*args, **kwargs)
        self.report, self.user = report, user

    def workflow_data(self):
        """Keyword arguments for `workflow.apply` from the cleaned data."""
        return dict(self.cleaned_data)

    def keep_after_failure(self):
        """Hook called when the action failed, to keep what must not be lost."""


def reason_field(label, help_text="", max_length=2000):
    return forms.CharField(
        label=label, help_text=help_text, max_length=max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ConfirmForm(ActionForm):
    """An action without input: the button is the whole form."""


class AcceptForm(ConfirmForm):
    action = "accept"


class StartForm(ConfirmForm):
    action = "start"


class CloseForm(ConfirmForm):
    action = "close"


class ApproveExtensionForm(ConfirmForm):
    action = "approve_extension"


class RouteForm(ActionForm):
    action = "route"
    unit = forms.ModelChoiceField(label=_("Send to unit"), queryset=None)
    category = forms.ModelChoiceField(
        label=_("Change category (optional)"), queryset=Category.objects.filter(is_active=True), required=False,
        help_text=_("Leave as is to keep the current category."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        units = scope.routable_units(self.user)
        self.fields["unit"].queryset = units
        self.fields["unit"].choices = unit_choices(list(units), _("Choose a unit"))
        self.fields["category"].choices = category_choices(_("Keep the current category"))


class ReclassifyForm(ActionForm):
    action = "reclassify"
    category = forms.ModelChoiceField(label=_("New category"), queryset=Category.objects.filter(is_active=True))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices(_("Choose a category"))


class RejectForm(ActionForm):
    action = "reject"
    reason = reason_field(
        _("Public reason for rejecting"),
        _("Shown to the citizen and on the public site. Be polite and specific."),
    )


class MergeForm(ActionForm):
    action = "merge"
    original = forms.CharField(
        label=_("Tracking code of the original report"), max_length=20,
        help_text=_("For example K7MW-3QDP. This report will be closed as its duplicate."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_original(self):
        typed = self.cleaned_data["original"]
        code = normalize_tracking_code(typed)
        if code is None:
            raise ValidationError(_("“%(typed)s” is not a tracking code (8 letters and digits, like K7MW-3QDP)."),
                                  params={"typed": typed})
        if code == self.report.code:
            raise ValidationError(_("A report cannot be a duplicate of itself."))
        original = Report.objects.filter(visible_reports_filter(self.user), code=code).first()
        if original is None:
            raise ValidationError(_("There is no report %(code)s that you can see."), params={"code": code})
        return original


class AssignOfficerForm(ActionForm):
    """A unit head hands the report to any member; an officer can only take it."""

    action = "assign_officer"
    officer = forms.ModelChoiceField(label=_("Officer"), queryset=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        users = get_user_model().objects.order_by("first_name", "last_name", "username")
        self.is_head = unit_roles(self.user).get(self.report.unit_id) == Role.HEAD
        if self.is_head:
            users = users.filter(memberships__unit_id=self.report.unit_id)
        else:
            users = users.filter(pk=self.user.pk)
        self.fields["officer"].queryset = users
        self.fields["officer"].label_from_instance = person_label
        self.fields["officer"].empty_label = _("Choose an officer")
        if not self.is_head:
            self.fields["officer"].widget = forms.HiddenInput()
            self.initial["officer"] = self.user.pk
            self.button_label = _("Take this report myself")
        elif self.report.assignee_id:
            self.initial.setdefault("officer", self.report.assignee_id)


class ReturnForm(ActionForm):
    action = "return"
    reason = reason_field(
        _("Why is this not for your unit?"),
        _("The coordinator reads this to send the report to the right unit."),
    )


class RequestExtensionForm(ActionForm):
    action = "request_extension"
    days = forms.IntegerField(
        label=_("Extra working days"), min_value=1, max_value=30,
        help_text=_("Between 1 and 30. A coordinator must approve."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    reason = reason_field(_("Reason for the extension"), max_length=500)


class DeclineExtensionForm(ActionForm):
    action = "decline_extension"
    reason = reason_field(_("Why is the extension declined?"), _("The unit reads this."), max_length=500)


class ResetDeadlinesForm(ActionForm):
    action = "reset_deadlines"
    reason = reason_field(
        _("Why do the deadlines start again?"),
        _("Public: for example, the report only reached the right unit after a transfer."),
    )


class NoteForm(ActionForm):
    action = "note"
    text = reason_field(_("Internal note"), _("Only staff see notes; the citizen does not."))


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos in one input; each file is checked in the form so that
    every bad file gets its own message and the good ones are kept."""

    widget = MultipleFileInput(attrs={"accept": "image/*"})

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        return [f for f in files if f]


KEPT_SALT = "phananh.console.kept-photos"
KEPT_MAX_AGE = 24 * 3600


class ResolveForm(ActionForm):
    """Resolve with an outcome. Photos that passed the checks are parked at
    once when something else is wrong, and carried in a signed hidden field,
    so an officer in the street does not have to pick them again."""

    action = "resolve"
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices, widget=forms.RadioSelect)
    result = reason_field(_("What was done"), _("The citizen reads this. Say what you did and what they will see."))
    photos = PhotosField(label=_("Photos of the fix"), required=False)
    kept = forms.CharField(required=False, widget=forms.HiddenInput)
    referred_to = forms.CharField(
        label=_("Referred to (organisation)"), max_length=200, required=False,
        help_text=_("Only when referred: the organisation now in charge, e.g. the telecom company."),
    )
    planned_date = forms.DateField(
        label=_("Planned date (optional)"), required=False,
        help_text=_("Only when it cannot be fixed now: when it is planned, if known."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built per form, not at import, so it follows the reader's language.
        self.fields["photos"].help_text = _(
            "Required when the outcome is fixed. JPEG, PNG, WebP or HEIC, up to %(n)d photos."
        ) % {"n": settings.MAX_PHOTOS}
        self.valid_uploads = []
        self.kept_photos = []  # [(storage name, file name shown to the person)]

    def clean_kept(self):
        value = self.cleaned_data.get("kept")
        if not value:
            return []
        try:
            kept = signing.loads(value, salt=self._kept_salt(), max_age=KEPT_MAX_AGE)
        except signing.BadSignature:
            return []
        self.kept_photos = [(name, label) for name, label in kept]
        return self.kept_photos

    def clean_photos(self):
        errors = []
        for upload in self.cleaned_data.get("photos") or []:
            try:
                media_lib.validate_image(upload)
            except ValidationError as error:
                errors.extend(error.messages)
            else:
                self.valid_uploads.append(upload)
        if errors:
            raise ValidationError(errors)
        return self.valid_uploads

    def clean(self):
        data = super().clean()
        outcome = data.get("outcome")
        total = len(self.valid_uploads) + len(self.kept_photos)
        if total > settings.MAX_PHOTOS:
            self.add_error("photos", ngettext(
                "Send at most %(n)d photo.", "Send at most %(n)d photos.", settings.MAX_PHOTOS,
            ) % {"n": settings.MAX_PHOTOS})
        if outcome == Outcome.FIXED and not total and "photos" not in self.errors and not (
            self.report.media.filter(kind=MediaKind.PROOF).exists()
        ):
            self.add_error("photos", _("A report can only be marked fixed with a photo of the fix."))
        if outcome == Outcome.REFERRED and not (data.get("referred_to") or "").strip():
            self.add_error("referred_to", _("Say which organisation the report was referred to."))
        return data

    def _kept_salt(self):
        # Bound to the report, so kept photos cannot be replayed onto another one.
        return f"{KEPT_SALT}:{self.report.pk}"

    def _park_new_uploads(self):
        for upload in self.valid_uploads:
            self.kept_photos.append((media_lib.park_upload(upload), upload.name))
        self.valid_uploads = []

    def workflow_data(self):
        self._park_new_uploads()
        data = {k: self.cleaned_data.get(k) for k in ("outcome", "result", "referred_to", "planned_date")}
        data["photos"] = [name for name, _label in self.kept_photos]
        return data

    def keep_after_failure(self):
        self._park_new_uploads()
        if self.kept_photos:
            self.data = self.data.copy()
            self.data[self.add_prefix("kept")] = signing.dumps(self.kept_photos, salt=self._kept_salt())

    @property
    def kept_names(self):
        return [label for _name, label in self.kept_photos]


ACTION_FORMS = {
    form.action: form
    for form in (
        RouteForm, ReclassifyForm, RejectForm, MergeForm, AcceptForm, AssignOfficerForm, StartForm, ReturnForm,
        RequestExtensionForm, ApproveExtensionForm, DeclineExtensionForm, ResolveForm, CloseForm, ResetDeadlinesForm,
        NoteForm,
    )
}
