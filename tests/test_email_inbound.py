"""Email in: `manage.py ingest_email` and POST /email/inbound turn messages into reports or comments."""

import base64
import hashlib
import hmac
import io
import sys
import unicodedata
from email.message import EmailMessage
from email.policy import SMTP

import pytest
from django.core.files.storage import storages
from django.core.management import CommandError, call_command
from django.utils import translation

from phananh.intake import email_ingest, sms
from phananh.intake.email_ingest import Rejected, ingest
from phananh.notify import outbox
from phananh.notify.messages import SEPARATOR
from phananh.notify.models import Notification, Subscription
from phananh.reports.models import Event, Media, Report

from .conftest import jpeg_bytes

CITIZEN = "nguyen.van.an@gmail.com"
SECRET = "relay-secret-for-tests"


@pytest.fixture(autouse=True)
def fresh_ward_names():
    """Ward names are cached per process; each test builds its own wards."""
    sms.forget_ward_names()
    yield
    sms.forget_ward_names()


def build(text="Đèn đường trước nhà số 12 Lê Lợi, phường Bến Thành tắt ba hôm nay.", *,
          subject="Đèn đường hư", sender=f"Nguyễn Văn An <{CITIZEN}>", message_id="<abc.123@mail.gmail.com>",
          html=None, attachments=(), headers=None, charset="utf-8", cte=None):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "phananh@tphcm.gov.vn"
    if subject is not None:
        message["Subject"] = subject
    if message_id:
        message["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        message[name] = value
    if text is not None:
        message.set_content(text, charset=charset, cte=cte)
    if html is not None:
        if text is None:
            message.set_content(html, subtype="html")
        else:
            message.add_alternative(html, subtype="html")
    for name, data, maintype, subtype in attachments:
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes(policy=SMTP)


def photo(name="den-duong.jpg", size=(640, 480)):
    return (name, jpeg_bytes(size=size), "image", "jpeg")


def parked_files():
    incoming = storages["incoming"]
    try:
        return set(incoming.listdir("")[1])
    except FileNotFoundError:
        return set()


def citizen_mail():
    return Notification.objects.filter(channel="email", recipient=CITIZEN)


# --- new reports ---------------------------------------------------------------------

def test_a_plain_email_becomes_a_report_with_a_reply(city):
    result = ingest(build())
    assert result.status == "created"
    report = Report.objects.get(code=result.code)
    assert report.channel == "email"
    assert report.description == "Đèn đường hư\n\nĐèn đường trước nhà số 12 Lê Lợi, phường Bến Thành tắt ba hôm nay."
    assert report.reporter_email == CITIZEN and report.reporter_name == "Nguyễn Văn An"
    assert report.idempotency_key == "email:abc.123@mail.gmail.com"
    assert report.category.code == "den-chieu-sang"
    assert report.ward == city.ward_a
    assert report.address == "trước nhà số 12 Lê Lợi, phường Bến Thành tắt ba hôm nay"
    assert Subscription.objects.filter(report=report, channel="email", address=CITIZEN, is_reporter=True).exists()
    reply = citizen_mail().get()
    assert reply.event.type == "submitted" and reply.event.report == report
    assert f"[PhanAnh {report.code}]" in reply.subject
    assert report.code in reply.body


def test_photos_are_kept_and_other_attachments_listed_in_the_reply(city):
    pdf = ("don-khieu-nai.pdf", b"%PDF-1.4 ...", "application", "pdf")
    logo = ("logo.png", jpeg_bytes(size=(90, 40)), "image", "png")
    raw = build(attachments=[photo(), photo("goc-khac.png"), pdf, logo])
    result = ingest(raw)
    report = Report.objects.get(code=result.code)
    assert Media.objects.filter(report=report, kind="evidence").count() == 2
    assert [name for name, _reason in result.left_out] == ["don-khieu-nai.pdf", "logo.png"]
    body = citizen_mail().get().body
    assert "don-khieu-nai.pdf" in body and "logo.png" in body
    assert "not a photo" in body.split(SEPARATOR)[-1]          # the English part says why in English


def test_a_damaged_image_is_left_out_not_fatal(city):
    result = ingest(build(attachments=[("anh.jpg", b"\xff\xd8\xff not really a jpeg", "image", "jpeg")]))
    assert result.status == "created"
    assert result.left_out[0][0] == "anh.jpg"
    assert not Media.objects.exists()


def test_photos_beyond_the_limit_are_left_out(city, settings):
    settings.MAX_PHOTOS = 2
    result = ingest(build(attachments=[photo(f"anh-{n}.jpg") for n in range(3)]))
    assert Media.objects.filter(report__code=result.code).count() == 2
    assert [name for name, _reason in result.left_out] == ["anh-2.jpg"]


@pytest.mark.parametrize("cte", ["quoted-printable", "base64", "8bit"])
def test_transfer_encodings(city, cte):
    text = "Nước ngập sâu 30cm trên đường Nguyễn Hữu Cảnh sau cơn mưa."
    result = ingest(build(text, subject=None, cte=cte))
    assert Report.objects.get(code=result.code).description == text


def test_rfc2047_subject(city):
    encoded = base64.b64encode("Rác thải đầu hẻm".encode()).decode()
    raw = build("Rác ùn ứ nhiều ngày.", subject=None, headers={"Subject": f"=?utf-8?b?{encoded}?="})
    description = Report.objects.get(code=ingest(raw).code).description
    assert description.startswith("Rác thải đầu hẻm\n\n")


def cp1258(text):
    """Vietnamese in windows-1258, the way old Windows mail programs write it: base letters
    (â, ê, ơ, ư, đ...) precomposed, the tone as a separate combining mark."""
    out = b""
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            tones = "".join(c for c in parts if c in "\u0300\u0301\u0303\u0309\u0323")
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
            out += base.encode("cp1258") + tones.encode("cp1258")
    return out


def test_windows_1258_text_is_decoded_and_composed(city):
    text = "Cây xanh gãy đổ chắn ngang đường Hai Bà Trưng."
    raw = (b"From: " + CITIZEN.encode() + b"\r\nSubject: =?windows-1258?Q?C=E2y_ga=DEy?=\r\n"
           b"Message-ID: <cp1258@example.vn>\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: text/plain; charset=windows-1258\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
           + cp1258(text) + b"\r\n")
    report = Report.objects.get(code=ingest(raw).code)
    assert report.description == "Cây gãy\n\n" + text     # NFC, equal to the same text typed in UTF-8
    assert report.category.code == "cay-xanh"


def test_html_only_mail_is_made_plain_text_safely(city):
    html = ("<html><head><title>x</title><style>p{color:red}</style></head><body>"
            "<p>Đèn đường hư &amp; tối om</p><script>alert('x')</script>"
            "<div>trước số 12<br>Lê Lợi</div><img src=\"http://tracker.example/p.gif\"></body></html>")
    report = Report.objects.get(code=ingest(build(None, html=html, subject="Báo hỏng")).code)
    assert report.description == "Báo hỏng\n\nĐèn đường hư & tối om\n\ntrước số 12\nLê Lợi"


def test_the_plain_part_wins_over_html(city):
    report = Report.objects.get(code=ingest(build("Bản văn bản thuần: ổ gà lớn.", html="<p>Bản HTML</p>")).code)
    assert "Bản văn bản thuần" in report.description and "Bản HTML" not in report.description


def test_undeclared_utf8_is_accepted(city):
    raw = (b"From: " + CITIZEN.encode() + b"\r\nSubject: test\r\nMessage-ID: <x1@example.vn>\r\n\r\n"
           + "Ổ gà giữa đường Lê Lợi".encode() + b"\r\n")
    assert Report.objects.get(code=ingest(raw).code).description == "test\n\nỔ gà giữa đường Lê Lợi"


# --- retries and loops ------------------------------------------------------------------

def test_the_same_message_id_makes_one_report(city):
    first = ingest(build())
    second = ingest(build(attachments=[photo()]))
    assert second.status == "duplicate" and second.code == first.code
    assert Report.objects.count() == 1 and citizen_mail().count() == 1
    assert not Media.objects.exists()


def test_without_message_id_the_bytes_are_the_key(city):
    raw = build(message_id=None)
    first = ingest(raw)
    assert Report.objects.get(code=first.code).idempotency_key == "email:sha256:" + hashlib.sha256(raw).hexdigest()
    assert ingest(raw).status == "duplicate"


def test_a_long_message_id_is_hashed(city):
    long_id = "very-long." + "x" * 120 + "@mail.example.vn"
    report = Report.objects.get(code=ingest(build(message_id=f"<{long_id}>")).code)
    assert report.idempotency_key == "email:sha256:" + hashlib.sha256(long_id.encode()).hexdigest()


@pytest.mark.parametrize("headers, sender", [
    ({"Auto-Submitted": "auto-replied"}, CITIZEN),
    ({"Auto-Submitted": "auto-generated"}, CITIZEN),
    ({"Precedence": "bulk"}, CITIZEN),
    ({"X-Autoreply": "yes"}, CITIZEN),
    ({"List-Id": "<tin-tuc.example.vn>"}, CITIZEN),
    ({"Return-Path": "<>"}, CITIZEN),
    ({}, "MAILER-DAEMON@mx.example.vn"),
    ({}, "no-reply@shop.example.vn"),
    ({}, "no-reply@localhost"),                   # our own DEFAULT_FROM_EMAIL
])
def test_automatic_mail_is_ignored(city, headers, sender):
    result = ingest(build(subject="Trả lời tự động: Tôi đang nghỉ phép", sender=sender, headers=headers))
    assert result.status == "ignored" and result.detail
    assert not Report.objects.exists() and not Notification.objects.exists()


def test_a_bounce_report_is_ignored(city):
    raw = (b"From: Mail Delivery System <MAILER-DAEMON@mx.example.vn>\r\nTo: no-reply@localhost\r\n"
           b"Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n"
           b"--B\r\nContent-Type: text/plain\r\n\r\nThe mail system: user unknown\r\n"
           b"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.vn\r\n\r\n"
           b"Final-Recipient: rfc822; x@example.vn\r\nAction: failed\r\nStatus: 5.1.1\r\n--B--\r\n")
    assert ingest(raw).status == "ignored"
    assert not Report.objects.exists()


# --- replies become comments ---------------------------------------------------------------

@pytest.fixture
def reported(city):
    return Report.objects.get(code=ingest(build()).code)


def reply_to(report, text, sender=CITIZEN, message_id="<reply.1@mail.gmail.com>", **kwargs):
    quoted = f"\n\nVào Th 2, 10 thg 3, 2025 lúc 09:00 PhanAnh <no-reply@localhost> đã viết:\n> Cảm ơn. Mã {report.code}"
    return build(text + quoted, subject=f"Re: [PhanAnh {report.code}] Đã nhận phản ánh", sender=sender,
                 message_id=message_id, **kwargs)


def test_a_reply_from_the_reporter_becomes_a_comment(reported):
    result = ingest(reply_to(reported, "Hôm nay đèn vẫn tắt, xin kiểm tra lại."))
    assert result.status == "comment" and result.code == reported.code
    assert Report.objects.count() == 1
    event = Event.objects.get(report=reported, type="citizen_comment")
    assert event.public and event.payload["text"] == "Hôm nay đèn vẫn tắt, xin kiểm tra lại."
    assert event.payload["via"] == "email"
    reply = Notification.objects.get(event=event)
    assert reply.recipient == CITIZEN and reported.code in reply.subject
    # The mail server delivers it again: nothing new.
    assert ingest(reply_to(reported, "Hôm nay đèn vẫn tắt, xin kiểm tra lại.")).status == "duplicate"
    assert Event.objects.filter(report=reported, type="citizen_comment").count() == 1


def test_the_reporters_address_is_compared_without_case(reported):
    assert ingest(reply_to(reported, "Bổ sung: cột đèn số 7.", sender="Nguyen.Van.An@Gmail.com")).status == "comment"


def test_a_stranger_using_the_code_gets_a_new_report(reported):
    result = ingest(reply_to(reported, "Đèn ở đây cũng hư.", sender="nguoi.khac@yahoo.com"))
    assert result.status == "created" and result.code != reported.code
    assert not Event.objects.filter(type="citizen_comment").exists()
    new = Report.objects.get(code=result.code)
    assert reported.code in new.description               # the coordinator sees which report it mentions
    reply = Notification.objects.get(recipient="nguoi.khac@yahoo.com")
    assert reported.code in reply.body and new.code in reply.body


def test_a_forged_reporter_address_is_not_trusted(reported):
    raw = reply_to(reported, "Tôi là người báo.", message_id="<forged@x>",
                   headers={"Authentication-Results": "mx.tphcm.gov.vn; spf=fail smtp.mailfrom=gmail.com; dmarc=fail"})
    assert ingest(raw).status == "created"
    assert not Event.objects.filter(type="citizen_comment").exists()


def test_a_reply_with_only_the_quote_is_refused(reported):
    with pytest.raises(Rejected) as excinfo:
        ingest(reply_to(reported, ""))
    assert excinfo.value.code == "no_text"


# --- unusable messages: a clear error and nothing written ---------------------------------

def assert_nothing_written(before_files):
    assert not Report.objects.exists()
    assert not Notification.objects.exists()
    assert parked_files() == before_files


@pytest.mark.parametrize("raw, code", [
    (b"From: a@example.vn\r\nContent-Type: multipart/mixed\r\n\r\nno boundary at all", "broken"),
    (b"From: a@example.vn\r\nContent-Type: multipart/mixed; boundary=ZZ\r\n\r\nno parts here", "broken"),
    (b"From: a@example.vn\r\nContent-Type: multipart/mixed; boundary=ZZ\r\n\r\n--ZZ\r\nContent-Type: text/plain"
     b"\r\n\r\nCut off in the middle", "broken"),
    (b"From: a@example.vn\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
     b"!!!notbase64***", "broken"),
    (b"", "empty"),
    (b"Subject: no sender\r\n\r\nDen duong hu", "no_sender"),
    (b"From: not an address\r\n\r\nDen duong hu", "no_sender"),
    (b"From: a@example.vn\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\xc3\x28 invalid utf-8", "charset"),
    (b"From: a@example.vn\r\nContent-Type: text/plain; charset=x-klingon\r\n\r\nDen duong hu", "charset"),
    (b"From: a@example.vn\r\nContent-Type: text/plain\r\n\r\n\xe9t\xe9 latin-1 undeclared", "charset"),
    (b"From: a@example.vn\r\nSubject: Re:\r\n\r\n   \r\n", "no_text"),
])
def test_unusable_messages_are_rejected(city, raw, code):
    before = parked_files()
    with pytest.raises(Rejected) as excinfo:
        ingest(raw)
    assert excinfo.value.code == code and str(excinfo.value)
    assert_nothing_written(before)


def test_only_an_attachment_and_no_text_is_rejected(city):
    before = parked_files()
    with pytest.raises(Rejected) as excinfo:
        ingest(build(None, subject=None, attachments=[photo()]))
    assert excinfo.value.code == "no_text"
    assert_nothing_written(before)


def test_a_huge_message_is_rejected_before_parsing(city, settings):
    settings.EMAIL_INBOUND_MAX_BYTES = 200 * 1024
    before = parked_files()
    with translation.override("en"), pytest.raises(Rejected, match="too large") as excinfo:
        ingest(build(attachments=[("big.bin", b"\0" * 300 * 1024, "application", "octet-stream")]))
    assert excinfo.value.code == "too_large"
    assert_nothing_written(before)


def test_a_failure_while_saving_leaves_no_report_and_no_parked_photos(city, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("outbox down")

    monkeypatch.setattr(outbox, "enqueue", broken)
    before = parked_files()
    with pytest.raises(RuntimeError):
        ingest(build(attachments=[photo()]))
    assert_nothing_written(before)
    assert not Media.objects.exists()


# --- the command ---------------------------------------------------------------------

def test_command_reads_standard_input(city, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(build())))
    call_command("ingest_email")
    out = capsys.readouterr().out
    code = Report.objects.get().code
    assert out.startswith(f"created {code}")


def test_command_reads_a_file_and_lists_what_was_left_out(city, tmp_path, capsys):
    path = tmp_path / "message.eml"
    path.write_bytes(build(attachments=[("bang-ke.xlsx", b"PK..", "application", "octet-stream")]))
    call_command("ingest_email", file=str(path))
    assert "not attached: bang-ke.xlsx" in capsys.readouterr().out


def test_command_exits_65_for_an_unusable_message(city, tmp_path):
    path = tmp_path / "broken.eml"
    path.write_bytes(b"From: a@example.vn\r\nContent-Type: multipart/mixed\r\n\r\nno boundary")
    with pytest.raises(CommandError) as excinfo:
        call_command("ingest_email", file=str(path))
    assert excinfo.value.returncode == 65
    assert not Report.objects.exists()


def test_command_exits_75_when_the_database_fails(city, tmp_path, monkeypatch):
    from django.db import OperationalError

    def locked(raw):
        raise OperationalError("database is locked")

    monkeypatch.setattr(email_ingest, "ingest", locked)
    path = tmp_path / "ok.eml"
    path.write_bytes(build())
    with pytest.raises(CommandError) as excinfo:
        call_command("ingest_email", file=str(path))
    assert excinfo.value.returncode == 75


# --- the webhook ------------------------------------------------------------------------

@pytest.fixture
def relay(client, settings, city):
    settings.EMAIL_INBOUND_SECRET = SECRET

    def post(raw, headers=None):
        headers = {"X-PhanAnh-Secret": SECRET, "Accept-Language": "en"} if headers is None else headers
        return client.post("/email/inbound", raw, content_type="message/rfc822", headers=headers)

    return post


def test_webhook_creates_a_report(relay):
    response = relay(build(attachments=[photo(), ("x.pdf", b"%PDF", "application", "pdf")]))
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "created" and Report.objects.filter(code=data["code"]).exists()
    assert data["attachments_left_out"][0]["name"] == "x.pdf"


def test_webhook_needs_the_secret(relay):
    assert relay(build(), headers={}).status_code == 403
    assert relay(build(), headers={"X-PhanAnh-Secret": "nope"}).status_code == 403
    raw = build()
    signature = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    assert relay(raw, headers={"X-PhanAnh-Signature": signature}).status_code == 200


def test_webhook_answers_400_with_the_reason(relay):
    response = relay(b"From: a@example.vn\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\xff\xfe bad")
    assert response.status_code == 400
    assert response.json()["error"] == "charset" and "UTF-8" in response.json()["detail"]
    assert not Report.objects.exists()


def test_webhook_takes_messages_larger_than_form_uploads(relay, settings):
    # Django refuses form bodies over DATA_UPLOAD_MAX_MEMORY_SIZE; a mail with photos is bigger.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024
    response = relay(build(attachments=[photo(size=(1200, 900)), ("bang.bin", b"\1" * 80 * 1024, "application",
                                                                  "octet-stream")]))
    assert response.status_code == 200 and response.json()["status"] == "created"


def test_webhook_refuses_a_huge_body(relay, settings):
    settings.EMAIL_INBOUND_MAX_BYTES = 10 * 1024
    response = relay(build(attachments=[("big.bin", b"\0" * 20 * 1024, "application", "octet-stream")]))
    assert response.status_code == 400 and response.json()["error"] == "too_large"
