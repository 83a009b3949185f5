from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from phananh.console import tokens
from phananh.units.access import is_staff_member


class Command(BaseCommand):
    help = ("Create a staff API token acting as USERNAME and print it as the last line. "
            "Only its hash is stored: copy it now. Revoke tokens in the admin.")

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What the token is for (shown in the admin)")

    def handle(self, *args, username, name, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"there is no user {username!r}")
        if not user.is_active:
            raise CommandError(f"user {username!r} is not active")
        if not (user.is_superuser or is_staff_member(user)):
            # Not refused: the membership may be added later. Said, because
            # until then every request with the token is answered 403.
            self.stderr.write(f"warning: {username} is not a member of any unit yet; the token is refused until "
                              "they are")
        token, raw = tokens.create(user, name)
        self.stderr.write(f"token {token.prefix}… created for {username}; it cannot be shown again")
        self.stdout.write(raw)
