"""Open data: no reporter data, streamed in batches, and enough to recompute every public figure.

`recompute` follows docs/open-data.md step by step on the downloaded CSV,
as an outside auditor would, and must find the figures the API publishes.
"""

import csv
import io
import json
from collections import Counter

import pytest
from django.urls import reverse

from phananh.reports import workflow
from phananh.reports.models import Report
from phananh.stats import measures, opendata, rollup

from .conftest import OUTSIDE_POINT, WARD_B_POINT

SECRET_NAME = "Nguyễn Thị Bí Mật"
SECRET_PHONE = "0909123456"
SECRET_EMAIL = "bimat@example.vn"
SECRET_WORDS = "cổng nhà số 12 bà Tư"


@pytest.fixture(autouse=True)
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def history(city, submit_report, parked_photo):
    reporter = {"reporter_name": SECRET_NAME, "reporter_phone": SECRET_PHONE, "reporter_email": SECRET_EMAIL}
    fixed = submit_report(description=f"Rác trước {SECRET_WORDS}.", **reporter)
    token = fixed.token
    workflow.apply(fixed, "accept", city.officer_a)
    fixed = workflow.apply(fixed, "resolve", city.officer_a, outcome="fixed", result="Đã dọn.",
                           photos=[parked_photo()])
    workflow.apply(fixed, "rate", workflow.Citizen(token), rating="unsatisfied", comment=f"Gọi {SECRET_PHONE}")
    again = submit_report(**reporter)
    workflow.apply(again, "accept", city.officer_a)
    workflow.apply(again, "resolve", city.officer_a, outcome="cannot_fix", result="Chờ kinh phí.")
    lit = submit_report(category="den-chieu-sang", point=WARD_B_POINT)
    workflow.apply(lit, "accept", city.lighting_officer)
    workflow.apply(lit, "return", city.lighting_officer, reason="Không phải đèn của công ty.")
    rejected = submit_report(point=OUTSIDE_POINT)
    workflow.apply(rejected, "reject", city.coordinator, reason="Ngoài địa bàn.")
    duplicate = submit_report()
    workflow.apply(duplicate, "merge", city.coordinator, original=again)
    rollup.refresh()
    return city


def download(client, name):
    response = client.get(reverse(f"stats:{name}"))
    assert response.status_code == 200 and response.streaming
    return b"".join(response.streaming_content).decode()


def ratio(count, n):
    return {"count": count, "n": n, "percent": (200 * count + n) // (2 * n) if n else None}


def recompute(rows, unit=None):
    """docs/open-data.md, "Recomputing the scorecards", for one unit (or the city)."""
    mine = [r for r in rows if unit is None or r["unit"] == unit]
    measured = ("on_time", "late", "overdue")
    done = [r for r in mine if r["state"] in ("resolved", "closed")]
    seconds = sorted(int(r["resolve_working_seconds"]) for r in done if r["resolve_working_seconds"])
    median = None
    if seconds:
        low, high = measures.bucket_bounds(measures.bucket_of(seconds[(len(seconds) + 1) // 2 - 1]))
        median = {"n": len(seconds), "from_hours": low, "to_hours": high}
    return {
        "received": len(mine),
        "states": {state: sum(r["state"] == state for r in mine) for state in measures.STATES},
        "on_time_acknowledgement": ratio(sum(r["ack_result"] == "on_time" for r in mine),
                                         sum(r["ack_result"] in measured for r in mine)),
        "on_time_resolution": ratio(sum(r["resolve_result"] == "on_time" for r in mine),
                                    sum(r["resolve_result"] in measured for r in mine)),
        "fixed_share": ratio(sum(r["outcome"] == "fixed" for r in done), sum(r["outcome"] != "" for r in done)),
        "satisfaction": ratio(sum(r["rating"] == "satisfied" for r in mine), sum(r["rating"] != "" for r in mine)),
        "reopened": ratio(sum(int(r["reopen_count"]) > 0 for r in mine), sum(r["ever_resolved"] == "1" for r in mine)),
        "overdue_now": sum(r["state"] == "open" and r["resolve_result"] == "overdue" for r in mine),
        "median": median,
    }


def published(figures):
    median = figures["median_working_hours_to_resolve"]
    return {
        **{key: figures[key] for key in ("received", "states", "on_time_acknowledgement", "on_time_resolution",
                                         "fixed_share", "satisfaction", "reopened", "overdue_now")},
        "median": median if median["n"] else None,
    }


def test_recomputed_figures_equal_the_api_and_the_pages(client, history):
    rows = list(csv.DictReader(io.StringIO(download(client, "reports_csv"))))
    assert len(rows) == Report.objects.count() == 5
    city = client.get("/api/v1/stats/city", {"ky": "all"}).json()["figures"]
    assert recompute(rows) == published(city)
    units = {row["code"]: row["figures"] for row in client.get("/api/v1/stats/units", {"ky": "all"}).json()["rows"]}
    for code in {r["unit"] for r in rows}:
        assert recompute(rows, code) == published(units[code or None]), code
    # The page shows the same numbers the API does.
    html = client.get(reverse("stats:unit", args=[history.ward_a.code]), {"ky": "all"}).content.decode()
    ward_a = recompute(rows, history.ward_a.code)
    assert f"Received {ward_a['received']} = open {ward_a['states']['open']}" in html


def test_the_events_let_anyone_check_each_report_row(client, history):
    """A report's status is where its public events leave it."""
    moves = {"submitted": "submitted", "routed": "assigned", "acknowledged": "acknowledged",
             "started": "in_progress", "returned": "submitted", "resolved": "resolved", "closed": "closed",
             "reopened": "reopened", "rejected": "rejected", "merged": "duplicate"}
    status = {}
    events = list(csv.DictReader(io.StringIO(download(client, "events_csv"))))
    assert [int(e["seq"]) for e in events] == sorted(int(e["seq"]) for e in events)
    for event in events:
        details = json.loads(event["details"])
        if event["type"] == "rated":
            status[event["report"]] = "closed" if details["rating"] == "satisfied" else status[event["report"]]
        elif event["type"] in moves:
            status[event["report"]] = moves[event["type"]]
    rows = list(csv.DictReader(io.StringIO(download(client, "reports_csv"))))
    assert {r["code"]: r["status"] for r in rows} == status


def test_no_reporter_data_and_no_free_text(client, history):
    everything = "".join(download(client, name) for name in opendata_names())
    for secret in (SECRET_NAME, SECRET_PHONE, SECRET_EMAIL, SECRET_WORDS, "Ngoài địa bàn", "Không phải đèn"):
        assert secret not in everything
    events = list(csv.DictReader(io.StringIO(download(client, "events_csv"))))
    assert {e["actor_role"] for e in events} <= {"citizen", "system", "officer", "head", "coordinator", "operator"}
    assert "actor" not in events[0]


def opendata_names():
    return ("reports_csv", "reports_geojson", "events_csv", "events_geojson")


def test_geojson_is_valid_and_keeps_reports_without_a_point(client, history, submit_report):
    submit_report(point=None, ward=history.ward_b)
    rollup.refresh()
    collection = json.loads(download(client, "reports_geojson"))
    assert collection["type"] == "FeatureCollection" and len(collection["features"]) == 6
    located = [f for f in collection["features"] if f["geometry"]]
    assert located[0]["geometry"]["type"] == "Point" and len(located[0]["geometry"]["coordinates"]) == 2
    assert sum(f["geometry"] is None for f in collection["features"]) == 1
    events = json.loads(download(client, "events_geojson"))
    assert all(isinstance(f["properties"]["details"], dict) for f in events["features"])


def test_exports_stream_in_keyset_batches(client, history, monkeypatch):
    monkeypatch.setattr(opendata, "BATCH_SIZE", 2)
    rows = list(csv.DictReader(io.StringIO(download(client, "reports_csv"))))
    assert len({r["code"] for r in rows}) == 5
    events = list(csv.DictReader(io.StringIO(download(client, "events_csv"))))
    counts = Counter(e["type"] for e in events)
    assert counts["submitted"] == 5 and counts["rejected"] == 1 and counts["merged"] == 1


def test_open_data_page_links_every_file(client, history):
    html = client.get(reverse("stats:opendata")).content.decode()
    for name in opendata_names():
        assert reverse(f"stats:{name}") in html
