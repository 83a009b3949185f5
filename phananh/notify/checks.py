"""`manage.py check` warns about notification settings that cannot work,
before the first message fails in the worker."""

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string


@register()
def notification_settings(app_configs, **kwargs):
    from .sms import SHORT_NAMES
    from .sms.backends.http import build_request

    problems = []
    backend = SHORT_NAMES.get(settings.SMS_BACKEND, settings.SMS_BACKEND)
    try:
        import_string(backend)
    except ImportError:
        problems.append(Error(f"SMS_BACKEND {settings.SMS_BACKEND!r} cannot be imported.", id="notify.E001"))
    if backend == SHORT_NAMES["http"]:
        try:
            build_request("+84903123456", "test")
        except ImproperlyConfigured as error:
            problems.append(Error(f"SMS gateway: {error}", id="notify.E002"))
    if bool(settings.VAPID_PUBLIC_KEY) != bool(settings.VAPID_PRIVATE_KEY):
        problems.append(Warning(
            "Set both VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY, or neither (a key pair is then kept in the database).",
            id="notify.W001",
        ))
    return problems
