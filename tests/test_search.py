"""Accent-insensitive search: matching rules, the backfill, the public list and the staff queue.

Every test here runs against whichever database DATABASE_URL names, so the
same file proves the same results on SQLite and on PostgreSQL.
"""

import importlib
import re
import unicodedata

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from phananh.console import queue
from phananh.public import paging
from phananh.reports import search, workflow
from phananh.reports.models import Category, Report

from .conftest import OUTSIDE_POINT, WARD_B_POINT

PUBLIC = reverse("public:reports")
CONSOLE = reverse("console:home")


@pytest.fixture(autouse=True)
def english(client, settings):
    # Assertions read the English msgids; the site defaults to Vietnamese.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def found(query, among=None):
    """Codes of the reports matching `query` (optionally only among `among`)."""
    qs = Report.objects.filter(search.condition(query))
    if among is not None:
        qs = qs.filter(pk__in=[r.pk for r in among])
    return set(qs.values_list("code", flat=True))


# --- what is stored ----------------------------------------------------------------------

def test_search_text_is_folded_normalised_words_each_after_a_space():
    text = search.search_text("Đèn đường hư ko ai sửa!!! Tối quáaaa 😡", "45/12 Lê Lợi, P.Bến Thành")
    assert text == " den duong hu khong ai sua toi qua 45/12 le loi phuong ben thanh"


def test_submit_stores_the_search_text_of_description_and_address(submit_report):
    report = submit_report(description="  Nước NGẬP sâu  ", address="Hẻm 12 Đinh Tiên Hoàng")
    report.refresh_from_db()
    assert report.search_text == " nuoc ngap sau hem 12 dinh tien hoang"


def test_personal_details_are_not_searchable(submit_report):
    report = submit_report(reporter_name="Nguyễn Thị Mai", reporter_phone="0912345678",
                           reporter_email="mai@example.com")
    assert found("Mai", [report]) == set()
    assert found("0912345678", [report]) == set()
    assert found("nguyen thi", [report]) == set()


# --- matching rules ------------------------------------------------------------------------

MATCHING = [
    # (description stored, query typed, should it match)
    ("Đèn đường hư cả tuần nay", "den duong", True),
    ("den duong hu ca tuan nay", "Đèn đường", True),
    ("Đèn đường hư cả tuần nay", "đèn   ĐƯỜNG", True),                  # case and extra spaces
    ("Đèn đường hư cả tuần nay", "  den,  duong!! ", True),              # punctuation around words
    ("ĐÈN ĐƯỜNG HƯ", "den duong hu", True),
    ("Đèn đường hư", unicodedata.normalize("NFD", "đèn đường"), True),  # decomposed input (some phones)
    ("Đào đường không hoàn trả", "dao duong", True),                    # đ → d at the start of a word
    ("Cây đổ chắn đường", "đổ", True),
    ("Cây đổ chắn đường", "do", True),
    ("Cây đổ chắn đường", "dồ", True),                                    # wrong accents never narrow a search
    ("nc ngập tới gối", "nước ngập", True),                              # shorthand in the report
    ("Nước ngập tới gối", "nc ngap", True),                              # shorthand in the query
    ("Hoà Bình, cống hư", "hòa binh", True),                             # old and new tone placement
    ("Đèn đường hư cả tuần nay", "duo", True),                            # a word may be typed in part
    ("Cây đổ chắn lối đi", "an", False),                                  # "an" inside "chắn" is no match
    ("Đèn đường hư cả tuần nay", "den nuoc", False),                     # every word must be found
    ("Đèn đường hư cả tuần nay", "den duong nuoc", False),
    ("Rác 100% bốc mùi", "100%", True),                                   # no LIKE wildcards leak through
    ("Rác bốc mùi ở 45/12", "45/12", True),
]


@pytest.mark.parametrize(("description", "query", "expected"), MATCHING)
def test_folded_matching(submit_report, description, query, expected):
    report = submit_report(description=description, category="khac")
    assert (report.code in found(query, [report])) is expected


def test_like_wildcards_in_a_query_are_plain_characters(submit_report):
    report = submit_report(description="Đèn hư", category="khac")
    # "_" and "%" are dropped as punctuation by the normaliser; what is left never acts as a wildcard.
    assert found("d_n", [report]) == set()
    assert search.condition("%") is None
    assert search.condition("__") is None


def test_the_address_is_searched_too(submit_report):
    report = submit_report(description="Rác bốc mùi", address="Hẻm 45 Lê Lợi", category="khac")
    assert found("le loi rac", [report]) == {report.code}


def test_a_tracking_code_finds_its_report_in_any_typing(submit_report):
    report, other = submit_report(), submit_report()
    # A fixed code: a random one may start with six letters, which is read
    # as a word on purpose (see the next test).
    code = "K7MW-3QDP"
    Report.objects.filter(pk=report.pk).update(code=code)
    compact = code.replace("-", "")
    for typed in (code, code.lower(), compact.lower(), f"({code}),", code[:6], compact[:6].lower()):
        assert code in found(typed, [report, other]), typed
    assert found(code, [report, other]) == {code}


def test_code_shaped_words_are_still_searched_as_words(submit_report):
    report = submit_report(description="Karaoke ở số 2345 hát tới 7h45 tối", category="khac")
    assert found("2345", [report]) == {report.code}
    assert found("7h45", [report]) == {report.code}


def test_a_wrong_code_finds_nothing(submit_report):
    report = submit_report()
    other = "ZZZZ-ZZZZ" if report.code != "ZZZZ-ZZZZ" else "YYYY-YYYY"
    assert found(other, [report]) == set()


def test_a_code_and_words_must_both_match(submit_report):
    report = submit_report(description="Rác bốc mùi", category="khac")
    assert found(f"{report.code} rac", [report]) == {report.code}
    assert found(f"{report.code} den", [report]) == set()


def test_category_names_match_in_both_languages(submit_report):
    light = submit_report(description="Tối om cả đoạn", category="den-chieu-sang")
    trash = submit_report(description="Tối om cả đoạn", category="rac-thai")
    assert found("chieu sang", [light, trash]) == {light.code}
    assert found("street lighting", [light, trash]) == {light.code}
    assert found("Rác thải toi om", [light, trash]) == {trash.code}


def test_search_follows_a_reclassification_without_rewriting_the_row(city, submit_report):
    report = submit_report(description="Tối om cả đoạn", category="khac", point=OUTSIDE_POINT)
    stored = Report.objects.get(pk=report.pk).search_text
    assert found("chieu sang", [report]) == set()
    workflow.apply(report, "reclassify", city.coordinator, category=Category.objects.get(code="den-chieu-sang"))
    assert found("chieu sang", [report]) == {report.code}
    assert Report.objects.get(pk=report.pk).search_text == stored


def test_a_renamed_category_is_found_by_its_new_name(submit_report):
    report = submit_report(description="Tối om", category="khac")
    Category.objects.filter(code="khac").update(name_vi="Chuyện lặt vặt")
    assert found("lat vat", [report]) == {report.code}


def test_nothing_to_search_for_gives_no_condition():
    assert search.condition("") is None
    assert search.condition("  !!! … 😡 ") is None


# --- the backfill migration --------------------------------------------------------------

def test_backfill_migration_fills_existing_rows_in_batches(submit_report, monkeypatch):
    migration = importlib.import_module("phananh.reports.migrations.0005_backfill_search_text")
    reports = [submit_report(description=f"Đèn đường hư số {n}", address="Lê Lợi") for n in range(5)]
    Report.objects.update(search_text="")
    monkeypatch.setattr(migration, "BATCH", 2)  # five rows: three batches
    executed = []
    with connection.execute_wrapper(lambda execute, sql, *args: executed.append(sql) or execute(sql, *args)):
        migration.backfill(django_apps, type("Editor", (), {"connection": connection})())
    for n, report in enumerate(reports):
        report.refresh_from_db()
        assert report.search_text == f" den duong hu so {n} le loi"
    assert sum(sql.lstrip().upper().startswith("SELECT") for sql in executed) == 4  # 3 batches + the empty one


# --- the public list ---------------------------------------------------------------------

def codes_on(response):
    return re.findall(r'class="code">([0-9A-Z]{4}-[0-9A-Z]{4})<', response.content.decode())


def test_public_list_has_a_labelled_search_box_with_the_hint(client, db):
    html = client.get(PUBLIC).content.decode()
    assert '<label for="id_q">Search</label>' in html
    assert "Search without accents works too." in html
    assert re.search(r'<input type="search" name="q"[^>]*aria-describedby="id_q_helptext"', html)


def test_public_list_search_without_accents(client, submit_report):
    lamp = submit_report(description="Đèn đường hư cả tuần", category="den-chieu-sang")
    trash = submit_report(description="Rác đầy đường", category="rac-thai")
    response = client.get(PUBLIC, {"q": "den duong"})
    assert codes_on(response) == [lamp.code]
    assert trash.code not in response.content.decode()
    assert 'value="den duong"' in response.content.decode()


def test_public_search_combines_with_the_other_filters(client, city, submit_report):
    open_lamp = submit_report(description="Đèn đường hư", category="den-chieu-sang")
    rejected_lamp = submit_report(description="Đèn đường hư", category="khac", point=OUTSIDE_POINT)
    workflow.apply(rejected_lamp, "reject", city.coordinator, reason="Trùng nội dung.")
    assert codes_on(client.get(PUBLIC, {"q": "đèn", "status": "open"})) == [open_lamp.code]
    assert codes_on(client.get(PUBLIC, {"q": "đèn", "status": "rejected"})) == [rejected_lamp.code]


def test_public_search_with_nothing_to_search_is_explained_and_left_out(client, submit_report):
    report = submit_report()
    response = client.get(PUBLIC, {"q": "!!!"})
    html = response.content.decode()
    assert "Type at least one letter or digit to search" in html
    assert 'href="#id_q"' in html  # the error summary links to the box
    assert codes_on(response) == [report.code]


def test_public_search_too_long_is_explained(client, submit_report):
    submit_report()
    html = client.get(PUBLIC, {"q": "đèn " * 40}).content.decode()
    assert "Type at most 100 characters" in html


def test_public_search_keeps_the_term_across_pages(client, submit_report):
    matching = [submit_report(description=f"Đèn đường hư lần {n}", category="den-chieu-sang")
                for n in range(paging.PAGE_SIZE + 3)]
    for _ in range(3):
        submit_report(description="Rác bốc mùi")
    first = client.get(PUBLIC, {"q": "den duong"})
    assert codes_on(first) == [r.code for r in reversed(matching)][: paging.PAGE_SIZE]
    older = re.search(r'rel="next" href="([^"]+)"', first.content.decode()).group(1).replace("&amp;", "&")
    assert "q=den+duong" in older and "cursor=" in older
    second = client.get(PUBLIC + older)
    assert codes_on(second) == [r.code for r in reversed(matching)][paging.PAGE_SIZE:]
    assert 'value="den duong"' in second.content.decode()


def test_public_search_adds_one_query_whatever_the_words(client, submit_report):
    for n in range(5):
        submit_report(description=f"Đèn đường hư lần {n}")

    def queries_for(params):
        with CaptureQueriesContext(connection) as context:
            client.get(PUBLIC, params)
        return len(context.captured_queries)

    plain = queries_for({})
    # The one extra query reads the category names; the words only add conditions.
    assert queries_for({"q": "den"}) == plain + 1
    assert queries_for({"q": "den duong hu lan"}) == plain + 1


# --- the staff queue ---------------------------------------------------------------------

def queue_codes(response):
    return [r.code for r in response.context["page"].rows]


def test_queue_has_the_search_box(client, city):
    client.force_login(city.officer_a)
    html = client.get(CONSOLE).content.decode()
    assert '<label for="id_q">Search</label>' in html
    assert "Search without accents works too." in html


def test_queue_search_without_accents(client, city, submit_report):
    lamp = submit_report(description="Đèn đường hư", category="rac-thai")
    trash = submit_report(description="Rác đầy hẻm", category="rac-thai")
    client.force_login(city.officer_a)
    response = client.get(CONSOLE, {"q": "DEN  duong"})
    assert queue_codes(response) == [lamp.code]
    assert trash.code not in queue_codes(response)
    assert "Only reports matching the search “DEN  duong”." in response.content.decode()


def test_queue_search_never_reveals_other_units_reports(client, city, submit_report):
    mine = submit_report(description="Đèn đường hư", category="rac-thai")
    theirs = submit_report(description="Đèn đường hư", category="rac-thai", point=WARD_B_POINT)
    client.force_login(city.officer_a)
    assert queue_codes(client.get(CONSOLE, {"q": "den duong", "status": "all"})) == [mine.code]
    assert queue_codes(client.get(CONSOLE, {"q": theirs.code, "status": "all"})) == []
    client.force_login(city.officer_b)
    assert queue_codes(client.get(CONSOLE, {"q": "den duong", "status": "all"})) == [theirs.code]
    client.force_login(city.coordinator)
    assert set(queue_codes(client.get(CONSOLE, {"q": "den duong", "status": "all"}))) == {mine.code, theirs.code}


def test_queue_search_keeps_the_other_filters(client, city, submit_report):
    lamp_a = submit_report(description="Đèn đường hư", category="rac-thai")
    lamp_b = submit_report(description="Đèn đường hư", category="lan-chiem-via-he", point=WARD_B_POINT)
    client.force_login(city.coordinator)
    both = {"q": "den", "status": "all"}
    assert set(queue_codes(client.get(CONSOLE, both))) == {lamp_a.code, lamp_b.code}
    assert queue_codes(client.get(CONSOLE, {**both, "ward": city.ward_b.pk})) == [lamp_b.code]


def test_queue_search_keeps_the_term_across_pages(client, city, submit_report, settings):
    matching = [submit_report(description=f"Đèn đường hư lần {n}", category="rac-thai")
                for n in range(queue.PAGE_SIZE + 2)]
    submit_report(description="Rác bốc mùi")
    client.force_login(city.officer_a)
    first = client.get(CONSOLE, {"q": "den duong"})
    assert len(queue_codes(first)) == queue.PAGE_SIZE
    next_query = first.context["next_query"]
    assert "q=den+duong" in next_query and "after=" in next_query
    second = client.get(f"{CONSOLE}?{next_query}")
    seen = queue_codes(first) + queue_codes(second)
    assert sorted(seen) == sorted(r.code for r in matching)
    assert "q=den+duong" in second.context["first_query"]


def test_queue_clear_search_keeps_the_other_filters(client, city, submit_report):
    client.force_login(city.coordinator)
    html = client.get(CONSOLE, {"q": "den", "status": "all", "overdue": "on"}).content.decode()
    link = re.search(r'href="\?([^"]*)">Clear search<', html).group(1).replace("&amp;", "&")
    assert "q=" not in link and "status=all" in link and "overdue=on" in link


def test_queue_search_with_nothing_to_search_is_explained(client, city, submit_report):
    report = submit_report()
    client.force_login(city.officer_a)
    response = client.get(CONSOLE, {"q": "???"})
    assert "Type at least one letter or digit to search" in response.content.decode()
    assert queue_codes(response) == [report.code]


def test_postgresql_searches_through_a_trigram_index(db):
    """A word found in no report, or in few, is looked up in the index
    instead of reading every row (migration reports/0009)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the trigram index exists on PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'report_search_trgm'")
        row = cursor.fetchone()
    assert row is not None and "gin_trgm_ops" in row[0] and "search_text" in row[0]


# --- SQLite's trigram table (migration reports/0010) ------------------------------------

@pytest.fixture
def sqlite_only():
    if connection.vendor != "sqlite":
        pytest.skip("the trigram table is SQLite's; PostgreSQL has its index")


def test_the_trigram_table_follows_every_change_of_the_reports(sqlite_only, submit_report):
    report = submit_report(description="Cống Calmette nghẹt rác")
    assert found("calmette") == {report.code}
    report.search_text = search.search_text("Cống Yersin nghẹt rác")
    report.save(update_fields=["search_text"])
    assert found("calmette") == set() and found("yersin") == {report.code}
    Report.objects.filter(pk=report.pk).update(search_text=" tu dong")
    assert found("yersin") == set() and found("dong") == {report.code}
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO reports_report_search(reports_report_search) VALUES ('integrity-check')")


def test_a_word_in_few_reports_is_found_through_the_trigram_table(sqlite_only, submit_report, monkeypatch):
    rare = submit_report(description="Cống Calmette nghẹt")
    for n in range(3):
        submit_report(description=f"Rác ở hẻm {n}")
    # None holds it: an empty answer without reading the reports.
    assert search._few_holders("xyzzy") == search.Q(pk__in=[])
    assert found("xyzzy") == set()
    # Few hold it: their ids.
    assert "reports_report_search" in str(search._few_holders("calmette"))
    assert found("calmette") == {rare.code}
    # Many hold it (more than FEW_HOLDERS): the plain search.
    monkeypatch.setattr(search, "FEW_HOLDERS", 2)
    assert search._few_holders("hem") is None
    assert len(found("hem")) == 3
    # Too short for trigrams, or LIKE's own characters: the plain search.
    assert search._few_holders("c") is None and search._few_holders("a_b") is None
