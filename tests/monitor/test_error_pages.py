"""Error pages are the project's own and give nothing away: no traceback, SQL or settings."""

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import make_user
from tests.monitor.error_urls import SECRET_DETAIL

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.monitor.error_urls")]

GIVEAWAYS = ["Traceback", "RuntimeError", "SELECT", "secret_column", "SECRET_KEY", "settings"]


@pytest.fixture
def client():
    """A client that gets the error page a visitor would, rather than the exception."""
    return Client(raise_request_exception=False)


def assert_gives_nothing_away(response) -> None:
    body = response.content.decode()
    for giveaway in GIVEAWAYS:
        assert giveaway not in body, giveaway
    assert settings.SECRET_KEY not in body
    assert SECRET_DETAIL not in body


def test_debug_is_off_as_in_production():
    assert settings.DEBUG is False


def test_an_exception_in_a_view_gives_our_500_page(client):
    response = client.get("/test-errors/crash/")

    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    assert_gives_nothing_away(response)
    assert response["X-Frame-Options"] == "DENY"


def test_a_suspicious_request_gives_our_400_page(client):
    response = client.get("/test-errors/suspicious/")

    assert response.status_code == 400
    assert "<h1>Bad request</h1>" in response.content.decode()
    assert_gives_nothing_away(response)


def test_an_unknown_host_gives_our_400_page(client):
    response = client.get("/", headers={"host": "evil.example.com"})

    assert response.status_code == 400
    assert "<h1>Bad request</h1>" in response.content.decode()
    assert "evil.example.com" not in response.content.decode()


def test_permission_denied_gives_our_403_page(client):
    response = client.get("/test-errors/forbidden/")

    assert response.status_code == 403
    assert "<h1>Not allowed</h1>" in response.content.decode()
    assert_gives_nothing_away(response)


def test_a_refused_admin_page_gives_our_403_page(client):
    client.force_login(make_user("reader"))  # staff, in no group

    response = client.get("/admin/review/")

    assert response.status_code == 403
    assert "<h1>Not allowed</h1>" in response.content.decode()


def test_a_form_without_its_csrf_token_gives_our_403_csrf_page():
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("editor", superuser=True))

    response = client.post("/admin/profiles/country/add/", {"name": "Nowhere"})

    assert response.status_code == 403
    assert "This form could not be sent" in response.content.decode()
    assert "CSRF" not in response.content.decode()


def test_an_unknown_address_gives_our_404_page(client):
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert "/no/such/page/" in response.content.decode()
