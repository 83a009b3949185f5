"""Keyset pagination over reports, newest first, with an opaque cursor.

OFFSET pages get slower the deeper you go and skip or repeat rows when new
reports arrive; a keyset on (received_at, id) costs the same on page 1 and
page 10,000 (index report_recent / report_status_recent) and never repeats
a row. The cursor is the boundary row's (received_at, id) plus a direction,
base64-encoded so that nobody is tempted to build it by hand.
"""

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

PAGE_SIZE = 20
OLDER, NEWER = "o", "n"


@dataclass(frozen=True)
class Cursor:
    direction: str
    received_at: datetime
    id: int

    def encode(self):
        raw = f"{self.direction}|{self.received_at.isoformat()}|{self.id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token):
        """The cursor, or None for anything that is not one we made."""
        if not token or len(token) > 200:
            return None
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            direction, moment, pk = raw.split("|")
            received_at = datetime.fromisoformat(moment)
            pk = int(pk)
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None
        if direction not in (OLDER, NEWER) or received_at.tzinfo is None or pk < 1:
            return None
        return cls(direction, received_at, pk)


@dataclass
class Page:
    items: list
    newer: str | None  # cursor token for the "Newer" link, if there is a newer page
    older: str | None  # cursor token for the "Older" link, if there is an older page
    first: bool        # True for the newest page (no cursor)


def keyset_page(queryset, cursor, size=PAGE_SIZE):
    """One page of `queryset` (any filters, no ordering) as a Page."""
    if cursor is not None and cursor.direction == NEWER:
        after = rows_after(cursor.received_at, cursor.id)
        rows = list(queryset.filter(after).order_by("received_at", "id")[: size + 1])
        if len(rows) >= size:
            has_newer = len(rows) > size
            items = list(reversed(rows[:size]))
            return Page(items, _token(NEWER, items[0]) if has_newer else None, _token(OLDER, items[-1]), False)
        # Fewer than a page above the boundary: that is simply the newest page.
        cursor = None
    if cursor is None:
        rows = list(queryset.order_by("-received_at", "-id")[: size + 1])
        items = rows[:size]
        return Page(items, None, _token(OLDER, items[-1]) if len(rows) > size else None, True)
    before = rows_before(cursor.received_at, cursor.id)
    rows = list(queryset.filter(before).order_by("-received_at", "-id")[: size + 1])
    items = rows[:size]
    newer = _token(NEWER, items[0]) if items else None
    older = _token(OLDER, items[-1]) if len(rows) > size else None
    return Page(items, newer, older, False)


def rows_before(received_at, pk):
    """Rows older than the row (received_at, id): those after it, newest first.

    Written as "received_at <= X AND (received_at < X OR id < Y)" rather
    than the plainer "received_at < X OR (received_at = X AND id < Y)": the
    first term is a range the database seeks to in the index, where the OR
    form made SQLite walk the index from its start, so a page deep in a
    million reports took 0.1–0.2 s instead of milliseconds (docs/benchmarks.md)."""
    return Q(received_at__lte=received_at) & (Q(received_at__lt=received_at) | Q(id__lt=pk))


def rows_after(received_at, pk):
    """Rows newer than the row (received_at, id), written as rows_before is."""
    return Q(received_at__gte=received_at) & (Q(received_at__gt=received_at) | Q(id__gt=pk))


def _token(direction, report):
    return Cursor(direction, report.received_at, report.pk).encode()
