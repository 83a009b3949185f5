"""Vietnamese phone numbers in every way people and gateways write them become one E.164 form."""

import pytest
from django.utils import translation

from phananh.lib import phones

VALID = [
    # mobiles, as typed on forms
    ("0912345678", "+84912345678"),
    ("0912 345 678", "+84912345678"),
    ("0912.345.678", "+84912345678"),
    ("0912-345-678", "+84912345678"),
    ("(091) 234 5678", "+84912345678"),
    ("912345678", "+84912345678"),           # the leading 0 left out
    # as gateways send them
    ("84912345678", "+84912345678"),
    ("+84912345678", "+84912345678"),
    ("+84 91 234 5678", "+84912345678"),
    ("0084912345678", "+84912345678"),
    ("+84 (0) 912 345 678", "+84912345678"),  # trunk 0 after the country code
    ("＋８４９１２３４５６７８", "+84912345678"),  # full-width, from an East Asian keyboard
    (" 0912345678\n", "+84912345678"),
    # every network's prefixes
    ("0321234567", "+84321234567"),
    ("0561234567", "+84561234567"),
    ("0701234567", "+84701234567"),
    ("0861234567", "+84861234567"),
    ("0991234567", "+84991234567"),
    # 11-digit mobiles from before the 2018 conversion
    ("01681234567", "+84381234567"),          # Viettel 0168 -> 038
    ("0168 123 4567", "+84381234567"),
    ("01621234567", "+84321234567"),          # Viettel 0162 -> 032
    ("01201234567", "+84701234567"),          # MobiFone 0120 -> 070
    ("01211234567", "+84791234567"),          # MobiFone 0121 -> 079
    ("01231234567", "+84831234567"),          # VinaPhone 0123 -> 083
    ("01271234567", "+84811234567"),          # VinaPhone 0127 -> 081
    ("01861234567", "+84561234567"),          # Vietnamobile 0186 -> 056
    ("01991234567", "+84591234567"),          # Gmobile 0199 -> 059
    ("+841681234567", "+84381234567"),
    ("841681234567", "+84381234567"),
    # landlines (area code 02x)
    ("028 3829 1234", "+842838291234"),
    ("02838291234", "+842838291234"),
    ("(024) 3825 3536", "+842438253536"),
    ("0236 3821 234", "+842363821234"),
    ("+84 28 3829 1234", "+842838291234"),
    ("842838291234", "+842838291234"),
    ("2838291234", "+842838291234"),
]

INVALID = [
    ("", "required"),
    ("   ", "required"),
    ("abc", "characters"),
    ("0912 34s 678", "characters"),
    ("0912345678 ext 12", "characters"),
    ("٠٩١٢٣٤٥٦٧٨", "characters"),              # Arabic-Indic digits are not what a phone sends
    ("+1 202 555 0123", "foreign"),
    ("+33 1 23 45 67 89", "foreign"),
    ("0012025550123", "foreign"),
    ("113", "service_number"),               # police emergency number
    ("1900 1234", "service_number"),
    ("1800 599 920", "service_number"),
    ("0951234567", "unknown_prefix"),         # 095: no network
    ("0112345678", "unknown_prefix"),
    ("01001234567", "unknown_prefix"),        # 0100 was never a mobile prefix
    ("0212345678", "unknown_prefix"),         # a landline needs 11 digits
    ("091234567", "length"),
    ("091234567890", "length"),
    ("+84 91 234", "length"),
    ("1022", "service_number"),              # a city hotline short code
]


@pytest.mark.parametrize("written, e164", VALID)
def test_valid_numbers_become_e164(written, e164):
    assert phones.normalize(written) == e164


@pytest.mark.parametrize("written, code", INVALID)
def test_nonsense_is_refused_with_a_reason(written, code):
    with pytest.raises(phones.InvalidPhone) as excinfo:
        phones.normalize(written)
    assert excinfo.value.code == code
    assert excinfo.value.message


def test_the_message_says_what_is_wrong_in_the_users_language():
    with translation.override("en"):
        with pytest.raises(phones.InvalidPhone, match="not a Vietnamese number"):
            phones.normalize("+1 202 555 0123")
        with pytest.raises(phones.InvalidPhone, match="has 9 digits"):
            phones.normalize("091234567")


def test_every_old_prefix_maps_to_a_current_mobile_prefix():
    for old, new in phones.OLD_MOBILE_PREFIXES.items():
        e164 = phones.normalize(old + "1234567")
        assert e164 == "+84" + new[1:] + "1234567"
        assert phones.is_mobile(e164)


@pytest.mark.parametrize("e164, mobile", [
    ("+84912345678", True), ("+84381234567", True), ("+842838291234", False), ("", False), ("+1202555012", False),
])
def test_only_mobiles_receive_sms(e164, mobile):
    assert phones.is_mobile(e164) is mobile


@pytest.mark.parametrize("e164, shown", [
    ("+84912345678", "0912 345 678"),
    ("+842838291234", "028 3829 1234"),
    ("+842363821234", "0236 382 1234"),
    ("", ""),
])
def test_display_is_the_national_form(e164, shown):
    assert phones.display(e164) == shown
