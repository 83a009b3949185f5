"""Vietnamese phone numbers in one form: E.164, "+84" and the national number.

People and gateways write the same mobile as "0912345678", "0912 345 678",
"84912345678", "+84 91 234 5678", "(+84) 912.345.678" or just "912345678";
SMS gateways usually send "84912345678". Everything PhanAnh stores or sends
to (reports, subscriptions, the SMS outbox) uses "+84912345678", so that the
same person is the same string.

The numbering plan checked here (Ministry of Information and Communications):

- mobiles: 9 digits after the 0, starting with a mobile network prefix
  (03x, 05x, 07x, 08x, 09x). In 2018 the 11-digit mobiles (01xx + 7 digits)
  were shortened to 10 digits; `OLD_MOBILE_PREFIXES` maps each old prefix to
  its new one ("0168 123 4567" → "038 123 4567"), because people still have
  them in their contacts and write them on forms;
- landlines: 10 digits after the 0, starting with 2 and the area code
  ("028 3829 1234" in Ho Chi Minh City, "024 ..." in Hanoi, "0236 ..." in
  Da Nang); they cannot receive SMS (`is_mobile`).

Anything else (short codes, 1800/1900 service numbers, foreign numbers,
letters, too few or too many digits) raises `InvalidPhone` with a sentence
that says what is wrong.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

__all__ = ["InvalidPhone", "OLD_MOBILE_PREFIXES", "display", "is_mobile", "normalize"]

COUNTRY_CODE = "84"

# The 2018 conversion of 11-digit mobile numbers: old prefix → new prefix.
OLD_MOBILE_PREFIXES = {
    # Viettel
    "0162": "032", "0163": "033", "0164": "034", "0165": "035", "0166": "036", "0167": "037", "0168": "038",
    "0169": "039",
    # MobiFone
    "0120": "070", "0121": "079", "0122": "077", "0126": "076", "0128": "078",
    # VinaPhone
    "0123": "083", "0124": "084", "0125": "085", "0127": "081", "0129": "082",
    # Vietnamobile
    "0186": "056", "0188": "058",
    # Gmobile
    "0199": "059",
}

# Second and third digit of a 10-digit mobile (after the 0), as allocated to networks.
MOBILE_PREFIXES = frozenset(
    [f"3{d}" for d in "23456789"]
    + ["52", "55", "56", "58", "59"]
    + ["70", "76", "77", "78", "79"]
    + [f"8{d}" for d in "123456789"]
    + [f"9{d}" for d in "012346789"]
)

# What people put between digits; anything else that is not a digit is an error.
_SEPARATORS_RE = re.compile(r"[\s.\-/()\u00a0]")


class InvalidPhone(ValidationError):
    """Not a Vietnamese phone number; `message` says why, in the user's language."""


def normalize(value):
    """"+84..." for a Vietnamese mobile or landline number written any usual way.

    >>> normalize("0168 123 4567")
    '+84381234567'
    """
    digits = _digits(value)
    national = _national(digits)
    if national.startswith("01") and len(national) == 11:
        old = national[:4]
        if old not in OLD_MOBILE_PREFIXES:
            raise InvalidPhone(_("%(number)s is not a phone number in use in Vietnam.") % {"number": value.strip()},
                               code="unknown_prefix")
        national = OLD_MOBILE_PREFIXES[old] + national[4:]
    if len(national) == 10 and national[1:3] in MOBILE_PREFIXES:
        return "+" + COUNTRY_CODE + national[1:]
    if len(national) == 11 and national[1] == "2":
        return "+" + COUNTRY_CODE + national[1:]
    if national.startswith(("01800", "01900", "1800", "1900")) or (len(national) <= 5 and national[0] != "0"):
        raise InvalidPhone(
            _("%(number)s is a short or service number; give a personal mobile or landline number.")
            % {"number": value.strip()},
            code="service_number",
        )
    if len(national) in (10, 11):
        raise InvalidPhone(_("%(number)s is not a phone number in use in Vietnam.") % {"number": value.strip()},
                           code="unknown_prefix")
    raise InvalidPhone(
        _("%(number)s has %(count)d digits; a Vietnamese number has 10 (mobile) or 11 (landline), "
          "starting with 0.") % {"number": value.strip(), "count": len(national)},
        code="length",
    )


def _digits(value):
    # NFKC turns full-width digits and plus signs (from East Asian keyboards) into ASCII.
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    if not text:
        raise InvalidPhone(_("Enter a phone number."), code="required")
    compact = _SEPARATORS_RE.sub("", text)
    plus = compact.startswith("+")
    body = compact[1:] if plus else compact
    if not body.isascii() or not body.isdigit():
        raise InvalidPhone(
            _("A phone number has only digits, spaces and a leading +: %(number)s") % {"number": text},
            code="characters",
        )
    if plus:
        return "+" + body
    return body


def _national(digits):
    """The number as dialled inside Vietnam, with its leading 0."""
    if digits.startswith("+"):
        international = digits[1:]
    elif digits.startswith("00"):
        international = digits[2:]
    elif digits.startswith(COUNTRY_CODE) and len(digits) in (11, 12, 13):
        # "84912345678" (mobile), "842838291234" (landline), "841681234567" (old mobile).
        international = digits
    elif digits.startswith("0"):
        return digits
    elif len(digits) in (9, 10) and not digits.startswith(("1800", "1900")):
        # The 0 left out: "912345678", "2838291234".
        return "0" + digits
    else:
        return digits
    if not international.startswith(COUNTRY_CODE):
        raise InvalidPhone(
            _("+%(number)s is not a Vietnamese number (they start with +84).") % {"number": international},
            code="foreign",
        )
    national = international[len(COUNTRY_CODE):]
    # "+84 (0)912 345 678": the trunk 0 written after the country code.
    return national if national.startswith("0") else "0" + national


def is_mobile(e164):
    """Whether a normalised number can receive SMS (landlines cannot)."""
    return bool(e164) and e164.startswith("+" + COUNTRY_CODE) and len(e164) == 12 and e164[3:5] in MOBILE_PREFIXES


def display(e164):
    """The national form people read: "0912 345 678", "028 3829 1234"."""
    if not e164 or not e164.startswith("+" + COUNTRY_CODE):
        return e164 or ""
    national = "0" + e164[3:]
    if len(national) == 10:
        return f"{national[:4]} {national[4:7]} {national[7:]}"
    if national.startswith(("024", "028")):
        return f"{national[:3]} {national[3:7]} {national[7:]}"
    return f"{national[:4]} {national[4:7]} {national[7:]}"
