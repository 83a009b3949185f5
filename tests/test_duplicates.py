"""The duplicate finder (phananh.nlp.duplicates): its pieces, its labelled
pairs and their evaluation, the database lookup, GET /api/v1/nearby, the
workflow's "support" action and the staff's merge suggestions."""

import json
import math
from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from phananh.lib import clock
from phananh.nlp import duplicates
from phananh.nlp.duplicates import RELATED, SAME, Text, address_numbers
from phananh.nlp.management.commands import eval_duplicates
from phananh.nlp.normalize import fold, normalize
from phananh.reports import workflow
from phananh.reports.models import Category, Event, Report, Status
from phananh.reports.workflow import WorkflowError

from .conftest import OUTSIDE_POINT, WARD_A_POINT

LIGHT = "Đèn đường trước nhà số 62 Lê Lai tắt cả tuần nay, tối đi ngang tối om."
LIGHT_SMS = "den duong 62 le lai hu 5 ngay r ko ai sua, toi thui"
OTHER_LIGHT = "Trụ đèn số 120 Lê Lai chập chờn lúc sáng lúc tắt, đêm qua tắt hẳn."
GARBAGE = "Rác đổ thành đống ở đầu hẻm 84 Lê Lai, bốc mùi hôi thối, ruồi bu đầy."


def offset(point, east_m=0.0, north_m=0.0):
    lat, lng = point
    return (lat + north_m / 111_320.0, lng + east_m / (111_320.0 * math.cos(math.radians(lat))))


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate-limit counters live in the cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()


# --- the pieces ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, numbers", [
    ("Đèn trước nhà số 62 Lê Lai tắt 5 ngày rồi", {"62"}),
    ("Nhà 12/5 hẻm 12 Trần Quang Khải xây 2 tầng", {"12/5", "12"}),
    ("đoạn số 110 đến 114, từ ngày 12/5, lần thứ 3", {"110", "111", "112", "113", "114"}),
    ("gần số 290–310", {str(n) for n in range(290, 311)}),
    ("thu 10k một chiếc, chờ 30p, tới 12h đêm", set()),
    ("xe buýt tuyến 19 không dừng", {"19"}),
    ("từ số 1 đến 900", {"1", "900"}),  # too wide to be one stretch of street
])
def test_address_numbers_keep_houses_alleys_and_routes_not_quantities(text, numbers):
    assert address_numbers(fold(normalize(text)).split()) == numbers


def test_radius_and_window_follow_the_kind_of_problem():
    assert duplicates.radius_m("den-chieu-sang", "den-chieu-sang") < duplicates.DEFAULT_RADIUS_M
    assert duplicates.radius_m("ngap-nuoc", "ngap-nuoc") > duplicates.DEFAULT_RADIUS_M
    # A pair takes the larger radius of its two categories.
    assert duplicates.radius_m("den-chieu-sang", "ngap-nuoc") == duplicates.radius_m("ngap-nuoc", "ngap-nuoc")
    assert duplicates.radius_m("khac", "khac") == duplicates.DEFAULT_RADIUS_M
    assert duplicates.window_days("tieng-on") < duplicates.window_days("khac") < duplicates.window_days(
        "hu-hong-mat-duong")
    assert duplicates.MAX_RADIUS_M == max(duplicates.RADIUS_M.values())


def test_category_relation_tiers():
    assert duplicates.relation("rac-thai", "moi-truong", "rac-thai", "moi-truong") == SAME
    assert duplicates.relation("rac-thai", "moi-truong", "tieng-on", "moi-truong") == RELATED
    assert duplicates.relation("ngap-nuoc", "ha-tang", "nuoc-thai", "moi-truong") == RELATED  # a known confusion
    assert duplicates.relation("khac", "khac", "dien", "dien-nuoc") == RELATED  # the catch-all
    assert duplicates.relation("den-chieu-sang", "ha-tang", "rac-thai", "moi-truong") == duplicates.OTHER


def test_text_similarity_ignores_accents_and_shorthand():
    accented, plain = Text.of(LIGHT), Text.of("Den duong truoc nha so 62 Le Lai tat ca tuan nay, toi di ngang toi om.")
    assert duplicates.cosine(accented, plain) == pytest.approx(1.0)
    assert duplicates.cosine(Text.of(LIGHT), Text.of(LIGHT_SMS)) > duplicates.cosine(Text.of(LIGHT), Text.of(GARBAGE))
    assert Text.of("").empty and duplicates.cosine(Text.of(""), Text.of(LIGHT)) == 0.0


def side(text, category="den-chieu-sang", group="ha-tang-giao-thong", point=WARD_A_POINT):
    return duplicates.Side(Text.of(text), category, group, *point)


def test_likelihood_orders_the_cases_a_coordinator_would():
    same = duplicates.compare(side(LIGHT), side(LIGHT_SMS, point=offset(WARD_A_POINT, 10, 5)))
    other_lamp = duplicates.compare(side(LIGHT), side(OTHER_LIGHT, point=offset(WARD_A_POINT, 60)))
    other_problem = duplicates.compare(side(LIGHT), side(GARBAGE, "rac-thai", "moi-truong",
                                                         point=offset(WARD_A_POINT, 20)))
    assert same.same_number and other_lamp.other_number
    scores = [duplicates.likelihood(f) for f in (same, other_lamp, other_problem)]
    assert scores[0] >= duplicates.THRESHOLD > scores[1] > scores[2]
    # Beyond the category's radius there is no comparison at all.
    assert duplicates.compare(side(LIGHT), side(LIGHT, point=offset(WARD_A_POINT, 200))) is None


# --- the labelled pairs ---------------------------------------------------------------------

def test_the_labelled_pairs_are_many_varied_and_hard():
    pairs = duplicates.read_pairs()
    assert len(pairs) >= 300
    labels = Counter(p.same for p in pairs)
    assert labels[True] >= 100 and labels[False] >= 150
    kinds = Counter(p.kind for p in pairs)
    for hard in ("same-category-nearby", "same-place-other-problem", "same-incident-other-category"):
        assert kinds[hard] >= 10, hard
    styles = Counter(s["style"] for p in pairs for s in (p.a, p.b))
    assert {"casual", "no_diacritics", "sms", "formal"} <= set(styles)
    known = set(eval_duplicates.groups_from_file())
    for pair in pairs:
        assert pair.a["category"] in known and pair.b["category"] in known, pair.id
        assert pair.a["text"] != pair.b["text"], pair.id
    # The stated distance is the distance between the two points.
    raw = [json.loads(line) for line in open(duplicates.PAIRS_FILE, encoding="utf-8")]
    for record in raw:
        a, b = record["a"], record["b"]
        assert abs(duplicates.haversine_m(a["lat"], a["lng"], b["lat"], b["lng"]) - record["distance_m"]) < 1.5


def test_read_pairs_names_the_bad_line(tmp_path):
    path = tmp_path / "pairs.jsonl"
    good = open(duplicates.PAIRS_FILE, encoding="utf-8").readline()
    path.write_text(good + '{"id": "x", "label": "maybe"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"pairs.jsonl:2"):
        duplicates.read_pairs(path)


def test_eval_command_reports_cross_validated_scores_and_reproduces_the_shipped_weights():
    out = StringIO()
    call_command("eval_duplicates", "--fit", stdout=out)
    text = out.getvalue()
    assert "5-fold cross-validation grouped by scene" in text
    cv_line = text.split("5-fold cross-validation")[1].splitlines()[1]
    f1 = float(cv_line.split("F1 ")[1].split()[0])
    assert f1 >= 0.8, cv_line
    # Better than the place-and-category baseline, or the text is not earning its keep.
    baseline = text.split("within radius, same category")[1].splitlines()[0]
    assert f1 > float(baseline.split("F1 ")[1].split()[0])
    # The weights in duplicates.py are the ones fitted on the committed pairs.
    for name, weight in duplicates.WEIGHTS.items():
        assert f'"{name}": {weight:.2f},' in text, name
    assert f"INTERCEPT = {duplicates.INTERCEPT:.2f}" in text
    assert f"THRESHOLD = {duplicates.THRESHOLD:.2f}" in text


# --- looking up the database ------------------------------------------------------------------

@pytest.fixture
def lamp(submit_report):
    return submit_report(category="den-chieu-sang", description=LIGHT)


def test_find_returns_the_same_incident_and_leaves_out_the_rest(city, submit_report, lamp):
    here = offset(WARD_A_POINT, 12, 6)
    other_lamp = submit_report(category="den-chieu-sang", description=OTHER_LIGHT, point=offset(WARD_A_POINT, 65))
    far = submit_report(category="den-chieu-sang", description=LIGHT, point=offset(WARD_A_POINT, 0, 120))
    garbage = submit_report(category="rac-thai", description=GARBAGE, point=offset(WARD_A_POINT, 20))
    merged = submit_report(category="den-chieu-sang", description=LIGHT, point=offset(WARD_A_POINT, 5))
    workflow.apply(merged, "merge", city.coordinator, original=lamp)
    category = Category.objects.select_related("group").get(code="den-chieu-sang")

    matches = duplicates.find(*here, category, LIGHT_SMS, relations=(SAME, RELATED))
    codes = [m.report.code for m in matches]
    assert codes[0] == lamp.code and matches[0].likely
    assert far.code not in codes and merged.code not in codes and garbage.code not in codes
    assert other_lamp.code not in [m.report.code for m in matches if m.likely]
    assert all(m.distance_m <= duplicates.radius_m("den-chieu-sang", m.report.category.code) for m in matches)
    # Every category when asked (the staff panel), never the report itself.
    everything = duplicates.find(*here, category, GARBAGE, exclude_ids=[lamp.pk])
    assert garbage.code in [m.report.code for m in everything]
    assert lamp.code not in [m.report.code for m in everything]


def test_find_respects_the_category_window(submit_report, lamp):
    category = Category.objects.select_related("group").get(code="den-chieu-sang")
    window = duplicates.window_days("den-chieu-sang")
    inside = clock.now() + timedelta(days=window - 1)
    with clock.at(inside):
        assert duplicates.find(*WARD_A_POINT, category, LIGHT)
    with clock.at(clock.now() + timedelta(days=window + 1)):
        assert duplicates.find(*WARD_A_POINT, category, LIGHT) == []


def test_find_reads_one_query(submit_report, lamp, django_assert_max_num_queries):
    submit_report(category="den-chieu-sang", description=OTHER_LIGHT, point=offset(WARD_A_POINT, 30))
    category = Category.objects.select_related("group").get(code="den-chieu-sang")
    with django_assert_max_num_queries(1):
        assert len(duplicates.find(*WARD_A_POINT, category, LIGHT)) == 2


def test_for_report_needs_a_point(submit_report, lamp):
    no_point = submit_report(category="den-chieu-sang", description=LIGHT, point=None, ward=None,
                             address="62 Lê Lai")
    assert duplicates.for_report(no_point) == []
    assert [m.report for m in duplicates.for_report(
        submit_report(category="den-chieu-sang", description=LIGHT_SMS, point=offset(WARD_A_POINT, 8)))] == [lamp]


# --- GET /api/v1/nearby -----------------------------------------------------------------------

def nearby(client, **params):
    return client.get(reverse("api:nearby"), params, HTTP_ACCEPT_LANGUAGE="en")


def test_nearby_api_lists_public_fields_only(city, submit_report, parked_photo, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the photo job runs inline
        report = submit_report(category="den-chieu-sang", description=LIGHT, reporter_name="Nguyễn Văn Bí Mật",
                               reporter_phone="0903123456", reporter_email="bimat@example.com",
                               photos=[parked_photo()])
    response = nearby(Client(), lat=WARD_A_POINT[0], lng=WARD_A_POINT[1], category="den-chieu-sang", text=LIGHT_SMS)
    assert response.status_code == 200
    body = response.json()
    assert body["radius_m"] == duplicates.RADIUS_M["den-chieu-sang"]
    [row] = body["reports"]
    assert row["code"] == report.code and row["likely"] is True and 0 < row["likelihood"] <= 1
    assert row["url"] == f"/phan-anh/{report.code}/" and row["follow_url"] == f"/phan-anh/{report.code}/theo-doi/"
    assert row["category"]["code"] == "den-chieu-sang" and row["status"] == report.status
    assert row["photo"] and row["photo"].startswith("/media/")
    raw = response.content.decode()
    for private in ("Bí Mật", "0903123456", "bimat@example.com"):
        assert private not in raw


@pytest.mark.parametrize("params, field, message", [
    ({"lat": "abc", "lng": "106.7", "category": "rac-thai"}, "lat", "Give the latitude as a number"),
    ({"lat": "10.7", "lng": "200", "category": "rac-thai"}, "lng", "Give the longitude as a number"),
    ({"lat": "10.7", "lng": "106.7"}, "category", "Choose a category first."),
    ({"lat": "10.7", "lng": "106.7", "category": "nope"}, "category", "There is no category “nope”."),
    ({"lat": "10.7", "lng": "106.7", "category": "rac-thai", "text": "x" * 5001}, "text", "too long"),
])
def test_nearby_api_explains_bad_input(city, params, field, message):
    response = nearby(Client(), **params)
    assert response.status_code == 422
    assert response.json()["field"] == field and message in response.json()["detail"]


def test_nearby_api_is_rate_limited(city, monkeypatch):
    from phananh.nlp import api

    monkeypatch.setattr(api, "NEARBY_PER_MINUTE", 2)
    client = Client()
    statuses = [nearby(client, lat=10.7, lng=106.7, category="rac-thai").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


# --- the "support" action ---------------------------------------------------------------------

def test_support_counts_once_per_call_and_names_nobody(city, lamp):
    before = Report.objects.get(pk=lamp.pk)
    report = workflow.apply(lamp, "support", None)
    report = workflow.apply(report, "support", city.outsider)  # a signed-in person is not recorded either
    assert report.supporters == 2 and Report.objects.get(pk=lamp.pk).supporters == 2
    events = list(Event.objects.filter(report=lamp, type="supported").order_by("seq"))
    assert [e.payload for e in events] == [{"supporters": 1}, {"supporters": 2}]
    assert all(e.public and e.actor_id is None and e.actor_role == "public" for e in events)
    # Nothing a deadline depends on changed.
    assert Report.objects.get(pk=lamp.pk).deadline_check_at == before.deadline_check_at
    assert "support" not in workflow.allowed_actions(report, city.coordinator)


@pytest.mark.parametrize("final", ["rejected", "duplicate"])
def test_support_is_refused_once_the_report_is_closed(city, submit_report, final):
    report = submit_report(point=OUTSIDE_POINT)  # waits for triage
    if final == "rejected":
        workflow.apply(report, "reject", city.coordinator, reason="Không thuộc phạm vi.")
    else:
        workflow.apply(report, "merge", city.coordinator, original=submit_report())
    with pytest.raises(WorkflowError):
        workflow.apply(report, "support", None)
    assert Report.objects.get(pk=report.pk).supporters == 0


def test_public_page_shows_the_count_not_one_line_per_support(city, lamp, english):
    for _ in range(3):
        workflow.apply(lamp, "support", None)
    page = english.get(reverse("public:report", args=[lamp.code])).content.decode()
    assert "Residents with the same problem" in page and "3 more, besides the reporter" in page
    assert "The report was updated." not in page
    assert reverse("public:follow", args=[lamp.code]) in page


# --- the staff's merge suggestions ------------------------------------------------------------

def test_coordinator_sees_ranked_suggestions_with_a_prefilled_merge_form(city, submit_report, lamp, english):
    newer = submit_report(category="den-chieu-sang", description=LIGHT_SMS, point=offset(WARD_A_POINT, 10))
    english.force_login(city.coordinator)
    page = english.get(reverse("console:report", args=[newer.code])).content.decode()
    assert 'id="merge-suggestions"' in page and "likely the same" in page
    assert f'name="merge-original" value="{lamp.code}"' in page
    assert reverse("console:act", args=[newer.code, "merge"]) in page
    # The prefilled form is the existing merge action.
    response = english.post(reverse("console:act", args=[newer.code, "merge"]), {"merge-original": lamp.code})
    assert response.status_code == 302
    newer.refresh_from_db()
    assert newer.status == Status.DUPLICATE and newer.duplicate_of == lamp


def test_staff_who_cannot_merge_get_no_suggestions(city, submit_report, lamp, english):
    submit_report(category="den-chieu-sang", description=LIGHT_SMS, point=offset(WARD_A_POINT, 10))
    english.force_login(city.lighting_officer)
    page = english.get(reverse("console:report", args=[lamp.code])).content.decode()
    assert 'id="merge-suggestions"' not in page
