"""The category classifier: contract of suggest(), accuracy on typical texts, artifact life cycle."""

import json
import os

import pytest
from django.conf import settings

from phananh.nlp import classifier, training_data
from phananh.nlp.training_data import Example
from phananh.reports import workflow
from phananh.reports.models import Category

with open(settings.CATEGORIES_FILE, encoding="utf-8") as fh:
    CODES = {c["code"] for group in json.load(fh)["groups"] for c in group["categories"]}

# Typical reports in each writing style, written for this test (not in any data file).
TYPICAL = [
    ("Kính gửi UBND phường, bóng đèn chiếu sáng trên đường Nguyễn Trãi không sáng đã một tuần.", "den-chieu-sang"),
    ("den duong truoc hem 12 tat het, toi thui", "den-chieu-sang"),
    ("đèn đg hẻm 5 hư cả tuần r ko ai sửa", "den-chieu-sang"),
    ("Mưa lớn chiều nay đường Nguyễn Hữu Cảnh ngập sâu nửa mét, xe chết máy hàng loạt.", "ngap-nuoc"),
    ("mua xong nc ngap toi dau goi, xe ko chay dc", "ngap-nuoc"),
    ("Ổ gà to giữa đường Lê Văn Sỹ, tối qua có người té xe.", "hu-hong-mat-duong"),
    ("o ga giua duong sau hoam, xe may te lien tuc", "hu-hong-mat-duong"),
    ("Nắp hố ga trước nhà bị mất, miệng hố sâu hoắm, rất nguy hiểm!!!", "ho-ga-nap-cong"),
    ("Rác chất đống đầu hẻm cả tuần không ai thu gom, hôi thối quá!", "rac-thai"),
    ("rac ngap dau hem ko ai don, chuot chay tum lum", "rac-thai"),
    ("Nhà bên hát karaoke tới 1 giờ sáng, cả xóm không ngủ được.", "tieng-on"),
    ("karaoke hat toi 12h dem, p nhac nho dum", "tieng-on"),
    ("Cúp nước 3 ngày rồi không báo trước, nhà có con nhỏ.", "cap-nuoc"),
    ("Dây điện trung thế võng xuống sát mái nhà, mưa là tóe lửa.", "dien"),
    ("Cây xanh trước cổng trường nghiêng sắp đổ sau cơn giông.", "cay-xanh"),
    ("Ô tô đậu chắn ngang lối vào hẻm từ sáng, không ai ra vào được.", "dau-xe-trai-phep"),
    ("Quán nhậu kê bàn ghế chiếm hết vỉa hè, người đi bộ phải xuống lòng đường.", "lan-chiem-via-he"),
    ("Xe buýt số 19 không dừng ở trạm, chạy luôn qua mặt hành khách.", "giao-thong-cong-cong"),
    ("Cán bộ phường hẹn trả hồ sơ 3 lần vẫn chưa có kết quả, thái độ hách dịch.", "thai-do-phuc-vu"),
    ("Đêm qua trộm cạy cửa lấy mất xe máy, camera có quay được.", "an-ninh"),
]


def test_suggest_returns_known_codes_best_first_with_scores():
    suggestions = classifier.suggest("Đèn đường hư không ai sửa", k=3)
    assert len(suggestions) == 3
    codes = [code for code, _ in suggestions]
    scores = [score for _, score in suggestions]
    assert set(codes) <= CODES and len(set(codes)) == 3
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert codes[0] == "den-chieu-sang"


def test_the_model_knows_every_category():
    assert set(classifier.get_model().classes) == CODES


@pytest.mark.parametrize("k", [1, 5, 23])
def test_suggest_returns_k_suggestions(k):
    assert len(classifier.suggest("nước thải hôi thối chảy ra hẻm", k=k)) == k


def test_scores_of_all_categories_sum_to_one():
    proba = classifier.get_model().probabilities(["ổ gà giữa đường"])
    assert proba.shape == (1, len(CODES))
    assert abs(float(proba.sum()) - 1.0) < 1e-4


@pytest.mark.parametrize("text", ["", "   ", "!!! ??? 😡", "\n\t"])
def test_text_without_words_gets_no_suggestion(text):
    assert classifier.suggest(text) == []


def test_among_restricts_suggestions():
    among = {"rac-thai", "tieng-on"}
    suggestions = classifier.suggest("Đèn đường hư không ai sửa", k=3, among=among)
    assert [code for code, _ in suggestions] and {code for code, _ in suggestions} <= among


@pytest.mark.parametrize("text, expected", TYPICAL)
def test_typical_texts_in_every_style(text, expected):
    assert classifier.suggest(text, k=1)[0][0] == expected


def test_every_writing_style_of_one_report_gets_the_same_answer():
    styles = ["Cột điện nghiêng sắp đổ vào nhà dân", "cot dien nghieng sap do vao nha dan",
              "cột điện nghiêng sắp đổ vô nhà dân r, điện lực xuống gấp dùm", "CỘT ĐIỆN NGHIÊNG SẮP ĐỔ!!!"]
    assert {classifier.suggest(text, k=1)[0][0] for text in styles} == {"dien"}


def test_uncertainty_helpers(settings):
    settings.CLASSIFIER_MIN_CONFIDENCE = 0.5
    assert classifier.is_uncertain([])
    assert classifier.is_uncertain([("rac-thai", 0.49)])
    assert not classifier.is_uncertain([("rac-thai", 0.5)])
    assert classifier.is_uncertain([("rac-thai", 0.7)], threshold=0.8)
    assert classifier.confident_category("Rác chất đống đầu hẻm cả tuần không ai thu gom") == "rac-thai"
    # a text about nothing in particular is not routed on a guess
    assert classifier.confident_category("xin chào, cho tôi hỏi") is None
    settings.CLASSIFIER_MIN_CONFIDENCE = 1.01
    assert classifier.confident_category("Rác chất đống đầu hẻm cả tuần không ai thu gom") is None


def test_reasons_are_words_as_the_citizen_wrote_them():
    model = classifier.get_model()
    reasons = model.reasons("Đèn đường trước nhà hư cả tuần, tối om", "den-chieu-sang")
    assert reasons and "đèn đường" in reasons
    assert all(reason in "đèn đường trước nhà hư cả tuần tối om" for reason in reasons)
    assert model.reasons("Đèn đường hư", "no-such-category") == []
    assert model.reasons("", "den-chieu-sang") == []


def test_active_codes_leave_out_switched_off_categories(db):
    from django.core.management import call_command

    call_command("load_categories", verbosity=0)
    Category.objects.filter(code="den-chieu-sang").update(is_active=False)
    codes = classifier.active_codes()
    assert "den-chieu-sang" not in codes and "rac-thai" in codes


# --- Training data ---------------------------------------------------------------------
def test_committed_training_data_is_well_formed():
    examples = training_data.committed_examples()
    assert len(examples) > 1000
    assert {e.category for e in examples} == CODES
    heldout = training_data.read_jsonl(training_data.HELDOUT_FILE)
    assert {e.category for e in heldout} == CODES
    # the held-out set is never trained on
    assert not {e.text for e in heldout} & {e.text for e in examples}


@pytest.mark.parametrize("line, message", [
    ('{"text": "a"}', ":2: not a"),
    ("not json", ":2: not a"),
    ('{"text": "", "category": "rac-thai"}', ":2: text and category"),
    ('{"text": "rác", "category": 3}', ":2: text and category"),
])
def test_read_jsonl_names_the_bad_line(tmp_path, line, message):
    path = tmp_path / "data.jsonl"
    path.write_text('{"text": "rác", "category": "rac-thai"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        training_data.read_jsonl(path)


def test_operator_corrections_become_examples(city, submit_report):
    routed = submit_report(category="rac-thai", description="Cột điện trước nhà nghiêng, dây điện võng thấp")
    workflow.apply(routed, "reclassify", city.coordinator, category=Category.objects.get(code="dien"))
    untouched = submit_report(category="rac-thai", description="Rác đổ đầu hẻm")
    corrections = training_data.operator_corrections()
    assert corrections == [Example("Cột điện trước nhà nghiêng, dây điện võng thấp", "dien", "correction")]
    assert untouched.description not in {e.text for e in corrections}


SMALL = {"rac-thai", "dien", "hu-hong-mat-duong"}


@pytest.fixture
def small_training_data(monkeypatch):
    """Three categories instead of all: the life-cycle tests need a model, not a good one, and
    training on a fraction of the data keeps them fast."""
    examples = [e for e in training_data.committed_examples() if e.category in SMALL]
    monkeypatch.setattr(training_data, "committed_examples", lambda: list(examples))
    return examples


def test_training_with_corrections_counts_them(city, submit_report, small_training_data):
    report = submit_report(category="rac-thai", description="Trụ điện nghiêng sát nhà dân")
    workflow.apply(report, "reclassify", city.coordinator, category=Category.objects.get(code="dien"))
    model = classifier.train(include_corrections=True)
    assert model.info["corrections"] == 1
    assert model.info["examples"] == len(small_training_data) + 1


def test_a_category_learnt_only_from_few_examples_is_still_trained(small_training_data):
    examples = small_training_data + [
        Example("Con khỉ trốn khỏi sở thú đang leo cột", "thu-hoang", "correction"),
        Example("Khỉ sổng chuồng chạy vào khu dân cư", "thu-hoang", "correction"),
    ]
    model = classifier.CategoryModel.train(examples)
    assert "thu-hoang" in model.classes


# --- Artifact and per-process model ------------------------------------------------------------
@pytest.fixture
def own_artifact(settings, tmp_path, small_training_data):
    settings.CLASSIFIER_PATH = tmp_path / "classifier.joblib"
    classifier.forget_model()
    yield settings.CLASSIFIER_PATH
    classifier.forget_model()


def test_first_use_trains_and_writes_the_artifact(own_artifact):
    assert not own_artifact.exists()
    model = classifier.get_model()
    assert own_artifact.exists()
    assert classifier.get_model() is model  # loaded once per process
    assert classifier.load(own_artifact).classes == model.classes


def test_a_replaced_artifact_is_reloaded(own_artifact, monkeypatch):
    first = classifier.get_model()
    without_dien = [e for e in training_data.committed_examples() if e.category != "dien"]
    replacement = classifier.CategoryModel.train(without_dien)
    classifier.save(replacement, own_artifact)
    os.utime(own_artifact, ns=(1, 1))  # a different mtime, whatever the clock's resolution
    monkeypatch.setattr(classifier, "RELOAD_CHECK_SECONDS", 0)
    reloaded = classifier.get_model()
    assert reloaded is not first
    assert set(first.classes) == SMALL and set(reloaded.classes) == SMALL - {"dien"}


@pytest.mark.parametrize("content", [b"", b"not a joblib file", None])
def test_an_unusable_artifact_is_replaced_by_a_fresh_model(own_artifact, content):
    if content is None:  # an artifact of another format version
        import joblib

        joblib.dump({"format": -1, "sklearn": "0", "model": None}, own_artifact)
    else:
        own_artifact.write_bytes(content)
    assert classifier.load(own_artifact) is None
    assert set(classifier.get_model().classes) == SMALL
    assert classifier.get_model().suggest("ổ gà giữa đường", k=1)[0][0] == "hu-hong-mat-duong"
    assert classifier.load(own_artifact) is not None  # rewritten


def test_training_is_reproducible(small_training_data):
    a, b = classifier.CategoryModel.train(small_training_data), classifier.CategoryModel.train(small_training_data)
    text = "điện nước đều mất từ sáng"
    assert a.temperature == b.temperature
    assert a.suggest(text, k=3) == b.suggest(text, k=3)


def test_single_text_scoring_matches_the_batch_path():
    import numpy as np

    model = classifier.get_model()
    texts = [classifier.prepare(t) for t, _ in TYPICAL] + ["", "zzzz qqqq", "ổ gà ổ gà ổ gà"]
    batch = model.decision(texts)
    one_by_one = np.vstack([model._decision_one(t) for t in texts])
    assert np.allclose(batch, one_by_one, atol=1e-5)
