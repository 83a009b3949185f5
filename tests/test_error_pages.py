import pytest


@pytest.mark.django_db
def test_unknown_page_uses_the_site_404(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Page not found" in body and 'href="/tra-cuu/"' in body


def test_server_error_page_needs_no_context(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "Đã có lỗi ở máy chủ" in response.content.decode()
