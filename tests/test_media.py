"""Photo intake: validation on the request path, metadata-free re-encoding in the worker."""

import io
import random
import struct
import zlib

import pillow_heif
import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import ExifTags, Image

from phananh.reports import media as media_lib
from phananh.reports.models import Media

RED, BLUE, GREEN, WHITE = (255, 0, 0), (0, 0, 255), (0, 160, 0), (255, 255, 255)
SECRET = b"Nguyen Van A 0901234567"


def exif_with_gps(orientation=1):
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Model X"
    exif[ExifTags.Base.BodySerialNumber] = "SN-123456"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (10.0, 46.0, 21.0),
        ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (106.0, 41.0, 52.0),
    }
    return exif


def halves(size=(80, 40), left=RED, right=BLUE, mode="RGB"):
    """An image whose left half and right half differ, to see which way it was turned."""
    img = Image.new(mode, size, right)
    img.paste(left, (0, 0, size[0] // 2, size[1]))
    return img


def encode(img, fmt, **kwargs):
    out = io.BytesIO()
    img.save(out, fmt, **kwargs)
    return out.getvalue()


def upload(data, name="anh.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def png_claiming(width, height):
    """A tiny but well-formed PNG whose header claims `width`×`height` pixels."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + chunk(b"IEND", b""))


def open_jpeg(data):
    img = Image.open(io.BytesIO(data))
    assert img.format == "JPEG"
    return img


def refused(data, name="anh.jpg"):
    with pytest.raises(ValidationError) as excinfo:
        media_lib.validate_image(upload(data, name))
    return excinfo.value


# --- validation ------------------------------------------------------------------------

@pytest.mark.parametrize("fmt, name", [("JPEG", "a.jpg"), ("PNG", "a.png"), ("WEBP", "a.webp"), ("GIF", "a.gif")])
def test_accepted_formats(fmt, name):
    media_lib.validate_image(upload(encode(halves(), fmt), name))


def test_heic_is_accepted():
    data = encode(halves(), "HEIF", quality=60)
    assert data[4:12] == b"ftypheic"
    media_lib.validate_image(upload(data, "IMG_0001.HEIC", "image/heic"))


def test_validation_leaves_the_file_at_its_start():
    photo = upload(encode(halves(), "JPEG"))
    media_lib.validate_image(photo)
    assert photo.tell() == 0


def test_text_file_renamed_jpg_is_refused():
    error = refused("Đây không phải là ảnh.\n".encode() * 20, "ghi-chu.jpg")
    assert error.code == "not_image"
    assert "ghi-chu.jpg" in error.messages[0]


def test_truncated_header_is_refused():
    assert refused(encode(halves(), "PNG")[:30], "cut.png").code == "not_image"


@pytest.mark.parametrize("fmt", ["BMP", "TIFF"])
def test_other_image_formats_are_refused(fmt):
    error = refused(encode(halves(), fmt), "scan.img")
    assert error.code == "bad_format"
    with translation.override("en"):
        assert fmt in refused(encode(halves(), fmt), "scan.img").messages[0]


def test_empty_file_is_refused():
    assert refused(b"", "rong.jpg").code == "empty"


def test_too_large_file_is_refused(settings):
    settings.MAX_UPLOAD_BYTES = 1024 * 1024
    noisy = Image.frombytes("RGB", (700, 700), random.Random(7).randbytes(700 * 700 * 3))  # incompressible
    data = encode(noisy, "PNG", compress_level=0)
    assert len(data) > settings.MAX_UPLOAD_BYTES
    error = refused(data, "to.png")
    assert error.code == "too_large"
    settings.MAX_UPLOAD_BYTES = len(data)
    media_lib.validate_image(upload(data, "to.png"))


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize("width, height", [
    (10_000, 10_000),  # over our 50 Mpx limit
    (40_000, 40_000),  # so big that Pillow itself refuses to open it
])
def test_decompression_bomb_is_refused(width, height):
    data = png_claiming(width, height)
    assert len(data) < 200
    assert refused(data, "bom.png").code == "too_many_pixels"


def test_english_messages():
    with translation.override("en"):
        assert refused(b"", "rong.jpg").messages == ["“rong.jpg” is empty."]
        assert refused(b"hello", "x.jpg").messages == [
            "“x.jpg” is not a photo we can read. Please send a JPEG, PNG, WebP or HEIC image."]
        assert refused(png_claiming(10_000, 6_000), "big.png").messages == [
            "“big.png” has too many pixels (10000×6000)."]


def test_too_large_message_in_english(settings):
    settings.MAX_UPLOAD_BYTES = 2 * 1024 * 1024
    with translation.override("en"):
        message = refused(b"\xff" * (3 * 1024 * 1024), "lon.jpg").messages[0]
    assert message == "“lon.jpg” is too large (3.0 MB). Photos may be up to 2 MB."


def test_messages_follow_the_active_language():
    # Vietnamese is the default; until its catalog exists the text is the English msgid,
    # so check the code and that a message is produced in whichever language is active.
    error = refused(b"", "rong.jpg")
    assert translation.get_language() == "vi"
    assert error.code == "empty" and "rong.jpg" in error.messages[0]


# --- re-encoding ------------------------------------------------------------------------

def test_exif_and_gps_are_stripped():
    original = encode(halves(), "JPEG", exif=exif_with_gps(), comment=SECRET)
    with Image.open(io.BytesIO(original)) as img:  # the test image really carries them
        assert img.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert img.info["comment"] == SECRET
    full, thumb = media_lib.reencode(original)
    for data in (full, thumb):
        img = open_jpeg(data)
        assert not img.getexif()
        assert not img.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert {"exif", "comment", "xmp", "icc_profile"}.isdisjoint(img.info)
        assert b"Exif" not in data and b"PhoneMaker" not in data and SECRET not in data


def test_xmp_and_icc_profile_are_dropped():
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="10,46.35N"/>'
           b"</rdf:RDF></x:xmpmeta>")
    full, _thumb = media_lib.reencode(encode(halves(), "JPEG", icc_profile=icc, xmp=xmp))
    assert b"GPSLatitude" not in full and b"xmpmeta" not in full
    assert "icc_profile" not in open_jpeg(full).info


def test_orientation_is_applied():
    # Orientation 6: the camera was turned; viewers rotate 90° clockwise, so the left half is on top.
    full, _thumb = media_lib.reencode(encode(halves((80, 40)), "JPEG", exif=exif_with_gps(orientation=6)))
    img = open_jpeg(full).convert("RGB")
    assert img.size == (40, 80)
    top, bottom = img.getpixel((20, 10)), img.getpixel((20, 70))
    assert top[0] > 200 > top[2] and bottom[2] > 200 > bottom[0]


def test_png_with_alpha_becomes_jpeg_on_white():
    img = Image.new("RGBA", (80, 40), (0, 0, 0, 0))
    img.paste((*GREEN, 255), (40, 0, 80, 40))
    full, _thumb = media_lib.reencode(encode(img, "PNG"))
    out = open_jpeg(full).convert("RGB")
    assert out.mode == "RGB"
    assert all(c > 240 for c in out.getpixel((10, 20)))  # transparent → white, not black
    r, g, b = out.getpixel((70, 20))
    assert g > 120 and r < 60 and b < 60


def test_palette_gif_and_grey_images_are_re_encoded():
    for img, fmt in ((halves().convert("P"), "GIF"), (halves().convert("L"), "PNG"), (halves().convert("1"), "PNG")):
        full, _thumb = media_lib.reencode(encode(img, fmt))
        assert open_jpeg(full).size == (80, 40)


def test_sixteen_bit_greyscale_keeps_its_tones():
    img = Image.new("I;16", (80, 40), 40_000)
    img.paste(Image.new("I;16", (40, 40), 0), (0, 0))
    data = encode(img, "PNG")
    media_lib.validate_image(upload(data, "scan.png"))
    full, _thumb = media_lib.reencode(data)
    out = open_jpeg(full)
    assert out.getpixel((10, 20)) < 10
    assert 140 < out.getpixel((70, 20)) < 170  # 40000/65535 of white, not clipped to 255


def test_heic_is_re_encoded_to_jpeg_without_metadata():
    heic = encode(halves((80, 40)), "HEIF", quality=70, exif=exif_with_gps(orientation=6).tobytes())
    full, _thumb = media_lib.reencode(heic)
    img = open_jpeg(full)
    assert img.size == (40, 80)  # turned upright
    assert not img.getexif() and b"PhoneMaker" not in full


def test_big_photos_are_scaled_down_and_thumbnailed():
    full, thumb = media_lib.reencode(encode(halves((3000, 1500)), "JPEG"))
    assert open_jpeg(full).size == (media_lib.MAX_SIDE, media_lib.MAX_SIDE // 2)
    assert open_jpeg(thumb).size == (media_lib.THUMB_SIDE, media_lib.THUMB_SIDE // 2)
    # Only the large copy is worth progressive scans (it shows early on a slow connection).
    assert open_jpeg(full).info.get("progressive") and not open_jpeg(thumb).info.get("progressive")


# --- end to end: parked upload → published photo ------------------------------------------

def test_worker_publishes_a_clean_copy_and_deletes_the_original(city, submit_report,
                                                                django_capture_on_commit_callbacks):
    photo = upload(encode(halves((80, 40)), "JPEG", exif=exif_with_gps(orientation=6), comment=SECRET))
    media_lib.validate_image(photo)
    parked = media_lib.park_upload(photo)
    incoming = storages["incoming"]
    assert incoming.exists(parked)
    with django_capture_on_commit_callbacks(execute=True):
        report = submit_report(photos=[parked])
    item = Media.objects.get(report=report)
    assert item.ready and item.incoming == ""
    assert not incoming.exists(parked)
    assert (item.width, item.height) == (40, 80)
    for field in (item.image, item.thumbnail):
        with field.open("rb") as fh:
            data = fh.read()
        img = open_jpeg(data)
        assert not img.getexif() and SECRET not in data and b"PhoneMaker" not in data
    # Processing again is a no-op.
    name = item.image.name
    media_lib.process(item)
    assert Media.objects.get(pk=item.pk).image.name == name


def test_heif_opener_is_registered():
    assert pillow_heif.is_supported(encode(halves(), "HEIF", quality=50))
