import sys

from .base import BaseSmsBackend
from .file import render


class ConsoleBackend(BaseSmsBackend):
    def send(self, number, text):
        sys.stdout.write(render(number, text) + "-" * 40 + "\n")
        sys.stdout.flush()
