"""SMS text: what it costs (segments) and the accent folding of SMS_ASCII.

A single SMS holds 160 characters of the GSM 7-bit alphabet, or 70 UCS-2
characters as soon as one character is outside it, which every Vietnamese
letter with a tone mark is. Longer texts are split into parts of 153 or 67
characters (the rest carries the joining header), each billed as one SMS.
"""

import math

from django.conf import settings

from phananh.nlp.normalize import fold, nfc

GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = set("^{}\\[~]|€\f")  # each takes two of the 160 places

# Typography that phones and templates produce and GSM lacks.
_PLAIN = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "…": "...", "\u00a0": " "})


def is_gsm(text):
    return all(ch in GSM_BASIC or ch in GSM_EXTENDED for ch in text)


def segments(text):
    """(encoding, number of SMS) for `text`: ("gsm", n) or ("ucs2", n)."""
    if is_gsm(text):
        length = sum(2 if ch in GSM_EXTENDED else 1 for ch in text)
        return "gsm", 1 if length <= 160 else math.ceil(length / 153)
    units = len(text.encode("utf-16-le")) // 2
    return "ucs2", 1 if units <= 70 else math.ceil(units / 67)


def to_ascii(text):
    """Vietnamese without accents, in the GSM alphabet: "Đèn đường hư" →
    "Den duong hu". Characters with no plain form become "?"."""
    folded = fold(nfc(text)).translate(_PLAIN)
    return "".join(ch if ch in GSM_BASIC or ch in GSM_EXTENDED else "?" for ch in folded)


def for_sending(text):
    text = nfc(text).strip()
    return to_ascii(text) if settings.SMS_ASCII else text
