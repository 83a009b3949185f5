"""Sentences submit.js shows, translated on the server with the page.

Passing them in the page (json_script) keeps one message catalogue for
templates and script alike and needs no JavaScript catalogue view.
"""

from django.conf import settings
from django.utils.translation import gettext as _


def submit_page_text():
    return {
        "locationSet": _("Location set: %(lat)s, %(lng)s"),
        "locationWard": _("Location set: %(lat)s, %(lng)s, in %(ward)s."),
        "locationOutside": _(
            "Location set: %(lat)s, %(lng)s. This place is outside the area PhanAnh serves: "
            "move the pin, or remove it and choose the ward / commune from the list."
        ),
        "locationCleared": _("The pin was removed. Tap the map, use your location, or choose the ward below."),
        "locating": _("Finding your location…"),
        "gpsDenied": _(
            "Your browser was not allowed to share your location. Allow it in the browser settings, "
            "or tap the map where the problem is, or choose the ward / commune below."
        ),
        "gpsUnavailable": _(
            "Your position could not be found (no GPS signal?). Tap the map where the problem is, "
            "or choose the ward / commune below."
        ),
        "gpsTimeout": _(
            "Finding your position took too long. Try again outdoors, tap the map where the problem is, "
            "or choose the ward / commune below."
        ),
        "gpsUnsupported": _(
            "This browser cannot share your location here. Tap the map where the problem is, "
            "or choose the ward / commune below."
        ),
        "gpsInaccurate": _("Your phone places you within about %(metres)s m: drag the pin to the exact spot."),
        "pinLabel": _("The place of the problem. Drag the pin to move it."),
        "sending": _("Sending…"),
        "searchLabel": _("Search"),
        "searchPlaceholder": _("e.g. street light"),
        "searchNone": _("Nothing matches. Try other words, or choose from the list."),
        "searchOne": _("1 match. Choose it below."),
        "searchCount": _("%(count)s matches. Choose one below."),
        "searchChosen": _("Chosen: %(name)s"),
        "photoRemove": _("Remove"),
        "photoRemoveNamed": _("Remove photo %(name)s"),
        "photosTooMany": _("You can send at most %(max)s photos; only the first %(max)s will be sent."),
        "photoTooLarge": _("%(name)s is larger than %(mb)s MB and will be refused. Choose a smaller photo."),
        "photoOne": _("1 photo chosen."),
        "photosChosen": _("%(count)s photos chosen."),
        "copied": _("Link copied."),
        "copyFailed": _("Could not copy: select the link and copy it yourself."),
        "maxPhotos": settings.MAX_PHOTOS,
        "maxBytes": settings.MAX_UPLOAD_BYTES,
    }
