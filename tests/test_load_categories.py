"""`manage.py load_categories`: the starter category tree, idempotent, with --update."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from phananh.reports.models import Category, CategoryGroup


def load(*args, **opts):
    call_command("load_categories", *args, verbosity=0, **opts)


def shipped():
    return json.loads(Path(settings.CATEGORIES_FILE).read_text(encoding="utf-8"))


def write(tmp_path, data, name="categories.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False) if not isinstance(data, str) else data, encoding="utf-8")
    return str(path)


def test_loads_23_categories_in_7_groups(db):
    load()
    assert CategoryGroup.objects.count() == 7
    assert Category.objects.count() == 23
    lights = Category.objects.get(code="den-chieu-sang")
    assert (lights.name_vi, lights.name_en) == ("Đèn chiếu sáng công cộng hư", "Street lighting failure")
    assert (lights.handler, lights.ack_hours, lights.resolve_days) == ("utility:lighting", 4, 2)
    assert lights.group.code == "ha-tang-giao-thong"
    # File order is kept: groups and categories by position.
    assert list(CategoryGroup.objects.values_list("code", flat=True)) == [g["code"] for g in shipped()["groups"]]
    first_group = shipped()["groups"][0]
    assert list(Category.objects.filter(group__code=first_group["code"]).values_list("code", flat=True)) == [
        c["code"] for c in first_group["categories"]]


def test_every_handler_is_a_known_kind(db):
    load()
    kinds = {"ward", "utility", "department", "coordinator"}
    assert {c.handler.partition(":")[0] for c in Category.objects.all()} <= kinds


def test_is_idempotent(db, capsys):
    call_command("load_categories")
    assert "23 new, 23 in all" in capsys.readouterr().out
    call_command("load_categories")
    assert "0 new, 23 in all" in capsys.readouterr().out
    assert CategoryGroup.objects.count() == 7 and Category.objects.count() == 23


def test_without_update_operator_edits_are_kept(db, tmp_path):
    load()
    Category.objects.filter(code="rac-thai").update(name_vi="Rác (đã sửa)", ack_hours=2)
    load()
    edited = Category.objects.get(code="rac-thai")
    assert (edited.name_vi, edited.ack_hours) == ("Rác (đã sửa)", 2)


def test_update_overwrites_names_and_deadlines(db, tmp_path):
    load()
    data = shipped()
    cat = data["groups"][1]["categories"][0]
    assert cat["code"] == "rac-thai"
    cat.update(vi="Rác thải sinh hoạt", en="Household waste", ack_hours=3, resolve_days=4)
    data["groups"][1]["vi"] = "Môi trường đô thị"
    path = write(tmp_path, data)
    load(path)  # without --update nothing changes
    assert Category.objects.get(code="rac-thai").name_vi == "Rác thải, xả rác bừa bãi"
    load(path, update=True)
    updated = Category.objects.get(code="rac-thai")
    assert (updated.name_vi, updated.name_en, updated.ack_hours, updated.resolve_days) == (
        "Rác thải sinh hoạt", "Household waste", 3, 4)
    assert updated.group.name_vi == "Môi trường đô thị"
    assert Category.objects.count() == 23


def test_new_categories_are_added_to_an_existing_tree(db, tmp_path):
    load()
    data = shipped()
    data["groups"][-1]["categories"].append(
        {"code": "cho-tu-phat", "vi": "Chợ tự phát", "en": "Informal street market", "handler": "ward",
         "ack_hours": 4, "resolve_days": 3})
    load(write(tmp_path, data))
    assert Category.objects.count() == 24
    assert Category.objects.get(code="cho-tu-phat").group.code == data["groups"][-1]["code"]


@pytest.mark.parametrize("content", [
    "not json",
    "[1, 2]",
    "{}",
    '{"groups": "x"}',
    '{"groups": [1]}',
    '{"groups": [{"code": "g", "vi": "G", "en": "G"}]}',
    '{"groups": [{"code": "g", "vi": "G", "en": "G", "categories": [{"code": "c"}]}]}',
    '{"groups": [{"code": "g", "vi": "G", "en": "G", "categories": [{"code": "c", "vi": "C", "en": "C",'
    ' "handler": "ward", "ack_hours": "bốn", "resolve_days": 2}]}]}',
    '{"groups": [{"code": "g", "vi": "G", "en": "G", "categories": [{"code": "c", "vi": "C", "en": "C",'
    ' "handler": "ward", "ack_hours": 4, "resolve_days": -1}]}]}',
    '{"groups": [{"code": "g", "vi": "G", "en": "G", "categories": ['
    '{"code": "c", "vi": "C", "en": "C", "handler": "ward", "ack_hours": 4, "resolve_days": 1},'
    '{"code": "c", "vi": "C", "en": "C", "handler": "ward", "ack_hours": 4, "resolve_days": 1}]}]}',
])
def test_bad_file_is_a_command_error_and_loads_nothing(db, tmp_path, content):
    with pytest.raises(CommandError):
        load(write(tmp_path, content))
    assert CategoryGroup.objects.count() == 0 and Category.objects.count() == 0


def test_a_bad_category_late_in_the_file_changes_nothing(db, tmp_path):
    load()
    data = shipped()
    data["groups"][0]["categories"][0]["vi"] = "Đổi tên"
    del data["groups"][-1]["categories"][0]["handler"]
    with pytest.raises(CommandError, match="lacks “handler”"):
        load(write(tmp_path, data), update=True)
    assert Category.objects.get(code=data["groups"][0]["categories"][0]["code"]).name_vi != "Đổi tên"


def test_missing_file(db, tmp_path):
    with pytest.raises(CommandError, match="cannot read categories"):
        load(str(tmp_path / "none.json"))
