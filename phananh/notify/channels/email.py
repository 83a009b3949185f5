"""Email through Django's configured backend (SMTP in production, files in var/mail otherwise)."""

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

# A stuck SMTP server must not hold a notification past its delivery lease
# (phananh.notify.delivery), or a second worker could send it again.
TIMEOUT_SECONDS = 60


def send(notification):
    message = EmailMessage(
        subject=notification.subject,
        body=notification.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient],
        headers={
            # Tells mail servers and auto-responders this is machine mail (RFC 3834).
            "Auto-Submitted": "auto-generated",
            "X-PhanAnh-Report": notification.report.code,
        },
        connection=get_connection(timeout=TIMEOUT_SECONDS),
    )
    if message.send(fail_silently=False) != 1:
        raise RuntimeError("the email backend accepted no message")
