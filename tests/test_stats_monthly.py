"""The monthly accountability report: page, CSV, printable view and the e-mail at month start."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from phananh.lib import clock
from phananh.reports import workflow
from phananh.stats import monthly, rollup
from phananh.stats.models import MonthlyReportDelivery

from .conftest import WARD_B_POINT

MONDAY_8 = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)   # 08:00 local; rac-thai due Wednesday 08:00
READ_AT = datetime(2025, 3, 14, 3, 0, tzinfo=UTC)  # Friday 14 March, 10:00 local


@pytest.fixture(autouse=True)
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def at(moment, fn, *args, **kwargs):
    with clock.at(moment):
        return fn(*args, **kwargs)


@pytest.fixture
def march(city, submit_report, parked_photo):
    on_time = at(MONDAY_8, submit_report)
    at(MONDAY_8 + timedelta(hours=1), workflow.apply, on_time, "accept", city.officer_a)
    at(MONDAY_8 + timedelta(hours=2), workflow.apply, on_time, "resolve", city.officer_a, outcome="fixed",
       result="Đã dọn.", photos=[parked_photo()])
    late = at(MONDAY_8, submit_report)
    at(MONDAY_8 + timedelta(hours=1), workflow.apply, late, "accept", city.officer_a)
    at(MONDAY_8 + timedelta(days=3), workflow.apply, late, "resolve", city.officer_a, outcome="cannot_fix",
       result="Chờ kinh phí.")
    city.overdue = at(MONDAY_8, submit_report)                      # due Wed 5 March 08:00: 8 working days late
    city.recent = at(MONDAY_8 + timedelta(days=8, hours=1), submit_report)  # due Thu 13 March: 1 day late
    at(MONDAY_8, submit_report, category="den-chieu-sang", point=WARD_B_POINT)  # lighting: overdue too
    with clock.at(READ_AT):
        rollup.refresh()
    return city


def test_unit_report_figures(march):
    with clock.at(READ_AT):
        report = monthly.build(datetime(2025, 3, 1).date(), march.ward_a)
    f = report.figures
    assert (f.received, f.res_on_time, f.res_late, f.res_overdue) == (4, 1, 1, 2)
    assert report.bands == {"up_to_1_day": 0, "1_to_5_days": 1, "over_5_days": 1}
    assert [item.code for item in report.overdue] == [march.overdue.code, march.recent.code]
    # Due Wed 5 March 08:00: 7.5 h that day, six full days, 2.5 h on Friday = 58 working hours.
    assert report.overdue[0].late_hours == pytest.approx(58)
    assert report.overdue[0].late_text == "7 working days 2 h"


def test_lateness_bands_put_exactly_n_days_in_the_lower_band(march):
    # The recent report was due Thursday 13 March 09:00 (16 working hours after Tue 11 09:00)…
    with clock.at(READ_AT):
        report = monthly.build(datetime(2025, 3, 1).date(), march.ward_a)
    recent = report.overdue[1]
    assert recent.late_hours == pytest.approx(9.0)  # Thu 09:00 → Fri 10:00 = 8 + 1 working hours
    assert monthly.working_duration(8) == "1 working day"
    assert monthly.working_duration(0.2) == "1 working hour"


def test_city_page_lists_units_and_overdue_reports(client, march):
    with clock.at(READ_AT):
        html = client.get(reverse("stats:monthly", args=["2025-03"])).content.decode()
    assert "City-wide report for 03/2025" in html
    assert "Phường Bến Thành" in html and "Công ty Chiếu sáng" in html
    assert march.overdue.code in html and "7 working days 2 h" in html
    assert "Received 5 = open 3 + resolved 2 + closed 0 + rejected 0 + duplicate 0." in html


def test_unit_csv(client, march):
    with clock.at(READ_AT):
        response = client.get(reverse("stats:unit_monthly_csv", args=["2025-03", march.ward_a.code]))
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="bao-cao-2025-03-26743.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 1
    row = rows[0]
    assert (row["unit_code"], row["received"], row["resolved_on_time"], row["resolved_late"]) == (
        "26743", "4", "1", "1")
    assert (row["still_overdue"], row["overdue_1_to_5_days"], row["overdue_over_5_days"]) == ("2", "1", "1")
    assert row["on_time_resolution_percent"] == "25"  # 1 of 4 measured
    assert int(row["received"]) == sum(int(row[k]) for k in ("open", "resolved", "closed", "rejected", "merged"))


def test_city_csv_has_a_row_per_unit_and_a_total(client, march):
    with clock.at(READ_AT):
        response = client.get(reverse("stats:monthly_csv", args=["2025-03"]))
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["unit_code"] for r in rows] == ["26743", "chieu-sang", "all"]
    assert int(rows[-1]["received"]) == sum(int(r["received"]) for r in rows[:-1]) == 5
    assert int(rows[-1]["still_overdue"]) == 3


def test_printable_view_stands_alone(client, march):
    with clock.at(READ_AT):
        html = client.get(reverse("stats:unit_monthly_print", args=["2025-03", march.ward_a.code])).content.decode()
    assert "site-header" not in html and "stats.css" in html
    assert "Head of unit (signature)" in html and march.overdue.code in html


def test_month_picker_and_latest_redirect(client, march):
    with clock.at(READ_AT):
        assert client.get(reverse("stats:monthly_latest")).url == reverse("stats:monthly", args=["2025-02"])
        picked = client.get(reverse("stats:monthly_latest"), {"thang": "2025-03", "don_vi": march.ward_a.code})
        assert picked.url == reverse("stats:unit_monthly", args=["2025-03", march.ward_a.code])
        assert client.get(reverse("stats:monthly", args=["2025-04"])).status_code == 404  # the future


def test_email_goes_to_heads_and_coordinators_once(march, settings):
    march.head_a.email = "truong.a@example.vn"
    march.head_a.save()
    march.coordinator.email = "dieuphoi@example.vn"
    march.coordinator.save()
    with clock.at(datetime(2025, 4, 1, 1, 0, tzinfo=UTC)):
        assert monthly.send_all() == 2
        assert monthly.send_all() == 0  # the job again: nothing twice
    # In the site's language (Vietnamese), whatever the language of the request that ran the job.
    assert sorted(m.to[0] for m in mail.outbox) == ["dieuphoi@example.vn", "truong.a@example.vn"]
    unit_mail = next(m for m in mail.outbox if m.to == ["truong.a@example.vn"])
    assert "Phường Bến Thành" in unit_mail.subject and "03/2025" in unit_mail.subject
    assert march.overdue.code in unit_mail.body and "/thong-ke/bao-cao-thang/2025-03/26743/" in unit_mail.body
    name, content, mimetype = unit_mail.attachments[0]
    assert name == "bao-cao-2025-03-26743.csv" and mimetype == "text/csv" and "26743" in content
    assert MonthlyReportDelivery.objects.count() == 2


def test_a_failed_send_is_retried_by_the_next_run(march, monkeypatch):
    march.head_a.email = "truong.a@example.vn"
    march.head_a.save()

    def broken(self, fail_silently=False):
        raise OSError("mail server down")

    from django.core.mail import EmailMessage

    monkeypatch.setattr(EmailMessage, "send", broken)
    with clock.at(datetime(2025, 4, 1, 1, 0, tzinfo=UTC)), pytest.raises(OSError):
        monthly.send_all()
    assert MonthlyReportDelivery.objects.count() == 0
    monkeypatch.undo()
    with clock.at(datetime(2025, 4, 1, 2, 0, tzinfo=UTC)):
        assert monthly.send_all() == 1


def test_periodic_task_acts_only_on_the_first_of_the_month(march):
    from phananh.stats.tasks import send_monthly_reports

    march.head_a.email = "truong.a@example.vn"
    march.head_a.save()
    with clock.at(datetime(2025, 4, 2, 1, 0, tzinfo=UTC)):
        send_monthly_reports.call_local()
    assert mail.outbox == []
    with clock.at(datetime(2025, 3, 31, 17, 30, tzinfo=UTC)):  # 00:30 on 1 April in Vietnam
        send_monthly_reports.call_local()
    assert [m.to for m in mail.outbox] == [["truong.a@example.vn"]]
    assert "03/2025" in mail.outbox[0].subject


def test_command(march, capsys):
    with clock.at(datetime(2025, 4, 1, 1, 0, tzinfo=UTC)):
        call_command("send_monthly_reports", "--month", "2025-03")
    assert "sent 0 monthly reports" in capsys.readouterr().out  # nobody has an e-mail address yet
    with pytest.raises(CommandError):
        call_command("send_monthly_reports", "--month", "03/2025")


def test_lateness_walks_the_calendar_once_and_agrees_with_it(db):
    import random

    from phananh.sla.service import current_calendar

    calendar = current_calendar()
    end = datetime(2025, 5, 6, 9, 17, tzinfo=UTC)  # just after the 30/4 and 1/5 holidays
    rng = random.Random(7)
    starts = [end - timedelta(minutes=rng.randint(0, 60 * 24 * 400)) for _ in range(60)]
    late = monthly.WorkingTimeTo(calendar, end, starts)
    for start in starts:
        expected = calendar.working_time_between(start, end).total_seconds() / 3600
        assert late.hours_since(start) == pytest.approx(expected), start
