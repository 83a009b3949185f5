"""Remaining working time in words: "còn 2 giờ làm việc", "quá hạn 1 ngày làm việc"."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.translation import trans_real

from phananh.lib import clock
from phananh.sla.calendar import WorkCalendar
from phananh.sla.remaining import describe, remaining

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = WorkCalendar()


def vn(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=TZ)


# 10/03/2025 is a Monday; 14/03 a Friday.
@pytest.mark.parametrize("now, due, words", [
    # Friday 16:00 → Monday 09:00: one hour on Friday, 1.5 on Monday; the weekend does not count.
    (vn(2025, 3, 14, 16), vn(2025, 3, 17, 9), "2 working hours left"),
    # Across the lunch break: 11:00 → 13:30 is 30 + 30 minutes.
    (vn(2025, 3, 10, 11), vn(2025, 3, 10, 13, 30), "1 working hour left"),
    (vn(2025, 3, 10, 11), vn(2025, 3, 10, 13, 15), "45 working minutes left"),
    (vn(2025, 3, 10, 9), vn(2025, 3, 12, 9), "2 working days left"),
    # 1 day 7.5 hours is still "1 day": never more time than there really is.
    (vn(2025, 3, 10, 7, 30), vn(2025, 3, 11, 16, 30), "1 working day left"),
    (vn(2025, 3, 10, 16, 59), vn(2025, 3, 10, 17), "1 working minute left"),
    # Late: Friday 16:00 seen on Monday 08:30 is two working hours late.
    (vn(2025, 3, 17, 8, 30), vn(2025, 3, 14, 16), "overdue by 2 working hours"),
    (vn(2025, 3, 11, 9), vn(2025, 3, 10, 9), "overdue by 1 working day"),
    (vn(2025, 3, 14, 9), vn(2025, 3, 10, 9), "overdue by 4 working days"),
    (vn(2025, 3, 10, 9, 1), vn(2025, 3, 10, 9), "overdue by 1 working minute"),
    # Due at Friday's closing and seen on Saturday: late, but no working time has passed.
    (vn(2025, 3, 15, 10), vn(2025, 3, 14, 17), "just overdue"),
    (vn(2025, 3, 10, 9), vn(2025, 3, 10, 9) + timedelta(seconds=30), "due now"),
])
def test_words_in_english(now, due, words):
    with translation.override("en"):
        assert describe(due, now, CAL) == words


def test_tet_holidays_do_not_count():
    # Tết 2025: Monday 27/01 to Friday 31/01 are days off. Friday 24/01 09:00
    # to Monday 03/02 09:00 is 6.5 + 1.5 working hours: one working day.
    with translation.override("en"):
        assert describe(vn(2025, 2, 3, 9), now=vn(2025, 1, 24, 9), calendar=CAL) == "1 working day left"
        assert describe(vn(2025, 1, 24, 9), now=vn(2025, 2, 3, 9), calendar=CAL) == "overdue by 1 working day"


def test_remaining_measures_signed_working_time():
    left = remaining(vn(2025, 3, 17, 9), vn(2025, 3, 14, 16), CAL)
    assert left.working_time == timedelta(hours=2, minutes=30) and not left.overdue
    late = remaining(vn(2025, 3, 14, 16), vn(2025, 3, 17, 9), CAL)
    assert late.working_time == timedelta(hours=2, minutes=30) and late.overdue
    assert remaining(None) is None and describe(None) == ""


# The Vietnamese wording, as the catalog should say it. The catalog is
# produced separately; the test puts these entries in front of it, so it
# checks that the code asks for exactly these messages with the right count.
VI = {
    ("%(n)d working day left", "%(n)d working days left"): "còn %(n)d ngày làm việc",
    ("%(n)d working hour left", "%(n)d working hours left"): "còn %(n)d giờ làm việc",
    ("%(n)d working minute left", "%(n)d working minutes left"): "còn %(n)d phút làm việc",
    ("overdue by %(n)d working day", "overdue by %(n)d working days"): "quá hạn %(n)d ngày làm việc",
    ("overdue by %(n)d working hour", "overdue by %(n)d working hours"): "quá hạn %(n)d giờ làm việc",
    ("overdue by %(n)d working minute", "overdue by %(n)d working minutes"): "quá hạn %(n)d phút làm việc",
    "due now": "đến hạn ngay bây giờ",
    "just overdue": "vừa quá hạn",
}


@pytest.fixture
def vietnamese():
    with translation.override("vi"):
        catalog = trans_real.translation("vi")._catalog
        top = catalog._catalogs[0]
        saved = dict(top)
        for msgid, text in VI.items():
            if isinstance(msgid, tuple):
                for index in (0, 1):  # Vietnamese has one form for every number
                    top[(msgid[0], index)] = text
            else:
                top[msgid] = text
        try:
            yield
        finally:
            top.clear()
            top.update(saved)


@pytest.mark.parametrize("now, due, words", [
    (vn(2025, 3, 14, 16), vn(2025, 3, 17, 9), "còn 2 giờ làm việc"),
    (vn(2025, 3, 10, 9), vn(2025, 3, 11, 9), "còn 1 ngày làm việc"),
    (vn(2025, 3, 10, 11), vn(2025, 3, 10, 13, 15), "còn 45 phút làm việc"),
    (vn(2025, 3, 11, 9), vn(2025, 3, 10, 9), "quá hạn 1 ngày làm việc"),
    (vn(2025, 3, 17, 8, 30), vn(2025, 3, 14, 16), "quá hạn 2 giờ làm việc"),
    (vn(2025, 3, 15, 10), vn(2025, 3, 14, 17), "vừa quá hạn"),
])
def test_words_in_vietnamese(vietnamese, now, due, words):
    assert describe(due, now, CAL) == words


def test_words_in_vietnamese_with_the_shipped_catalog():
    # Whatever the catalog's wording, the number is filled in and no placeholder is left.
    with translation.override("vi"):
        text = describe(vn(2025, 3, 17, 9), vn(2025, 3, 14, 16), CAL)
    assert "2" in text and "%(" not in text


def test_template_filter_counts_from_now_on_the_configured_calendar(db):
    template = Template("{% load deadlines %}[{{ due|working_time_left }}]")
    with translation.override("en"), clock.at(vn(2025, 3, 14, 16)):
        assert template.render(Context({"due": vn(2025, 3, 17, 9)})) == "[2 working hours left]"
        assert template.render(Context({"due": None})) == "[]"


def test_staff_see_the_remaining_working_time_in_the_queue_and_on_the_report(client, settings, city, submit_report):
    from django.urls import reverse

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with clock.at(vn(2025, 3, 14, 10)):   # Friday 10:00; "rac-thai": 4 working hours / 2 working days
        report = submit_report()
    client.force_login(city.officer_a)
    with clock.at(vn(2025, 3, 14, 16)):
        queue = client.get(reverse("console:home")).content.decode()
        page = client.get(reverse("console:report", args=[report.code])).content.decode()
    assert "1 working day left" in queue   # due Tuesday 10:00: 1 hour Friday, 8 Monday, 2.5 Tuesday
    assert "1 working day left" in page and "overdue by 30 working minutes" in page   # ack was due 15:30
    with clock.at(vn(2025, 3, 19, 10)):
        queue = client.get(reverse("console:home")).content.decode()
    assert "overdue by 1 working day" in queue and "Overdue" in queue
