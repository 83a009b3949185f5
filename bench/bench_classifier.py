"""Category classifier: training time, artifact load, and time to classify one report.

Trains on the committed examples exactly as `manage.py train_classifier
--without-corrections` does, then times `suggest(text, k=3)` one report at
a time (as the API and the submit form call it) over every committed and
held-out text, in several styles and lengths.
"""

import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import line, setup_django, timed

setup_django()

from phananh.nlp import classifier, training_data  # noqa: E402
from phananh.nlp.normalize import fold, normalize  # noqa: E402

TRAINING_RUNS = 3


def main():
    examples = training_data.committed_examples()
    texts = [e.text for e in examples] + [e.text for e in training_data.read_jsonl(training_data.HELDOUT_FILE)]

    seconds = []
    for _ in range(TRAINING_RUNS):
        start = time.perf_counter()
        model = classifier.CategoryModel.train(examples)
        seconds.append(time.perf_counter() - start)
    with tempfile.TemporaryDirectory() as folder:
        path = classifier.save(model, Path(folder) / "classifier.joblib")
        size_mb = path.stat().st_size / 1e6
        start = time.perf_counter()
        classifier.load(path)
        load_ms = (time.perf_counter() - start) * 1000

    for text in texts[:50]:  # warm caches, as a running process would be
        model.suggest(text)
    it = iter(texts * 3)
    suggest = timed(lambda: model.suggest(next(it), k=3), repeat=len(texts) * 3)
    it = iter(texts * 3)
    prepare = timed(lambda: fold(normalize(next(it))), repeat=len(texts) * 3)

    print(f"training on {len(examples)} examples, {len(model.classes)} categories: "
          f"median {statistics.median(seconds):.2f} s of {TRAINING_RUNS} runs "
          f"(min {min(seconds):.2f}, max {max(seconds):.2f})")
    print(f"artifact: {size_mb:.1f} MB, loads in {load_ms:.0f} ms")
    print(line("normalize + fold, one report", prepare))
    print(line("suggest(text, k=3), one report", suggest))
    return 0 if suggest["p95_ms"] < 5.0 else 1


if __name__ == "__main__":
    sys.exit(main())
