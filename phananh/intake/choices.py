"""What the submit form offers: categories by group, wards by parent unit.

Both lists are read per request because their labels follow the visitor's
language (categories) and because operators edit them; they are small (a
few dozen categories, a few hundred wards in a province).
"""

import unicodedata
from itertools import groupby

from django.utils.translation import gettext as _

from phananh.reports.models import Category
from phananh.units.models import Unit, UnitKind

from .search_terms import terms_for


def fold(text):
    """Lower case without Vietnamese diacritics ("Đường" → "duong"), the
    same folding submit.js applies, so server and browser sort alike."""
    text = (text or "").lower().replace("đ", "d")
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))


def active_categories():
    # Group code breaks ties between groups at the same position, so that
    # each group's categories stay together for groupby below.
    return (
        Category.objects.filter(is_active=True)
        .select_related("group")
        .order_by("group__position", "group__code", "position", "code")
    )


def category_choices(categories):
    """[(group name, [(code, name), ...]), ...] in the configured order."""
    groups = []
    for group, members in groupby(categories, key=lambda c: c.group):
        groups.append((group.name, [(c.code, c.name) for c in members]))
    return groups


def category_search_terms(categories):
    """{code: folded words} matched by the category search box: both names,
    the group names and everyday words, so English and Vietnamese both work."""
    return {
        c.code: fold(" ".join([c.name_vi, c.name_en, c.group.name_vi, c.group.name_en, terms_for(c.code)]))
        for c in categories
    }


def active_wards():
    """Wards and communes that receive reports: kind ward without a subtype
    (a subtype marks something attached to a ward, such as its police post)."""
    wards = Unit.objects.filter(kind=UnitKind.WARD, subtype="", is_active=True).select_related("parent")
    return sorted(wards, key=lambda w: (fold(w.parent.name) if w.parent_id else "", fold(w.name)))


def ward_choices(wards):
    """[(parent name, [(pk, name), ...]), ...]; one group per province."""
    groups = []
    for parent, members in groupby(wards, key=lambda w: w.parent):
        label = parent.name if parent is not None else _("Other wards and communes")
        groups.append((label, [(str(w.pk), w.name) for w in members]))
    return groups
