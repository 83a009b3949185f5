"""Sentences submit.js shows, translated on the server with the page.

Passing them in the page (json_script) keeps one message catalogue for
templates and script alike and needs no JavaScript catalogue view.
"""

from django.conf import settings
from django.utils.translation import gettext as _

from phananh.nlp import classifier


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
        "suggestHint": _("Not sure? Describe the problem below: a category is suggested as you type."),
        "suggestChosen": _("Suggested from your description: %(name)s. It is now chosen in the list above; "
                           "you can change it."),
        "suggestSame": _("Suggested from your description: %(name)s, the category you chose."),
        "suggestKept": _("Suggested from your description: %(name)s. Your own choice is kept: "
                         "use the button to switch."),
        "suggestUnsure": _("The category is not clear from your description yet. It could be one of these, "
                           "or choose from the list above."),
        "suggestNone": _("The category is not clear from your description yet: choose it from the list above."),
        "suggestAlso": _("Other possible categories:"),
        "suggestButtons": _("Possible categories:"),
        "suggestPicked": _("Chosen: %(name)s. You can still change it in the list above."),
        # Below this score a suggestion is offered as a button, not chosen for the person.
        "suggestConfidence": classifier.min_confidence(),
        "copied": _("Link copied."),
        "copyFailed": _("Could not copy: select the link and copy it yourself."),
        "maxPhotos": settings.MAX_PHOTOS,
        "maxBytes": settings.MAX_UPLOAD_BYTES,
    }
