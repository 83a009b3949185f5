"""Django admin for reference data; reports and events cannot be changed there."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from phananh.reports.models import Category, CategoryGroup, Event, Report, Status


@pytest.fixture(autouse=True)
def english_pages(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def admin_client(client, city):
    user = get_user_model().objects.create_superuser("quantri", "qt@example.com", "x-pass-123")
    client.force_login(user)
    return client


def url(name, *args):
    return reverse(f"admin:{name}", args=args)


def test_category_code_is_typed_on_creation(admin_client):
    group = CategoryGroup.objects.first()
    body = admin_client.get(url("reports_category_add")).content.decode()
    assert 'name="code"' in body
    response = admin_client.post(url("reports_category_add"), {
        "code": "cho-tam", "name_vi": "Chợ tạm", "name_en": "Makeshift market", "group": group.pk,
        "handler": "ward", "ack_hours": 4, "resolve_days": 2, "position": 0, "is_active": "on",
    })
    assert response.status_code == 302
    assert Category.objects.filter(code="cho-tam").exists()


def test_category_code_is_read_only_on_change(admin_client):
    category = Category.objects.get(code="rac-thai")
    change = url("reports_category_change", category.pk)
    body = admin_client.get(change).content.decode()
    assert 'name="code"' not in body and "rac-thai" in body
    response = admin_client.post(change, {
        "code": "doi-ma", "name_vi": "Rác thải", "name_en": "Garbage", "group": category.group_id,
        "handler": "ward", "ack_hours": 6, "resolve_days": 3, "position": 0, "is_active": "on",
    })
    assert response.status_code == 302
    category.refresh_from_db()
    assert category.code == "rac-thai" and category.ack_hours == 6  # the rest is editable


def test_category_group_code_is_read_only_on_change(admin_client):
    group = CategoryGroup.objects.get(code="moi-truong")
    body = admin_client.get(url("reports_categorygroup_change", group.pk)).content.decode()
    assert 'name="code"' not in body
    assert 'name="code"' in admin_client.get(url("reports_categorygroup_add")).content.decode()


def test_reports_are_read_only(admin_client, submit_report):
    report = submit_report()
    assert admin_client.get(url("reports_report_changelist")).status_code == 200
    change = url("reports_report_change", report.pk)
    response = admin_client.get(change)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="status"' not in body and 'name="unit"' not in body and 'name="_save"' not in body
    assert admin_client.post(change, {"status": "closed"}).status_code == 403
    assert Report.objects.get(pk=report.pk).status == Status.ASSIGNED
    assert admin_client.get(url("reports_report_add")).status_code == 403
    assert admin_client.post(url("reports_report_delete", report.pk), {"post": "yes"}).status_code == 403
    # The reporter's contact stays out of the admin; the console decides who sees it.
    assert "reporter_phone" not in body


def test_events_cannot_be_added_changed_or_deleted(admin_client, submit_report, rf):
    from django.contrib import admin as django_admin

    report = submit_report()
    event = Event.objects.filter(report=report).first()
    model_admin = django_admin.site._registry[Event]
    request = rf.get("/")
    request.user = get_user_model().objects.get(username="quantri")
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, event)
    assert not model_admin.has_delete_permission(request, event)

    assert admin_client.get(url("reports_event_changelist")).status_code == 200
    change = url("reports_event_change", event.pk)
    assert 'name="_save"' not in admin_client.get(change).content.decode()
    assert admin_client.post(change, {"type": "forged"}).status_code == 403
    assert admin_client.get(url("reports_event_add")).status_code == 403
    assert admin_client.post(url("reports_event_delete", event.pk), {"post": "yes"}).status_code == 403
    # Bulk delete from the list is not offered either.
    response = admin_client.post(url("reports_event_changelist"),
                                 {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"})
    assert Event.objects.filter(pk=event.pk, type=event.type).exists()
    assert response.status_code in (200, 302)


def test_units_list_by_kind_and_parent_with_members_inline(admin_client, city):
    response = admin_client.get(url("units_unit_changelist"), {"kind": "ward", "parent": city.province.pk})
    assert response.status_code == 200
    listed = {u.pk for u in response.context["cl"].result_list}
    assert listed == {city.ward_a.pk, city.ward_b.pk}
    assert admin_client.get(url("units_unit_changelist"), {"q": "Bến Thành"}).status_code == 200
    body = admin_client.get(url("units_unit_change", city.ward_a.pk)).content.decode()
    assert "memberships-TOTAL_FORMS" in body and "truong_a" in body


def test_a_bad_parent_filter_value_is_not_a_crash(admin_client):
    assert admin_client.get(url("units_unit_changelist"), {"parent": "abc"}).status_code == 200


def test_areas_show_a_geometry_summary_and_cannot_be_drawn_by_hand(admin_client, city):
    area = city.ward_a.areas.get()
    body = admin_client.get(url("units_area_change", area.pk)).content.decode()
    assert "Polygon: 1 part(s), 5 boundary points, valid" in body
    assert 'name="geometry"' not in body
    assert admin_client.get(url("units_area_add")).status_code == 403
