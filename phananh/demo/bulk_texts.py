"""What generated reports say, and who says it.

The demo's templates (`texts.py`) in every writing style people use —
casual, formal letters, without diacritics, SMS shorthand, typed by the
hotline — plus the project's labelled report texts
(`phananh/nlp/data/reports-train.jsonl`), as written and without their
diacritics. Streets come from the demo's lists for the demo wards; another
deployment's wards get a fixed handful of those street names each.
"""

import json
import random
from functools import cache
from pathlib import Path

from phananh.reports.models import Channel

from . import texts
from .bulk_random import Weighted

TRAINING_FILE = Path(__file__).resolve().parent.parent / "nlp" / "data" / "reports-train.jsonl"
ALL_STREETS = sorted({street for streets in texts.STREETS.values() for street in streets})
STREETS_PER_WARD = 8
# Styles of reports typed on the website or the app, by weight; "training"
# is a text from the labelled set, "training_nodiac" the same without diacritics.
WEB_STYLES = {"casual": 45, "nodiac": 18, "formal": 12, "sms": 12, "training": 9, "training_nodiac": 4}
CHANNEL_STYLES = {
    Channel.PHONE: {"operator": 85, "training": 15},
    Channel.SMS: {"sms": 90, "training_nodiac": 10},
    Channel.EMAIL: {"formal": 70, "training": 30},
    Channel.OPEN311: {"casual": 60, "nodiac": 20, "training": 20},
    Channel.API: {"casual": 60, "nodiac": 20, "training": 20},
}
# Share of reports located by a ward and an address only (no point on the map), per channel.
WARD_ONLY = {Channel.PHONE: 0.5, Channel.SMS: 1.0, Channel.EMAIL: 0.6}
WARD_ONLY_DEFAULT = 0.1
NAMED = {Channel.WEB: 0.55, Channel.PHONE: 0.7, Channel.SMS: 0.0, Channel.EMAIL: 1.0}


@cache
def training_texts():
    """{category code: [texts]} from the labelled set."""
    found = {}
    with TRAINING_FILE.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                found.setdefault(row["category"], []).append(row["text"])
    return found


@cache
def streets_for(ward_code):
    if ward_code in texts.STREETS:
        return tuple(texts.STREETS[ward_code])
    return tuple(random.Random(f"streets:{ward_code}").sample(ALL_STREETS, STREETS_PER_WARD))


def place(rng, streets):
    """Fillers for a template and the address a citizen would type (texts.place, any ward)."""
    street, street2 = rng.sample(streets, 2)
    num = str(rng.randrange(2, 280))
    if rng.random() < 0.25:
        num = f"{num}/{rng.randrange(1, 40)}"
    hem = str(rng.randrange(10, 400, 2))
    fillers = {"street": street, "street2": street2, "num": num, "hem": hem, "days": rng.choice(texts.DAYS),
               "bus": rng.choice(texts.BUS_ROUTES)}
    address = rng.choice([f"{num} {street}", f"Hẻm {hem} {street}", f"Trước số {num} {street}",
                          f"Góc {street} – {street2}"])
    return fillers, address


_STYLES = {channel: Weighted(weights) for channel, weights in CHANNEL_STYLES.items()}
_WEB_STYLES = Weighted(WEB_STYLES)


def style_for(rng, channel):
    return _STYLES.get(channel, _WEB_STYLES).pick(rng)


def describe(rng, category, fillers, style, *, ward_name, reporter_name, ward_handled):
    """A description of a problem of `category` (a Category) in `style`."""
    code = category.code if category.code in texts.CASUAL else "khac"
    if style.startswith("training"):
        lines = training_texts().get(category.code)
        if lines:
            text = rng.choice(lines)
            return texts.strip_diacritics(text) if style == "training_nodiac" else text
        style = "casual"
    return texts.describe(rng, code, fillers, style, ward_handled=ward_handled, ward_name=ward_name,
                          reporter_name=reporter_name)


def reporter(rng, channel):
    """(name, phone, email, confidential) as people leave them on each channel."""
    name = phone = email = ""
    confidential = False
    if rng.random() < NAMED.get(channel, 0.5):
        name = texts.person_name(rng)
        if channel != Channel.EMAIL or rng.random() < 0.3:
            phone = texts.phone_number(rng)
        if channel == Channel.EMAIL or rng.random() < 0.15:
            email = texts.email_for(rng, name)
        confidential = rng.random() < 0.25
    elif channel in (Channel.PHONE, Channel.SMS):
        phone = texts.phone_number(rng)  # caller ID / sender number
    return name, phone, email, confidential
