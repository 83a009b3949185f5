"""Measure the category classifier on a labelled JSON-lines file."""

from django.core.management.base import BaseCommand, CommandError

from phananh.nlp import classifier, evaluation, training_data


class Command(BaseCommand):
    help = (
        "Print top-1 / top-3 accuracy of the category classifier on FILE.jsonl (records of "
        '{"text", "category"[, "style"]}), overall, per category and per writing style, with the most '
        "frequent confusions. Without FILE, the committed held-out set is used."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(training_data.HELDOUT_FILE))
        parser.add_argument("--model", help="Evaluate this artifact instead of the site's current model.")
        parser.add_argument(
            "--cross-validate", type=int, metavar="K", default=0,
            help="Also run K-fold cross-validation over the committed training examples.",
        )
        parser.add_argument(
            "--threshold", type=float, default=None,
            help="Confidence threshold to report on (default: CLASSIFIER_MIN_CONFIDENCE).",
        )

    def handle(self, file, model=None, cross_validate=0, threshold=None, **options):
        threshold = classifier.min_confidence() if threshold is None else threshold
        try:
            examples = training_data.read_jsonl(file)
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc}")
        except ValueError as exc:
            raise CommandError(str(exc))
        if not examples:
            raise CommandError(f"{file} holds no examples")
        if model:
            trained = classifier.load(model)
            if trained is None:
                raise CommandError(f"{model} is not a classifier artifact of this version")
        else:
            trained = classifier.get_model()
        result = evaluation.evaluate(trained, examples, threshold=threshold)
        self.stdout.write(evaluation.format_result(result, title=f"{file}"))
        if cross_validate:
            if cross_validate < 2:
                raise CommandError("--cross-validate needs at least 2 folds")
            result = evaluation.cross_validate(
                training_data.committed_examples(), folds=cross_validate, threshold=threshold
            )
            self.stdout.write("")
            self.stdout.write(evaluation.format_result(
                result, title=f"{cross_validate}-fold cross-validation over the committed training examples"
            ))
