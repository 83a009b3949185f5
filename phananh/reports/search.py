"""Accent-insensitive search over reports, with the same results on SQLite and PostgreSQL.

People type "den duong", "Đèn đường" or "đèn  ĐƯỜNG" about the same lamp.
Each report keeps `search_text`: its description and address passed through
`fold(normalize(...))` (lower case, no diacritics, đ → d, SMS shorthand
expanded, punctuation dropped), each word preceded by a space. A query goes
through the same two functions, and every one of its words must begin a word
of the report: "den duong" becomes `search_text LIKE '% den%' AND
search_text LIKE '% duong%'`.

Why this shape:

- A plain LIKE on text that is already lower case and folded means the same
  on both databases: no collation, no `unaccent`, no ICU. (SQLite's LIKE
  ignores ASCII case and PostgreSQL's does not, which cannot matter when the
  stored text and the terms are both lower case.)
- A word must *start* with the term, not merely contain it: Vietnamese
  syllables are short, and "an" would otherwise find "than", "nhan" and
  "khan". Prefixes still help people who type part of a word ("duo").
- The category and the tracking code are matched from their own columns at
  query time instead of being copied into `search_text`: a coordinator's
  reclassification or a renamed category then needs no rewrite of stored
  rows, and a code keeps its exact form ("K7MW-3QDP", "k7mw3qdp" and the
  prefix "K7MW-3" all find it).
- Nothing personal is searchable (name, phone, email): the public list uses
  the same search, and must not reveal who reported what.

Cost: `LIKE '% term%'` cannot use a B-tree index. The search runs inside the
other filters (status, unit, ward, visibility), in the list's indexed order,
and stops at the page size: a common word costs a few rows, a rare or absent
one a scan of what the other filters leave. Measured in docs/benchmarks.md
("Search"). A trigram index finds rare and absent words without the scan:
pg_trgm on PostgreSQL (migration 0009), used by its planner on its own;
an FTS5 table on SQLite (migration 0010), asked first by `_few_holders`.
"""

import re
import unicodedata
from functools import reduce
from operator import and_

from django import forms
from django.db import DatabaseError, connection
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _

from phananh.lib.codes import ALPHABET
from phananh.nlp.normalize import fold, nfc, normalize

__all__ = ["MAX_QUERY_LENGTH", "SearchField", "condition", "search_text", "terms"]

# Long enough for a sentence from a report, short enough to bound the
# number of LIKE terms a single request can ask for.
MAX_QUERY_LENGTH = 100


def _folded_words(text):
    return fold(normalize(text)).split()


def search_text(description, address=""):
    """The value of `Report.search_text` for a report with this description and address."""
    words = _folded_words(description) + _folded_words(address)
    return "".join(" " + word for word in words)


def terms(text):
    """The folded words of a query, each once, in the order typed."""
    return list(dict.fromkeys(_folded_words(text)))


# --- tracking codes -------------------------------------------------------------------
# "K7MW-3QDP", "k7mw3qdp", "(K7MW-3QDP)," or a start such as "K7MW-3": four
# symbols of the code alphabet, an optional dash and up to four more.
_CODE_WORD_RE = re.compile(r"\W*([0-9A-Z]{4})(-?)([0-9A-Z]{0,4})\W*")


def _code_condition(word):
    """(condition on `code`, whether `word` can only be a code) when `word` is
    a tracking code or the start of one; (None, False) otherwise.

    A full code (eight symbols) must match exactly; a shorter start matches
    the beginning of codes, and must contain a digit or the dash: four or six
    letters alone are far more likely a word ("than", "chanh") than a code
    someone half remembers. Only a word with the dash, or a full code mixing
    letters and digits, is taken as nothing but a code, which lets the
    database find it through the unique index on `code`; any other
    code-shaped word ("truchanh", "7h45", a house number "2345") may also be
    an ordinary word and is searched as one as well."""
    match = _CODE_WORD_RE.fullmatch(unicodedata.normalize("NFKC", word).upper())
    if match is None:
        return None, False
    head, dash, tail = match.groups()
    symbols = head + tail
    if any(ch not in ALPHABET for ch in symbols):
        return None, False
    has_digit, has_letter = any(ch.isdigit() for ch in symbols), any(ch.isalpha() for ch in symbols)
    if len(symbols) == 8:
        return Q(code=f"{head}-{tail}"), bool(dash) or (has_digit and has_letter)
    if dash or has_digit:
        return Q(code__startswith=f"{head}-{tail}" if dash or tail else head), bool(dash)
    return None, False


# --- categories ------------------------------------------------------------------------

def _category_words():
    """(id, folded words of the category's names and code) for every category.

    A couple of dozen rows, read once per search: cheaper than keeping a copy
    of the names on every report, and always current after a rename."""
    from .models import Category

    return [
        (pk, " " + " ".join(_folded_words(f"{name_vi} {name_en} {code}")))
        for pk, code, name_vi, name_en in Category.objects.values_list("id", "code", "name_vi", "name_en")
    ]


def _term_condition(term, categories):
    condition = Q(search_text__contains=" " + term)
    matching = [pk for pk, words in categories if " " + term in words]
    if matching:
        return condition | Q(category_id__in=matching)
    candidates = _few_holders(term)
    return condition if candidates is None else condition & candidates


# --- few holders: SQLite's trigram table ----------------------------------------------
# A word held by few reports would make a list walk every row to fill its
# page. On SQLite the trigram table of migration 0010 answers first which
# reports hold it, when they are few: none (a typo) ends the search at once,
# a few hundred become an id list. The LIKE above still decides, so the
# results are the same either way; PostgreSQL's planner does the same with
# its trigram index (migration 0009) on its own.
FEW_HOLDERS = 500
_HOLDERS = "SELECT rowid FROM reports_report_search WHERE search_text LIKE %s"


def _few_holders(term):
    """A condition on id for the reports holding " term", or None when they
    are many, the database is not SQLite, or the term is too short for the
    trigram index (" " + term must make three characters)."""
    if connection.vendor != "sqlite" or len(term) < 2 or set(term) & set("%_\\"):
        return None
    pattern = f"% {term}%"
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM ({_HOLDERS} LIMIT %s)", [pattern, FEW_HOLDERS])
            count = cursor.fetchone()[0]
    except DatabaseError:  # a SQLite without FTS5: no table, the plain search
        return None
    if count >= FEW_HOLDERS:
        return None
    return Q(pk__in=[]) if count == 0 else Q(pk__in=RawSQL(_HOLDERS, [pattern]))


def condition(text):
    """A Q that selects the reports matching the query `text`, or None when
    the text holds nothing to search for (only punctuation or emoji)."""
    plain, code_words, conditions = [], [], []
    for word in nfc(text)[:MAX_QUERY_LENGTH].split():
        code, only_code = _code_condition(word)
        if code is None:
            plain.append(word)
        elif only_code:
            conditions.append(code)
        else:
            code_words.append((word, code))
    categories = None
    # The plain words are normalised together: shorthand depends on the
    # neighbouring words ("ko bt" is "không biết", "10 k" is "10 nghìn").
    for term in terms(" ".join(plain)):
        categories = _category_words() if categories is None else categories
        conditions.append(_term_condition(term, categories))
    for word, code in code_words:
        # The code, or the word like any other word.
        word_terms = terms(word)
        if word_terms:
            categories = _category_words() if categories is None else categories
            code |= reduce(and_, (_term_condition(term, categories) for term in word_terms))
        conditions.append(code)
    if not conditions:
        return None
    return reduce(and_, conditions)


# --- the search box ------------------------------------------------------------------

class SearchField(forms.CharField):
    """The search box of the public list and the staff queue. Its cleaned
    value is the condition for what was typed (a Q), or None when empty."""

    default_error_messages = {
        "nothing": _("Type at least one letter or digit to search, so this search was left out."),
        "max_length": _("Type at most %(limit_value)d characters, so this search was left out."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Search"))
        kwargs.setdefault("help_text", _("Words from the description or address, a category, or a tracking code. "
                                         "Search without accents works too."))
        kwargs.setdefault("max_length", MAX_QUERY_LENGTH)
        kwargs.setdefault("widget", forms.SearchInput(attrs={"enterkeyhint": "search", "spellcheck": "false"}))
        super().__init__(required=False, **kwargs)

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        where = condition(text)
        if where is None:
            raise forms.ValidationError(self.error_messages["nothing"], code="nothing")
        return where
