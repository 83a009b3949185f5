"""Services (categories) as Open311 sees them: the list, one definition, the changeset.

service_code is the category code, a contract that never changes. Names
and descriptions follow the request's language. A category "has metadata"
when staff gave it questions (ServiceAttribute) in the admin.
"""

from django.core.cache import cache
from django.db.models import Exists, OuterRef, Prefetch
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from phananh.reports.models import Category, CategoryGroup
from phananh.units.routing import handler_label

from .models import LIST_DATATYPES, AttributeValue, ServiceAttribute
from .render import Open311Error

CHANGESET_KEY = "open311:changeset"


def active_categories():
    return Category.objects.filter(is_active=True).select_related("group")


def service_list():
    asks = ServiceAttribute.objects.filter(category=OuterRef("pk"))
    categories = active_categories().annotate(has_attributes=Exists(asks))
    return [
        {
            "service_code": category.code,
            "service_name": category.name,
            "description": describe(category),
            "metadata": category.has_attributes,
            "type": "realtime",
            "keywords": keywords(category),
            "group": category.group.name,
        }
        for category in categories
    ]


def describe(category):
    return _("Handled by: %(handler)s. Acknowledged within %(ack)s and resolved within %(resolve)s.") % {
        "handler": handler_label(category.handler), **_promise(category),
    }


def service_notice(category):
    """What happens next, as promised for the category."""
    return _("The responsible unit must acknowledge the request within %(ack)s and resolve it within "
             "%(resolve)s.") % _promise(category)


def _promise(category):
    return {
        "ack": ngettext("%(n)d working hour", "%(n)d working hours", category.ack_hours) % {"n": category.ack_hours},
        "resolve": ngettext("%(n)d working day", "%(n)d working days", category.resolve_days)
        % {"n": category.resolve_days},
    }


def keywords(category):
    """Synonyms: the category and group names in both languages, split at commas."""
    seen, words = set(), []
    for text in (category.name_vi, category.name_en, category.group.name_vi, category.group.name_en):
        for part in text.split(","):
            word = part.strip()
            if word and word.lower() not in seen:
                seen.add(word.lower())
                words.append(word)
    return ", ".join(words)


def find_category(code):
    """The active category with this service_code, or Open311Error 404."""
    category = active_categories().filter(code=code).first() if code else None
    if category is None:
        raise Open311Error(404, _("There is no service with the service_code “%(code)s”.") % {"code": code[:64]})
    return category


def questions(category):
    """The category's attributes in order, their choices prefetched (two queries)."""
    return list(
        ServiceAttribute.objects.filter(category=category)
        .order_by("order", "id")
        .prefetch_related(Prefetch("values", queryset=AttributeValue.objects.order_by("position", "id")))
    )


def definition(code):
    category = find_category(code)
    return {
        "service_code": category.code,
        "attributes": [_attribute(attribute) for attribute in questions(category)],
    }


def _attribute(attribute):
    values = attribute.values.all() if attribute.datatype in LIST_DATATYPES else []
    return {
        "variable": attribute.variable,
        "code": attribute.code,
        "datatype": attribute.datatype,
        "required": attribute.required,
        "datatype_description": attribute.datatype_description or None,
        "order": attribute.order,
        "description": attribute.description,
        "values": [{"key": value.key, "name": value.name} for value in values],
    }


# --- changeset --------------------------------------------------------------------

def changeset():
    """When the service list or a service definition last changed (UTC, sortable).

    Kept in the shared cache and moved forward whenever a category, group or
    question is saved or deleted. Should the cache lose it, the next read
    starts a new, later value: clients then refresh once, which is harmless."""
    value = cache.get(CHANGESET_KEY)
    if value is None:
        value = _stamp()
        if not cache.add(CHANGESET_KEY, value, timeout=None):
            value = cache.get(CHANGESET_KEY) or value
    return value


def _stamp():
    return timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ")


def _changed(**kwargs):
    cache.set(CHANGESET_KEY, _stamp(), timeout=None)


def watch_for_changes():
    for model in (Category, CategoryGroup, ServiceAttribute, AttributeValue):
        post_save.connect(_changed, sender=model, dispatch_uid=f"open311-changeset-save-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"open311-changeset-delete-{model.__name__}")
