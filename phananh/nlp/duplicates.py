"""Open reports that are probably the same incident as a new one.

Used in two places: the citizen's submit form ("already reported nearby?
follow this one instead") and the coordinator's report page (merge
suggestions, most likely first). How it decides, in order:

1. **Where and when** (the cheap filter, in SQL): open reports inside a
   bounding box around the point, on the `report_location` (lat, lng) index,
   received within the longest window below. A report closed, resolved,
   rejected or already merged is not a duplicate to follow: the problem seen
   again after a fix is a new incident, or the reporter's reopen.
2. **How near is near depends on the problem** (`RADIUS_M`): a street lamp
   is a point, and the next lamp 30 m away is another incident; a flood
   covers a stretch of street; noise and smell are reported from where
   people suffer them, not from the source. The radius of a pair is the
   larger of the two categories' radii.
3. **How long a problem stays "the same"** (`WINDOW_DAYS`): a pothole or a
   dark lamp still open after four months is still that pothole; a pile of
   garbage or a noisy night three weeks ago is not tonight's. The window is
   the candidate's category's.
4. **Likelihood**: a logistic model over what a coordinator looks at —
   proximity within the radius, the words of the two texts (TF-IDF cosine
   of folded words, plus character trigrams for spelling),
   the category relation (same > related: same group or a known confusion
   such as flooding / blocked drains > other) and house or alley numbers
   (the same number is strong evidence, different numbers on both sides are
   strong evidence against). The weights were fitted on the labelled pairs
   in data/duplicate_pairs.jsonl and the threshold chosen by grouped
   cross-validation there: `manage.py eval_duplicates` reproduces both, and
   docs/benchmarks.md ("Duplicates") has the numbers.

Cost: one indexed query returning a few dozen rows, then pure Python on
those (haversine, a dictionary cosine); the candidates' text is their stored
`search_text`, already folded. Measured with a million reports in
bench/bench_duplicates.py.
"""

import json
import logging
import math
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from phananh.lib import clock

from .normalize import fold, normalize

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"
PAIRS_FILE = DATA_DIR / "duplicate_pairs.jsonl"

# --- How near is near ------------------------------------------------------------------
# Metres. Phone GPS in a street of tall houses is off by 10–30 m, so nothing
# goes below 60 m.
DEFAULT_RADIUS_M = 150
RADIUS_M = {
    # Points: lamps stand 25–40 m apart, so 80 m covers the GPS error and the
    # "which pole was it" confusion, not the lamp after next.
    "den-chieu-sang": 80,
    "ho-ga-nap-cong": 80,
    "cay-xanh": 100,
    "xay-dung-trai-phep": 100,
    "den-tin-hieu": 100,  # one junction
    # Stretches: damage, broken pipes and lines run along a street.
    "hu-hong-mat-duong": 250,
    "cap-nuoc": 200,
    "dien": 200,
    "cap-vien-thong": 200,
    # Areas, and problems reported from where people suffer them.
    "ngap-nuoc": 400,
    "tieng-on": 300,
    "o-nhiem-khong-khi": 300,
    "an-ninh": 200,
}
MAX_RADIUS_M = max([DEFAULT_RADIUS_M, *RADIUS_M.values()])

# Days since the candidate was received.
DEFAULT_WINDOW_DAYS = 60
WINDOW_DAYS = {
    # Transient: tonight's noise or today's pile is a new incident.
    "tieng-on": 7,
    "rac-thai": 14,
    "dau-xe-trai-phep": 7,
    "o-nhiem-khong-khi": 14,
    "an-ninh": 14,
    "ngap-nuoc": 14,  # a flood is one rain or one tide; a drain blocked for months is "nuoc-thai"
    # Persistent: it stays until someone fixes it.
    "hu-hong-mat-duong": 180,
    "den-chieu-sang": 120,
    "xay-dung-trai-phep": 180,
    "cap-vien-thong": 180,
    "dien": 120,
    "ho-ga-nap-cong": 120,
}
MAX_WINDOW_DAYS = max([DEFAULT_WINDOW_DAYS, *WINDOW_DAYS.values()])

# At most this many rows are read from one bounding box, in index order
# (south to north), so that one lookup stays cheap whatever happens. A place
# with more open reports than this (a whole district flooded) is a matter for
# the coordinators' map, not for a list of three.
MAX_CANDIDATES = 400


def radius_m(code_a, code_b):
    return max(RADIUS_M.get(code_a, DEFAULT_RADIUS_M), RADIUS_M.get(code_b, DEFAULT_RADIUS_M))


def window_days(code):
    return WINDOW_DAYS.get(code, DEFAULT_WINDOW_DAYS)


EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lat1, lng1, lat2, lng2):
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lng2 - lng1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def bounding_box(lat, lng, metres):
    """(min_lat, max_lat, min_lng, max_lng) of a square holding the circle."""
    dlat = metres / 111_320.0
    dlng = metres / (111_320.0 * max(math.cos(math.radians(lat)), 0.01))
    return lat - dlat, lat + dlat, lng - dlng, lng + dlng


# --- Category relation -----------------------------------------------------------------
SAME, RELATED, OTHER = "same", "related", "other"
CATCH_ALL = "khac"
# Cross-group pairs that citizens use for one problem: a flood blamed on the
# drain, a tree lying on the wires, a lamp dark because the power is out.
CONFUSED = {frozenset(pair) for pair in (
    ("ngap-nuoc", "nuoc-thai"), ("ngap-nuoc", "ho-ga-nap-cong"), ("ngap-nuoc", "cap-nuoc"),
    ("nuoc-thai", "ho-ga-nap-cong"), ("dien", "den-chieu-sang"), ("dien", "cay-xanh"),
    ("cap-vien-thong", "cay-xanh"), ("tieng-on", "an-ninh"), ("tieng-on", "xay-dung-trai-phep"),
)}


def relation(code_a, group_a, code_b, group_b):
    if code_a == code_b:
        return SAME
    if group_a == group_b or CATCH_ALL in (code_a, code_b) or frozenset((code_a, code_b)) in CONFUSED:
        return RELATED
    return OTHER


# --- Text ---------------------------------------------------------------------------------
# A number is an address (house, alley, bus route) unless a unit makes it a
# quantity ("3 ngày", "10 nghìn", "2 tầng"), or it counts or dates something
# ("lần thứ 3", "tầng 12", "ngày 12/5").
_NUMBER_RE = re.compile(r"^[0-9]+(?:[/.\-][0-9]+)*$")
_QUANTITY_AFTER = frozenset(
    "ngay tuan thang nam gio phut giay lan dem hom buoi m met cm km kg tang lau nguoi nghin ngan trieu dong chiec "
    "cai con xe nha ho phan tieng".split()
)
_COUNT_BEFORE = frozenset("thu tang lau ngay".split())
# "số 110 đến 130", "290–310" (normalize drops the dash), "110-130": every
# house in between. Wider spans are not a stretch of one street.
_RANGE_WORDS = frozenset(("den", "toi"))
_MAX_RANGE = 100


def address_numbers(words):
    """The house, alley and route numbers in folded words, ranges expanded."""
    found = set()
    last = len(words) - 1
    for i, word in enumerate(words):
        if not _NUMBER_RE.match(word):
            continue
        if i < last and words[i + 1] in _QUANTITY_AFTER:
            continue
        if i and words[i - 1] in _COUNT_BEFORE:
            continue
        found.add(word)
        if "-" in word:
            low, _dash, high = word.partition("-")
            found.update(_span(low, high))
        elif i < last and _NUMBER_RE.match(words[i + 1]):
            found.update(_span(word, words[i + 1]))
        elif i + 1 < last and words[i + 1] in _RANGE_WORDS and _NUMBER_RE.match(words[i + 2]):
            found.update(_span(word, words[i + 2]))
    return frozenset(found)


def _span(low, high):
    if not (low.isdigit() and high.isdigit()):
        return ()
    low, high = int(low), int(high)
    if not 0 < high - low <= _MAX_RANGE:
        return ()
    return (str(n) for n in range(low, high + 1))


class _Idf:
    """Inverse document frequency of folded words, from the classifier's
    committed examples (two thousand report texts): "duong", "nguoi" weigh
    little, "xa ban" (rubble) or "nap" (cover) a lot.

    Words those texts never use weigh as little as the commonest: they are
    mostly the names of streets, shops and markets, which every report
    around the same place shares, so they say little about *which* incident
    it is (numbers are compared on their own, see address_numbers). Measured
    against giving them the highest weight, and against word pairs as terms:
    both did worse on the labelled pairs (docs/benchmarks.md)."""

    UNSEEN = 1.0
    _lock = threading.Lock()
    _table = None

    @classmethod
    def table(cls):
        if cls._table is None:
            with cls._lock:
                if cls._table is None:
                    cls._table = cls._build()
        return cls._table

    @staticmethod
    def _build():
        from .training_data import committed_examples

        df = Counter()
        docs = 0
        for example in committed_examples():
            docs += 1
            df.update(set(fold(normalize(example.text)).split()))
        return {term: math.log((docs + 1) / (n + 1)) + 1 for term, n in df.items()}


@dataclass(frozen=True)
class Text:
    """What the comparison needs from a text: TF-IDF weights (unit length),
    character trigrams and address numbers."""

    weights: dict
    trigrams: frozenset
    numbers: frozenset

    @classmethod
    def of(cls, text):
        """From text as typed (any accents, shorthand, case)."""
        return cls.of_folded(fold(normalize(text)))

    @classmethod
    def of_folded(cls, folded):
        """From text already passed through fold(normalize(...)), such as `Report.search_text`."""
        words = folded.split()
        idf = _Idf.table()
        counts = Counter(words)
        weights = {term: (1 + math.log(n)) * idf.get(term, _Idf.UNSEEN) for term, n in counts.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        joined = " " + " ".join(words) + " "
        return cls(
            weights={term: w / norm for term, w in weights.items()},
            trigrams=frozenset(joined[i:i + 3] for i in range(len(joined) - 2)),
            numbers=address_numbers(words),
        )

    @property
    def empty(self):
        return not self.weights


def cosine(a, b):
    if len(a.weights) > len(b.weights):
        a, b = b, a
    return sum(w * b.weights.get(term, 0.0) for term, w in a.weights.items())


def trigram_jaccard(a, b):
    if not a.trigrams or not b.trigrams:
        return 0.0
    return len(a.trigrams & b.trigrams) / len(a.trigrams | b.trigrams)


# --- Features and likelihood ------------------------------------------------------------
@dataclass(frozen=True)
class Side:
    """One report (or the draft being written) as the comparison sees it."""

    text: Text
    category: str  # code
    group: str     # category group code
    lat: float
    lng: float


@dataclass(frozen=True)
class Features:
    distance_m: float
    radius_m: float
    relation: str
    text: float           # TF-IDF cosine, 0..1
    chars: float          # character-trigram Jaccard, 0..1
    same_number: bool     # an address number in both texts
    other_number: bool    # both give address numbers, none in common

    @property
    def proximity(self):
        return max(0.0, 1.0 - self.distance_m / self.radius_m)

    def vector(self):
        """Inputs of the model, in the order of FEATURE_NAMES."""
        return [self.proximity, self.text, self.chars, float(self.relation == SAME),
                float(self.relation == RELATED), float(self.same_number), float(self.other_number)]


FEATURE_NAMES = ("proximity", "text", "chars", "same_category", "related_category", "same_number", "other_number")

# Fitted by `manage.py eval_duplicates --fit` on data/duplicate_pairs.jsonl
# (logistic regression, C=1); refit and paste when the pairs or features change.
WEIGHTS = {
    "proximity": 1.21,
    "text": 3.33,
    "chars": 1.80,
    "same_category": 3.60,
    "related_category": 0.55,
    "same_number": 1.42,
    "other_number": -2.72,
}
INTERCEPT = -5.42
# The F1-best threshold on the pairs (chosen inside each fold when
# cross-validating): at or above it, "likely the same incident".
THRESHOLD = 0.60
# Shown to coordinators as "possibly the same" from here up.
POSSIBLE = 0.25
# The citizen's panel also lists open reports of the same kind nearby before
# a word is typed (same category within the radius, no text: 0.15 to 0.35).
SHOWN_TO_CITIZENS_FROM = 0.10


def compare(a, b):
    """Features of a pair, or None when b is beyond the pair's radius."""
    radius = radius_m(a.category, b.category)
    distance = haversine_m(a.lat, a.lng, b.lat, b.lng)
    if distance > radius:
        return None
    shared = a.text.numbers & b.text.numbers
    return Features(
        distance_m=distance, radius_m=radius,
        relation=relation(a.category, a.group, b.category, b.group),
        text=cosine(a.text, b.text), chars=trigram_jaccard(a.text, b.text),
        same_number=bool(shared), other_number=bool(a.text.numbers and b.text.numbers and not shared),
    )


def likelihood(features, weights=None, intercept=None):
    weights = WEIGHTS if weights is None else weights
    z = INTERCEPT if intercept is None else intercept
    for name, value in zip(FEATURE_NAMES, features.vector(), strict=True):
        z += weights[name] * value
    return 1.0 / (1.0 + math.exp(-z))


# --- The labelled pairs ---------------------------------------------------------------------
@dataclass(frozen=True)
class Pair:
    id: str
    same: bool
    kind: str
    group: str
    a: dict
    b: dict


def read_pairs(path=PAIRS_FILE):
    """The labelled pairs; ValueError naming the line of a malformed one."""
    pairs = []
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                label = record["label"]
                if label not in ("same", "different"):
                    raise ValueError(f"label must be same or different, not {label!r}")
                for key in ("a", "b"):
                    side = record[key]
                    if not (isinstance(side["text"], str) and side["text"].strip() and side["category"]):
                        raise ValueError(f"{key} needs a text and a category")
                    float(side["lat"]), float(side["lng"])
                pairs.append(Pair(record["id"], label == "same", record["kind"], record["group"],
                                  record["a"], record["b"]))
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{number}: not a duplicate pair ({exc})")
    return pairs


def pair_features(pair, groups):
    """Features of a labelled pair (None when beyond the radius); `groups`
    maps category codes to group codes."""
    sides = [
        Side(Text.of(s["text"]), s["category"], groups.get(s["category"], s["category"]), float(s["lat"]),
             float(s["lng"]))
        for s in (pair.a, pair.b)
    ]
    return compare(*sides)


def category_groups():
    """{category code: group code} from the database."""
    from phananh.reports.models import Category

    return dict(Category.objects.values_list("code", "group__code"))


# --- Looking up the database -------------------------------------------------------------------
@dataclass
class Match:
    report: object         # a Report with the public fields only
    features: Features
    likelihood: float
    words: list = field(default_factory=list)  # shared words, for staff (merge_suggestions)

    @property
    def likely(self):
        return self.likelihood >= THRESHOLD

    @property
    def percent(self):
        return round(self.likelihood * 100)

    @property
    def distance_m(self):
        return round(self.features.distance_m)


PUBLIC_FIELDS = ("id", "code", "category", "description", "search_text", "lat", "lng", "status", "received_at",
                 "supporters", "address", "ward")


def candidates(lat, lng, *, now=None, exclude_ids=(), visible=None):
    """Open reports with a point in the bounding box of the largest radius,
    received within the longest window, and matching `visible` (a Q, e.g.
    what a staff member may see) when given. Reporter fields are never loaded."""
    from phananh.reports.models import OPEN_STATUSES, Report

    now = now or clock.now()
    min_lat, max_lat, min_lng, max_lng = bounding_box(lat, lng, MAX_RADIUS_M)
    rows = Report.objects.filter(visible) if visible is not None else Report.objects.all()
    rows = (
        rows.filter(
            lat__gte=min_lat, lat__lte=max_lat, lng__gte=min_lng, lng__lte=max_lng,
            status__in=OPEN_STATUSES, received_at__gte=now - timedelta(days=MAX_WINDOW_DAYS),
        )
        .select_related("category__group", "ward")
        .only(*PUBLIC_FIELDS, "category__code", "category__name_vi", "category__name_en", "category__group__code",
              "ward__name")
    )
    if exclude_ids:
        rows = rows.exclude(id__in=list(exclude_ids))
    return list(rows[:MAX_CANDIDATES])


def find(lat, lng, category, text, *, address="", now=None, exclude_ids=(), limit=5, floor=0.0,
         relations=(SAME, RELATED, OTHER), visible=None):
    """Matches for a report at (lat, lng) in `category` (a Category, its
    group loaded) with `text`, best first: within each candidate's radius
    and window, with a likelihood of at least `floor`, and a category
    relation in `relations` unless the rest makes it likely all the same
    (a citizen who picked the wrong category)."""
    now = now or clock.now()
    draft = None
    matches = []
    for report in candidates(lat, lng, now=now, exclude_ids=exclude_ids, visible=visible):
        code = report.category.code
        if report.received_at < now - timedelta(days=window_days(code)):
            continue
        if haversine_m(lat, lng, report.lat, report.lng) > radius_m(category.code, code):
            continue  # most of the box: decided before any text is read
        if draft is None:
            draft = Side(Text.of(f"{text} {address}"), category.code, category.group.code, lat, lng)
        other = Side(Text.of_folded(report.search_text), code, report.category.group.code, report.lat, report.lng)
        features = compare(draft, other)
        score = likelihood(features)
        if score < floor or (features.relation not in relations and score < THRESHOLD):
            continue
        matches.append(Match(report, features, score))
    matches.sort(key=lambda m: (-m.likelihood, m.features.distance_m))
    return matches[:limit]


def for_report(report, *, limit=5, floor=POSSIBLE, now=None, visible=None):
    """Merge suggestions for an existing report: other open reports that are
    probably the same incident, most likely first. Reports without a point
    get none (there is nothing to measure distance from)."""
    if report.lat is None or report.lng is None:
        return []
    return find(report.lat, report.lng, report.category, report.description, address=report.address,
                now=now, exclude_ids=[report.pk], limit=limit, floor=floor, visible=visible)


def merge_suggestions(report, visible):
    """for_report() for the staff report page, limited to what the person may
    see; None when the finder fails, so that the page still opens."""
    try:
        matches = for_report(report, visible=visible)
        for match in matches:
            match.words = shared_words(match, f"{report.description} {report.address}")
    except Exception:
        log.exception("duplicate suggestions failed for report %s", report.code)
        return None
    return matches


_WORD_RE = re.compile(r"[^\W\d_]+")


def _names(text):
    """Folded words written with a capital inside a sentence: street, shop and
    ward names, which nearby reports share whatever their problem."""
    names = set()
    for match in _WORD_RE.finditer(text or ""):
        word, before = match.group(0), text[:match.start()].rstrip()
        if word[0].isupper() and before and before[-1] not in ".!?:":
            names.add(fold(word.lower()))
    return names


def shared_words(match, text, limit=4):
    """Words the two texts have in common, most telling first, as the
    candidate's description writes them: the "why" shown to coordinators.
    Names and numbers are left out (the distance and the number check say
    more about them)."""
    from .normalize import tokens

    mine = Text.of(text).weights
    theirs = Text.of_folded(match.report.search_text).weights
    names = _names(text) | _names(match.report.description)
    weight = {word: mine[word] * theirs[word] for word in mine.keys() & theirs.keys()
              if not word.isdigit() and word not in names}
    seen, out = set(), []
    for written in tokens(match.report.description):
        folded = fold(written)
        if folded in weight and folded not in seen:
            seen.add(folded)
            out.append((weight[folded], written))
    return [word for _weight, word in sorted(out, key=lambda item: -item[0])[:limit]]
