"""POST requests: read the form the spec defines, then create the report once.

The body is what Open311 clients send (application/x-www-form-urlencoded,
or multipart/form-data when they attach a photo as `media`). Every problem
with the fields is collected and returned together. The report is created
by `workflow.submit`, like every other channel's, in one transaction with
the Submission record and the reporter's subscription.

Idempotency: with an `Idempotency-Key` header the report carries the key
"o311:{key id}:{value}"; a retry with the same key gets the same answer and
never a second report, also when the retries run at the same time (the
unique key on Report decides, see workflow.submit).
"""

import hashlib
import json
import math
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.validators import URLValidator, validate_email
from django.utils.translation import gettext as _

from phananh.lib import phones
from phananh.reports import media, workflow
from phananh.reports.models import Channel
from phananh.units import routing

from . import attributes, services
from .models import Submission
from .render import Open311Error, xml_text

IDEMPOTENCY_PREFIX = "o311"
MAX_IDEMPOTENCY_LENGTH = 80  # Report.idempotency_key
MAX_DESCRIPTION = 4000       # the spec's limit
NOT_FINGERPRINTED = {"api_key"}


@dataclass
class NewRequest:
    category: object
    description: str
    lat: float | None = None
    lng: float | None = None
    address: str = ""
    reporter_name: str = ""
    email: str = ""
    phone: str = ""
    device_id: str = ""
    account_id: str = ""
    media_url: str = ""
    answers: dict = field(default_factory=dict)
    uploads: list = field(default_factory=list)


def clean(value):
    """A submitted text without the control characters no XML document or
    PostgreSQL column can hold (NUL above all), trimmed."""
    return xml_text(value or "").strip()


def scoped_key(api_key, value):
    """The report's idempotency key for the client's Idempotency-Key header, or None."""
    if value is None:
        return None
    value = value.strip()
    if not value or any(not 0x21 <= ord(ch) <= 0x7E for ch in value):
        raise Open311Error(400, _("The Idempotency-Key header must be printable ASCII without spaces."))
    key = f"{IDEMPOTENCY_PREFIX}:{api_key.pk}:{value}"
    if len(key) > MAX_IDEMPOTENCY_LENGTH:
        room = MAX_IDEMPOTENCY_LENGTH - len(key) + len(value)
        raise Open311Error(400, _("The Idempotency-Key header is too long: at most %(n)d characters.") % {"n": room})
    return key


def fingerprint(post, files):
    fields = sorted((name, post.getlist(name)) for name in post.keys() if name not in NOT_FINGERPRINTED)
    uploads = sorted((name, [(f.name, f.size) for f in files.getlist(name)]) for name in files.keys())
    return hashlib.sha256(json.dumps([fields, uploads], ensure_ascii=False).encode()).hexdigest()


def previous(scoped, print_):
    """The Submission an earlier request with this idempotency key created, if any."""
    if scoped is None:
        return None
    found = (
        Submission.objects.select_related("report", "report__category")
        .filter(report__idempotency_key=scoped).first()
    )
    if found is not None:
        same_request(found, print_)
    return found


def same_request(submission, print_):
    if submission.fingerprint != print_:
        raise Open311Error(400, _("This Idempotency-Key was already used for a different request. "
                                  "Use a new key for a new request."))


# --- reading the form ---------------------------------------------------------------

def read(post, files):
    """A NewRequest from the POST, or Open311Error with every problem found."""
    code = clean(post.get("service_code"))
    if not code:
        raise Open311Error(400, _("service_code is required."))
    category = services.find_category(code)
    errors = []
    request = NewRequest(category=category, description="")
    _read_location(post, request, errors)
    _read_texts(post, request, errors)
    _read_reporter(post, request, errors)
    answers = attributes.read(post, services.questions(category))
    errors += answers.errors
    request.answers = answers.raw
    request.uploads = _read_uploads(files, errors)
    if errors:
        raise Open311Error(400, *errors)
    description = request.description or category.name_vi
    if answers.lines:
        description = description + "\n\n" + "\n".join(answers.lines)
    request.description = description
    return request


def _read_location(post, request, errors):
    raw_lat, raw_lng = clean(post.get("lat")), clean(post.get("long"))
    request.address = clean(post.get("address_string"))
    if len(request.address) > 300:
        errors.append(_("address_string is too long (at most %(n)d characters).") % {"n": 300})
    if raw_lat or raw_lng:
        if not (raw_lat and raw_lng):
            errors.append(_("Send both lat and long, or neither."))
            return
        try:
            lat, lng = float(raw_lat), float(raw_lng)
        except ValueError:
            errors.append(_("lat and long must be decimal degrees (WGS 84), e.g. lat=10.7725&long=106.698."))
            return
        if not (math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180):
            errors.append(_("lat must be between -90 and 90 and long between -180 and 180."))
            return
        lat, lng = round(lat, 6), round(lng, 6)  # six decimals is about 10 cm
        if routing.ward_at(lat, lng) is None:
            errors.append(_("This location is outside the area this service covers."))
            return
        request.lat, request.lng = lat, lng
    elif not request.address:
        if clean(post.get("address_id")):
            errors.append(_("This service has no address register, so address_id cannot be used: "
                            "send lat and long, or address_string."))
        else:
            errors.append(_("A location is required: send lat and long, or address_string."))


def _read_texts(post, request, errors):
    request.description = clean(post.get("description"))
    if len(request.description) > MAX_DESCRIPTION:
        errors.append(_("description is too long (at most %(n)d characters).") % {"n": MAX_DESCRIPTION})
    for name in ("device_id", "account_id"):
        value = clean(post.get(name))
        if len(value) > 100:
            errors.append(_("%(name)s is too long (at most %(n)d characters).") % {"name": name, "n": 100})
        setattr(request, name, value)
    url = clean(post.get("media_url"))
    if url:
        try:
            if len(url) > 2000:
                raise ValidationError("too long")
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            errors.append(_("media_url must be an http or https address of at most 2000 characters."))
        else:
            request.media_url = url


def _read_reporter(post, request, errors):
    name = " ".join(part for part in (clean(post.get("first_name")), clean(post.get("last_name"))) if part)
    if len(name) > 120:
        errors.append(_("first_name and last_name together are too long (at most %(n)d characters).") % {"n": 120})
    request.reporter_name = name
    email = clean(post.get("email"))
    if email:
        try:
            if len(email) > 254:
                raise ValidationError("too long")
            validate_email(email)
        except ValidationError:
            errors.append(_("email is not a valid email address."))
        else:
            request.email = email
    phone = clean(post.get("phone"))
    if phone:
        try:
            request.phone = phones.normalize(phone[:50])
        except phones.InvalidPhone as error:
            errors.append(_("phone: %(problem)s") % {"problem": error.messages[0]})


def _read_uploads(files, errors):
    uploads = files.getlist("media")
    if len(uploads) > settings.MAX_PHOTOS:
        errors.append(_("Send at most %(n)d photos.") % {"n": settings.MAX_PHOTOS})
        return []
    for upload in uploads:
        try:
            media.validate_image(upload)
        except ValidationError as error:
            if error.code == "too_large":
                raise Open311Error(413, *error.messages) from None
            errors.extend(error.messages)
    return uploads


# --- creating the report ---------------------------------------------------------------

def create(api_key, request, scoped, print_):
    """(Submission, replayed): the new request's record, or the earlier one
    when a concurrent retry with the same idempotency key got there first."""
    parked = [media.park_upload(upload) for upload in request.uploads]
    created = []

    def record(report):
        created.append(Submission.objects.create(
            report=report, api_key=api_key, token=scoped.split(":", 2)[2] if scoped else _new_token(),
            fingerprint=print_, device_id=request.device_id, account_id=request.account_id,
            media_url=request.media_url, attributes=request.answers,
        ))

    try:
        report, citizen_token = workflow.submit(
            category=request.category, description=request.description, channel=Channel.OPEN311,
            lat=request.lat, lng=request.lng, address=request.address, reporter_name=request.reporter_name,
            reporter_phone=request.phone, reporter_email=request.email, photos=parked,
            idempotency_key=scoped, then=record,
        )
        if citizen_token is None:
            # Another request with this key created the report, and its
            # Submission in the same transaction.
            submission = Submission.objects.select_related("report", "report__category").get(report=report)
            replayed = True
        else:
            submission, replayed = created[0], False
    except workflow.WorkflowError as error:
        _discard(parked)
        raise Open311Error(400, str(error)) from None
    except BaseException:
        _discard(parked)
        raise
    if replayed:
        _discard(parked)
        same_request(submission, print_)
    return submission, replayed


def _new_token():
    return secrets.token_urlsafe(16)


def _discard(parked):
    incoming = storages["incoming"]
    for name in parked:
        incoming.delete(name)


def answer(submission):
    """The spec's POST answer: the id at once, since PhanAnh creates requests in real time."""
    return [{
        "service_request_id": submission.report.code,
        "service_notice": services.service_notice(submission.report.category),
        "account_id": submission.account_id or None,
    }]
