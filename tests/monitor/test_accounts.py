"""Accounts: login throttling (django-axes) and the security event log."""

import datetime
import logging
from io import StringIO

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import call_command
from django.db import OperationalError
from django.test import Client, override_settings

from monitor.security import security_event
from profiles.models import ChangeSet, Claim, Profile
from tests.factories import make_user

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
PASSWORD = "right-password"
LIMIT = settings.AXES_FAILURE_LIMIT


@pytest.fixture
def staff_user():
    """A staff user in no group, "editor", whose password is PASSWORD."""
    return make_user("editor", password=PASSWORD)


def log_in(client: Client, password: str, *, username: str = "editor", **headers):
    return client.post(
        LOGIN, {"username": username, "password": password, "next": "/admin/"}, **headers
    )


def fail(client: Client, times: int, **headers) -> None:
    """Send wrong passwords; the one that reaches the limit already gets the lockout page."""
    for attempt in range(1, times + 1):
        response = log_in(client, "wrong-password", **headers)
        assert response.status_code == (429 if attempt >= LIMIT else 200)


def logged_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


class LoginThrottlingTests:
    def test_failures_below_the_limit_still_let_the_right_password_in(self, client, staff_user):
        fail(client, LIMIT - 1)

        assert logged_in(log_in(client, PASSWORD))

    def test_the_limit_locks_out_even_the_right_password_with_a_clear_page(
        self, client, staff_user
    ):
        fail(client, LIMIT)

        response = log_in(client, PASSWORD)

        assert response.status_code == 429
        page = response.content.decode()
        assert "Too many login attempts" in page
        assert f"blocked for {settings.AXES_COOLOFF_TIME.seconds // 60} minutes" in page
        retry_at = AccessAttempt.objects.get().attempt_time + settings.AXES_COOLOFF_TIME
        assert f"Try again after {retry_at:%H:%M} UTC" in page
        assert "_auth_user_id" not in client.session

    def test_the_lockout_ends_after_the_cool_off(self, client, staff_user):
        fail(client, LIMIT)
        assert log_in(client, PASSWORD).status_code == 429

        AccessAttempt.objects.update(
            attempt_time=datetime.datetime.now(datetime.UTC)
            - settings.AXES_COOLOFF_TIME
            - datetime.timedelta(seconds=1)
        )

        assert logged_in(log_in(client, PASSWORD))

    def test_attempts_during_the_lockout_do_not_extend_it(self, client, staff_user):
        fail(client, LIMIT)
        last_counted = AccessAttempt.objects.get().attempt_time

        log_in(client, "another-guess")

        assert AccessAttempt.objects.get().attempt_time == last_counted

    def test_a_successful_login_resets_the_count(self, client, staff_user):
        fail(client, LIMIT - 1)
        assert logged_in(log_in(client, PASSWORD))
        client.logout()

        fail(client, LIMIT - 1)

        assert logged_in(log_in(client, PASSWORD))

    def test_a_lockout_holds_for_one_address_only(self, client, staff_user):
        fail(client, LIMIT, REMOTE_ADDR="203.0.113.9")

        assert log_in(client, PASSWORD, REMOTE_ADDR="203.0.113.9").status_code == 429
        assert logged_in(log_in(client, PASSWORD, REMOTE_ADDR="198.51.100.7"))

    @override_settings(TRUSTED_PROXIES=1)
    def test_behind_the_proxy_the_address_it_forwards_counts_not_one_the_client_wrote(
        self, client, staff_user
    ):
        for spoofed in range(LIMIT):
            # Behind nginx every request comes from the proxy; the client can prepend anything.
            log_in(
                client,
                "wrong-password",
                REMOTE_ADDR="127.0.0.1",
                HTTP_X_FORWARDED_FOR=f"10.0.0.{spoofed}, 203.0.113.9",
            )

        locked = log_in(
            client, PASSWORD, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9"
        )
        assert locked.status_code == 429
        assert logged_in(
            log_in(client, PASSWORD, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
        )


def security_events(caplog, event: str) -> list[logging.LogRecord]:
    return [
        record
        for record in caplog.records
        if record.name == "monitor.security" and getattr(record, "event", None) == event
    ]


class SecurityLogTests:
    def test_a_login_and_a_logout_are_logged_with_user_path_address_and_time(
        self, client, staff_user, caplog
    ):
        with caplog.at_level(logging.INFO, logger="monitor.security"):
            log_in(client, PASSWORD, REMOTE_ADDR="198.51.100.7")
            client.post("/admin/logout/")

        [login] = security_events(caplog, "login")
        assert (login.user, login.path, login.ip) == ("editor", LOGIN, "198.51.100.7")
        assert datetime.datetime.fromisoformat(login.at).tzinfo is not None
        assert login.getMessage().startswith("login user=editor path=/admin/login/ ip=198.51")
        [logout] = security_events(caplog, "logout")
        assert (logout.user, logout.path) == ("editor", "/admin/logout/")

    def test_a_failed_login_names_the_username_tried_never_the_password(
        self, client, staff_user, caplog
    ):
        log_in(client, "hunter2-secret", username="editor")

        [failed] = security_events(caplog, "login_failed")
        assert (failed.user, failed.username, failed.path) == ("anonymous", "editor", LOGIN)
        assert "hunter2-secret" not in caplog.text

    def test_a_lockout_is_logged(self, client, staff_user, caplog):
        fail(client, LIMIT)

        [lockout] = security_events(caplog, "lockout")
        assert (lockout.username, lockout.path) == ("editor", LOGIN)

    def test_a_refused_page_is_logged_as_permission_denied(self, client, caplog):
        client.force_login(make_user("reader"))  # staff, in no group

        client.get("/admin/review/")

        [denied] = security_events(caplog, "permission_denied")
        assert (denied.user, denied.path) == ("reader", "/admin/review/")

    def test_a_csrf_failure_is_logged_as_permission_denied(self, caplog):
        client = Client(enforce_csrf_checks=True)

        client.post(LOGIN, {"username": "editor", "password": "x"})

        [denied] = security_events(caplog, "permission_denied")
        assert (denied.user, denied.path) == ("anonymous", LOGIN)
        assert denied.reason.startswith("CSRF: ")


def test_an_event_while_the_database_is_down_is_logged_with_an_unknown_user(rf, caplog):
    class UserNotLookedUp:
        """Like request.user when the session cannot be read: the lookup fails."""

        @property
        def is_authenticated(self):
            raise OperationalError("connection refused")

    request = rf.get("/admin/")
    request.user = UserNotLookedUp()

    security_event("permission_denied", request=request)

    [denied] = security_events(caplog, "permission_denied")
    assert (denied.user, denied.path) == ("unknown", "/admin/")


class EditorialActLogTests:
    def url(self, profile: Profile, action: str) -> str:
        return f"/admin/profiles/profile/{profile.pk}/{action}/"

    def test_publish_and_withdraw_are_logged_with_the_publisher_and_path(
        self, client, mali, caplog, django_capture_on_commit_callbacks
    ):
        client.force_login(make_user("boss", superuser=True))

        with django_capture_on_commit_callbacks(execute=True):
            client.post(self.url(mali, "publish"))
            client.post(self.url(mali, "withdraw"))

        [publish] = security_events(caplog, "publish")
        assert (publish.user, publish.path) == ("boss", self.url(mali, "publish"))
        assert (publish.profile, publish.edition) == (str(mali), 1)
        [withdraw] = security_events(caplog, "withdraw")
        assert (withdraw.user, withdraw.path) == ("boss", self.url(mali, "withdraw"))

    def test_a_refused_publish_is_not_logged_as_published(
        self, client, mali, caplog, django_capture_on_commit_callbacks
    ):
        client.force_login(make_user("editor"))

        with django_capture_on_commit_callbacks(execute=True):
            client.post(self.url(mali, "publish"))

        assert not security_events(caplog, "publish")
        assert security_events(caplog, "permission_denied")

    def test_publishing_from_the_command_line_names_the_command(
        self, mali, caplog, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("publish_profile", "mali", mali.topic.slug, stdout=StringIO())

        [publish] = security_events(caplog, "publish")
        assert publish.user == "system"
        assert publish.path != "-"

    def test_a_revert_is_logged_with_the_user_and_path(
        self, client, mali, caplog, django_capture_on_commit_callbacks
    ):
        claim = Claim.objects.filter(section__profile=mali).first()
        claim.text = "A mistaken edit."
        claim.save()
        mistake = ChangeSet.objects.latest("pk")
        client.force_login(make_user("boss", superuser=True))
        revert = self.url(mali, f"timeline/change-sets/{mistake.pk}/revert")

        with django_capture_on_commit_callbacks(execute=True):
            client.post(revert)

        [reverted] = security_events(caplog, "revert")
        assert (reverted.user, reverted.path, reverted.profile) == ("boss", revert, str(mali))


def test_the_session_cookie_is_https_only_and_hidden_from_scripts(client, staff_user):
    log_in(client, PASSWORD)

    session = client.cookies[settings.SESSION_COOKIE_NAME]
    assert (session["secure"], session["httponly"], session["samesite"]) == (True, True, "Lax")


@override_settings(TRUSTED_PROXIES=1)
def test_a_forwarded_address_that_is_not_one_falls_back_to_the_connection(client, staff_user):
    response = log_in(
        client, "wrong-password", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="<script>"
    )

    assert response.status_code == 200
    assert AccessAttempt.objects.get().ip_address == "127.0.0.1"
