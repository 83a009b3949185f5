"""Every unit, held in each process for routing.

Routing a new report walks up from its ward and looks for a unit of the
category's kind at each level: as queries that is four or five round trips
inside every submission. The tree is small (a province's communes,
departments and utilities: a few thousand rows even with the whole country
loaded) and changes rarely, so each process keeps it in memory, like the
area index (phananh.units.routing).

Freshness: a unit saved or deleted in this process drops the copy at once
(signals); other processes notice within a few seconds, when the version
(row count and newest `updated_at`, which every save moves) is checked.
Callers get copies, so nothing they change leaks into the shared tree.
"""

import copy
from collections import defaultdict

from django.db.models import Count, Max
from django.db.models.signals import post_delete, post_save

from phananh.lib.process_copy import ProcessCopy

from .models import Unit

_REFRESH_CHECK_SECONDS = 5


class Directory:
    def __init__(self, units):
        self._by_id = {unit.pk: unit for unit in units}
        self._children = defaultdict(list)  # (parent id, kind, subtype) -> active units, oldest first
        for unit in sorted(units, key=lambda u: u.pk):
            if unit.is_active and unit.parent_id is not None:
                self._children[(unit.parent_id, unit.kind, unit.subtype)].append(unit)

    def get(self, unit_id):
        unit = self._by_id.get(unit_id)
        return copy.copy(unit) if unit is not None else None

    def ancestors(self, unit_id):
        """The unit, then each parent up to the root (copies)."""
        chain, seen = [], set()
        unit = self._by_id.get(unit_id)
        while unit is not None and unit.pk not in seen:
            seen.add(unit.pk)
            chain.append(copy.copy(unit))
            unit = self._by_id.get(unit.parent_id)
        return chain

    def first_active_child(self, parent_id, kind, subtype):
        found = self._children.get((parent_id, kind, subtype))
        return copy.copy(found[0]) if found else None


def _version():
    agg = Unit.objects.aggregate(n=Count("id"), latest=Max("updated_at"))
    return (agg["n"], agg["latest"])


_units = ProcessCopy(lambda: Directory(list(Unit.objects.all())), _version, _REFRESH_CHECK_SECONDS)


def current():
    return _units.get()


def forget(**_signal):
    _units.forget()


post_save.connect(forget, sender=Unit, dispatch_uid="units-directory-save")
post_delete.connect(forget, sender=Unit, dispatch_uid="units-directory-delete")
