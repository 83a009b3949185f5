"""Forms of the public pages: list filters, tracking-code lookup, rating and reopening."""

from django import forms
from django.utils.translation import gettext_lazy as _

from phananh.lib.codes import normalize_tracking_code
from phananh.reports import search
from phananh.reports.models import Category, Rating
from phananh.units.models import Unit, UnitKind

from .statuses import STATUS_GROUPS

HANDLING_KINDS = (UnitKind.WARD, UnitKind.DEPARTMENT, UnitKind.UTILITY)


def error_summary(form):
    """(message, id of the field to jump to) for every error, in field order, for the error summary."""
    if not form.is_bound:
        return []
    items = [(str(message), form[name].auto_id if name in form.fields else "")
             for name in form.fields for message in form.errors.get(name, [])]
    items += [(str(message), "") for message in form.non_field_errors()]
    return items


UNKNOWN_FILTER = {"invalid_choice": _("“%(value)s” is not one of the choices, so this filter was left out.")}


class ReportFilterForm(forms.Form):
    """GET filters of the list page. Invalid values are reported and ignored,
    never turned into a 500 or an empty page without explanation."""

    q = search.SearchField()
    status = forms.ChoiceField(label=_("Status"), required=False, error_messages=UNKNOWN_FILTER)
    category = forms.ChoiceField(label=_("Category"), required=False, error_messages=UNKNOWN_FILTER)
    ward = forms.ModelChoiceField(
        label=_("Ward / commune"), required=False, to_field_name="code", empty_label=_("All wards"),
        queryset=Unit.objects.filter(kind=UnitKind.WARD, subtype="").only("id", "name", "code"),
        error_messages=UNKNOWN_FILTER,
    )
    unit = forms.ModelChoiceField(
        label=_("Handling unit"), required=False, to_field_name="code", empty_label=_("All units"),
        queryset=Unit.objects.filter(kind__in=HANDLING_KINDS).only("id", "name", "code"),
        error_messages=UNKNOWN_FILTER,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All statuses"))] + [
            (key, label) for key, (label, _statuses) in STATUS_GROUPS.items()
        ]
        self.categories = {c.code: c for c in Category.objects.select_related("group")}
        grouped = {}
        for category in self.categories.values():
            grouped.setdefault(category.group.name, []).append((category.code, category.name))
        self.fields["category"].choices = [("", _("All categories"))] + list(grouped.items())

    def clean_category(self):
        code = self.cleaned_data.get("category")
        return self.categories.get(code) if code else None

    @property
    def active(self):
        """True when at least one filter is in use."""
        return self.is_bound and any(self.data.get(name) for name in self.fields)


class TrackForm(forms.Form):
    code = forms.CharField(
        label=_("Tracking code"), max_length=40,
        help_text=_("8 letters and digits, for example K7MW-3QDP. Upper or lower case, with or without the dash."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false",
                                      "class": "code-input"}),
    )

    def clean_code(self):
        code = normalize_tracking_code(self.cleaned_data["code"])
        if code is None:
            raise forms.ValidationError(
                _("This is not a tracking code. A code has 8 letters and digits, like K7MW-3QDP.")
            )
        return code


class RatingForm(forms.Form):
    rating = forms.ChoiceField(
        label=_("Are you satisfied with the result?"), choices=Rating.choices, widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether you are satisfied.")},
    )
    comment = forms.CharField(
        label=_("Comment (optional)"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to the unit. If you are not satisfied, the report is reopened: say what is still wrong."),
    )


class ReopenForm(forms.Form):
    comment = forms.CharField(
        label=_("What is still wrong?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Tell the unit what is still wrong.")},
    )
