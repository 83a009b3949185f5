"""Which category routes a new report (phananh.nlp.category_routing through workflow.submit).

Most tests fix the classifier's answer, so that each one checks the rule and
not the model; the last ones use the real model on texts it is sure about.
"""

import pytest
from django.utils import translation

from phananh.nlp import category_routing, classifier, training_data
from phananh.nlp.category_routing import CITIZEN, GIVEN, UNCHOSEN
from phananh.reports import events, workflow
from phananh.reports.models import Category, Event, Status
from phananh.sla.service import deadlines_for
from phananh.units import routing

from .conftest import WARD_A_POINT

LIGHT_TEXT = "Đèn đường trước số 12 Lê Lợi tắt ba đêm liền."


def category(code):
    return Category.objects.get(code=code)


@pytest.fixture
def answer(monkeypatch):
    """Make the classifier answer `suggestions` ([(code, score)], best first) and count its calls."""
    calls = []

    def fix(*suggestions):
        def fake(text, k=3, among=None):
            calls.append(text)
            return [s for s in suggestions if among is None or s[0] in among][:k]
        monkeypatch.setattr(classifier, "suggest", fake)
        return calls

    return fix


def submit(code, source, point=WARD_A_POINT, text=LIGHT_TEXT, **kwargs):
    lat, lng = point if point else (None, None)
    report, _token = workflow.submit(category=category(code), description=text, channel="web", lat=lat, lng=lng,
                                     category_source=source, **kwargs)
    report.refresh_from_db()
    return report


def event(report, type):
    return Event.objects.get(report=report, type=type)


# --- a category given by a person ------------------------------------------------------------

def test_a_given_category_is_routed_as_given_without_asking_the_classifier(city, answer):
    calls = answer(("den-chieu-sang", 0.99))
    report = submit("khac", GIVEN)
    assert calls == []
    assert report.status == Status.SUBMITTED and report.category.code == "khac"
    assert event(report, "triage_needed").payload == {
        "reason": "category_coordinator", "reason_params": {"category": "khac", "handler": "coordinator"},
    }


def test_given_is_the_default(city, answer):
    calls = answer(("den-chieu-sang", 0.99))
    lat, lng = WARD_A_POINT
    report, _token = workflow.submit(category=category("khac"), description=LIGHT_TEXT, channel="web", lat=lat,
                                     lng=lng)
    assert calls == [] and report.unit is None


def test_a_citizens_specific_choice_is_never_overridden(city, answer):
    calls = answer(("den-chieu-sang", 0.99))
    report = submit("rac-thai", CITIZEN)
    assert calls == []  # not even asked
    assert report.category.code == "rac-thai" and report.unit == city.ward_a
    assert event(report, "routed").payload["reason"] == "handler_kind"


# --- a citizen's "Other" -------------------------------------------------------------------------

def test_other_with_a_very_sure_suggestion_goes_straight_to_the_unit(city, answer):
    answer(("den-chieu-sang", 0.9731), ("hu-hong-mat-duong", 0.02), ("khac", 0.0069))
    report = submit("khac", CITIZEN)
    assert report.status == Status.ASSIGNED and report.unit == city.lighting
    assert report.category.code == "den-chieu-sang"
    # The citizen's own choice stays in the record...
    assert event(report, "submitted").payload["category"] == "khac"
    # ...and the routed event says what changed, why, and what the classifier said.
    routed = event(report, "routed")
    assert routed.actor_role == "system"
    assert routed.payload["category"] == {"from": "khac", "to": "den-chieu-sang"}
    assert routed.payload["reason"] == "suggested_category"
    params = routed.payload["reason_params"]
    assert params["given_category"] == "khac" and params["percent"] == 97
    assert params["classifier"] == [{"code": "den-chieu-sang", "percent": 97},
                                    {"code": "hu-hong-mat-duong", "percent": 2}, {"code": "khac", "percent": 0}]
    assert not Event.objects.filter(report=report, type="triage_needed").exists()
    assert events.first_broken_event() is None


def test_the_deadlines_are_those_of_the_suggested_category(city, answer):
    answer(("den-chieu-sang", 0.95))
    report = submit("khac", CITIZEN)
    ack_due, resolve_due = deadlines_for(category("den-chieu-sang"), report.received_at)
    assert (report.ack_due, report.resolve_due) == (ack_due, resolve_due)


def test_the_reason_reads_as_a_sentence(city, answer):
    answer(("den-chieu-sang", 0.95))
    payload = event(submit("khac", CITIZEN), "routed").payload
    with translation.override("en"):
        sentence = routing.explain(payload["reason"], payload["reason_params"])
    assert sentence == (
        "Category “Street lighting failure” suggested by the classifier (95% sure) for a report filed under a "
        "catch-all category; it is handled by: Public utility (street lighting); Công ty Chiếu sáng covers "
        "Phường Bến Thành."
    )


@pytest.mark.parametrize("score", [0.89, 0.7, 0.51])
def test_other_with_a_less_sure_suggestion_waits_for_a_coordinator(city, answer, score):
    answer(("den-chieu-sang", score), ("khac", 1 - score))
    report = submit("khac", CITIZEN)
    assert report.status == Status.SUBMITTED and report.category.code == "khac"
    triage = event(report, "triage_needed").payload
    assert triage["reason"] == "category_coordinator"
    # What the classifier said is kept for the coordinator and for the record.
    assert triage["reason_params"]["classifier"][0] == {"code": "den-chieu-sang", "percent": int(score * 100)}


def test_the_replacement_threshold_is_a_setting_but_never_below_the_routing_one(city, answer, settings):
    answer(("den-chieu-sang", 0.8))
    settings.CLASSIFIER_REPLACE_CONFIDENCE = 0.75
    assert submit("khac", CITIZEN).unit == city.lighting
    settings.CLASSIFIER_REPLACE_CONFIDENCE = 0.3
    settings.CLASSIFIER_MIN_CONFIDENCE = 0.85
    assert category_routing.replace_confidence() == 0.85
    assert submit("khac", CITIZEN).unit is None


def test_other_that_the_classifier_also_calls_other_stays_with_the_coordinator(city, answer):
    answer(("khac", 0.99), ("den-chieu-sang", 0.01))
    report = submit("khac", CITIZEN)
    assert report.unit is None and report.category.code == "khac"
    assert event(report, "triage_needed").payload["reason"] == "category_coordinator"


def test_a_sure_suggestion_without_a_place_leaves_the_category_to_the_coordinator(city, answer):
    answer(("den-chieu-sang", 0.99))
    report = submit("khac", CITIZEN, point=None)
    assert report.unit is None and report.category.code == "khac"
    triage = event(report, "triage_needed").payload
    assert triage["reason"] == "category_coordinator"
    assert triage["reason_params"]["classifier"] == [{"code": "den-chieu-sang", "percent": 99}]
    # The deadlines stay those of the category the report keeps.
    assert report.ack_due == deadlines_for(category("khac"), report.received_at)[0]


def test_an_inactive_suggested_category_is_never_used(city, answer):
    answer(("den-chieu-sang", 0.99))
    Category.objects.filter(code="den-chieu-sang").update(is_active=False)
    report = submit("khac", CITIZEN)
    assert report.unit is None and report.category.code == "khac"


# --- nobody chose the category ----------------------------------------------------------------

def test_an_unchosen_category_with_an_unsure_classifier_waits_for_a_coordinator(city, answer):
    answer(("den-chieu-sang", 0.42), ("hu-hong-mat-duong", 0.31))
    report = submit("rac-thai", UNCHOSEN)
    assert report.status == Status.SUBMITTED and report.unit is None
    triage = event(report, "triage_needed").payload
    assert triage["reason"] == "uncertain_category"
    assert triage["reason_params"]["classifier"] == [{"code": "den-chieu-sang", "percent": 42},
                                                     {"code": "hu-hong-mat-duong", "percent": 31}]
    with translation.override("en"):
        assert routing.explain(triage["reason"], triage["reason_params"]) == (
            "Nobody chose the category and the classifier is not sure enough to route on its suggestion: "
            "a coordinator decides."
        )


def test_an_unchosen_category_follows_a_confident_suggestion(city, answer):
    answer(("den-chieu-sang", 0.6))  # the routing threshold (0.5), not the stricter one for overruling people
    report = submit("khac", UNCHOSEN)
    assert report.unit == city.lighting and report.category.code == "den-chieu-sang"
    assert event(report, "routed").payload["reason"] == "suggested_category"


def test_an_unchosen_category_the_classifier_agrees_with_is_routed_normally(city, answer):
    answer(("rac-thai", 0.8))
    report = submit("rac-thai", UNCHOSEN, text="Rác đổ thành đống ở đầu hẻm.")
    routed = event(report, "routed").payload
    assert report.unit == city.ward_a and routed["reason"] == "handler_kind" and "category" not in routed
    assert routed["reason_params"]["classifier"] == [{"code": "rac-thai", "percent": 80}]


def test_text_without_known_words_is_uncertain(city, answer):
    answer()  # the classifier finds nothing
    assert event(submit("khac", UNCHOSEN, text="???"), "triage_needed").payload["reason"] == "uncertain_category"


# --- a broken classifier never costs a report ------------------------------------------------

@pytest.mark.parametrize("source,reason", [(CITIZEN, "category_coordinator"), (UNCHOSEN, "uncertain_category")])
def test_a_failing_classifier_still_creates_the_report(city, monkeypatch, source, reason):
    def broken(*args, **kwargs):
        raise RuntimeError("model file damaged")

    monkeypatch.setattr(classifier, "suggest", broken)
    report = submit("khac", source)
    assert report.pk and report.category.code == "khac"
    assert event(report, "triage_needed").payload["reason"] == reason


def test_an_unknown_source_is_a_programming_error(city):
    with pytest.raises(ValueError):
        submit("rac-thai", "sms")


# --- retraining learns only from people ---------------------------------------------------------

def test_a_category_the_classifier_chose_is_not_a_correction_to_learn_from(city, answer):
    answer(("den-chieu-sang", 0.99))
    suggested = submit("khac", CITIZEN)
    corrected = submit("khac", GIVEN, text="Cột đèn chiếu sáng ngã ra giữa đường.")
    workflow.apply(corrected, "route", city.coordinator, unit=city.lighting, category=category("den-chieu-sang"))
    texts = {example.text for example in training_data.operator_corrections()}
    assert corrected.description in texts
    assert suggested.description not in texts


# --- with the real model ------------------------------------------------------------------------

def test_the_real_model_routes_a_clear_other_report_to_the_unit(city):
    report = submit("khac", CITIZEN)
    assert report.unit == city.lighting and report.category.code == "den-chieu-sang"


def test_the_real_model_leaves_a_vague_other_report_to_the_coordinator(city):
    report = submit("khac", CITIZEN, text="Mong các anh chị xem giúp chuyện ở đây.")
    assert report.unit is None and report.category.code == "khac"
