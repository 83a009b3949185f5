"""One file per message in SMS_FILE_PATH (var/sms/ by default), like
Django's file email backend: nothing leaves the machine."""

import os
import uuid
from pathlib import Path

from django.conf import settings

from phananh.lib import clock

from ..text import segments
from .base import BaseSmsBackend


def render(number, text):
    encoding, parts = segments(text)
    return f"To: {number}\nDate: {clock.now().isoformat()}\nParts: {parts} ({encoding})\n\n{text}\n"


class FileBackend(BaseSmsBackend):
    def send(self, number, text):
        folder = Path(settings.SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{clock.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:12]}.txt"
        # Written under a temporary name and renamed, so a reader never sees half a message.
        temporary = folder / f".{name}"
        temporary.write_text(render(number, text), encoding="utf-8")
        os.replace(temporary, folder / name)
