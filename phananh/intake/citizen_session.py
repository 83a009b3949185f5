"""Reports a citizen made on this device, remembered in their session.

The private link (code + secret token) is the real credential; keeping the
token in the session as well means the person who just reported can rate
the result from the same phone without keeping the link.
"""

SESSION_KEY = "citizen_tokens"
MAX_REMEMBERED = 50


def remember(request, code, token):
    tokens = dict(request.session.get(SESSION_KEY, {}))
    tokens[code] = token
    if len(tokens) > MAX_REMEMBERED:
        tokens = dict(list(tokens.items())[-MAX_REMEMBERED:])
    request.session[SESSION_KEY] = tokens


def token_for(request, code):
    return request.session.get(SESSION_KEY, {}).get(code)


def remembered_codes(request):
    return list(request.session.get(SESSION_KEY, {}))
