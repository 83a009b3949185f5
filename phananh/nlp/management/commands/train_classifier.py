"""Train the category classifier and write its artifact (reproducible: fixed seeds)."""

import time

from django.core.management.base import BaseCommand, CommandError

from phananh.nlp import classifier


class Command(BaseCommand):
    help = (
        "Train the category classifier on the committed examples plus operators' corrections "
        "and write the model to CLASSIFIER_PATH (running processes pick it up within a minute)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", help="Write the model here instead of CLASSIFIER_PATH.")
        parser.add_argument(
            "--without-corrections", action="store_true",
            help="Train on the committed examples only (needs no database).",
        )

    def handle(self, output=None, without_corrections=False, **options):
        started = time.perf_counter()
        try:
            model = classifier.train(include_corrections=not without_corrections)
        except ValueError as exc:  # a malformed data file names its line
            raise CommandError(str(exc))
        try:
            path = classifier.save(model, output)
        except OSError as exc:
            raise CommandError(f"cannot write the model: {exc}")
        classifier.forget_model()
        info = model.info
        self.stdout.write(
            f"Trained on {info['examples']} examples ({info['corrections']} operator corrections), "
            f"{len(model.classes)} categories, temperature {model.temperature:.3f}, "
            f"in {time.perf_counter() - started:.1f} s."
        )
        self.stdout.write(f"Model written to {path}")
