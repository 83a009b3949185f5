"""Webhooks of the SMS gateway and the mail relay: POST /sms/inbound, POST /email/inbound.

Both are machine-to-machine and authenticated by a shared secret
(SMS_INBOUND_SECRET, EMAIL_INBOUND_SECRET), sent one of two ways:

- `X-PhanAnh-Secret: <secret>`, for gateways that can only add a fixed header;
- `X-PhanAnh-Signature: sha256=<hex HMAC-SHA256 of the raw body with the secret>`,
  which never puts the secret on the wire.

An empty secret setting turns the webhook off (403 for everyone). Answers
are JSON; errors carry `error` (a code) and `detail` (a sentence in the
language of the request's Accept-Language). docs/channels.md has the contract.
"""

import hashlib
import hmac
import json
import math

from django.conf import settings
from django.http import JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import email_ingest, sms

SMS_FIELDS = {  # accepted names → ours, for gateways with their own vocabulary
    "id": "id", "message_id": "id", "messageId": "id", "sender": "sender", "from": "sender", "phone": "sender",
    "text": "text", "message": "text", "body": "text", "content": "text", "lat": "lat", "lng": "lng",
    "lon": "lng",
}
SMS_MAX_BODY = 64 * 1024


def _error(status, code, detail):
    return JsonResponse({"error": code, "detail": detail}, status=status)


def _authentic(request, secret, body):
    if not secret:
        return False
    given = request.headers.get("X-PhanAnh-Secret")
    if given is not None:
        return hmac.compare_digest(given.encode(), secret.encode())
    signature = request.headers.get("X-PhanAnh-Signature", "")
    if signature.startswith("sha256="):
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(signature[7:].strip().lower().encode(), expected.encode())
    return False


def _machine_language(view):
    """Errors in the language the gateway asks for (Accept-Language), as the API does."""
    def wrapper(request, *args, **kwargs):
        with translation.override(translation.get_language_from_request(request)):
            return view(request, *args, **kwargs)
    wrapper.__name__, wrapper.__doc__ = view.__name__, view.__doc__
    return wrapper


def _read_body(request, limit):
    """The raw body, at most `limit` bytes (None when longer). Read from the
    stream so that a large email is not refused by DATA_UPLOAD_MAX_MEMORY_SIZE,
    which guards form parsing, not this."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        return None
    body = request.read(limit + 1)
    return None if len(body) > limit else body


@csrf_exempt
@require_POST
@_machine_language
def sms_inbound(request):
    """One SMS from the gateway: form-encoded or JSON {id, sender, text, lat?, lng?}."""
    body = request.body  # small: the form parser reads the same bytes again
    if len(body) > SMS_MAX_BODY:
        return _error(400, "too_large", _("The request is too large for an SMS."))
    if not _authentic(request, settings.SMS_INBOUND_SECRET, body):
        return _error(403, "forbidden", _("Wrong or missing secret (X-PhanAnh-Secret or X-PhanAnh-Signature)."))
    try:
        fields = _sms_fields(request, body)
        message = _sms_message(fields)
    except ValueError as error:
        return _error(400, "invalid", str(error))
    result = sms.handle(message)
    if message.lat is None and (fields.get("lat") or fields.get("lng")):
        result.warnings.append(_("lat/lng were ignored: give both, as decimal degrees."))
    return JsonResponse(result.as_dict())


def _sms_fields(request, body):
    if request.content_type == "application/json":
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise ValueError(_("The body is not valid JSON in UTF-8.")) from None
        if not isinstance(data, dict):
            raise ValueError(_("The JSON body must be an object."))
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        data = request.POST.dict()
    else:
        raise ValueError(_("Send the message as application/json or application/x-www-form-urlencoded."))
    fields = {}
    for name, value in data.items():
        if name in SMS_FIELDS and value is not None:
            fields.setdefault(SMS_FIELDS[name], value)
    return fields


def _sms_message(fields):
    for name in ("id", "sender"):
        if not isinstance(fields.get(name), (str, int)) or not str(fields[name]).strip():
            raise ValueError(_("The field “%(name)s” is required.") % {"name": name})
    text = fields.get("text", "")
    if not isinstance(text, str):
        raise ValueError(_("The field “text” must be a string."))
    if len(str(fields["id"])) > 200:
        raise ValueError(_("The message id is too long (at most 200 characters)."))
    lat, lng = _coordinate(fields.get("lat"), 90), _coordinate(fields.get("lng"), 180)
    if lat is None or lng is None:
        lat = lng = None
    return sms.Inbound(message_id=str(fields["id"]), sender=str(fields["sender"]), text=text, lat=lat, lng=lng)


def _coordinate(value, bound):
    """A finite number within ±bound, or None (unreadable positions are
    dropped with a warning: the citizen's message still counts)."""
    if value is None or isinstance(value, bool) or value == "":
        return None
    try:
        number = float(str(value).replace(",", "."))
    except ValueError:
        return None
    return round(number, 6) if math.isfinite(number) and -bound <= number <= bound else None


@csrf_exempt
@require_POST
@_machine_language
def email_inbound(request):
    """One raw RFC 822 message from the mail relay."""
    body = _read_body(request, settings.EMAIL_INBOUND_MAX_BYTES)
    if body is None:
        return _error(400, "too_large", _("The message is too large (at most %(limit)d MB).")
                      % {"limit": settings.EMAIL_INBOUND_MAX_BYTES // (1024 * 1024)})
    if not _authentic(request, settings.EMAIL_INBOUND_SECRET, body):
        return _error(403, "forbidden", _("Wrong or missing secret (X-PhanAnh-Secret or X-PhanAnh-Signature)."))
    try:
        result = email_ingest.ingest(body)
    except email_ingest.Rejected as error:
        return _error(400, error.code, str(error))
    return JsonResponse(result.as_dict())
