"""Measure the duplicate finder on the labelled pairs, and refit its weights."""

import json
from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from phananh.nlp import duplicates

FOLDS = 5
C = 1.0
THRESHOLDS = np.round(np.arange(0.05, 0.96, 0.01), 2)


@dataclass
class Scores:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, truth, predicted):
        if predicted:
            self.tp += truth
            self.fp += not truth
        else:
            self.fn += truth
            self.tn += not truth

    @property
    def precision(self):
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self):
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self):
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def line(self):
        return (f"precision {self.precision:.3f}  recall {self.recall:.3f}  F1 {self.f1:.3f}  "
                f"(tp {self.tp}, fp {self.fp}, fn {self.fn}, tn {self.tn})")


def groups_from_file(path=None):
    """{category code: group code} from categories.json, so that the
    evaluation needs no database."""
    with open(path or settings.CATEGORIES_FILE, encoding="utf-8") as fh:
        tree = json.load(fh)
    return {c["code"]: g["code"] for g in tree["groups"] for c in g["categories"]}


def featurize(pairs, groups):
    """(matrix of in-radius features, mask of in-radius pairs, truth, features list)."""
    features = [duplicates.pair_features(pair, groups) for pair in pairs]
    inside = np.array([f is not None for f in features])
    x = np.array([f.vector() for f in features if f is not None], dtype=float).reshape(-1, len(
        duplicates.FEATURE_NAMES))
    truth = np.array([pair.same for pair in pairs])
    return x, inside, truth, features


def fit_weights(x, y):
    model = LogisticRegression(C=C, max_iter=1000).fit(x, y)
    weights = dict(zip(duplicates.FEATURE_NAMES, (float(w) for w in model.coef_[0]), strict=True))
    return weights, float(model.intercept_[0])


def scores_of(x, weights, intercept):
    w = np.array([weights[name] for name in duplicates.FEATURE_NAMES])
    return 1.0 / (1.0 + np.exp(-(x @ w + intercept)))


def full_scores(inside, in_radius_scores):
    """Scores for every pair: 0 for pairs beyond the radius (never shown)."""
    out = np.zeros(len(inside))
    out[inside] = in_radius_scores
    return out


def tally(truth, predicted):
    scores = Scores()
    for t, p in zip(truth, predicted, strict=True):
        scores.add(bool(t), bool(p))
    return scores


def best_threshold(truth, scores):
    """The threshold with the highest F1 (the lowest such on ties)."""
    best, best_f1 = 0.5, -1.0
    for threshold in THRESHOLDS:
        f1 = tally(truth, scores >= threshold).f1
        if f1 > best_f1 + 1e-12:
            best, best_f1 = float(threshold), f1
    return best


def cross_validate(pairs, x, inside, truth, folds=FOLDS):
    """Pooled predictions of models that never saw the scene they are
    scored on: grouped K-fold by scene (a street and its incidents), weights
    and threshold both fitted on the other folds."""
    groups = np.array([pair.group for pair in pairs])
    predicted = np.zeros(len(pairs), dtype=bool)
    probabilities = np.zeros(len(pairs))
    thresholds = []
    index_inside = np.flatnonzero(inside)
    row_of = {pair_index: row for row, pair_index in enumerate(index_inside)}
    for train, test in GroupKFold(n_splits=folds).split(np.zeros(len(pairs)), truth, groups):
        train_rows = [row_of[i] for i in train if inside[i]]
        weights, intercept = fit_weights(x[train_rows], truth[index_inside[train_rows]])
        train_scores = full_scores(inside[train], scores_of(x[train_rows], weights, intercept))
        threshold = best_threshold(truth[train], train_scores)
        thresholds.append(threshold)
        test_rows = [row_of[i] for i in test if inside[i]]
        test_scores = full_scores(inside[test], scores_of(x[test_rows], weights, intercept))
        predicted[test] = test_scores >= threshold
        probabilities[test] = test_scores
    return predicted, probabilities, thresholds


class Command(BaseCommand):
    help = (
        "Precision, recall and F1 of the duplicate finder on labelled pairs (default: "
        "phananh/nlp/data/duplicate_pairs.jsonl): grouped cross-validation (weights and threshold fitted "
        "without the scene scored), the shipped weights, simpler baselines, and results per kind of pair. "
        "--fit prints newly fitted weights to paste into phananh/nlp/duplicates.py."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(duplicates.PAIRS_FILE))
        parser.add_argument("--fit", action="store_true", help="Fit weights and threshold on all pairs and print them.")
        parser.add_argument("--errors", type=int, default=0, metavar="N",
                            help="List up to N pairs the shipped model gets wrong.")
        parser.add_argument("--folds", type=int, default=FOLDS)

    def handle(self, file, fit=False, errors=0, folds=FOLDS, **options):
        try:
            pairs = duplicates.read_pairs(file)
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc}")
        except ValueError as exc:
            raise CommandError(str(exc))
        if len({p.group for p in pairs}) < folds or folds < 2:
            raise CommandError(f"{file} needs pairs from at least {max(folds, 2)} scenes for {folds}-fold validation")
        groups = groups_from_file()
        x, inside, truth, features = featurize(pairs, groups)
        out = self.stdout.write
        same = int(truth.sum())
        out(f"{file}: {len(pairs)} pairs ({same} same incident, {len(pairs) - same} different), "
            f"{len({p.group for p in pairs})} scenes; {int(inside.sum())} within the category radius")

        out("")
        out("Baselines (no text, no fitting):")
        relation = [f.relation if f is not None else None for f in features]
        out("  within radius                    " + tally(truth, inside).line())
        out("  within radius, same category     " + tally(truth, [r == duplicates.SAME for r in relation]).line())
        out("  within radius, same or related   "
            + tally(truth, [r in (duplicates.SAME, duplicates.RELATED) for r in relation]).line())

        predicted, probabilities, thresholds = cross_validate(pairs, x, inside, truth, folds)
        out("")
        out(f"{folds}-fold cross-validation grouped by scene (weights and threshold fitted on the other folds; "
            f"thresholds chosen: {', '.join(f'{t:.2f}' for t in thresholds)}):")
        out("  " + tally(truth, predicted).line())

        shipped = full_scores(inside, scores_of(x, duplicates.WEIGHTS, duplicates.INTERCEPT))
        out("")
        out(f"Shipped weights, threshold {duplicates.THRESHOLD:.2f} (in-sample: fitted on these pairs):")
        out("  " + tally(truth, shipped >= duplicates.THRESHOLD).line())
        out("  by threshold: " + "; ".join(
            f"{t:.2f} → P {tally(truth, shipped >= t).precision:.2f} R {tally(truth, shipped >= t).recall:.2f}"
            for t in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)))

        out("")
        out("By kind of pair (cross-validated predictions; share judged correctly):")
        by_kind = defaultdict(Counter)
        for pair, p in zip(pairs, predicted, strict=True):
            by_kind[pair.kind]["n"] += 1
            by_kind[pair.kind]["ok"] += bool(p) == pair.same
        for kind, tallied in sorted(by_kind.items()):
            out(f"  {kind:32s} {tallied['ok']:4d} / {tallied['n']:4d}  ({tallied['ok'] / tallied['n']:.0%})")

        out("")
        out("By writing style of either text (cross-validated; share judged correctly):")
        by_style = defaultdict(Counter)
        for pair, p in zip(pairs, predicted, strict=True):
            for style in {pair.a.get("style") or "?", pair.b.get("style") or "?"}:
                by_style[style]["n"] += 1
                by_style[style]["ok"] += bool(p) == pair.same
        for style, tallied in sorted(by_style.items(), key=lambda item: -item[1]["n"]):
            out(f"  {style:32s} {tallied['ok']:4d} / {tallied['n']:4d}  ({tallied['ok'] / tallied['n']:.0%})")

        if fit:
            weights, intercept = fit_all = fit_weights(x, truth[inside])
            threshold = best_threshold(truth, full_scores(inside, scores_of(x, *fit_all)))
            out("")
            out("Fitted on all pairs (paste into phananh/nlp/duplicates.py):")
            out("WEIGHTS = {")
            for name in duplicates.FEATURE_NAMES:
                out(f'    "{name}": {weights[name]:.2f},')
            out("}")
            out(f"INTERCEPT = {intercept:.2f}")
            out(f"THRESHOLD = {threshold:.2f}")

        if errors:
            out("")
            out(f"Pairs the shipped model gets wrong (up to {errors}):")
            shown = 0
            for pair, score, f in zip(pairs, shipped, features, strict=True):
                if (score >= duplicates.THRESHOLD) == pair.same:
                    continue
                where = "beyond radius" if f is None else (
                    f"{f.distance_m:.0f}/{f.radius_m:.0f} m, {f.relation}, text {f.text:.2f}, chars {f.chars:.2f}, "
                    f"numbers {'same' if f.same_number else 'other' if f.other_number else '-'}")
                out(f"  {pair.id} {'SAME' if pair.same else 'DIFF'} {pair.kind}: {score:.2f} ({where})")
                out(f"      a [{pair.a['category']}] {pair.a['text']}")
                out(f"      b [{pair.b['category']}] {pair.b['text']}")
                shown += 1
                if shown == errors:
                    break


