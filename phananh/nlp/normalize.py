"""One canonical form for Vietnamese text, however it was typed.

Citizens write "Đèn đường hư, không ai sửa!!!", "den duong hu ko ai sua" and
"đèn đg hư hok ai sửa lun" about the same lamp. The classifier, the
duplicate finder and search compare texts only after they pass through here:

- `nfc` composes characters (phones and Windows keyboards send decomposed
  or pre-composed Vietnamese; the same word must be the same string);
- `normalize` lower-cases, fixes old/new tone placement ("hoà" → "hòa"),
  drops punctuation and emoji, squashes stretched letters ("quaaaa" → "qua")
  and expands SMS shorthand ("ko" → "không", "dc" → "được");
- `fold` removes the diacritics ("đường" → "duong"), so text typed without
  them matches text typed with them. It is separate because folding loses
  information (ma, má, mà, mả, mã, mạ all fold to "ma") that display and
  some comparisons still want.

Everything is a pure function over strings, table-driven and regex-based:
a typical report normalises in tens of microseconds.
"""

import re
import unicodedata

__all__ = ["fold", "has_diacritics", "nfc", "normalize", "tokens", "uses_shorthand"]


def nfc(text):
    """Unicode NFC: decomposed "e + ◌̂ + ◌́" becomes the single letter "ế"."""
    return unicodedata.normalize("NFC", text or "")


# --- Accent folding ---------------------------------------------------------------
# Decompose, then drop the combining marks: both steps run in C, which keeps
# folding a paragraph in the tens of microseconds. The marks are those of the
# five "Combining Diacritical Marks" blocks (Vietnamese needs only the first).
# đ is a letter of its own in Unicode (no decomposition), so it is mapped by hand.
_COMBINING_RE = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_D_TABLE = str.maketrans({"đ": "d", "Đ": "D"})


def fold(text):
    """Remove Vietnamese (and other Latin-script) diacritics; đ becomes d.

    "Đèn đường hư" → "Den duong hu". Case is kept: callers lower-case first
    when they want both (normalize does)."""
    return _COMBINING_RE.sub("", unicodedata.normalize("NFD", text or "")).translate(_D_TABLE)


# --- Tone placement -----------------------------------------------------------------
# "hoà/hòa", "khoẻ/khỏe", "thuỷ/thủy": both placements are in everyday use. We
# keep the older one (tone on the first vowel) that most keyboards produce,
# but only at the end of a syllable: with a final consonant ("hoàng") both
# conventions agree, and after q ("quý") the u belongs to the consonant.
_TONED = ["àèỳòù", "áéýóú", "ảẻỷỏủ", "ãẽỹõũ", "ạẹỵọụ"]  # a, e, y, o, u with each tone mark
_TONE_MOVES = {}
for _a, _e, _y, _o, _u in _TONED:
    _TONE_MOVES["o" + _a] = _o + "a"
    _TONE_MOVES["o" + _e] = _o + "e"
    _TONE_MOVES["u" + _y] = _u + "y"
_TONE_RE = re.compile("|".join(_TONE_MOVES))


def _move_tone(match):
    text, start, end = match.string, match.start(), match.end()
    if (end < len(text) and text[end].isalpha()) or (start and text[start - 1] == "q"):
        return match.group(0)
    return _TONE_MOVES[match.group(0)]


def _old_tone_placement(text):
    return _TONE_RE.sub(_move_tone, text)


# --- Tokens -------------------------------------------------------------------------
# A token is a run of letters/digits; inside numbers we keep the separators
# of house numbers, decimals, dates and times ("45/12", "3.5", "6:30").
_TOKEN_RE = re.compile(r"[^\W_]+(?:[./:,\-][0-9]+)*")
# Three or more of the same letter never occur in Vietnamese spelling (two do:
# "xoong", "quần soóc"), so "quaaaa", "nhiềuuuu", "điiii" are emphasis.
_STRETCH_RE = re.compile(r"([^\W\d_])\1{2,}")
# Any stretched word holds at least one doubled letter; most texts hold none,
# so this cheap test spares them the per-word work.
_DOUBLE_RE = re.compile(r"(\w)\1")
# Laughter carries no meaning (and "kkkk" would become "không").
_LAUGH_HINTS = ("kkk", "haha", "hehe", "hihi", "hjhj", "kaka")
_LAUGH_RE = re.compile(r"(?<!\w)(?:k{3,}|(?:ha){2,}h?|(?:he){2,}|(?:hi){2,}|(?:hj){2,}|(?:kaka)+)(?!\w)")


def _squash(token):
    """Collapse runs of 3+ copies of a base letter to one, keeping the copy
    that carries a tone mark ("quáaaa" → "quá", "nhiềuuuu" → "nhiều")."""
    folded = fold(token)
    if not _STRETCH_RE.search(folded):
        return token
    out, i = [], 0
    while i < len(token):
        j = i
        while j + 1 < len(token) and folded[j + 1] == folded[i] and not folded[i].isdigit():
            j += 1
        run = token[i:j + 1]
        if j - i >= 2:
            marked = [c for c in run if c != folded[i]]
            out.append(marked[0] if marked else run[0])
        else:
            out.append(run)
        i = j + 1
    return "".join(out)


# --- Shorthand ------------------------------------------------------------------------
# Abbreviations with one reading in citizens' messages; values may be several
# words. Left out on purpose, because here they have two common readings or
# collide with a real word once diacritics are dropped: "dg"/"đg" (đường /
# đang), "trg" (trong / trường), "gd" (gia đình / giáo dục), "dt" (điện thoại /
# diện tích), "bn" (bạn / bao nhiêu), "xl" (xin lỗi / xử lý), "đk" (được /
# đăng ký), "hem" (hẻm / không), "hong" (hỏng / không), "lun" (lún / luôn),
# "thui" (thúi / thôi), "bít" (bít cống / biết), "m" and "t" (mình, mày / tôi, tao).
# Unaccented full words are restored only where they have a single reading
# ("khong", "nuoc", "truoc"); the rest is left to `fold`.
SHORTHAND = {
    # không
    "ko": "không", "k": "không", "kh": "không", "khg": "không", "kg": "không", "hok": "không", "hk": "không",
    "hông": "không", "khong": "không", "khog": "không", "k0": "không", "kbh": "không bao giờ",
    # được
    "dc": "được", "đc": "được", "dk": "được", "đươc": "được",
    # people, places, institutions
    "ng": "người", "ngta": "người ta", "mn": "mọi người", "mng": "mọi người", "ae": "anh em",
    "nc": "nước", "nuoc": "nước", "trc": "trước", "truoc": "trước", "cty": "công ty", "cb": "cán bộ",
    "cbcc": "cán bộ công chức", "hs": "học sinh", "gv": "giáo viên", "ph": "phụ huynh", "bv": "bệnh viện",
    "tp": "thành phố", "sdt": "số điện thoại", "sđt": "số điện thoại", "đt": "điện thoại", "dthoai": "điện thoại",
    "csgt": "cảnh sát giao thông", "xd": "xây dựng", "ubnd": "ủy ban nhân dân", "ub": "ủy ban", "cq": "cơ quan",
    "gđ": "gia đình", "kv": "khu vực", "p": "phường", "sg": "sài gòn", "hcm": "hồ chí minh",
    "tphcm": "thành phố hồ chí minh", "hn": "hà nội", "vn": "việt nam",
    # small words
    "vs": "với", "j": "gì", "gi": "gì", "z": "vậy", "v": "vậy", "zậy": "vậy", "dzậy": "vậy", "r": "rồi",
    "ntn": "như thế nào", "cx": "cũng", "ms": "mới", "lm": "làm", "ns": "nói", "nt": "nhắn tin",
    "nch": "nói chuyện", "bh": "bây giờ", "bgio": "bây giờ", "bjo": "bây giờ", "h": "giờ", "hnay": "hôm nay",
    "hqua": "hôm qua", "bik": "biết", "mk": "mình", "mik": "mình", "mún": "muốn", "ik": "đi", "đag": "đang",
    "dag": "đang", "wa": "qua", "wá": "quá", "qá": "quá", "nhìu": "nhiều", "tks": "cảm ơn", "thks": "cảm ơn",
    "thanks": "cảm ơn", "kq": "kết quả", "tg": "thời gian", "nhg": "nhưng", "nma": "nhưng mà", "dzô": "vào",
    "zô": "vào", "vd": "ví dụ", "ktra": "kiểm tra", "xly": "xử lý",
}
# After these, "bt" is "biết" ("ko bt" = don't know) rather than "bình thường".
_NEGATIONS = {"ko", "k", "kh", "không", "khong", "hok", "hk", "hông", "chả", "chẳng", "chưa", "kg", "khg"}
# After these, "hs" is "hồ sơ" (file) rather than "học sinh" (pupil).
_FILE_VERBS = {"nộp", "nop", "trả", "tra", "nhận", "nhan", "làm", "lam", "sung", "duyệt", "duyet", "xét", "xet"}
# After these, a single a/c/e is a name (block A, lô C, tầng E), not "anh/chị/em".
_DESIGNATORS = {
    "lô", "lo", "khu", "block", "dãy", "day", "tòa", "toa", "tầng", "tang", "lầu", "lau", "phòng", "phong",
    "căn", "can", "hẻm", "hem", "kiệt", "kiet", "ngõ", "ngo", "ngách", "ngach", "số", "so", "cổng", "cong",
    "nhánh", "nhanh", "nhóm", "nhom", "loại", "loai", "lớp", "lop", "hạng", "hang", "vitamin", "tuyến", "tuyen",
    "điểm", "diem", "khối", "khoi", "cửa", "cua", "trạm", "tram", "bãi", "bai", "sân", "san", "ga", "ô", "o",
}
_ADDRESS_FORMS = {"a": "anh", "c": "chị", "e": "em"}
_NUMBER_RE = re.compile(r"^[0-9][0-9./:,\-]*$")
# Numbers glued to a unit or a kind of place: "6h30", "10k", "2tr", "p5", "q.1", "f7".
_GLUED = [
    (re.compile(r"^(?:p|f)\.?([0-9]+)$"), lambda m: ["phường", m.group(1)]),
    (re.compile(r"^q\.?([0-9]+)$"), lambda m: ["quận", m.group(1)]),
    (re.compile(r"^([0-9]+)h([0-9]{1,2})?$"), lambda m: [m.group(1), "giờ"] + ([m.group(2)] if m.group(2) else [])),
    (re.compile(r"^([0-9]+)k$"), lambda m: [m.group(1), "nghìn"]),
    (re.compile(r"^([0-9]+)(?:tr|củ)$"), lambda m: [m.group(1), "triệu"]),
]
_ADDRESS_ABBREVIATION_RE = re.compile(r"(?<!\w)[đd]/c(?!\w)")


def _unglue(token):
    if token[0].isdigit() or token[0] in "pfq":
        for pattern, split in _GLUED:
            match = pattern.match(token)
            if match:
                return split(match)
    return [token]


def _is_number(token):
    return token is not None and _NUMBER_RE.match(token) is not None


def _expand(prev, token, nxt):
    """The words `token` stands for, judged with its neighbours."""
    if token in _ADDRESS_FORMS:
        if prev in _DESIGNATORS or _is_number(prev):
            return token
        # A lone "a" or "c" at the very end is as often the particle "ạ" or a
        # typo as "anh/chị": leave it rather than guess. "e" is "em" anyway.
        if nxt is None and token != "e":
            return token
        return _ADDRESS_FORMS[token]
    if token == "bt":
        return "biết" if prev in _NEGATIONS else "bình thường"
    if token == "nc" and nxt in ("vs", "với", "voi"):
        return "nói chuyện"
    if token == "hs" and prev in _FILE_VERBS:
        return "hồ sơ"
    if _is_number(prev) and token in ("k", "kg", "h"):
        return {"k": "nghìn", "kg": "kg", "h": "giờ"}[token]
    if token in ("f", "ph", "q") and _is_number(nxt):
        return "quận" if token == "q" else "phường"
    return SHORTHAND.get(token, token)


# Tokens that may need a look at their neighbours or the table; every other
# token passes through untouched without a function call.
_SPECIAL = frozenset(SHORTHAND) | frozenset(_ADDRESS_FORMS) | {"bt", "nc", "hs", "k", "kg", "h", "f", "ph", "q"}
_GLUE_STARTS = frozenset("0123456789pfq")


def tokens(text):
    """The normalised words of `text` (see `normalize`), as a list."""
    text = _old_tone_placement(nfc(text).lower())
    if "/c" in text:
        text = _ADDRESS_ABBREVIATION_RE.sub(" địa chỉ ", text)
    if any(hint in text for hint in _LAUGH_HINTS):
        text = _LAUGH_RE.sub(" ", text)
    raw = _TOKEN_RE.findall(text)
    if _DOUBLE_RE.search(text):
        raw = [_squash(token) if _DOUBLE_RE.search(token) else token for token in raw]
    if any(token[0] in _GLUE_STARTS for token in raw):
        raw = [part for token in raw for part in _unglue(token)]
    out = []
    last = len(raw) - 1
    for i, token in enumerate(raw):
        if token not in _SPECIAL:
            out.append(token)
            continue
        expansion = _expand(raw[i - 1] if i else None, token, raw[i + 1] if i < last else None)
        if " " in expansion:
            out.extend(expansion.split())
        else:
            out.append(expansion)
    return out


def normalize(text):
    """The canonical, still accented form of `text`: words separated by one space.

    >>> normalize("Đèn đường hư ko ai sửa!!! Tối thui quáaaa 😡")
    'đèn đường hư không ai sửa tối thui quá'
    """
    return " ".join(tokens(text))


# Shorthand that only SMS-style writing uses: the table minus the plain
# unaccented words it restores ("khong", "nuoc"), which say "no diacritics"
# rather than "shorthand".
_SHORTHAND_MARKERS = frozenset(SHORTHAND) - {"khong", "nuoc", "truoc", "gi", "p", "ubnd", "ub", "tp", "hcm", "tphcm",
                                              "sg", "hn", "vn", "thanks", "csgt", "h", "v", "z"}
_WORD_RE = re.compile(r"[^\W\d_]+")


def uses_shorthand(text):
    """Whether `text` is written with SMS shorthand ("ko", "dc", "ng", "j"...)."""
    return any(word in _SHORTHAND_MARKERS for word in _WORD_RE.findall(nfc(text).lower()))


def has_diacritics(text):
    """Whether `text` carries any Vietnamese diacritic (or đ)."""
    text = nfc(text)
    return fold(text) != text
