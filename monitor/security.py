"""Security events and the pages and helpers that go with them.

Every event is one line on the `monitor.security` logger: the event's name, the user, the
request path (or the management command), the client's address and the time, and the same
fields in the log record (`record.event`, `record.user`, ...) for a structured handler.
"""

import ipaddress
import logging
import sys
from pathlib import Path

from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import DatabaseError, transaction
from django.db.models import Max
from django.dispatch import receiver
from django.shortcuts import render
from django.utils import timezone
from simple_history.models import HistoricalRecords

logger = logging.getLogger("monitor.security")


def client_ip(request) -> str:
    """Return the client's address: the proxy's X-Forwarded-For entry when Monitor runs behind
    DJANGO_TRUSTED_PROXIES proxies, else the address of the connection.

    Each proxy appends the address it was reached from, so the trusted entry is the one that
    many places from the right; anything to its left was written by the client and is not
    believed.
    """
    proxies = settings.TRUSTED_PROXIES
    if proxies:
        forwarded = [
            entry.strip()
            for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if entry.strip()
        ]
        if len(forwarded) >= proxies and _is_ip_address(forwarded[-proxies]):
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def _is_ip_address(text: str) -> bool:
    # The address is stored in an IP address column: anything else would fail the request.
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def security_event(event: str, *, request=None, user=None, **details) -> None:
    """Log one security event. Without a request, use the one being served (if any); without
    a user, the request's user; outside a request, name the management command instead."""
    request = request or getattr(HistoricalRecords.context, "request", None)
    if user is None and request is not None:
        user = getattr(request, "user", None)
    fields = {
        "event": event,
        # A command run without a user acts as the system, not as a visitor.
        "user": "system" if user is None and request is None else _username(user),
        "path": request.path if request is not None else _command(),
        "ip": client_ip(request) if request is not None else "-",
        "at": timezone.now().isoformat(timespec="seconds"),
        **details,
    }
    line = " ".join(
        [event, *(f"{name}={_quote(value)}" for name, value in fields.items() if name != "event")]
    )
    logger.info(line, extra=fields)


def security_event_on_commit(event: str, *, user=None, **details) -> None:
    """Log an editorial act (publish, withdraw, revert) once its transaction commits, so that
    an act rolled back is not logged as done."""
    request = getattr(HistoricalRecords.context, "request", None)
    transaction.on_commit(lambda: security_event(event, request=request, user=user, **details))


def _username(user) -> str:
    try:
        if user is None or not user.is_authenticated:
            return "anonymous"
    except DatabaseError:
        # The request's user is looked up lazily; a refusal while the database is down must
        # still be logged, and must not turn the 503 page into a 500.
        return "unknown"
    return user.get_username()


def _command() -> str:
    program = Path(sys.argv[0]).name if sys.argv else "python"
    return " ".join([program, *sys.argv[1:2]])


def _quote(value) -> str:
    """Keep one event on one line and its fields apart, whatever a username contains."""
    text = str(value)
    if not text or any(char.isspace() or char in '"=' for char in text):
        text = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text.replace("\n", "\\n").replace("\r", "\\r")


@receiver(user_logged_in)
def _log_login(sender, request, user, **kwargs):
    security_event("login", request=request, user=user)


@receiver(user_logged_out)
def _log_logout(sender, request, user, **kwargs):
    security_event("logout", request=request, user=user)


@receiver(user_login_failed)
def _log_login_failed(sender, credentials, request=None, **kwargs):
    # Django has already masked the password in `credentials`; only the username is logged.
    security_event("login_failed", request=request, username=credentials.get("username", ""))


@receiver(user_locked_out)
def _log_lockout(sender, request, username, ip_address, **kwargs):
    security_event("lockout", request=request, username=username or "")


class SecurityEventMiddleware:
    """Log every refusal (403), whether a view raised PermissionDenied, returned a 403 itself
    or the CSRF check failed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 403:
            # The CSRF failure view leaves its reason; other refusals give none.
            reason = getattr(request, "security_refusal_reason", None)
            details = {"reason": reason} if reason else {}
            security_event("permission_denied", request=request, **details)
        return response


def csrf_failure(request, reason=""):
    """Refuse a form whose CSRF check failed, on the project's page (CSRF_FAILURE_VIEW).

    The reason goes to the security log, not the page: it says nothing the visitor can act on.
    """
    request.security_refusal_reason = f"CSRF: {reason}"
    return render(request, "403_csrf.html", status=403)


def lockout(request, original_response=None, credentials=None):
    """The page shown instead of the login form while a username is locked out from this
    address (AXES_LOCKOUT_CALLABLE): it says when to try again.

    The cool-off runs from the last counted failure; attempts during it are not counted
    (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT is off), so the time shown holds.
    """
    cool_off = settings.AXES_COOLOFF_TIME
    last_failure = AccessAttempt.objects.filter(
        username=get_client_username(request, credentials), ip_address=client_ip(request)
    ).aggregate(last=Max("attempt_time"))["last"]
    return render(
        request,
        "account_locked.html",
        {
            "cool_off_minutes": int(cool_off.total_seconds() // 60),
            "retry_at": (last_failure or timezone.now()) + cool_off,
        },
        status=429,
    )
