"""Reports and status questions by SMS.

An SMS gateway posts every message sent to the platform's number to
`/sms/inbound` (phananh.intake.inbound_views); `handle` decides what it is:

- "TRA K7MW3QDP" (or "TRA CUU ...", "STATUS ...", or only the code): a
  question about a report's status, answered by SMS;
- an empty, too short or meaningless message ("alo", "?", "HELP"): a help
  reply, nothing stored;
- anything else: a report. The text becomes the description as written; the
  category is the classifier's when it is confident, otherwise the catch-all
  one a coordinator triages (category_routing.UNCHOSEN decides the routing);
  a ward named after "phuong"/"p"/"xa" is used when exactly one ward has that
  name; and the part of the text that looks like an address is kept for the
  coordinator to place. The sender is subscribed by SMS and gets the
  tracking code back.

Replies are Vietnamese without diacritics in the GSM 7-bit alphabet: one
SMS segment then holds 160 characters, while a single accented letter
switches the whole message to UCS-2 with 70 characters a segment (a reply
with the code and a link would cost three SMS instead of one). `gsm_text`
folds a translated sentence into that alphabet and each reply is built to
fit in 160 characters.

The gateway's message id is the report's idempotency key ("sms:<id>"), so a
retried delivery never makes a second report; for messages that make no
report (status questions, help), a marker in the shared cache stops a retry
from sending a second reply.

The text helpers here (`guess_category`, `match_ward`, `extract_address`,
`channel_key`) serve the email channel too (phananh.intake.email_ingest).
"""

import hashlib
import logging
import re
import threading
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from phananh.lib import phones, ratelimit
from phananh.lib.codes import normalize_tracking_code
from phananh.nlp import category_routing
from phananh.nlp.normalize import fold, nfc, normalize, tokens
from phananh.notify import outbox
from phananh.notify.models import Channel as NotifyChannel
from phananh.notify.subscriptions import subscribe
from phananh.reports import workflow
from phananh.reports.models import OPEN_STATUSES, Category, Channel, Outcome, Report, Status
from phananh.units.models import Unit, UnitKind

log = logging.getLogger(__name__)

MAX_TEXT = 5000           # far beyond a 10-part concatenated SMS
SEGMENT = 160             # GSM 7-bit characters in one SMS
SEEN_SECONDS = 2 * 24 * 3600
IDEMPOTENCY_KEY_MAX = 80  # Report.idempotency_key


# --- results ------------------------------------------------------------------

@dataclass
class Result:
    """What happened to one message, for the webhook's answer.

    `reply` is the SMS for the sender ("" for none). When `queued` is true it
    is already in the outbox; when false, a gateway that replies from the
    webhook response may send it (no report exists to file it under)."""

    status: str   # created | duplicate | status | unknown_code | help | ignored | rate_limited
    reply: str = ""
    queued: bool = False
    code: str = ""
    detail: str = ""
    warnings: list = field(default_factory=list)

    def as_dict(self):
        data = {"status": self.status, "reply": self.reply, "reply_queued": self.queued}
        if self.code:
            data["code"] = self.code
        if self.detail:
            data["detail"] = self.detail
        if self.warnings:
            data["warnings"] = self.warnings
        return data


@dataclass(frozen=True)
class Inbound:
    message_id: str
    sender: str
    text: str
    lat: float | None = None
    lng: float | None = None


# --- shared helpers (SMS and email) ---------------------------------------------

def channel_key(prefix, raw):
    """An idempotency key "<prefix>:<id>"; ids that are long or not plain
    ASCII are replaced by their SHA-256 so the key fits the column."""
    raw = str(raw).strip()
    key = f"{prefix}:{raw}"
    if len(key) <= IDEMPOTENCY_KEY_MAX and raw.isascii() and raw.isprintable():
        return key
    return f"{prefix}:sha256:{hashlib.sha256(raw.encode('utf-8', 'surrogatepass')).hexdigest()}"


def clean_text(text):
    """NFC, newlines as \\n, no control characters (PostgreSQL refuses NUL in text)."""
    text = nfc(text).replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch in "\n\t" or ch.isprintable()).strip()


def guess_category(text):
    """The category a report with this text starts with: the classifier's
    best when it is confident, else the catch-all ("Other") that a
    coordinator triages. Submitting with category_routing.UNCHOSEN records
    the classifier's view in the routing event either way."""
    from phananh.nlp import classifier

    try:
        suggestions = classifier.suggest(text, k=3, among=classifier.active_codes())
    except Exception:  # a broken model must not cost a citizen their report
        log.exception("category classifier failed on an inbound message")
        suggestions = []
    if not classifier.is_uncertain(suggestions):
        confident = Category.objects.filter(code=suggestions[0][0], is_active=True).first()
        if confident is not None:
            return confident
    catch_all = [c for c in Category.objects.filter(is_active=True).order_by("position", "code")
                 if category_routing.is_catch_all(c)]
    if catch_all:
        return catch_all[0]
    # No catch-all configured: the likeliest category, which a coordinator still sees as uncertain.
    first = suggestions[0][0] if suggestions else None
    return (Category.objects.filter(code=first, is_active=True).first() if first else None) or \
        Category.objects.filter(is_active=True).order_by("position", "code").first()


_WARD_MARKERS = ("phuong", "xa", "thi tran", "dac khu")
_WARD_PREFIX_RE = re.compile(r"^(?:phuong|xa|thi tran|dac khu)\s+")
_WARD_MARKER_RE = re.compile(r"(?<!\S)(?:phuong|xa|thi tran|dac khu) ")
_MAX_WARD_WORDS = 6
# Folding 3,321 ward names takes about a tenth of a second: done once per
# process and redone every few minutes, so that a renamed ward is found soon.
_WARD_NAMES_SECONDS = 300
_ward_names = {"table": None, "at": 0.0}
_ward_names_lock = threading.Lock()


def _ward_table():
    """{folded name without "phuong"/"xa"...: {unit ids}} of the active wards."""
    with _ward_names_lock:
        if _ward_names["table"] is None or time.monotonic() - _ward_names["at"] > _WARD_NAMES_SECONDS:
            table = {}
            wards = Unit.objects.filter(kind=UnitKind.WARD, subtype="", is_active=True).values_list("pk", "name")
            for pk, name in wards.iterator(chunk_size=2000):
                core = _WARD_PREFIX_RE.sub("", fold(normalize(name)))
                if core:
                    table.setdefault(core, set()).add(pk)
            _ward_names.update(table=table, at=time.monotonic())
        return _ward_names["table"]


def forget_ward_names():
    """Drop the cached ward names (tests create their own wards)."""
    with _ward_names_lock:
        _ward_names.update(table=None, at=0.0)


def match_ward(text):
    """The ward named in `text` after a ward marker ("p ben thanh", "phường
    Bến Thành", "xa Tan Phu"), or None when no ward, or more than one, fits.

    Names are compared folded (no diacritics, shorthand expanded), so "p ben
    thanh" finds "Phường Bến Thành"; after each marker the longest run of
    words that is a ward's name counts ("phuong tan dinh" is Tân Định, not
    Tân). Numbered wards of the old districts ("phường 5") exist in many
    places and so never match on their own."""
    haystack = fold(normalize(text))
    markers = list(_WARD_MARKER_RE.finditer(haystack))
    if not markers:
        return None
    table = _ward_table()
    units = set()
    for marker in markers:
        words = haystack[marker.end():].split()[:_MAX_WARD_WORDS]
        for n in range(len(words), 0, -1):
            found = table.get(" ".join(words[:n]))
            if found:
                units |= found
                break
    if len(units) != 1:
        return None
    return Unit.objects.filter(pk=units.pop(), is_active=True).first()


# Address extraction works on the words as written, each also compared folded.
# Prepositions that start a place ("ở hẻm 45", "trước số 12", "gần chợ"). Typed
# with diacritics they are unmistakable; without, "o" may be "ổ" (ổ gà, a
# pothole) or "ô", so a place word must follow them.
_ACCENTED_PREPOSITIONS = {"ở", "tại", "trước", "gần", "đối", "cạnh", "cuối", "đầu"}
_PLAIN_PREPOSITIONS = {"o", "tai", "truoc", "gan", "doi", "canh", "cuoi"}
_DROPPED_PREPOSITIONS = {"o", "tai"}  # "ở", "tại" add nothing to an address; "trước", "gần" do
_NUMBERED_PLACES = {"hem", "kiet", "ngo", "ngach", "so", "to", "ap", "khu", "lo", "ql", "tl"}
_LANDMARKS = {"cho", "cau", "chung", "truong", "benh", "cong", "khu", "chua", "nha", "toa", "dien", "ngay"}
# "đèn đường" (street light), "mặt đường" (road surface): the road is the subject, not the place.
_ROAD_COMPOUNDS = {"den", "mat", "le", "lan", "via"}
_STATE_WORDS = {
    "bi", "hu", "hong", "ngap", "lun", "nut", "sut", "toi", "xuong", "dang", "da", "co", "khong", "rat", "qua", "bay",
    "nhieu", "nay", "kia", "do", "o", "la", "van", "chua", "can",
}
_MEASURES = {"cm", "m", "met", "km", "kg", "ngay", "gio", "h", "tieng", "tuan", "thang", "nam", "lan", "nguoi", "cai",
             "con", "cay", "chiec", "xe", "ho", "phut"}
_HOUSE_NUMBER_RE = re.compile(r"^\d+[a-z]?(?:/\d+[a-z]?)*$")
_WARD_NUMBER_RE = re.compile(r"^(?:p|f|q)\.?\d+$")
_WORD_RE = re.compile(r"\S+")
_SENTENCE_END_RE = re.compile(r"[.!?;\n]\s")
_PUNCTUATION = ".,;:!?()\"'“”"


def extract_address(text):
    """The part of a report's text that says where ("hem 45 le loi p ben
    thanh"), up to the end of its sentence, or "" when none is recognisable.
    A hint for the coordinator who places the report; the description always
    keeps the whole text."""
    matches = list(_WORD_RE.finditer(text))
    written = [m.group().lower().strip(_PUNCTUATION) for m in matches]
    words = [fold(w) for w in written]
    for i in range(len(words)):
        start = None
        if written[i] in _ACCENTED_PREPOSITIONS or written[i] in _PLAIN_PREPOSITIONS:
            j = i + 1
            while j < len(words) and (words[j] in _PLAIN_PREPOSITIONS or words[j] in ("dien", "ngay")):
                j += 1
            if j < len(words) and (written[i] in _ACCENTED_PREPOSITIONS or _starts_place(words, j)):
                start = i + 1 if words[i] in _DROPPED_PREPOSITIONS else i
        elif _starts_place(words, i):
            start = i
        if start is not None:
            address = text[matches[start].start():]
            end = _SENTENCE_END_RE.search(address + " ")
            return address[:end.start() if end else None].strip(" ,.;")[:300]
    return ""


def _starts_place(words, i):
    """Whether words[i:] begin a place: "hem 45", "so 12", "duong Nguyen
    Huu Canh", "45 Le Loi", "p ben thanh", "q1", "(gan) cho Ben Thanh"."""
    word = words[i]
    prev = words[i - 1] if i else ""
    nxt = words[i + 1] if i + 1 < len(words) else ""
    if not nxt:
        return bool(_WARD_NUMBER_RE.match(word))
    if _WARD_NUMBER_RE.match(word):
        return True
    if word in _NUMBERED_PLACES:
        return nxt[0].isdigit()
    if word in ("duong", "pho"):
        return prev not in _ROAD_COMPOUNDS and nxt not in _STATE_WORDS and not nxt[0].isdigit()
    if word in ("p", "phuong", "xa", "quan", "q"):
        return nxt not in _STATE_WORDS
    if word == "nga":
        return nxt in ("tu", "ba", "nam", "sau", "bay")  # ngã tư, ngã ba: a crossroads
    if word in _LANDMARKS:
        return prev in _PLAIN_PREPOSITIONS or prev in ("dien", "ngay")
    if _HOUSE_NUMBER_RE.match(word):
        return nxt.isalpha() and nxt not in _MEASURES and prev not in ("sau", "cao", "dai", "rong", "khoang")
    return False


# --- replies ------------------------------------------------------------------------

# The GSM 03.38 basic alphabet, restricted to what an ASCII fold leaves.
_GSM_SAFE = set(" !\"#%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz\n$")
# ASCII that GSM has only in its extension table (two characters each) or not at all.
_GSM_REPLACE = str.maketrans({"[": "(", "]": ")", "{": "(", "}": ")", "\\": "/", "|": "/", "^": "", "~": "-",
                              "`": "'", "“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "…": "..."})


def gsm_text(text):
    """`text` folded to the GSM 7-bit basic alphabet: no diacritics ("Đã
    nhận" → "Da nhan"), typographic quotes and dashes made plain, anything
    else dropped, spaces squeezed."""
    folded = fold(nfc(text).translate(_GSM_REPLACE))
    kept = "".join(ch if ch in _GSM_SAFE else " " for ch in folded)
    return re.sub(r"[ \t]+", " ", kept).strip()


def fit(*candidates):
    """The first candidate (already GSM text) that fits one SMS, else the last one cut to fit."""
    for candidate in candidates:
        if len(candidate) <= SEGMENT:
            return candidate
    return candidates[-1][:SEGMENT]


def _public_url(report):
    return settings.SITE_URL + reverse("public:report", args=[report.code])


def _compact(code):
    return code.replace("-", "")


def created_reply(report):
    """"PhanAnh received your report. Code K7MW-3QDP. ..." in one SMS."""
    with translation.override(settings.LANGUAGE_CODE):
        code, url = report.code, _public_url(report)
        return fit(
            gsm_text(_("PhanAnh received your report. Tracking code: %(code)s. Follow it at %(url)s or text "
                       "TRA %(compact)s") % {"code": code, "url": url, "compact": _compact(code)}),
            gsm_text(_("PhanAnh received your report. Tracking code: %(code)s. Follow it at %(url)s")
                     % {"code": code, "url": url}),
            gsm_text(_("PhanAnh received your report. Tracking code: %(code)s. Text TRA %(compact)s to follow it.")
                     % {"code": code, "compact": _compact(code)}),
        )


def status_reply(report):
    """"PhanAnh K7MW-3QDP: Being fixed. Unit: ... Due 12/03/2025 ..." in one SMS."""
    with translation.override(settings.LANGUAGE_CODE):
        parts = [_("PhanAnh %(code)s: %(status)s.") % {"code": report.code, "status": report.get_status_display()}]
        if report.status == Status.RESOLVED and report.outcome:
            parts.append(str(Outcome(report.outcome).label) + ".")
        if report.status in OPEN_STATUSES and report.unit_id:
            parts.append(_("Unit: %(unit)s.") % {"unit": report.unit.name})
        if report.status in OPEN_STATUSES and report.resolve_due:
            parts.append(_("Due %(date)s.") % {
                "date": date_format(timezone.localtime(report.resolve_due), "d/m/Y")})
        url = _public_url(report)
        while parts:
            text = gsm_text(" ".join(parts))
            with_url = gsm_text(f"{text} {url}")
            if len(with_url) <= SEGMENT:
                return with_url
            if len(text) <= SEGMENT:
                return text
            parts.pop()
        return fit(gsm_text(_("PhanAnh %(code)s") % {"code": report.code}))


def unknown_code_reply(typed):
    with translation.override(settings.LANGUAGE_CODE):
        return fit(gsm_text(_("PhanAnh: no report has the code %(code)s. Check the code and text TRA and the "
                              "code again.") % {"code": typed[:16]}),
                   gsm_text(_("PhanAnh: no report has this code. Check it and try again.")))


def help_reply():
    with translation.override(settings.LANGUAGE_CODE):
        return fit(gsm_text(_("PhanAnh: text what is wrong and where, e.g. \"den duong hu truoc so 45 Le Loi p Ben "
                              "Thanh\". To follow a report, text TRA and its code.")),
                   gsm_text(_("PhanAnh: text what is wrong and where. To follow a report, text TRA and its code.")))


def status_help_reply():
    with translation.override(settings.LANGUAGE_CODE):
        return fit(gsm_text(_("PhanAnh: to follow a report, text TRA and its 8-character tracking code, "
                              "e.g. TRA K7MW3QDP.")))


# --- reading the message ---------------------------------------------------------

_STATUS_RE = re.compile(
    r"^(?:TRA\s*CUU|TRA|STATUS|KIEM\s*TRA|TC)\b[\s:.#\-]*(?P<code>[A-Z0-9][A-Z0-9 \-]{5,14})?\s*$"
)
_CODE_LIKE_RE = re.compile(r"^(?=[A-Z0-9\-]*\d)[A-Z0-9\-]{6,12}$")
_HELP_WORDS = {"help", "hd", "huong dan", "tro giup", "phananh", "phan anh", "pa", "menu", "info"}
_EMPTY_WORDS = {"alo", "allo", "hello", "hi", "test", "xin", "chao", "ok", "oke", "cam", "on", "a", "da", "vang"}


def read_command(text):
    """("status", code or None, as typed) for a status question, ("help",) for
    a message that says nothing, ("report",) otherwise."""
    folded = re.sub(r"\s+", " ", fold(text).upper()).strip()
    match = _STATUS_RE.match(folded)
    if match:
        typed = (match.group("code") or "").strip()
        code = normalize_tracking_code(typed) if typed else None
        # "TRA LOI GIUP TOI" (trả lời: please answer) is a sentence, not a code:
        # only something code-like counts as a mistyped code.
        if not typed or code or _CODE_LIKE_RE.match(typed):
            return ("status", code, typed)
    code = normalize_tracking_code(folded) if len(folded) <= 10 else None
    if code and Report.objects.filter(code=code).exists():
        return ("status", code, folded)
    if folded.lower().strip(" ?!.") in _HELP_WORDS or _says_nothing(text):
        return ("help",)
    return ("report",)


def _says_nothing(text):
    words = [fold(w) for w in tokens(text) if any(ch.isalpha() for ch in w)]
    meaningful = [w for w in words if w not in _EMPTY_WORDS]
    return len(meaningful) < 2


# --- handling one message --------------------------------------------------------

def handle(message):
    """Act on one inbound SMS (an `Inbound`) and say what was done (a `Result`)."""
    try:
        phone = phones.normalize(message.sender)
    except phones.InvalidPhone as error:
        # Operator notices and short codes: nobody to answer, and answering
        # an automatic sender could start a loop.
        return Result("ignored", detail=error.message)
    key = channel_key("sms", message.message_id)
    existing = Report.objects.filter(idempotency_key=key).values_list("code", flat=True).first()
    if existing:
        return Result("duplicate", code=existing)
    seen = cache.get(_seen_key(key))
    if seen:
        return Result("duplicate", code=seen if isinstance(seen, str) else "")
    if not ratelimit.hit("sms-inbound", phone, settings.SMS_INBOUND_PER_HOUR, 3600).allowed:
        return Result("rate_limited", detail=_("Too many messages from this number; try again in an hour."))

    text = clean_text(message.text)
    command = read_command(text)
    if command[0] == "status":
        result = _answer_status(phone, command[1], command[2])
    elif command[0] == "help":
        result = Result("help", reply=help_reply())
    else:
        result = _create_report(message, phone, text, key)
    if result.status != "created":
        cache.set(_seen_key(key), result.code or "1", SEEN_SECONDS)
    return result


def _seen_key(key):
    return "sms-inbound-seen:" + hashlib.sha256(key.encode()).hexdigest()


def _answer_status(phone, code, typed):
    if not typed:
        return Result("help", reply=status_help_reply())
    report = Report.objects.select_related("unit").filter(code=code).first() if code else None
    if report is None:
        return Result("unknown_code", reply=unknown_code_reply(typed))
    body = status_reply(report)
    with transaction.atomic():
        outbox.enqueue(report, phone, f"PhanAnh {report.code}", body, channel=NotifyChannel.SMS,
                       language=settings.LANGUAGE_CODE)
    return Result("status", reply=body, queued=True, code=report.code)


def _create_report(message, phone, text, key):
    if len(text) > MAX_TEXT:
        text = text[:MAX_TEXT]
    # Decided before the transaction: the classifier may need loading.
    category = guess_category(text)
    has_point = message.lat is not None and message.lng is not None
    ward = None if has_point else match_ward(text)
    replies = []

    def reply_with_the_code(report):
        subscribe(report, NotifyChannel.SMS, phone, is_reporter=True, language=settings.LANGUAGE_CODE)
        replies.append(created_reply(report))
        outbox.enqueue(report, phone, f"PhanAnh {report.code}", replies[0], channel=NotifyChannel.SMS,
                       event=report.events.get(type="submitted"), language=settings.LANGUAGE_CODE)

    report, token = workflow.submit(
        category=category, description=text, channel=Channel.SMS, lat=message.lat, lng=message.lng,
        ward=ward, address=extract_address(text), reporter_phone=phone, idempotency_key=key,
        category_source=category_routing.UNCHOSEN, then=reply_with_the_code,
    )
    if token is None:  # a concurrent retry of the same message won
        return Result("duplicate", code=report.code)
    return Result("created", reply=replies[0], queued=True, code=report.code)
