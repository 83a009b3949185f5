"""Photos accepted on one POST of the submit form, carried to the next.

When a form comes back with an error the browser cannot refill its file
inputs, so a person on a slow phone connection would have to pick and upload
every photo again. Instead each accepted photo is parked at once in private
`incoming` storage (media.park_upload) and the re-rendered page carries its
storage name in a hidden input, signed so that nobody can make the form
attach an upload parked by someone else, and dated so that an old page
cannot revive a long-abandoned one.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.files.storage import storages

from phananh.reports import media as media_lib

SALT = "phananh.intake.parked-photo"
# A person may leave the form open while they walk to the spot or find the
# ward's name; a day is generous and still bounds how long a link lives.
MAX_AGE_SECONDS = 24 * 3600
FIELD = "parked_photo"
REMOVE_FIELD = "remove_photo"


@dataclass(frozen=True)
class ParkedPhoto:
    name: str       # storage name in `incoming`
    filename: str   # what the phone called it, to list it back to the person
    size: int

    def signed(self):
        return signing.dumps({"n": self.name, "f": self.filename, "s": self.size}, salt=SALT, compress=True)

    @classmethod
    def unsign(cls, value):
        try:
            data = signing.loads(value, salt=SALT, max_age=MAX_AGE_SECONDS)
            return cls(name=str(data["n"]), filename=str(data["f"]), size=int(data["s"]))
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            return None


def _incoming():
    return storages["incoming"]


class PhotoTray:
    """The photos parked for one form: those carried from the previous POST
    (minus the ones the person ticked to remove) plus the new ones."""

    def __init__(self, photos=(), lost=0):
        self.photos = list(photos)
        # Carried photos that can no longer be attached (expired, tampered
        # with, or already cleaned up): the form tells the person to re-add them.
        self.lost = lost
        self.new = []

    @classmethod
    def from_post(cls, data):
        removed = set(data.getlist(REMOVE_FIELD))
        photos, lost, seen = [], 0, set()
        for value in data.getlist(FIELD)[: settings.MAX_PHOTOS]:
            photo = ParkedPhoto.unsign(value)
            if photo is None or photo.name in seen:
                lost += photo is None
                continue
            seen.add(photo.name)
            if photo.name in removed:
                # Removed on purpose: delete it now rather than keep a
                # stranger's photo (and its GPS tags) around for the cleaner.
                _incoming().delete(photo.name)
            elif _incoming().exists(photo.name):
                photos.append(photo)
            else:
                lost += 1
        return cls(photos, lost)

    @property
    def room(self):
        return max(settings.MAX_PHOTOS - len(self.photos), 0)

    def park(self, uploads):
        for upload in uploads:
            name = media_lib.park_upload(upload)
            photo = ParkedPhoto(name=name, filename=(upload.name or "")[:100], size=upload.size or 0)
            self.photos.append(photo)
            self.new.append(photo)

    def names(self):
        return [photo.name for photo in self.photos]

    def discard_new(self):
        """Delete the files parked by this request, when a concurrent retry of
        the same form has already created the report. Photos carried from an
        earlier POST are left alone: that retry attached those very files."""
        for photo in self.new:
            _incoming().delete(photo.name)
        self.photos = [photo for photo in self.photos if photo not in self.new]
        self.new = []

    def __iter__(self):
        return iter(self.photos)

    def __len__(self):
        return len(self.photos)
