"""The Vietnamese catalog is complete and the compiled .mo matches the .po."""

import ast
import re
from pathlib import Path

import pytest
from django.utils import translation

PO = Path(__file__).resolve().parent.parent / "phananh" / "locale" / "vi" / "LC_MESSAGES" / "django.po"


def _unquote(lines):
    return "".join(ast.literal_eval(line) for line in lines)


def parse_po(path):
    """(msgctxt, msgid, msgid_plural, [msgstr...], fuzzy) for every entry but the header."""
    entries, current, key, fuzzy = [], {}, None, False

    def flush():
        nonlocal current, fuzzy
        if "msgid" in current:
            msgid = _unquote(current["msgid"])
            if msgid:
                strs = [_unquote(v) for k, v in sorted(current.items()) if k.startswith("msgstr")]
                entries.append((_unquote(current.get("msgctxt", [])) or None, msgid,
                                _unquote(current.get("msgid_plural", [])) or None, strs, fuzzy))
        current, fuzzy = {}, False

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith("#~") or line.startswith("#") or not line:
            if not line and current:
                flush()
            continue
        else:
            match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")$', line)
            if match:
                key = match.group(1)
                if key in ("msgid", "msgctxt") and "msgstr" in "".join(current):
                    flush()
                current[key] = [match.group(2)]
            elif line.startswith('"') and key:
                current[key].append(line)
    flush()
    return entries


ENTRIES = parse_po(PO)


def test_catalog_has_entries():
    assert len(ENTRIES) > 100


def test_every_message_is_translated_and_not_fuzzy():
    missing = [msgid for _ctx, msgid, _pl, strs, fuzzy in ENTRIES if fuzzy or not all(strs)]
    assert missing == []


@pytest.mark.parametrize("entry", ENTRIES[:: max(1, len(ENTRIES) // 60)], ids=lambda e: e[1][:40])
def test_compiled_catalog_matches_po(entry):
    ctx, msgid, plural, strs, _fuzzy = entry
    with translation.override("vi"):
        if plural:
            got = translation.npgettext(ctx, msgid, plural, 1) if ctx else translation.ngettext(msgid, plural, 1)
        else:
            got = translation.pgettext(ctx, msgid) if ctx else translation.gettext(msgid)
    assert got == strs[0], "run `make messages` to recompile phananh/locale/vi"
