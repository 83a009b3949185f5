"""A few shared photos for generated reports.

A million reports must not mean a million files: each category's drawn
scene (phananh/demo/photos.py), before and after the fix, is re-encoded
once the way the worker publishes uploads (no metadata, a thumbnail) and
stored under `photos/generated/` and `thumbs/generated/`; every generated
Media row points at one of them. Files already there are reused.
"""

import random

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from phananh.reports import media as media_lib

from . import photos

# The proof photo of a category without a scene: the street, tidy.
GENERIC = "_street"


def ensure_photos(category_codes):
    """{(category code, after): (image name, thumbnail name, width, height)}
    for every category with a scene (before and after) and a generic "after"."""
    found = {}
    wanted = [(code, after) for code in sorted(category_codes) if photos.has_scene(code) for after in (False, True)]
    wanted.append((GENERIC, True))
    for code, after in wanted:
        stem = f"{code}-{'after' if after else 'before'}"
        image_name, thumb_name = f"photos/generated/{stem}.jpg", f"thumbs/generated/{stem}.jpg"
        if default_storage.exists(image_name) and default_storage.exists(thumb_name):
            with default_storage.open(image_name, "rb") as fh, Image.open(fh) as img:
                width, height = img.size
        else:
            drawn = photos.draw(code if code != GENERIC else "", random.Random(f"generated-photo:{stem}"), after=after)
            upload = photos.jpeg_upload(drawn, f"{stem}.jpg")
            full, thumb = media_lib.reencode(upload.read())
            width, height = drawn.size
            _replace(image_name, full)
            _replace(thumb_name, thumb)
        found[(code, after)] = (image_name, thumb_name, width, height)
    return found


def _replace(name, data):
    if default_storage.exists(name):
        default_storage.delete(name)
    saved = default_storage.save(name, ContentFile(data))
    if saved != name:
        raise RuntimeError(f"storage saved {name} as {saved}")


def photo_for(found, code, after):
    return found.get((code, after)) or found[(GENERIC, True)]
