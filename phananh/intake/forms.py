"""The citizen's report form: everything a person may get wrong is checked
here, with a message that says how to put it right.

Location is a map point (set by GPS or by tapping the map, which needs
JavaScript) or, for everyone else, a ward from the list plus an address.
Photos are validated one by one; the good ones are parked by `park_photos`
even when another field has an error, so they are never picked twice.
"""

import math
import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from phananh.notify import subscriptions
from phananh.notify.sms import InvalidNumber, to_e164
from phananh.reports import media as media_lib
from phananh.units import routing

from . import choices
from .photo_tray import PhotoTray

DESCRIPTION_MAX = 5000

# Where the error summary's link for each field's error takes the reader.
# Map point errors go to the location fieldset: the map is not a form control
# and is absent without JavaScript, while the fieldset always exists.
ANCHORS = {"lat": "location", "lng": "location", "notify_by": "notify-by"}


class PhotoInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.Field):
    """Any number of uploads under one name; each is checked by the form."""

    widget = PhotoInput

    def to_python(self, data):
        if not data:
            return []
        if not isinstance(data, (list, tuple)):
            data = [data]
        return [upload for upload in data if upload]


class SearchableSelect(forms.Select):
    """A select whose options carry the folded words the search box matches."""

    def __init__(self, *args, terms=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.terms = terms or {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        words = self.terms.get(str(value))
        if words:
            option["attrs"]["data-terms"] = words
        return option


def normalize_phone(value):
    """Vietnamese numbers as people write them ("0903 123 456", "+84 903.123.456")
    become "0903123456"; other countries need their +code."""
    raw = re.sub(r"[\s.\-()]", "", value)
    if re.fullmatch(r"\+?84\d{9,10}", raw):
        return "0" + raw.lstrip("+")[2:]
    if re.fullmatch(r"0\d{9,10}", raw):
        return raw
    if re.fullmatch(r"\+\d{8,15}", raw):
        return raw
    raise ValidationError(_("Enter a phone number like 0903 123 456."), code="invalid")


class ReportForm(forms.Form):
    photos = PhotosField(
        label=gettext_lazy("Photos of the problem"), required=False,
        widget=PhotoInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    lat = forms.CharField(required=False, widget=forms.HiddenInput)
    lng = forms.CharField(required=False, widget=forms.HiddenInput)
    ward = forms.ChoiceField(
        label=gettext_lazy("Ward / commune"), required=False,
        error_messages={"invalid_choice": gettext_lazy("Choose the ward or commune from the list.")},
    )
    address = forms.CharField(
        label=gettext_lazy("Address or landmark"), required=False, max_length=300,
        help_text=gettext_lazy(
            "House number and street, alley, or a landmark nearby. Needed when you choose the ward from the list."
        ),
    )
    category = forms.ChoiceField(
        label=gettext_lazy("What is the problem about?"),
        error_messages={
            "required": gettext_lazy("Choose what the problem is about."),
            "invalid_choice": gettext_lazy("Choose what the problem is about from the list."),
        },
    )
    description = forms.CharField(
        label=gettext_lazy("Describe the problem"), max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy(
            "What is wrong, since when, and anything that helps to find and fix it. "
            "The description is published, so leave out personal details."
        ),
        error_messages={
            "required": gettext_lazy("Please describe the problem."),
            "max_length": gettext_lazy("Please keep the description under %(limit_value)d characters "
                                       "(it has %(show_value)d)."),
        },
    )
    reporter_name = forms.CharField(label=gettext_lazy("Your name"), required=False, max_length=120)
    reporter_phone = forms.CharField(
        label=gettext_lazy("Phone"), required=False, max_length=30,
        help_text=gettext_lazy("So the unit can call you if they cannot find the place."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    reporter_email = forms.EmailField(
        label=gettext_lazy("Email"), required=False, max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"invalid": gettext_lazy("Enter an email address like ten@example.com.")},
    )
    confidential = forms.BooleanField(
        label=gettext_lazy("Keep my identity confidential"), required=False,
        help_text=gettext_lazy(
            "Your name, phone and email are never published. With this box ticked the unit handling "
            "the report does not see them either; only the coordination centre does, to call you back if needed."
        ),
    )
    notify_by = forms.ChoiceField(
        label=gettext_lazy("How should we tell you about progress?"), required=False,
        choices=subscriptions.REPORTER_CHOICES, widget=forms.RadioSelect,
        help_text=gettext_lazy("When the report is answered, rejected or reopened. Without a choice we write "
                               "to the email address above, if you give one."),
        error_messages={"invalid_choice": gettext_lazy("Choose how we should tell you from the list.")},
    )
    idempotency_key = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.categories = list(choices.active_categories())
        self.wards = choices.active_wards()
        category = self.fields["category"]
        category.choices = [("", _("Choose a category"))] + choices.category_choices(self.categories)
        category.widget = SearchableSelect(terms=choices.category_search_terms(self.categories))
        category.widget.choices = category.choices
        ward = self.fields["ward"]
        ward.choices = [("", _("Choose the ward or commune"))] + choices.ward_choices(self.wards)
        ward.help_text = _("Needed when you do not set the place on the map.")
        self.fields["photos"].help_text = _(
            "Optional, but they help the unit a lot: up to %(count)d photos, %(mb)d MB each. "
            "Photos are published without their location or camera details."
        ) % {"count": settings.MAX_PHOTOS, "mb": settings.MAX_UPLOAD_BYTES // (1024 * 1024)}
        self.fields["address"].widget.attrs["autocomplete"] = "street-address"
        self.fields["reporter_name"].widget.attrs["autocomplete"] = "name"
        self.tray = PhotoTray.from_post(self.data) if self.is_bound else PhotoTray()
        self.accepted_uploads = []
        self._describe_fields()

    # --- field checks ----------------------------------------------------------

    def clean_photos(self):
        uploads = self.cleaned_data["photos"]
        room = self.tray.room
        errors = []
        if self.tray.lost:
            errors.append(ngettext(
                "A photo attached earlier could not be kept. Please attach it again.",
                "%(count)d photos attached earlier could not be kept. Please attach them again.",
                self.tray.lost,
            ) % {"count": self.tray.lost})
        if len(uploads) > room:
            left_out = len(uploads) - room
            errors.append(ngettext(
                "You can send at most %(max)d photos, so %(left)d photo was not attached.",
                "You can send at most %(max)d photos, so %(left)d photos were not attached.",
                left_out,
            ) % {"max": settings.MAX_PHOTOS, "left": left_out})
            # Checking uploads beyond the limit would only cost time.
            uploads = uploads[:room]
        for upload in uploads:
            try:
                media_lib.validate_image(upload)
            except ValidationError as error:
                errors.extend(error.messages)
            else:
                self.accepted_uploads.append(upload)
        if errors:
            raise ValidationError(errors)
        return self.accepted_uploads

    def clean_category(self):
        code = self.cleaned_data["category"]
        for category in self.categories:
            if category.code == code:
                return category
        raise ValidationError(self.fields["category"].error_messages["invalid_choice"], code="invalid_choice")

    def clean_ward(self):
        pk = self.cleaned_data["ward"]
        if not pk:
            return None
        return next(w for w in self.wards if str(w.pk) == pk)  # the choice check already proved it is listed

    def clean_reporter_phone(self):
        phone = self.cleaned_data["reporter_phone"].strip()
        return normalize_phone(phone) if phone else ""

    def clean(self):
        data = super().clean()
        try:
            point = self._point()
        except ValidationError as error:
            self.add_error("lat", error)
            return data
        data["point"] = point
        if point is not None:
            if routing.ward_at(*point) is None:
                self.add_error("lat", _(
                    "This location is outside the area PhanAnh serves. Move the pin to where the problem is, "
                    "or remove the pin and choose the ward / commune from the list instead."
                ))
        elif "ward" in self.errors:
            pass
        elif data.get("ward") is None:
            self.add_error("ward", _(
                "Tell us where the problem is: use your location on the map, or choose the ward / commune "
                "from the list and type the address."
            ))
        elif not data.get("address") and "address" not in self.errors:
            self.add_error("address", _("Type the address or a landmark, so that the unit can find the place."))
        self._check_notify_by(data)
        return data

    def _check_notify_by(self, data):
        """The channel chosen needs its address (phananh.notify.subscriptions)."""
        choice = data.get("notify_by")
        if choice == subscriptions.EMAIL and not data.get("reporter_email") and "reporter_email" not in self.errors:
            self.add_error("reporter_email", _("Enter your email address to get updates by email, "
                                               "or choose another way to hear from us."))
        if choice == subscriptions.SMS and "reporter_phone" not in self.errors:
            if not data.get("reporter_phone"):
                self.add_error("reporter_phone", _("Enter your mobile number to get updates by SMS, "
                                                   "or choose another way to hear from us."))
            else:
                try:
                    to_e164(data["reporter_phone"])
                except InvalidNumber:
                    self.add_error("reporter_phone",
                                   _("SMS can only go to a Vietnamese mobile number, like 0903 123 456."))

    def _point(self):
        raw_lat = (self.cleaned_data.get("lat") or "").strip()
        raw_lng = (self.cleaned_data.get("lng") or "").strip()
        if not raw_lat and not raw_lng:
            return None
        unreadable = ValidationError(
            _("The place on the map could not be read. Set it again on the map, or choose the ward / commune "
              "from the list."),
            code="unreadable",
        )
        try:
            lat, lng = float(raw_lat.replace(",", ".")), float(raw_lng.replace(",", "."))
        except ValueError:
            raise unreadable from None
        if not (math.isfinite(lat) and math.isfinite(lng)):
            raise unreadable
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            raise ValidationError(
                _("The place on the map is not a real position (latitude must be between -90 and 90, longitude "
                  "between -180 and 180). Set it again on the map, or choose the ward / commune from the list."),
                code="out_of_range",
            )
        # Six decimals is about 10 cm: more is noise from the GPS.
        return round(lat, 6), round(lng, 6)

    # --- after validation --------------------------------------------------------

    def park_photos(self):
        """Park the photos accepted by this POST, whether or not the form is
        valid, so that a page shown again with an error still holds them."""
        self.tray.park(self.accepted_uploads)
        self.accepted_uploads = []

    def submission(self):
        """Keyword arguments for workflow.submit."""
        data = self.cleaned_data
        point = data["point"]
        lat, lng = point if point else (None, None)
        return {
            "category": data["category"],
            "description": data["description"],
            "lat": lat,
            "lng": lng,
            # With a point the workflow takes the ward from the map.
            "ward": None if point else data["ward"],
            "address": data["address"],
            "reporter_name": data["reporter_name"],
            "reporter_phone": data["reporter_phone"],
            "reporter_email": data["reporter_email"],
            "confidential": data["confidential"],
            "photos": self.tray.names(),
            "notify_by": data.get("notify_by") or None,
        }

    def error_links(self):
        """[(anchor id, message)] in page order, for the error summary."""
        links = []
        for name in self.fields:
            for message in self.errors.get(name, []):
                links.append((ANCHORS.get(name, self[name].id_for_label), message))
        for message in self.non_field_errors():
            links.append(("", message))
        return links

    def full_clean(self):
        super().full_clean()
        self._describe_fields()

    def _describe_fields(self):
        """Tie each input to its hint and error text for screen readers."""
        # Read _errors, not errors: the property would start validating an
        # unvalidated bound form from inside __init__.
        errors = self._errors or {}
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.HiddenInput):
                continue
            ids = []
            if field.help_text:
                ids.append(f"id_{name}_hint")
            if errors.get(name):
                ids.append(f"id_{name}_error")
                field.widget.attrs["aria-invalid"] = "true"
            else:
                field.widget.attrs.pop("aria-invalid", None)
            if ids:
                field.widget.attrs["aria-describedby"] = " ".join(ids)
            else:
                field.widget.attrs.pop("aria-describedby", None)

