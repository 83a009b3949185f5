"""POST /api/v1/classify: category suggestions for a report's text (DESIGN §8), and
GET /api/v1/nearby: open reports that may be the same problem (the duplicate finder)."""

import math

from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from . import classifier, duplicates

router = Router(tags=["classify"])

MAX_TEXT_LENGTH = 5000


class ClassifyIn(Schema):
    text: str = Field(description="What the citizen wrote, in any style: with or without diacritics, "
                                  f"SMS shorthand... At most {MAX_TEXT_LENGTH} characters.",
                      examples=["den duong truoc nha hu ko ai sua"])


class Suggestion(Schema):
    code: str = Field(description="Category code (Open311 service_code)")
    score: float = Field(description="Calibrated probability that this is the right category, 0 to 1")


class ClassifyOut(Schema):
    suggestions: list[Suggestion] = Field(description="Best first, at most 3; empty when the text has no words")


class ClassifyError(Schema):
    detail: str = Field(description="What is wrong, in the language asked for with Accept-Language")
    field: str


@router.post(
    "/classify", response={200: ClassifyOut, 422: ClassifyError}, url_name="classify",
    summary="Suggest categories for a text",
    description="The categories a report with this text most likely belongs to, best first (up to 3), "
                "among the active categories. Scores are calibrated probabilities: below "
                "CLASSIFIER_MIN_CONFIDENCE the report is better triaged by a coordinator.",
)
def classify(request, payload: ClassifyIn):
    text = payload.text
    if not text.strip():
        return Status(422, {"detail": _("Write a few words about the problem to get suggestions."), "field": "text"})
    if len(text) > MAX_TEXT_LENGTH:
        return Status(422, {
            "detail": _("This text is too long (at most %(n)d characters).") % {"n": MAX_TEXT_LENGTH},
            "field": "text",
        })
    suggestions = classifier.suggest(text, k=3, among=classifier.active_codes())
    return {"suggestions": [{"code": code, "score": score} for code, score in suggestions]}


# --- GET /api/v1/nearby: "already reported nearby?" for the submit form ---------------------

NEARBY_LIMIT = 3
NEARBY_EXCERPT = 160
# Generous for a person moving a pin and typing; stops a script walking the city.
NEARBY_PER_MINUTE = 60


class NearbyParams(Schema):
    # Strings, checked below, so every error is one clear sentence in the caller's language.
    lat: str = Field("", description="Latitude of the problem, degrees (WGS 84)", examples=["10.7725"])
    lng: str = Field("", description="Longitude of the problem, degrees (WGS 84)", examples=["106.698"])
    category: str = Field("", description="Category code the citizen chose (Open311 service_code)",
                          examples=["den-chieu-sang"])
    text: str = Field("", description=f"What the citizen has written so far (optional, at most {MAX_TEXT_LENGTH} "
                                      "characters); improves the ranking")
    address: str = Field("", description="The address the citizen typed (optional)")


class NearbyCategory(Schema):
    code: str
    name: str = Field(description="In the language asked for with Accept-Language")


class NearbyReport(Schema):
    code: str = Field(description="Tracking code")
    url: str = Field(description="Public page of the report")
    follow_url: str = Field(description="Page where the citizen follows this report instead of sending a new one")
    category: NearbyCategory
    status: str
    status_label: str
    received_at: str = Field(description="ISO 8601")
    distance_m: int = Field(description="Metres from the given point")
    likelihood: float = Field(description="Estimated probability (0 to 1) that it is the same problem")
    likely: bool = Field(description="True when the likelihood reaches the finder's threshold")
    supporters: int = Field(description="Residents who said they have the same problem")
    excerpt: str = Field(description="Start of the public description")
    address: str
    ward: str
    photo: str | None = Field(description="Thumbnail of the first photo, when there is one")


class NearbyOut(Schema):
    radius_m: int = Field(description="How far reports of this category are looked for")
    reports: list[NearbyReport] = Field(description=f"Open reports, most likely first, at most {NEARBY_LIMIT}")


@router.get(
    "/nearby", response={200: NearbyOut, 422: ClassifyError, 429: ClassifyError}, url_name="nearby", tags=["nearby"],
    summary="Open reports that may be the same problem",
    description="Open reports near a point that are probably the same problem as the one being written: "
                "within the category's radius, the same or a related category, ranked by the duplicate "
                "finder's likelihood (docs/benchmarks.md, Duplicates). Public data only: no reporter "
                "details. Used by the submit form so that people can follow an existing report instead "
                "of sending it again.",
)
def nearby(request, params: Query[NearbyParams]):
    from phananh.lib import ratelimit

    verdict = ratelimit.hit("nearby", ratelimit.client_ip(request), NEARBY_PER_MINUTE, 60)
    if not verdict.allowed:
        return Status(429, {"detail": _("Too many requests. Try again in %(n)d seconds.")
                            % {"n": max(verdict.retry_after, 1)}, "field": ""})
    try:
        lat, lng, category = _nearby_query(params)
    except _NearbyError as error:
        return Status(422, {"detail": error.message, "field": error.field})
    matches = duplicates.find(lat, lng, category, params.text, address=params.address, limit=NEARBY_LIMIT,
                              floor=duplicates.SHOWN_TO_CITIZENS_FROM, relations=(duplicates.SAME, duplicates.RELATED))
    return {
        "radius_m": duplicates.radius_m(category.code, category.code),
        "reports": [_nearby_row(match, photo) for match, photo in zip(matches, _thumbnails(matches), strict=True)],
    }


class _NearbyError(Exception):
    def __init__(self, field, message):
        super().__init__(message)
        self.field, self.message = field, message


def _coordinate(value, field):
    limit = 90 if field == "lat" else 180
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = None
    if number is None or not math.isfinite(number) or abs(number) > limit:
        if field == "lat":
            raise _NearbyError(field, _("Give the latitude as a number of degrees between -90 and 90."))
        raise _NearbyError(field, _("Give the longitude as a number of degrees between -180 and 180."))
    return number


def _nearby_query(params):
    from phananh.reports.models import Category

    lat = _coordinate(params.lat, "lat")
    lng = _coordinate(params.lng, "lng")
    code = params.category.strip()
    if not code:
        raise _NearbyError("category", _("Choose a category first."))
    category = Category.objects.select_related("group").filter(code=code, is_active=True).first()
    if category is None:
        raise _NearbyError("category", _("There is no category “%(code)s”.") % {"code": code[:64]})
    for field in ("text", "address"):
        if len(getattr(params, field)) > MAX_TEXT_LENGTH:
            raise _NearbyError(field, _("This text is too long (at most %(n)d characters).") % {"n": MAX_TEXT_LENGTH})
    return lat, lng, category


def _thumbnails(matches):
    """The first processed photo of each match, in one query."""
    from phananh.reports.models import Media, MediaKind

    first = {}
    photos = (Media.objects.filter(report_id__in=[m.report.pk for m in matches], kind=MediaKind.EVIDENCE)
              .exclude(thumbnail="").order_by("created_at", "id").only("report_id", "thumbnail"))
    for media in photos:
        first.setdefault(media.report_id, media.thumbnail.url)
    return [first.get(m.report.pk) for m in matches]


def _nearby_row(match, photo):
    report = match.report
    text = " ".join(report.description.split())
    return {
        "code": report.code,
        "url": reverse("public:report", args=[report.code]),
        "follow_url": reverse("public:follow", args=[report.code]),
        "category": {"code": report.category.code, "name": report.category.name},
        "status": report.status,
        "status_label": str(report.get_status_display()),
        "received_at": report.received_at.isoformat(),
        "distance_m": match.distance_m,
        "likelihood": round(match.likelihood, 3),
        "likely": match.likely,
        "supporters": report.supporters,
        "excerpt": text if len(text) <= NEARBY_EXCERPT else text[:NEARBY_EXCERPT - 1].rstrip() + "…",
        "address": report.address,
        "ward": report.ward.name if report.ward_id else "",
        "photo": photo,
    }
