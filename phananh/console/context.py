"""Template context for the console's navigation."""

from django.utils.functional import SimpleLazyObject

from .presets import is_coordinator


def console(request):
    # Lazy: the query runs only on pages whose navigation asks.
    user = request.user
    return {"takes_calls": SimpleLazyObject(lambda: user.is_authenticated and is_coordinator(user))}
