"""`{% load deadlines %}` then `{{ report.resolve_due|working_time_left }}`:
"còn 2 giờ làm việc" / "quá hạn 1 ngày làm việc", counted from now."""

from django import template

from phananh.sla.remaining import describe

register = template.Library()


@register.filter
def working_time_left(due):
    return describe(due) if due else ""
