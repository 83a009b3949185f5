"""Photo intake: cheap validation on the request path, re-encoding in the worker.

The request only checks that an upload is a real image of an accepted type
and size, then parks the original bytes in private `incoming` storage. The
worker (`tasks.process_media`) decodes it, applies the EXIF orientation,
re-encodes to JPEG without any metadata (GPS, camera serial...) and makes the
thumbnail; the original is then deleted. Nothing is shown before that.
"""

import io
import uuid

import pillow_heif
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

pillow_heif.register_heif_opener()

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "HEIF", "GIF", "MPO"}
MAX_PIXELS = 50_000_000
MAX_SIDE = 2048
THUMB_SIDE = 480
JPEG_QUALITY = 85


def validate_image(upload):
    """Raise ValidationError (in the user's language) unless `upload` is an
    accepted image within the limits. Reads only the header and structure."""
    limit_mb = settings.MAX_UPLOAD_BYTES // (1024 * 1024)
    if upload.size is not None and upload.size > settings.MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("“%(name)s” is too large (%(size).1f MB). Photos may be up to %(limit)d MB.")
            % {"name": upload.name, "size": upload.size / 1024 / 1024, "limit": limit_mb},
            code="too_large",
        )
    if upload.size == 0:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": upload.name}, code="empty")
    try:
        upload.seek(0)
        with Image.open(upload) as img:
            fmt = img.format
            width, height = img.size
            img.verify()
    except Image.DecompressionBombError:
        # Pillow refuses to even open an image this big: a decompression bomb.
        raise ValidationError(
            _("“%(name)s” has too many pixels.") % {"name": upload.name}, code="too_many_pixels",
        )
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(
            _("“%(name)s” is not a photo we can read. Please send a JPEG, PNG, WebP or HEIC image.")
            % {"name": upload.name},
            code="not_image",
        )
    finally:
        upload.seek(0)
    if fmt not in ACCEPTED_FORMATS:
        raise ValidationError(
            _("“%(name)s” is a %(format)s file. Please send a JPEG, PNG, WebP or HEIC image.")
            % {"name": upload.name, "format": fmt},
            code="bad_format",
        )
    if width * height > MAX_PIXELS:
        raise ValidationError(
            _("“%(name)s” has too many pixels (%(w)d×%(h)d).") % {"name": upload.name, "w": width, "h": height},
            code="too_many_pixels",
        )


def park_upload(upload):
    """Save the original bytes privately; returns the storage name."""
    upload.seek(0)
    name = f"{uuid.uuid4().hex}.upload"
    return storages["incoming"].save(name, upload)


def reencode(raw_bytes):
    """(full JPEG bytes, thumbnail JPEG bytes) with every metadata block dropped."""
    with Image.open(io.BytesIO(raw_bytes)) as img:
        img = ImageOps.exif_transpose(img)
        if img.mode == "I" or img.mode.startswith("I;16"):
            # 16-bit greyscale PNG: scale to 8 bits, as a plain conversion
            # clips every value above 255 and the photo comes out white.
            img = img.convert("I").point(lambda v: v / 256).convert("L")
        if img.mode not in ("RGB", "L"):
            background = Image.new("RGB", img.size, "white")
            rgba = img.convert("RGBA")
            background.paste(rgba, mask=rgba.split()[-1])
            img = background
        img.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
        full = _jpeg(img)
        thumb = img.copy()
        thumb.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
        return full, _jpeg(thumb)


def _jpeg(img):
    out = io.BytesIO()
    # No exif=, no icc_profile=; and Pillow copies some blocks from img.info
    # on its own (a JPEG comment survives a plain save), so that goes too.
    img.info = {}
    # Progressive scans let a large photo show early on a slow connection;
    # at thumbnail size they only make the worker encode two to three
    # times longer.
    progressive = max(img.size) > THUMB_SIDE
    img.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=progressive)
    return out.getvalue()


def process(media):
    """Publish a parked upload: re-encode, store, delete the original."""
    if media.ready or not media.incoming:
        return
    incoming = storages["incoming"]
    with incoming.open(media.incoming, "rb") as fh:
        raw = fh.read()
    full, thumb = reencode(raw)
    stem = uuid.uuid4().hex
    media.image.save(f"{stem}.jpg", ContentFile(full), save=False)
    media.thumbnail.save(f"{stem}.jpg", ContentFile(thumb), save=False)
    parked, media.incoming = media.incoming, ""
    media.save(update_fields=["image", "thumbnail", "width", "height", "incoming"])
    incoming.delete(parked)


# --- keeping incoming storage honest -------------------------------------------------------
# A processing job can be lost (the worker killed mid-job, the queue flushed)
# and a parked upload can be abandoned (a form left after an error). Two
# periodic sweeps put that right; both only look at rows or files older than
# any normal round-trip, so they never race a request in progress.

def stale_pending_ids(now, *, min_age, max_age):
    """Photos still waiting for processing longer than `min_age` (their job was
    lost), younger than `max_age` (an image that keeps failing is left for an
    operator instead of being retried for ever)."""
    from .models import Media

    return list(
        Media.objects.filter(incoming__gt="", created_at__lt=now - min_age, created_at__gt=now - max_age)
        .order_by("id").values_list("id", flat=True)[:1000]
    )


def sweep_abandoned_uploads(now, *, older_than):
    """Delete parked uploads no photo refers to, older than `older_than`;
    returns how many were deleted."""
    from .models import Media

    storage = storages["incoming"]
    try:
        _, names = storage.listdir("")
    except FileNotFoundError:
        return 0
    deleted = 0
    for start in range(0, len(names), 500):
        batch = names[start:start + 500]
        referenced = set(Media.objects.filter(incoming__in=batch).values_list("incoming", flat=True))
        for name in batch:
            if name not in referenced and storage.get_modified_time(name) < now - older_than:
                storage.delete(name)
                deleted += 1
    return deleted
