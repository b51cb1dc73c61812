"""While the database cannot be reached, every page is a clean 503 that asks to retry; other
database errors stay 500s (monitor/middleware.py). tests/load/ stops a real server mid-run."""

import socket

import psycopg
import pytest
from django.db import IntegrityError, OperationalError
from django.test import Client, override_settings
from django.urls import path

from monitor.middleware import is_database_unavailable
from monitor.urls import urlpatterns as site_urlpatterns

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def refused_connection_error() -> OperationalError:
    """Return the error Django raises when PostgreSQL is not listening: a real one, from
    connecting to a loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    try:
        psycopg.connect(host="127.0.0.1", port=port, user="nobody", connect_timeout=5)
    except psycopg.OperationalError as error:
        wrapped = OperationalError(*error.args)  # as Django's DatabaseErrorWrapper does
        wrapped.__cause__ = error
        return wrapped
    raise AssertionError(f"something listens on port {port}")


def database_down(request):
    raise refused_connection_error()


def deadlock(request):
    error = psycopg.errors.DeadlockDetected("deadlock detected")
    raise OperationalError(*error.args) from error


def duplicate(request):
    raise IntegrityError("duplicate key value violates unique constraint")


class DatabaseDownBeforeTheView:
    """Fails as the session middleware does when it looks the session up with no database."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raise refused_connection_error()


class DatabaseDownOnTheWayOut:
    """Fails after the view, as closing a request's change set does with no database."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        self.get_response(request)
        raise refused_connection_error()


urlpatterns = [
    path("test-database/down/", database_down),
    path("test-database/deadlock/", deadlock),
    path("test-database/duplicate/", duplicate),
    *site_urlpatterns,
]


@pytest.fixture
def client():
    """A client that gets the page a visitor would, rather than the exception."""
    return Client(raise_request_exception=False)


def assert_unavailable_page(response) -> None:
    body = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert "no-store" in response["Cache-Control"]
    assert "<h1>Temporarily unavailable</h1>" in body
    for giveaway in ["Traceback", "OperationalError", "psycopg", "127.0.0.1", "nobody"]:
        assert giveaway not in body, giveaway


def test_a_view_that_finds_the_database_down_gives_the_503_page(client, caplog):
    response = client.get("/test-database/down/")

    assert_unavailable_page(response)
    assert response["X-Frame-Options"] == "DENY"  # the middleware outside it still ran
    (record,) = [r for r in caplog.records if r.name == "monitor.middleware"]
    assert record.levelname == "ERROR"
    assert "Database unavailable: GET /test-database/down/" in record.getMessage()
    assert record.exc_info is not None


def test_a_middleware_that_finds_the_database_down_gives_the_503_page(client, settings, caplog):
    with with_middleware(settings, "DatabaseDownBeforeTheView"):
        response = client.post("/admin/profiles/claim/1/change/", {"text": "New text."})

    assert_unavailable_page(response)
    (record,) = [r for r in caplog.records if r.name == "monitor.middleware"]
    assert record.getMessage() == "Database unavailable: POST /admin/profiles/claim/1/change/"


def with_middleware(settings, name: str):
    """Return settings that list middleware `name` right after the session middleware."""
    middleware = list(settings.MIDDLEWARE)
    after_sessions = middleware.index("django.contrib.sessions.middleware.SessionMiddleware") + 1
    middleware.insert(after_sessions, f"{__name__}.{name}")
    return override_settings(MIDDLEWARE=middleware)


def test_an_outage_met_twice_in_one_request_is_one_503_logged_once(client, settings, caplog):
    with with_middleware(settings, "DatabaseDownOnTheWayOut"):
        response = client.get("/test-database/down/")

    assert_unavailable_page(response)
    assert len([r for r in caplog.records if r.name == "monitor.middleware"]) == 1


@pytest.mark.parametrize("url", ["/test-database/deadlock/", "/test-database/duplicate/"])
def test_other_database_errors_stay_500s(client, url):
    response = client.get(url)

    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


def test_only_errors_that_mean_no_server_count_as_unavailable():
    assert is_database_unavailable(refused_connection_error())
    assert is_database_unavailable(psycopg.errors.AdminShutdown("terminating connection"))
    assert is_database_unavailable(psycopg.errors.CannotConnectNow("the system is starting up"))
    assert not is_database_unavailable(psycopg.errors.DeadlockDetected("deadlock detected"))
    assert not is_database_unavailable(psycopg.errors.QueryCanceled("statement timeout"))
    assert not is_database_unavailable(OperationalError("database is locked"))  # SQLite
    assert not is_database_unavailable(RuntimeError("something else"))
