from django.conf import settings
from django.utils import translation
from django.utils.translation import get_supported_language_variant

MACHINE_PREFIXES = ("/api/", "/open311/")


class LanguageMiddleware:
    """Vietnamese unless the visitor chose otherwise.

    Pages follow the language cookie set by the language switcher and fall back
    to Vietnamese, whatever the browser advertises: most phones in Vietnam are
    set to English while their owners read Vietnamese. Machine clients (API,
    Open311) get their Accept-Language honoured so error messages match them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = self._choose(request)
        request.LANGUAGE_CODE = language
        # override() restores the previous language afterwards, so one
        # request's choice never leaks into the next one on the same thread.
        with translation.override(language):
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response

    def _choose(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen:
            try:
                return get_supported_language_variant(chosen)
            except LookupError:
                pass
        if request.path.startswith(MACHINE_PREFIXES):
            return translation.get_language_from_request(request)
        return settings.LANGUAGE_CODE
