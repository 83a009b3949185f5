"""Reading the answers to a category's questions: attribute[code]=value.

The spec sends one answer as attribute[CODE]=value and a multivaluelist as
attribute[CODE][]=a&attribute[CODE][]=b. Answers to questions the category
does not ask are ignored, as the spec leaves them undefined. Accepted
answers become lines appended to the description, in Vietnamese like the
staff who read it: "Question: answer".
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from .models import Datatype

ATTRIBUTE_FIELD = re.compile(r"^attribute\[([^\[\]]{1,64})\](\[\])?$")
MAX_LENGTH = {Datatype.STRING: 500, Datatype.TEXT: 2000}


@dataclass
class Answers:
    raw: dict     # code → value or list of values, as stored on the Submission
    lines: list   # "Question: answer" lines for the description
    errors: list


def submitted(post):
    """{code: [values]} from the attribute[...] fields of a POST."""
    found = {}
    for name in post.keys():
        match = ATTRIBUTE_FIELD.match(name)
        if match:
            found.setdefault(match.group(1), []).extend(post.getlist(name))
    return found


def read(post, questions):
    given = submitted(post)
    answers = Answers({}, [], [])
    for question in questions:
        if not question.variable:
            continue
        values = [value.strip() for value in given.get(question.code, []) if value.strip()]
        label = {"question": question.description, "code": question.code}
        if not values:
            if question.required:
                answers.errors.append(_("Answer “%(question)s” (attribute[%(code)s]).") % label)
            continue
        try:
            stored, shown = _check(question, values)
        except ValueError as error:
            answers.errors.append(_("attribute[%(code)s]: %(problem)s") % {"code": question.code, "problem": error})
            continue
        answers.raw[question.code] = stored
        answers.lines.append(f"{question.description_vi}: {shown}")
    return answers


def _check(question, values):
    """(value to store, text to show) or ValueError with the reason for the user."""
    kind = question.datatype
    if kind == Datatype.MULTI:
        choices = {value.key: value for value in question.values.all()}
        unknown = [value for value in values if value not in choices]
        if unknown:
            raise ValueError(_("“%(value)s” is not one of the choices.") % {"value": unknown[0]})
        chosen = list(dict.fromkeys(values))
        return chosen, ", ".join(choices[key].name_vi for key in chosen)
    if len(values) > 1:
        raise ValueError(_("give one answer only."))
    value = values[0]
    if kind == Datatype.SINGLE:
        choice = next((c for c in question.values.all() if c.key == value), None)
        if choice is None:
            raise ValueError(_("“%(value)s” is not one of the choices.") % {"value": value})
        return value, choice.name_vi
    if kind == Datatype.NUMBER:
        try:
            number = Decimal(value.replace(",", "."))
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise ValueError(_("“%(value)s” is not a number.") % {"value": value[:50]})
        return value, str(number)
    if kind == Datatype.DATETIME:
        try:
            readable = parse_datetime(value) or parse_date(value)
        except ValueError:
            readable = None
        if readable is None:
            raise ValueError(_("“%(value)s” is not an ISO 8601 date and time.") % {"value": value[:50]})
        return value, value
    limit = MAX_LENGTH.get(kind, MAX_LENGTH[Datatype.STRING])
    if len(value) > limit:
        raise ValueError(_("the answer is too long (at most %(n)d characters).") % {"n": limit})
    if kind == Datatype.STRING:
        value = " ".join(value.split())  # one line, as the spec defines a string
    return value, value
