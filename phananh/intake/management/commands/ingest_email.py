"""Read one email from standard input and file it as a report or a comment.

For a mail server's pipe delivery, e.g. Postfix master.cf:

    phananh unix - n n - - pipe flags=Rq user=phananh argv=/srv/phananh/.venv/bin/python
        /srv/phananh/manage.py ingest_email

The exit status follows sysexits.h, which MTAs understand: 0 done (or
ignored as an automatic message), 65 (EX_DATAERR) the message cannot be used
and is bounced with the reason printed, 75 (EX_TEMPFAIL) something on our
side failed and the MTA should try again later.
"""

import logging
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from phananh.intake import email_ingest

EX_DATAERR = 65
EX_TEMPFAIL = 75

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = ("Read one RFC 822 email from standard input (or --file) and turn it into a report, or a comment "
            "on the sender's report. Exit 65 for an unusable message, 75 to be retried later.")

    def add_arguments(self, parser):
        parser.add_argument("--file", help="Read the message from this file instead of standard input.")

    def handle(self, *args, file=None, **options):
        limit = settings.EMAIL_INBOUND_MAX_BYTES
        try:
            if file:
                with open(file, "rb") as fh:
                    raw = fh.read(limit + 1)
            else:
                raw = sys.stdin.buffer.read(limit + 1)
        except OSError as error:
            raise CommandError(f"cannot read the message: {error}", returncode=EX_TEMPFAIL)
        try:
            result = email_ingest.ingest(raw)
        except email_ingest.Rejected as error:
            raise CommandError(str(error), returncode=EX_DATAERR)
        except DatabaseError as error:
            log.exception("email ingestion failed; the mail server should retry")
            raise CommandError(f"temporary failure, try again later: {error}", returncode=EX_TEMPFAIL)
        line = result.status + (f" {result.code}" if result.code else "") + (f" ({result.detail})" if result.detail
                                                                             else "")
        self.stdout.write(line)
        for name, reason in result.left_out:
            self.stdout.write(f"not attached: {name}: {reason}")
