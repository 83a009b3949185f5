"""Where the category classifier's examples come from.

Three sources, all as `Example`s:

- the committed files in data/: reports-train.jsonl (the project's shared
  labelled set) and extra-train.jsonl (more texts per category in every
  writing style: formal letters, casual, without diacritics, SMS shorthand,
  angry);
- operators' corrections: every report whose category a coordinator changed
  in triage (a "reclassified" event, or a "routed" event that changed the
  category) is a labelled example the model got wrong or could not know;
- data/heldout.jsonl is NOT training data: it is written separately, never
  trained or tuned on, and only used to report accuracy on unseen text.
"""

import json
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
TRAINING_FILES = (DATA_DIR / "reports-train.jsonl", DATA_DIR / "extra-train.jsonl")
HELDOUT_FILE = DATA_DIR / "heldout.jsonl"
# The most recent corrections only: enough to follow how operators label
# today, bounded so retraining stays a matter of seconds at any size.
MAX_CORRECTIONS = 20000
# Ids per IN (...) query: below every database's bound-parameter limit.
_IN_BATCH = 900


@dataclass(frozen=True)
class Example:
    text: str
    category: str
    style: str = ""  # formal, casual, no_diacritics, sms, angry; empty when unknown


def read_jsonl(path):
    """Examples from a JSON-lines file of {"text", "category"[, "style"]}.

    Raises ValueError naming the file and line of the first bad record, so
    a typo in a data file fails loudly instead of training on half of it."""
    examples = []
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                text, category = record["text"], record["category"]
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{number}: not a {{\"text\", \"category\"}} record ({exc})")
            if not isinstance(text, str) or not text.strip() or not isinstance(category, str) or not category:
                raise ValueError(f"{path}:{number}: text and category must be non-empty strings")
            examples.append(Example(text, category, str(record.get("style") or "")))
    return examples


def committed_examples():
    """The training examples that ship with the code (no database needed)."""
    return [example for path in TRAINING_FILES for example in read_jsonl(path)]


def operator_corrections(limit=MAX_CORRECTIONS):
    """(description, category chosen by the operator) for recently corrected reports.

    The report's current category is the label: when a report was
    reclassified twice, the last decision wins."""
    from django.db.models import Q

    from phananh.reports.models import Event, Report

    # A "routed" event by the system changed the category on the classifier's
    # own suggestion (phananh.nlp.category_routing): not a correction to learn from.
    corrected = Q(type="reclassified") | (Q(type="routed", payload__has_key="category") & ~Q(actor_role="system"))
    changed = (
        Event.objects.filter(corrected)
        .order_by("-seq")
        .values_list("report_id", flat=True)
    )
    report_ids = []
    seen = set()
    for report_id in changed.iterator(chunk_size=2000):
        if report_id not in seen:
            seen.add(report_id)
            report_ids.append(report_id)
            if len(report_ids) >= limit:
                break
    examples = []
    for start in range(0, len(report_ids), _IN_BATCH):
        rows = Report.objects.filter(pk__in=report_ids[start:start + _IN_BATCH]).exclude(description="")
        examples.extend(
            Example(text, code, "correction") for text, code in rows.values_list("description", "category__code")
        )
    return examples
