"""Numbers an SMS can go to, in the one form PhanAnh stores and sends to
(+84912345678, see phananh.lib.phones): Vietnamese mobiles only."""

from phananh.lib import phones


class InvalidNumber(ValueError):
    """A number no SMS can reach: sending to it again cannot help."""


def to_e164(value):
    try:
        number = phones.normalize(value)
    except phones.InvalidPhone as error:
        raise InvalidNumber(" ".join(error.messages)) from None
    if not phones.is_mobile(number):
        raise InvalidNumber(f"{phones.display(number)} is a landline and cannot receive SMS")
    return number


def national(e164):
    """+84903123456 → 0903123456."""
    return "0" + e164[3:] if e164.startswith("+84") else e164
