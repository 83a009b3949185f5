import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from phananh.reports.models import Category, CategoryGroup

GROUP_KEYS = ("code", "vi", "en", "categories")
CATEGORY_KEYS = ("code", "vi", "en", "handler", "ack_hours", "resolve_days")


class Command(BaseCommand):
    help = "Create or update category groups and categories from a categories.json file."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=settings.CATEGORIES_FILE)
        parser.add_argument(
            "--update", action="store_true",
            help="Overwrite names and deadlines of existing categories (default: only add new ones).",
        )

    def handle(self, file, update=False, **options):
        try:
            with open(file, encoding="utf-8") as fh:
                data = json.load(fh)
            groups = data["groups"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CommandError(f"cannot read categories from {file}: {exc}")
        # Check the whole file before writing anything, so a typo in the last
        # group does not leave the first ones half updated.
        _check(groups)
        created = 0
        with transaction.atomic():
            for gpos, group in enumerate(groups):
                g = self._upsert(CategoryGroup, group["code"], update, name_vi=group["vi"],
                                 name_en=group["en"], position=gpos)
                for cpos, cat in enumerate(group["categories"]):
                    _obj, was_created = self._upsert(
                        Category, cat["code"], update, group=g[0], name_vi=cat["vi"], name_en=cat["en"],
                        handler=cat["handler"], ack_hours=int(cat["ack_hours"]),
                        resolve_days=int(cat["resolve_days"]), position=cpos,
                    )
                    created += was_created
        self.stdout.write(f"categories loaded: {created} new, {Category.objects.count()} in all")

    @staticmethod
    def _upsert(model, code, update, **fields):
        if update:
            return model.objects.update_or_create(code=code, defaults=fields)
        return model.objects.get_or_create(code=code, defaults=fields)


def _check(groups):
    if not isinstance(groups, list):
        raise CommandError("“groups” must be a list")
    seen = set()
    for gpos, group in enumerate(groups, 1):
        if not isinstance(group, dict):
            raise CommandError(f"group {gpos} is not an object")
        for key in GROUP_KEYS:
            if key not in group:
                raise CommandError(f"group {group.get('code', gpos)} lacks “{key}”")
        if not isinstance(group["categories"], list):
            raise CommandError(f"group {group['code']}: “categories” must be a list")
        for cat in group["categories"]:
            if not isinstance(cat, dict):
                raise CommandError(f"group {group['code']}: a category is not an object")
            for key in CATEGORY_KEYS:
                if key not in cat:
                    raise CommandError(f"category {cat.get('code', '?')} lacks “{key}”")
            for key in ("ack_hours", "resolve_days"):
                try:
                    value = int(cat[key])
                except (TypeError, ValueError):
                    value = -1
                if not 0 < value < 32768:
                    raise CommandError(f"category {cat['code']}: “{key}” must be a positive whole number")
            if cat["code"] in seen:
                raise CommandError(f"category {cat['code']} appears twice")
            seen.add(cat["code"])
