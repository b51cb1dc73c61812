"""Answer "503 Service Unavailable" with a static page while the database cannot be reached."""

import logging
import sys

import psycopg
from django.core.signals import got_request_exception
from django.db import OperationalError
from django.dispatch import receiver
from django.http import HttpResponse
from django.template.loader import get_template
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger(__name__)

# Seconds a client is asked to wait before trying again; PostgreSQL restarts in a few.
RETRY_AFTER = 10

# PostgreSQL's error codes that mean "no server to talk to" (class 08: connection exception;
# 57P01-57P03: shut down, crashed, starting up; 53300: too many connections). Others raised as
# OperationalError (a deadlock, a cancelled query, a serialization failure) are bugs or load to
# see as 500s, not outages to hide.
UNAVAILABLE_SQLSTATES = {"57P01", "57P02", "57P03", "53300"}

# Set on a request that found the database unavailable: NOTICED when a middleware inside this
# one did (see below), LOGGED once this middleware has logged it.
UNAVAILABLE_ATTR = "_monitor_database_unavailable"
NOTICED, LOGGED = "noticed", "logged"


def is_database_unavailable(error: BaseException | None) -> bool:
    """Return whether `error` says the database server cannot be reached."""
    if isinstance(error, OperationalError):
        error = error.__cause__  # Django's wrapper keeps the driver's error as its cause
    if not isinstance(error, psycopg.OperationalError):
        return False
    # The driver's own errors (connection refused, connection lost) carry no code.
    code = error.sqlstate
    return code is None or code.startswith("08") or code in UNAVAILABLE_SQLSTATES


def unavailable_response() -> HttpResponse:
    # A static page rendered with no request: no context processor, nothing that needs the
    # database, nothing about the error.
    response = HttpResponse(get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    add_never_cache_headers(response)
    return response


class DatabaseUnavailableMiddleware:
    """Answer 503 with templates/503.html, and log the error, when a request finds the
    database unreachable, wherever it does: in a view, or in a middleware listed after this
    one (the session and the user are looked up there). List it before those, after the
    middleware that sets security headers, so that the page gets them too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        found = getattr(request, UNAVAILABLE_ATTR, None)
        if found is None or response.status_code == 503:
            return response
        if found == NOTICED:
            # Django has logged the exception already, as an "Internal Server Error".
            logger.error("Database unavailable: %s %s", request.method, request.path)
        # A 500 page: the error was met in a middleware, or, after the view's was answered, a
        # middleware on the way out (saving the session, closing the change set) met it too.
        return unavailable_response()

    def process_exception(self, request, exception):
        if not is_database_unavailable(exception):
            return None
        logger.error(
            "Database unavailable: %s %s", request.method, request.path, exc_info=exception
        )
        setattr(request, UNAVAILABLE_ATTR, LOGGED)
        return unavailable_response()


@receiver(got_request_exception)
def _note_unavailable_database(sender, request=None, **kwargs):
    # Django turns an exception raised in a middleware into a 500 page right where it is
    # raised, so the middleware above only sees that page. It sends this signal while
    # handling the exception, and Django's own error log records it.
    if request is None or hasattr(request, UNAVAILABLE_ATTR):
        return
    if is_database_unavailable(sys.exc_info()[1]):
        setattr(request, UNAVAILABLE_ATTR, NOTICED)
