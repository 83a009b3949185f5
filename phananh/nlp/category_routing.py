"""Which category routes a new report: the one it came with, or the classifier's suggestion.

`workflow.submit` asks `plan()` before it routes a new report. The answer
depends on who picked the category (the `source`):

GIVEN (the default)
    Someone who knows the category list chose it: a hotline operator, an API
    or Open311 client naming a service code, the demo data. It is routed
    exactly as given and the classifier is not asked.

CITIZEN
    A citizen picked it on the web form, which suggests a category as they
    type. Their choice is never overridden, with one exception: the catch-all
    categories a coordinator triages ("Other", handler "coordinator") mean "I
    could not find mine". When the classifier is very sure of a category that
    a unit handles (`replace_confidence()`, 0.9 unless
    CLASSIFIER_REPLACE_CONFIDENCE says otherwise: right 98% of the time in
    cross-validation, docs/benchmarks.md), the report goes straight to that
    unit instead of waiting for a coordinator. The bar is higher than
    CLASSIFIER_MIN_CONFIDENCE because it overrules a person, and because a
    vague text ("Có chuyện cần báo") can still score 0.7 for some category.

UNCHOSEN
    Nobody chose it: a channel without a category list (SMS, email) passed a
    placeholder. A confident suggestion (CLASSIFIER_MIN_CONFIDENCE) routes the
    report; when the classifier is unsure the report waits for a coordinator
    with the reason "uncertain_category".

Everything is in the events: the "submitted" event keeps the category the
report came with; a suggestion that replaced it shows in the "routed" event as
the category change (from → to) with the reason "suggested_category" and the
score; whenever the classifier was asked, its suggestions are kept in the
reason's parameters ("classifier"), so every automatic decision can be
checked later. If the classifier fails, the report is routed as if it had not
been asked: a report is never lost to it.
"""

import logging
import math
from dataclasses import dataclass, field

from django.conf import settings

from phananh.units import routing
from phananh.units.models import UnitKind

log = logging.getLogger(__name__)

GIVEN = "given"
CITIZEN = "citizen"
UNCHOSEN = "unchosen"
SOURCES = frozenset({GIVEN, CITIZEN, UNCHOSEN})

SUGGESTED_REASON = "suggested_category"
UNCERTAIN_REASON = "uncertain_category"


@dataclass(frozen=True)
class Route:
    category: object            # the Category the report is routed and timed by
    decision: routing.Decision  # where it goes (unit or coordinator) and why
    suggestions: list = field(default_factory=list)  # [(code, score)] when the classifier was asked

    @property
    def suggested(self):
        """True when the classifier's suggestion replaced the category the report came with."""
        return self.decision.reason == SUGGESTED_REASON


def replace_confidence():
    """The score a suggestion needs to replace a citizen's catch-all choice."""
    return max(float(getattr(settings, "CLASSIFIER_REPLACE_CONFIDENCE", 0.9)), _classifier().min_confidence())


def is_catch_all(category):
    """A category no unit handles: a coordinator reads every report filed under it."""
    return routing.parse_handler(category.handler)[0] == UnitKind.COORDINATOR


def plan(category, description, source, ward, has_location=True):
    """The Route of a new report; see the module docstring for the rule."""
    if source not in SOURCES:
        raise ValueError(f"unknown category source {source!r}")
    given = routing.decide(category, ward, has_location=has_location)
    if source == GIVEN or (source == CITIZEN and not is_catch_all(category)):
        return Route(category, given)

    suggestions = _suggestions(description)
    evidence = [{"code": code, "percent": percent(score)} for code, score in suggestions]
    threshold = replace_confidence() if source == CITIZEN else _classifier().min_confidence()
    best = _confident_category(suggestions, threshold)
    if best is not None and best != category and not is_catch_all(best):
        decision = routing.decide(best, ward, has_location=has_location)
        if decision.unit is not None:
            params = {**decision.params, "given_category": category.code,
                      "percent": percent(suggestions[0][1]), "classifier": evidence}
            return Route(best, routing.Decision(decision.unit, SUGGESTED_REASON, params), suggestions)
        # Without a place (or a unit there) a coordinator must act anyway; the
        # suggestion stays in the event and on the triage screen.
    if source == UNCHOSEN and best is None:
        params = {"category": category.code, "handler": category.handler, "classifier": evidence}
        return Route(category, routing.Decision(None, UNCERTAIN_REASON, params), suggestions)
    return Route(category, routing.Decision(given.unit, given.reason, {**given.params, "classifier": evidence}),
                 suggestions)


def percent(score):
    """A score as whole per cent, rounded down: 0.9998 is "99", never a promise of 100."""
    return min(99, math.floor(score * 100))


def _classifier():
    # Imported on first use: scikit-learn takes a second to load, and most
    # reports (a category given by a person) never need it.
    from . import classifier

    return classifier


def _suggestions(description):
    classifier = _classifier()
    try:
        return classifier.suggest(description, k=3, among=classifier.active_codes())
    except Exception:  # a broken model must not cost a citizen their report
        log.exception("category classifier failed; the report is routed by the category it came with")
        return []


def _confident_category(suggestions, threshold):
    from phananh.reports.models import Category

    if _classifier().is_uncertain(suggestions, threshold=threshold):
        return None
    return Category.objects.filter(code=suggestions[0][0], is_active=True).first()
