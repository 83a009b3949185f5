"""manage.py train_classifier and eval_classifier.

Commands are passed to call_command as instances, so these tests run whether
or not "phananh.nlp" is in INSTALLED_APPS yet.
"""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from phananh.nlp import classifier
from phananh.nlp.management.commands import eval_classifier, train_classifier

COMMANDS = {"train_classifier": train_classifier.Command, "eval_classifier": eval_classifier.Command}


def command(name, *args, **options):
    return call_command(COMMANDS[name](), *args, **options)


def run(name, *args):
    out = StringIO()
    command(name, *args, stdout=out)
    return out.getvalue()


SMALL = {"rac-thai", "dien", "hu-hong-mat-duong"}


@pytest.fixture
def artifact(settings, tmp_path, monkeypatch):
    """The model goes to a file of the test's own, trained on three categories (fast)."""
    from phananh.nlp import training_data

    small = [e for e in training_data.committed_examples() if e.category in SMALL]
    monkeypatch.setattr(training_data, "committed_examples", lambda: list(small))
    settings.CLASSIFIER_PATH = tmp_path / "model" / "classifier.joblib"
    classifier.forget_model()
    yield settings.CLASSIFIER_PATH
    classifier.forget_model()


def test_train_writes_an_artifact_that_loads(artifact, db):
    output = run("train_classifier")
    assert "Trained on" in output and "0 operator corrections" in output and str(artifact) in output
    model = classifier.load(artifact)
    assert model is not None and set(model.classes) == SMALL
    assert model.suggest("ổ gà giữa đường", k=1)[0][0] == "hu-hong-mat-duong"
    assert classifier.get_model().classes == model.classes  # the site now uses it


def test_train_to_another_path_without_database(artifact, tmp_path):
    target = tmp_path / "elsewhere.joblib"
    output = run("train_classifier", "--without-corrections", "--output", str(target))
    assert str(target) in output
    assert classifier.load(target) is not None and not artifact.exists()


def test_train_reports_a_file_it_cannot_write(artifact, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(CommandError, match="cannot write"):
        command("train_classifier", "--without-corrections", "--output", str(blocker / "model.joblib"))


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def test_eval_prints_accuracy_per_category_style_and_confusions(tmp_path):
    data = write_jsonl(tmp_path / "eval.jsonl", [
        {"text": "Đèn đường trước nhà hư cả tuần", "category": "den-chieu-sang", "style": "casual"},
        {"text": "den duong hu ko ai sua", "category": "den-chieu-sang"},
        {"text": "Rác chất đống đầu hẻm", "category": "rac-thai", "style": "casual"},
        # deliberately mislabelled: shows up as a confusion
        {"text": "Karaoke hát tới khuya không ngủ được", "category": "cay-xanh", "style": "angry"},
    ])
    output = run("eval_classifier", str(data))
    assert "examples: 4   top-1: 0.750" in output
    assert "confident (score >= 0.50)" in output
    lines = output.splitlines()
    style_table = lines[lines.index(next(line for line in lines if line.startswith("style "))):]
    assert any(line.startswith("casual ") and " 2 " in line for line in style_table)
    assert any(line.startswith("without diacritics, shorthand") for line in style_table)  # inferred style
    assert any(line.startswith("den-chieu-sang ") and "1.000" in line for line in lines)
    assert "cay-xanh -> tieng-on" in output


def test_eval_defaults_to_the_heldout_set():
    output = run("eval_classifier")
    assert "heldout.jsonl" in output and "examples: 276" in output


def test_eval_of_a_given_artifact(artifact, tmp_path):
    run("train_classifier", "--without-corrections")
    data = write_jsonl(tmp_path / "eval.jsonl", [{"text": "ổ gà giữa đường", "category": "hu-hong-mat-duong"}])
    assert "top-1: 1.000" in run("eval_classifier", str(data), "--model", str(artifact))


def test_eval_cross_validation(artifact, tmp_path):
    from phananh.nlp import training_data

    small = training_data.committed_examples()
    data = write_jsonl(tmp_path / "eval.jsonl", [{"text": "cột điện nghiêng", "category": "dien"}])
    output = run("eval_classifier", str(data), "--cross-validate", "3")
    assert "3-fold cross-validation" in output
    assert f"examples: {len(small)}" in output


@pytest.mark.parametrize("content, message", [
    (None, "cannot read"),
    ("", "holds no examples"),
    ('{"text": "rác"}\n', "eval.jsonl:1"),
])
def test_eval_reports_bad_files(tmp_path, content, message):
    path = tmp_path / "eval.jsonl"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        command("eval_classifier", str(path))


def test_eval_refuses_a_file_that_is_not_an_artifact(tmp_path):
    data = write_jsonl(tmp_path / "eval.jsonl", [{"text": "ổ gà", "category": "hu-hong-mat-duong"}])
    bogus = tmp_path / "bogus.joblib"
    bogus.write_text("nope")
    with pytest.raises(CommandError, match="not a classifier artifact"):
        command("eval_classifier", str(data), "--model", str(bogus))
