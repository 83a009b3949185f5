from django.core.management.base import BaseCommand, CommandError

from phananh.open311 import keys
from phananh.open311.models import ApiKey


class Command(BaseCommand):
    help = ("Create an Open311 API key named NAME and print it as the last line (it is not stored and cannot "
            "be shown again), or revoke a key with --revoke PREFIX.")

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="who will use the key, e.g. the app's name")
        parser.add_argument("--rate-limit", type=int, default=None,
                            help="new requests per minute for this key (default: OPEN311_RATE_LIMIT)")
        parser.add_argument("--revoke", metavar="PREFIX", help="revoke the active key whose prefix is PREFIX")

    def handle(self, name=None, rate_limit=None, revoke=None, **options):
        if revoke:
            return self._revoke(revoke.strip())
        name = (name or "").strip()
        if not name:
            raise CommandError("give the key a NAME, e.g. create_api_key \"Ứng dụng phản ánh\"")
        if len(name) > ApiKey._meta.get_field("name").max_length:
            raise CommandError("NAME is too long (at most 120 characters)")
        if rate_limit is not None and rate_limit < 1:
            raise CommandError("--rate-limit must be at least 1")
        api_key, key = keys.create_key(name, rate_limit=rate_limit)
        self.stdout.write(f"Open311 API key “{api_key.name}” created (prefix {api_key.prefix}). "
                          "Store it now: it is shown only once.")
        self.stdout.write(key)

    def _revoke(self, prefix):
        if len(prefix) < 6:
            raise CommandError("give at least the first 6 characters of the key")
        matches = ApiKey.objects.filter(prefix__startswith=prefix[: keys.PREFIX_LENGTH], revoked_at__isnull=True)
        if len(prefix) > keys.PREFIX_LENGTH:
            # The whole key (or more than the prefix) was given: match it exactly.
            matches = matches.filter(key_hash=keys.hash_key(prefix))
        found = list(matches[:2])
        if not found:
            raise CommandError(f"no active key starts with {prefix}")
        if len(found) > 1:
            raise CommandError(f"more than one active key starts with {prefix}; give more of the key")
        keys.revoke(ApiKey.objects.filter(pk=found[0].pk))
        self.stdout.write(f"revoked Open311 API key “{found[0].name}” ({found[0].prefix}…)")
