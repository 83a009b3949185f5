"""Reports and comments by email.

The mail server hands each message to `ingest(raw_bytes)`, through
`manage.py ingest_email` (a pipe from the MTA) or `POST /email/inbound`
(a relay service). What it does with a message:

- an automatic message (auto-reply, out-of-office, bounce, mailing list,
  or our own mail coming back) is ignored: answering it could start a loop;
- a message whose subject carries a tracking code ("Re: [PhanAnh K7MW-3QDP]
  ...") sent from the address that made that report becomes the reporter's
  comment on it (workflow action "comment");
- anything else becomes a new report: the subject and the text as the
  description (the text/plain part, or the HTML part made plain text), image
  attachments as photos. A tracking code in the subject from any other
  address does not let the sender speak for the reporter: the message is a
  new report, and the reply says why.

Either way the sender gets an answer through the outbox with the tracking
code, and the list of attachments that were not kept. A message is read
whole and checked before anything is written: a broken or oversized message,
one without any text, or text that is not valid in its declared character
set raises `Rejected` (the command exits with EX_DATAERR, the webhook answers
400) and leaves nothing behind. The Message-ID (or, without one, a hash of
the message) is the idempotency key, so a redelivered message changes nothing.
"""

import codecs
import hashlib
import re
from dataclasses import dataclass, field
from email import errors as email_errors
from email import policy
from email.parser import BytesParser
from email.utils import parseaddr
from html.parser import HTMLParser
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image

from phananh.lib.codes import normalize_tracking_code
from phananh.nlp import category_routing
from phananh.nlp.normalize import fold
from phananh.notify import outbox
from phananh.notify.messages import SEPARATOR, citizen_languages
from phananh.notify.models import Channel as NotifyChannel
from phananh.notify.subscriptions import subscribe
from phananh.reports import media as media_lib
from phananh.reports import workflow
from phananh.reports.models import Channel, Event, Report

from .sms import channel_key, clean_text, extract_address, guess_category, match_ward

MAX_DESCRIPTION = 5000
MAX_COMMENT = 2000  # what the workflow's comment action accepts
MIN_PHOTO_SIDE = 160  # pixels; smaller images are signature logos and icons

# Why an attachment was left out: lazy, because the reply says it in each of the site's languages.
NOT_A_PHOTO = gettext_lazy("not a photo")
TOO_MANY_PHOTOS = gettext_lazy("more than {n} photos")
TOO_SMALL = gettext_lazy("too small to show the problem (a logo or signature image?)")
NOT_ON_COMMENTS = gettext_lazy("photos cannot be added to a comment")


class Rejected(Exception):
    """A message that cannot be used; `code` names the problem for machines,
    `str()` explains it to the person who sent it."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


@dataclass
class Result:
    status: str          # created | comment | duplicate | ignored
    code: str = ""       # the report's tracking code
    detail: str = ""     # why it was ignored
    left_out: list = field(default_factory=list)  # [(file name, reason)] attachments not kept

    def as_dict(self):
        data = {"status": self.status}
        if self.code:
            data["code"] = self.code
        if self.detail:
            data["detail"] = self.detail
        if self.left_out:
            data["attachments_left_out"] = [{"name": name, "reason": str(reason)} for name, reason in self.left_out]
        return data


@dataclass
class Photo:
    name: str
    data: bytes
    content_type: str


# --- reading the message -------------------------------------------------------------

# Structural damage the parser works around by guessing: refuse rather than guess.
_BROKEN = (
    email_errors.NoBoundaryInMultipartDefect,
    email_errors.StartBoundaryNotFoundDefect,
    email_errors.CloseBoundaryNotFoundDefect,
    email_errors.MultipartInvariantViolationDefect,
)


def parse(raw):
    """The message as an EmailMessage, or Rejected when it is too large or broken."""
    if len(raw) > settings.EMAIL_INBOUND_MAX_BYTES:
        raise Rejected("too_large", _("The message is too large (%(size)d MB). Send at most %(limit)d MB, "
                                      "for example fewer or smaller photos.")
                       % {"size": -(-len(raw) // (1024 * 1024)),
                          "limit": settings.EMAIL_INBOUND_MAX_BYTES // (1024 * 1024)})
    if not raw.strip():
        raise Rejected("empty", _("The message is empty."))
    broken = Rejected("broken", _("The message is damaged (its MIME structure cannot be read). Please send it "
                                  "again."))
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
        damaged = any(isinstance(d, _BROKEN) for part in message.walk() for d in part.defects)
    except (ValueError, TypeError, LookupError, IndexError, email_errors.MessageError):
        raise broken from None
    if damaged:
        raise broken
    return message


def sender_of(message):
    """(address, display name) of the From header, or Rejected."""
    try:
        header = message["From"]
        addresses = getattr(header, "addresses", None) if header is not None else None
        if addresses:
            address, name = addresses[0].addr_spec, addresses[0].display_name
        else:
            name, address = parseaddr(str(header or ""))
    except (ValueError, TypeError, IndexError, email_errors.HeaderParseError):
        address, name = "", ""
    address = (address or "").strip()
    try:
        validate_email(address)
    except ValidationError:
        raise Rejected("no_sender", _("The message has no valid sender address to answer.")) from None
    return address, clean_text(name or "")[:120]


def automatic_reason(message, sender):
    """Why `message` was sent by a machine (RFC 3834 and common practice), or None."""
    auto = str(message.get("Auto-Submitted", "")).strip().lower()
    if auto and auto != "no":
        return "auto-submitted"
    if str(message.get("Precedence", "")).strip().lower() in ("bulk", "junk", "list", "auto_reply"):
        return "bulk"
    if any(message.get(h) for h in ("X-Autoreply", "X-Autorespond", "List-Id", "List-Unsubscribe")):
        return "list or auto-reply"
    if message.get_content_type() == "multipart/report":
        return "delivery report"
    if str(message.get("Return-Path", "")).strip() == "<>":
        return "bounce"
    local = sender.split("@", 1)[0].lower()
    if local in ("mailer-daemon", "postmaster") or local.startswith(("no-reply", "noreply", "bounce")):
        return "automatic sender"
    if sender.lower() == parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower():
        return "our own message"
    return None


def message_key(message, raw):
    """The idempotency key: "email:<Message-ID>", or a hash of the bytes without one."""
    message_id = str(message.get("Message-ID", "") or "").strip().strip("<>").strip()
    if message_id:
        return channel_key("email", message_id)
    return f"email:sha256:{hashlib.sha256(raw).hexdigest()}"


def subject_of(message):
    try:
        return clean_text(re.sub(r"\s+", " ", str(message.get("Subject", "") or "")))[:300]
    except (ValueError, TypeError, LookupError, email_errors.HeaderParseError):
        return ""


def decode_text(part):
    """The text of a text/* part in its declared character set, strictly:
    bytes that are not valid in it raise Rejected rather than becoming "�"."""
    payload = part.get_payload(decode=True) or b""
    if any(isinstance(d, email_errors.InvalidBase64LengthDefect) for d in part.defects):
        raise Rejected("broken", _("The text of the message is damaged (invalid base64). Please send it again."))
    declared = part.get_content_charset()
    if declared in (None, "us-ascii", "ascii"):
        # Undeclared 8-bit text is almost always UTF-8 these days; anything else is refused below.
        candidates = ["ascii", "utf-8"]
    else:
        try:
            candidates = [codecs.lookup(declared).name]
        except LookupError:
            raise Rejected("charset", _("The message uses an unknown character set (%(charset)s). "
                                        "Please send it as UTF-8.") % {"charset": declared[:40]}) from None
    for charset in candidates:
        try:
            # NFC: windows-1258 writes Vietnamese tones as separate combining marks.
            return clean_text(payload.decode(charset))
        except UnicodeDecodeError:
            continue
    raise Rejected("charset", _("The text of the message is not valid %(charset)s. Please send it as UTF-8.")
                   % {"charset": (declared or "UTF-8").upper()[:40]})


class _PlainText(HTMLParser):
    """HTML to plain text: tags dropped, scripts and styles with their
    content, blocks and line breaks kept as new lines. Nothing is rendered
    or fetched; entities are decoded once."""

    SKIP = {"script", "style", "head", "title", "noscript", "template", "svg", "object"}
    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table",
              "ul", "ol", "section", "article", "hr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.skipping = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)

    def text(self):
        lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in "".join(self.parts).split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(html):
    parser = _PlainText()
    parser.feed(html)
    parser.close()
    return parser.text()


def body_text(message):
    """The message's text: its text/plain body, else its HTML body made plain."""
    for kind in ("plain", "html"):
        part = message.get_body(preferencelist=(kind,))
        if part is None:
            continue
        text = decode_text(part)
        if kind == "html":
            text = html_to_text(text)
        if text.strip():
            return text.strip()
    return ""


_IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif", ".gif"}


def attachments(message):
    """Every attached file (not the text body) as (name, bytes, content type)."""
    body_parts = {id(p) for p in (message.get_body(preferencelist=(k,)) for k in ("plain", "html")) if p is not None}
    found = []
    for part in message.walk():
        if part.is_multipart() or id(part) in body_parts:
            continue
        filename = part.get_filename()
        attached = part.get_content_disposition() == "attachment"
        if not (filename or attached or part.get_content_maintype() == "image"):
            continue  # alternative text parts of the body
        name = PurePath(str(filename or "").replace("\\", "/")).name[:100] or _("attachment %(n)d") % {
            "n": len(found) + 1}
        found.append((name, part.get_payload(decode=True) or b"", part.get_content_type()))
    return found


def sort_attachments(files):
    """([Photo], [(name, reason)]): the photos to keep, and what is left out with why."""
    photos, left_out = [], []
    for name, data, content_type in files:
        if not (content_type.startswith("image/") or PurePath(name).suffix.lower() in _IMAGE_SUFFIXES):
            left_out.append((name, NOT_A_PHOTO))
            continue
        if len(photos) >= settings.MAX_PHOTOS:
            left_out.append((name, format_lazy(TOO_MANY_PHOTOS, n=settings.MAX_PHOTOS)))
            continue
        upload = SimpleUploadedFile(name, data, content_type=content_type)
        try:
            media_lib.validate_image(upload)
            with Image.open(upload) as image:
                size = image.size
        except ValidationError as error:
            left_out.append((name, " ".join(error.messages)))
            continue
        finally:
            upload.seek(0)
        if max(size) < MIN_PHOTO_SIDE:
            # Logos and icons in signatures come as inline images too.
            left_out.append((name, TOO_SMALL))
            continue
        photos.append(Photo(name, data, content_type))
    return photos, left_out


# --- tracking codes in subjects -------------------------------------------------------

_TAG_RE = re.compile(r"\[\s*phan\s*anh\s*[:#]?\s*([a-z0-9]{4}[\s\-]?[a-z0-9]{4})\s*\]", re.IGNORECASE)


def code_in_subject(subject):
    """The tracking code of a "[PhanAnh K7MW-3QDP]" tag in the subject, or None."""
    match = _TAG_RE.search(fold(subject))
    return normalize_tracking_code(match.group(1)) if match else None


def reply_tag(code):
    return f"[PhanAnh {code}]"


_QUOTE_HEADER_RES = [
    re.compile(r"^\s*On\b.{0,300}\bwrote:\s*$", re.IGNORECASE),
    re.compile(r"^\s*Vào\b.{0,300}\bđã viết:\s*$", re.IGNORECASE),
    re.compile(r"^\s*-{2,}\s*(?:Original Message|Forwarded message|Thư gốc|Tin nhắn gốc)\s*-{2,}\s*$",
               re.IGNORECASE),
    re.compile(r"^\s*From:\s.+", re.IGNORECASE),
    re.compile(r"^\s*_{20,}\s*$"),  # Outlook's line above the quoted message
]


def without_quote(text):
    """A reply's own words: the quoted message below it and the signature cut off."""
    kept = []
    for line in text.split("\n"):
        if line.rstrip() == "--" or any(pattern.match(line) for pattern in _QUOTE_HEADER_RES):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line)
    return "\n".join(kept).strip()


def _verified_sender(message, sender, report):
    """The sender is the reporter: same address, and our mail server did not
    find the address forged (DMARC or SPF failure in Authentication-Results)."""
    if not report.reporter_email or sender.casefold() != report.reporter_email.strip().casefold():
        return False
    results = " ".join(str(v) for v in message.get_all("Authentication-Results", []) or []).lower()
    return not re.search(r"\b(?:dmarc|spf)=fail\b", results)


# --- acting on it ----------------------------------------------------------------------

def ingest(raw):
    """Read one raw RFC 822 message (bytes) and act on it; returns a Result
    or raises Rejected with nothing written."""
    message = parse(raw)
    sender, name = sender_of(message)
    reason = automatic_reason(message, sender)
    if reason:
        return Result("ignored", detail=reason)
    key = message_key(message, raw)
    done = Report.objects.filter(idempotency_key=key).values_list("code", flat=True).first()
    if done:
        return Result("duplicate", code=done)
    subject = subject_of(message)
    text = body_text(message)
    photos, left_out = sort_attachments(attachments(message))

    mentioned = code_in_subject(subject)
    report = Report.objects.filter(code=mentioned).first() if mentioned else None
    if report is not None and _verified_sender(message, sender, report):
        not_added = [(photo.name, NOT_ON_COMMENTS) for photo in photos]
        return _comment(report, sender, text, key, left_out + not_added)
    description = "\n\n".join(part for part in (_without_reply_prefix(subject), text) if part)
    if not re.search(r"\w", description):
        raise Rejected("no_text", _("The message has no text. Write what is wrong and where, in the subject "
                                    "or the message."))
    if len(description) > MAX_DESCRIPTION:
        raise Rejected("too_long", _("The text is too long (at most %(n)d characters). Please shorten it.")
                       % {"n": MAX_DESCRIPTION})
    return _create(description, sender, name, key, photos, left_out, mentioned if report is not None else None)


_REPLY_PREFIX_RE = re.compile(r"^\s*(?:(?:re|fw|fwd|tr|aw|sv|vs)\s*:\s*)+", re.IGNORECASE)


def _without_reply_prefix(subject):
    return _REPLY_PREFIX_RE.sub("", subject).strip()


def _comment(report, sender, text, key, left_out):
    comment = without_quote(text)
    if not re.search(r"\w", comment):
        raise Rejected("no_text", _("The reply has no text of its own to add to report %(code)s.")
                       % {"code": report.code})
    if len(comment) > MAX_COMMENT:
        raise Rejected("too_long", _("The comment is too long (at most %(n)d characters). Please shorten it.")
                       % {"n": MAX_COMMENT})
    ref = hashlib.sha256(key.encode()).hexdigest()[:32]
    with transaction.atomic():
        try:
            report = workflow.apply(report, "comment", workflow.SYSTEM_ACTOR, text=comment, via="email", ref=ref)
        except workflow.AlreadyDone:
            return Result("duplicate", code=report.code)
        event = Event.objects.filter(report=report, type="citizen_comment").order_by("-seq").first()
        subject_line, body = _reply(report, "comment", left_out=left_out)
        outbox.enqueue(report, sender, subject_line, body, event=event, channel=NotifyChannel.EMAIL,
                       language=settings.LANGUAGE_CODE)
    return Result("comment", code=report.code, left_out=left_out)


def _create(description, sender, name, key, photos, left_out, mentioned):
    category = guess_category(description)  # before the transaction: the classifier may need loading
    ward = match_ward(description)
    parked = []
    try:
        for photo in photos:
            parked.append(media_lib.park_upload(SimpleUploadedFile(photo.name, photo.data, photo.content_type)))

        def reply_with_the_code(report):
            subscribe(report, NotifyChannel.EMAIL, sender, is_reporter=True, language=settings.LANGUAGE_CODE)
            subject_line, body = _reply(report, "created", left_out=left_out, mentioned=mentioned)
            outbox.enqueue(report, sender, subject_line, body, event=report.events.get(type="submitted"),
                           channel=NotifyChannel.EMAIL, language=settings.LANGUAGE_CODE)

        report, token = workflow.submit(
            category=category, description=description, channel=Channel.EMAIL, ward=ward,
            address=extract_address(description), reporter_name=name, reporter_email=sender,
            photos=parked, idempotency_key=key, category_source=category_routing.UNCHOSEN,
            then=reply_with_the_code,
        )
        if token is None:  # a concurrent delivery of the same message won
            _discard(parked)
            return Result("duplicate", code=report.code)
    except BaseException:
        _discard(parked)
        raise
    return Result("created", code=report.code, left_out=left_out)


def _discard(parked):
    incoming = storages["incoming"]
    for name in parked:
        incoming.delete(name)


def _reply(report, kind, *, left_out=(), mentioned=None):
    """(subject, body) of the answer, in the site's languages like every
    citizen notice. The subject carries the tag that makes a reply to it a
    comment on the report."""
    url = settings.SITE_URL + reverse("public:report", args=[report.code])
    subject, bodies = None, []
    for language in citizen_languages():
        with translation.override(language):
            lines = []
            if kind == "created":
                subject = subject or f"{reply_tag(report.code)} " + _("Report received")
                lines.append(_("Thank you. Your report was received with the tracking code %(code)s.")
                             % {"code": report.code})
                if mentioned and mentioned != report.code:
                    lines.append(_("Your message mentions report %(other)s, but it was not sent from the email "
                                   "address that made that report, so it was filed as a new report. A coordinator "
                                   "joins the two if they are about the same problem.") % {"other": mentioned})
            else:
                subject = subject or f"{reply_tag(report.code)} " + _("Comment added")
                lines.append(_("Your comment was added to report %(code)s.") % {"code": report.code})
            lines.append(_("Follow the report here: %(url)s") % {"url": url})
            if left_out:
                lines.append(_("These attachments were not added (only photos are kept: JPEG, PNG, WebP or HEIC, "
                               "up to %(n)d per report):") % {"n": settings.MAX_PHOTOS})
                lines.extend(f"- {name}: {reason}" for name, reason in left_out)
            lines.append(_("To add information, reply to this email and keep %(tag)s in the subject.")
                         % {"tag": reply_tag(report.code)})
            bodies.append("\n\n".join(lines))
    return subject, SEPARATOR.join(bodies) + "\n"

