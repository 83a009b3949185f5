"""Category suggestions for a report's text.

How it works (numbers and the alternatives tried are in docs/benchmarks.md):

- every text is brought to one form first: `fold(normalize(text))`, so
  "Đèn đường hư ko ai sửa", "den duong hu khong ai sua" and "ĐÈN ĐƯỜNG HƯ!!!"
  are the same input;
- features: TF-IDF of word 1–2-grams (Vietnamese words are mostly two
  syllables, "đèn đường", "ổ gà") plus, at half weight, TF-IDF of character
  2–5-grams inside words, which keeps typos and odd spellings close;
- a linear SVM (one-vs-rest) scores every category; its raw scores become
  probabilities with a softmax whose temperature is fitted on
  cross-validated scores of the training data (temperature scaling), so a
  score of 0.8 means "right about 8 times in 10" and a threshold means
  something;
- prediction is two sparse vectorisations and one small matrix product,
  done by hand rather than through sklearn's per-call validation: well
  under a millisecond per report.

The model is trained from the committed examples plus operators'
corrections (`training_data`), saved with joblib to CLASSIFIER_PATH, loaded
once per process and reloaded when the file changes (the nightly retraining
job replaces it). With no artifact it trains itself on first use from the
committed data, which takes a few seconds.
"""

import logging
import os
import tempfile
import threading
import time
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
import sklearn
from django.conf import settings
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from . import training_data
from .normalize import fold, normalize, tokens

log = logging.getLogger(__name__)

# Bump when prepare() or the features change: artifacts of another format
# are then retrained instead of being used with the wrong preprocessing.
FORMAT = 1
SEED = 0
WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (2, 5)
CHAR_WEIGHT = 0.5
SVM_C = 1.0
CALIBRATION_FOLDS = 5
TEMPERATURES = np.geomspace(0.02, 5.0, 80)
# How often a process looks at the artifact's modification time.
RELOAD_CHECK_SECONDS = 60


def prepare(text):
    """The form every text takes before features are read from it."""
    return fold(normalize(text))


def _vectorizers():
    common = {"lowercase": False, "sublinear_tf": True, "dtype": np.float32}
    word = TfidfVectorizer(token_pattern=r"(?u)\b\w+\b", ngram_range=WORD_NGRAMS, **common)
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, **common)
    return word, char


def _softmax(scores, temperature):
    z = scores / temperature
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


class CategoryModel:
    """A trained classifier: vectorizers, one weight column per category and a temperature."""

    def __init__(self, word, char, word_weights, char_weights, intercept, classes, temperature, info):
        self.word, self.char = word, char
        self.word_weights = word_weights  # (word features × categories), float32
        self.char_weights = char_weights  # (char features × categories), float32, CHAR_WEIGHT folded in
        self.intercept = intercept
        self.classes = classes  # category codes, column order
        self.temperature = temperature
        self.info = info  # examples, per-category counts, training seconds, sklearn version, format

    # --- training ---------------------------------------------------------------
    @classmethod
    def train(cls, examples):
        started = time.perf_counter()
        texts = [prepare(e.text) for e in examples]
        labels = np.array([e.category for e in examples])
        if len(set(labels)) < 2:
            raise ValueError("training needs examples of at least two categories")
        model = cls._fit(texts, labels)
        model.temperature = _fit_temperature(texts, labels)
        model.info = {
            "format": FORMAT,
            "sklearn": sklearn.__version__,
            "examples": len(examples),
            "per_category": dict(Counter(labels.tolist())),
            "corrections": sum(1 for e in examples if e.style == "correction"),
            "seconds": round(time.perf_counter() - started, 2),
        }
        return model

    @classmethod
    def _fit(cls, texts, labels):
        word, char = _vectorizers()
        xw = word.fit_transform(texts)
        xc = char.fit_transform(texts)
        x = hstack([xw, xc * CHAR_WEIGHT], format="csr")
        svm = LinearSVC(C=SVM_C, random_state=SEED).fit(x, labels)
        coef = np.asarray(svm.coef_, dtype=np.float32)
        if len(svm.classes_) == 2:  # binary LinearSVC keeps one column; make it two (−s, +s)
            coef = np.vstack([-coef, coef])
            intercept = np.array([-svm.intercept_[0], svm.intercept_[0]], dtype=np.float32)
        else:
            intercept = svm.intercept_.astype(np.float32)
        n_word = xw.shape[1]
        return cls(
            word, char,
            np.ascontiguousarray(coef[:, :n_word].T),
            np.ascontiguousarray(coef[:, n_word:].T * CHAR_WEIGHT),
            intercept, [str(c) for c in svm.classes_], 1.0, {},
        )

    # --- prediction -------------------------------------------------------------
    def decision(self, prepared_texts):
        """Raw SVM scores (texts × categories) for many prepared texts at once."""
        scores = self.word.transform(prepared_texts) @ self.word_weights
        scores += self.char.transform(prepared_texts) @ self.char_weights
        return np.asarray(scores) + self.intercept

    def _decision_one(self, prepared):
        """decision() for a single text, without sklearn's per-call input
        validation, which costs several times the arithmetic itself. Same
        numbers: sublinear TF × IDF, L2-normalised, times the weights."""
        scores = self.intercept.copy()
        for (analyze, vocabulary, idf), weights in zip(self._analyzers(), (self.word_weights, self.char_weights),
                                                       strict=True):
            counts = Counter(j for gram in analyze(prepared) if (j := vocabulary.get(gram)) is not None)
            if not counts:
                continue
            columns = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
            values = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))) * idf[columns]
            values /= np.sqrt(values @ values)
            scores += values.astype(np.float32) @ weights[columns]
        return scores

    def _analyzers(self):
        cached = self.__dict__.get("_analyzer_cache")
        if cached is None:
            cached = [(v.build_analyzer(), v.vocabulary_, v.idf_) for v in (self.word, self.char)]
            self.__dict__["_analyzer_cache"] = cached
        return cached

    def _word_names(self):
        cached = self.__dict__.get("_names_cache")
        if cached is None:
            cached = {j: gram for gram, j in self.word.vocabulary_.items()}
            self.__dict__["_names_cache"] = cached
        return cached

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_analyzer_cache", None)  # both rebuilt on first use after loading
        state.pop("_names_cache", None)
        return state

    def probabilities(self, texts):
        """(len(texts) × categories) probabilities, rows summing to 1."""
        return _softmax(self.decision([prepare(t) for t in texts]), self.temperature)

    def suggest(self, text, k=3, among=None):
        """[(code, score)] best first, at most k; [] for text with no words."""
        prepared = prepare(text)
        if not prepared:
            return []
        proba = _softmax(self._decision_one(prepared)[np.newaxis, :], self.temperature)[0]
        order = np.argsort(-proba, kind="stable")
        out = []
        for i in order:
            code = self.classes[i]
            if among is not None and code not in among:
                continue
            out.append((code, round(float(proba[i]), 4)))
            if len(out) == k:
                break
        return out

    def reasons(self, text, code, limit=4):
        """The words of `text` that pushed it most towards `code`, as the citizen wrote them.

        Only word features are read: character n-grams are not something an
        operator can recognise as a reason."""
        if code not in self.classes:
            return []
        analyze, vocabulary, idf = self._analyzers()[0]
        counts = Counter(j for gram in analyze(prepare(text)) if (j := vocabulary.get(gram)) is not None)
        column = self.word_weights[:, self.classes.index(code)]
        # Same ordering as the TF-IDF weights times the category's weights
        # (the L2 normalisation scales every term alike, so it is left out).
        contributions = sorted(
            (((1.0 + np.log(n)) * idf[j] * column[j], j) for j, n in counts.items()), reverse=True
        )
        if not contributions:
            return []
        names = self._word_names()
        written = tokens(text)
        folded = [fold(t) for t in written]
        # Weak contributions are noise ("xin", "tới"). A word inside a strong
        # two-word phrase ("ban" in "ban ghe") says less than the phrase and
        # may come from elsewhere in the text ("ủy ban"), so phrases win.
        floor = contributions[0][0] * 0.2
        strong = [names[j] for weight, j in contributions if weight > 0 and weight >= floor]
        phrase_words = {word for gram in strong if " " in gram for word in gram.split()}
        picked, covered = [], set()
        for gram in strong:
            parts = gram.split()
            if (len(parts) == 1 and gram in phrase_words) or not covered.isdisjoint(parts):
                continue
            phrase = _as_written(parts, folded, written)
            if phrase:
                picked.append(phrase)
                covered.update(parts)
                if len(picked) == limit:
                    break
        return picked


def _as_written(parts, folded, written):
    n = len(parts)
    for i in range(len(folded) - n + 1):
        if folded[i:i + n] == parts:
            return " ".join(written[i:i + n])
    return ""


def _fit_temperature(texts, labels):
    """Temperature for the softmax over SVM scores, chosen to minimise the
    log-loss of scores the model gave to examples it had not seen
    (stratified K-fold over the training data, fixed seed)."""
    counts = Counter(labels.tolist())
    folds = min(CALIBRATION_FOLDS, max(2, min(counts.values())))
    classes = sorted(counts)
    column = {c: i for i, c in enumerate(classes)}
    scores = np.full((len(texts), len(classes)), -10.0, dtype=np.float32)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
    texts_array = np.array(texts, dtype=object)
    with warnings.catch_warnings():
        # Categories with fewer examples than folds (a new category learnt
        # from a handful of corrections) are simply absent from some folds.
        warnings.filterwarnings("ignore", message="The least populated class", category=UserWarning)
        for train_idx, test_idx in splitter.split(texts_array, labels):
            if len(set(labels[train_idx])) < 2:
                continue
            fold_model = CategoryModel._fit(list(texts_array[train_idx]), labels[train_idx])
            fold_scores = fold_model.decision(list(texts_array[test_idx]))
            for j, code in enumerate(fold_model.classes):
                scores[test_idx, column[code]] = fold_scores[:, j]
    truth = np.array([column[c] for c in labels])
    best, best_loss = 1.0, np.inf
    for temperature in TEMPERATURES:
        proba = _softmax(scores.copy(), temperature)
        loss = -np.log(np.clip(proba[np.arange(len(truth)), truth], 1e-12, None)).mean()
        if loss < best_loss:
            best, best_loss = float(temperature), loss
    return best


# --- The artifact and the per-process model -------------------------------------
def artifact_path():
    return Path(getattr(settings, "CLASSIFIER_PATH", Path(settings.VAR_DIR) / "classifier.joblib"))


def train(include_corrections=True):
    """A model trained on the committed examples (and operators' corrections)."""
    examples = training_data.committed_examples()
    if include_corrections:
        examples += training_data.operator_corrections()
    return CategoryModel.train(examples)


def save(model, path=None):
    """Write the artifact atomically: a process reloading it never reads half a file."""
    path = Path(path or artifact_path())
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".classifier-", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        joblib.dump({"format": FORMAT, "sklearn": sklearn.__version__, "model": model}, tmp, compress=3)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load(path=None):
    """The model in the artifact, or None when it is missing, unreadable or
    was written by another format or scikit-learn version."""
    path = Path(path or artifact_path())
    try:
        payload = joblib.load(path)
    except FileNotFoundError:
        return None
    except Exception:  # a truncated or foreign file must not take the site down
        log.warning("classifier artifact %s is unreadable; retraining", path, exc_info=True)
        return None
    current = {"format": FORMAT, "sklearn": sklearn.__version__}
    if not isinstance(payload, dict) or any(payload.get(key) != value for key, value in current.items()):
        log.info("classifier artifact %s is from another version; retraining", path)
        return None
    return payload["model"]


@dataclass
class _Loaded:
    model: CategoryModel
    mtime: int | None  # st_mtime_ns of the artifact it came from
    checked: float


_lock = threading.Lock()
_current = None


def get_model():
    """The process's model: loaded once, reloaded when the artifact changes,
    trained from the committed data when there is no usable artifact."""
    global _current
    current = _current
    now = time.monotonic()
    if current is not None and now - current.checked < RELOAD_CHECK_SECONDS:
        return current.model
    with _lock:
        current = _current
        if current is not None and now - current.checked < RELOAD_CHECK_SECONDS:
            return current.model
        path = artifact_path()
        mtime = _mtime(path)
        if current is not None and mtime == current.mtime:
            current.checked = now
            return current.model
        model = load(path) if mtime is not None else None
        if model is None:
            model = train(include_corrections=False)
            try:
                save(model, path)
                mtime = _mtime(path)
            except OSError:
                log.warning("could not write the classifier artifact to %s", path, exc_info=True)
        _current = _Loaded(model, mtime, now)
        return model


def forget_model():
    """Drop the process's model (tests, and after writing a new artifact in-process)."""
    global _current
    with _lock:
        _current = None


def _mtime(path):
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


# --- What the rest of the site calls ---------------------------------------------
def suggest(text, k=3, among=None):
    """[(category code, score)] best first, at most k, scores in [0, 1].

    `among` restricts the answer to those codes (the active categories)."""
    return get_model().suggest(text, k=k, among=among)


def reasons(text, code, limit=4):
    """Words of `text` that point to `code`, for the triage screen's "why"."""
    return get_model().reasons(text, code, limit=limit)


def min_confidence():
    return float(getattr(settings, "CLASSIFIER_MIN_CONFIDENCE", 0.5))


def is_uncertain(suggestions, threshold=None):
    """True when the best suggestion is not sure enough to route on: the
    report should then go to the coordinator rather than straight to a unit."""
    threshold = min_confidence() if threshold is None else threshold
    return not suggestions or suggestions[0][1] < threshold


def confident_category(text, among=None):
    """The best category code when the classifier is confident, else None."""
    suggestions = suggest(text, k=1, among=among)
    return None if is_uncertain(suggestions) else suggestions[0][0]


def active_codes():
    """Codes of the active categories: the only ones worth suggesting.

    Read per call (a couple of dozen rows on an indexed column) so that a
    category switched off by an operator disappears at once."""
    from phananh.reports.models import Category

    return frozenset(Category.objects.filter(is_active=True).values_list("code", flat=True))
