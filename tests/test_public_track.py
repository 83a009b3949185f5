"""Finding a report by its tracking code, and the reports sent from this device."""

import pytest
from django.urls import reverse

URL = reverse("public:track")


@pytest.fixture(autouse=True)
def english(client, settings):
    # The site defaults to Vietnamese; these tests read the English msgids whatever the catalog holds.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.mark.parametrize("typed", ["{code}", "{lower}", " {nodash} ", "{spaced}"])
def test_what_people_type_leads_to_the_report(client, submit_report, typed):
    report = submit_report()
    code = report.code
    text = typed.format(code=code, lower=code.lower(), nodash=code.replace("-", ""),
                        spaced=" ".join(code.replace("-", "")))
    response = client.get(URL, {"code": text})
    assert response.status_code == 302
    assert response["Location"] == reverse("public:report", args=[code])


def test_unknown_code_stays_on_the_page_with_the_value_and_an_error(client, db):
    response = client.get(URL, {"code": "k7mw 3qdp"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "No report has the code K7MW-3QDP" in html
    assert 'value="k7mw 3qdp"' in html
    assert 'class="error-summary"' in html and 'aria-invalid="true"' in html


def test_malformed_code_is_explained(client, db):
    html = client.get(URL, {"code": "12345"}).content.decode()
    assert "This is not a tracking code" in html
    assert 'aria-describedby="id_code_helptext id_code_error"' in html


def test_empty_page_has_no_error(client, db):
    html = client.get(URL).content.decode()
    assert 'class="error-summary"' not in html
    assert "None remembered" in html


def test_reports_sent_from_this_device_are_listed(client, submit_report):
    mine = submit_report(description="Rác của tôi.")
    other = submit_report(description="Rác của người khác.")
    client.get(reverse("public:private", args=[mine.code, mine.token]))
    html = client.get(URL).content.decode()
    assert mine.code in html and other.code not in html


def test_home_page_track_box_sends_here(client, db):
    html = client.get(reverse("public:home")).content.decode()
    assert f'action="{URL}"' in html and 'name="code"' in html
