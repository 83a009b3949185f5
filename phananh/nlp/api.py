"""POST /api/v1/classify: category suggestions for a report's text (DESIGN §8)."""

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from . import classifier

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
