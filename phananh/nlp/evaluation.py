"""Accuracy of the category classifier, measured the same way everywhere.

`evaluate` scores a model on labelled examples: top-1 and top-3 accuracy
overall, per category and per writing style, the most frequent confusions,
and how often the model is confident (score ≥ threshold) and right when it
is. `cross_validate` does the same for models that never saw the text they
are scored on (stratified K-fold over the training examples, fixed seed).
The eval_classifier command and docs/benchmarks.md use both.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np
from sklearn.model_selection import StratifiedKFold

from .classifier import SEED, CategoryModel
from .normalize import has_diacritics, uses_shorthand


def infer_style(text):
    """A writing-style label for examples that carry none."""
    accents = "with diacritics" if has_diacritics(text) else "without diacritics"
    return accents + (", shorthand" if uses_shorthand(text) else "")


@dataclass
class Tally:
    n: int = 0
    top1: int = 0
    top3: int = 0

    def add(self, rank):
        self.n += 1
        self.top1 += rank == 0
        self.top3 += rank is not None and rank < 3

    def rates(self):
        return (self.top1 / self.n, self.top3 / self.n) if self.n else (0.0, 0.0)


@dataclass
class Result:
    overall: Tally = field(default_factory=Tally)
    categories: dict = field(default_factory=lambda: defaultdict(Tally))
    styles: dict = field(default_factory=lambda: defaultdict(Tally))
    confusions: Counter = field(default_factory=Counter)  # (true, predicted) -> count
    confident: Tally = field(default_factory=Tally)  # the examples whose top score ≥ threshold
    threshold: float = 0.5
    unknown: Counter = field(default_factory=Counter)  # true categories the model does not know

    def record(self, example, classes, proba):
        order = np.argsort(-proba, kind="stable")
        ranked = [classes[i] for i in order]
        rank = ranked.index(example.category) if example.category in ranked else None
        if rank is None:
            self.unknown[example.category] += 1
        self.overall.add(rank)
        self.categories[example.category].add(rank)
        self.styles[example.style or infer_style(example.text)].add(rank)
        if rank != 0:
            self.confusions[(example.category, ranked[0])] += 1
        if proba[order[0]] >= self.threshold:
            self.confident.add(rank)


def evaluate(model, examples, threshold=0.5):
    result = Result(threshold=threshold)
    if not examples:
        return result
    proba = model.probabilities([e.text for e in examples])
    for example, row in zip(examples, proba, strict=True):
        result.record(example, model.classes, row)
    return result


def cross_validate(examples, folds=5, threshold=0.5):
    """Every example scored by a model trained on the other folds."""
    labels = np.array([e.category for e in examples])
    result = Result(threshold=threshold)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
    for train_idx, test_idx in splitter.split(np.zeros(len(labels)), labels):
        model = CategoryModel.train([examples[i] for i in train_idx])
        tested = [examples[i] for i in test_idx]
        for example, row in zip(tested, model.probabilities([e.text for e in tested]), strict=True):
            result.record(example, model.classes, row)
    return result


def format_result(result, title="", confusions=15):
    """The result as plain-text tables, for a terminal or a log."""
    lines = []
    if title:
        lines += [title, "=" * len(title)]
    top1, top3 = result.overall.rates()
    lines.append(f"examples: {result.overall.n}   top-1: {top1:.3f}   top-3: {top3:.3f}")
    if result.overall.n:
        c1, _ = result.confident.rates()
        share = result.confident.n / result.overall.n
        lines.append(
            f"confident (score >= {result.threshold:.2f}): {share:.1%} of examples, top-1 {c1:.3f} among them; "
            f"the rest would go to the coordinator"
        )
    if result.unknown:
        lines.append("categories the model does not know: " + ", ".join(sorted(result.unknown)))
    lines += ["", _table("style", result.styles), "", _table("category", result.categories)]
    if result.confusions:
        lines += ["", "most frequent confusions (true -> predicted):"]
        for (truth, predicted), count in result.confusions.most_common(confusions):
            lines.append(f"  {count:4d}  {truth} -> {predicted}")
    return "\n".join(lines)


def _table(name, tallies):
    width = max([len(name)] + [len(k) for k in tallies])
    rows = [f"{name:<{width}}  {'n':>5}  {'top-1':>6}  {'top-3':>6}"]
    for key in sorted(tallies):
        top1, top3 = tallies[key].rates()
        rows.append(f"{key:<{width}}  {tallies[key].n:>5}  {top1:>6.3f}  {top3:>6.3f}")
    return "\n".join(rows)
