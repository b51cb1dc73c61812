"""Start-up checks of monitor.settings, each in a fresh interpreter with a clean environment."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
ENGINE = "settings.DATABASES['default']['ENGINE']"


def run_settings(
    *, expression: str = ENGINE, cwd: Path = BASE_DIR, **environ: str
) -> subprocess.CompletedProcess:
    """Set Django up with monitor.settings and only the given DJANGO_*/DATABASE_URL variables,
    and print the expression."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(BASE_DIR),
        "DJANGO_SETTINGS_MODULE": "monitor.settings",
        **environ,
    }
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def run_manage(*args: str, **environ: str) -> subprocess.CompletedProcess:
    """Run manage.py with monitor.settings and only the given DJANGO_*/DATABASE_URL variables."""
    env = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "monitor.settings"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**env, **environ},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_debug_off_without_secret_key_refuses_to_start():
    result = run_settings(DJANGO_ALLOWED_HOSTS="example.org")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_debug_off_without_allowed_hosts_refuses_to_start():
    result = run_settings(DJANGO_SECRET_KEY="not-secret")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_ALLOWED_HOSTS" in result.stderr


def test_debug_off_with_secret_key_and_allowed_hosts_starts():
    result = run_settings(DJANGO_SECRET_KEY="not-secret", DJANGO_ALLOWED_HOSTS="example.org")

    assert result.returncode == 0, result.stderr


def test_debug_on_starts_without_secret_key_or_allowed_hosts():
    result = run_settings(DJANGO_DEBUG="1")

    assert result.returncode == 0, result.stderr


def test_no_database_url_selects_sqlite():
    result = run_settings(DJANGO_DEBUG="1")

    assert result.stdout.strip() == "django.db.backends.sqlite3", result.stderr


def test_postgres_database_url_selects_postgresql():
    result = run_settings(
        DJANGO_DEBUG="1", DATABASE_URL="postgres://monitor:secret@db.example.org:5432/monitor"
    )

    assert result.stdout.strip() == "django.db.backends.postgresql", result.stderr


def test_the_default_sqlite_file_and_static_root_are_in_the_current_directory(tmp_path):
    """Not beside the code, which may be an installed package."""
    result = run_settings(
        expression="settings.DATABASES['default']['NAME'], settings.STATIC_ROOT",
        cwd=tmp_path,
        DJANGO_DEBUG="1",
    )

    assert result.stdout.split() == [
        str(tmp_path / "db.sqlite3"),
        str(tmp_path / "staticfiles"),
    ], result.stderr


def test_an_empty_value_takes_the_default():
    result = run_settings(
        expression=f"{ENGINE}, settings.DATABASES['default']['CONN_MAX_AGE'], "
        "settings.DATABASES['default']['CONN_HEALTH_CHECKS'], "
        "settings.CACHES['default']['BACKEND'], settings.TIME_ZONE, "
        "settings.LOGGING['root']['level'], *settings.ALLOWED_HOSTS",
        DJANGO_DEBUG="1",
        DATABASE_URL="",
        DJANGO_CONN_MAX_AGE=" ",
        DJANGO_CONN_HEALTH_CHECKS="",
        DJANGO_CACHE_URL="",
        DJANGO_TIME_ZONE="",
        DJANGO_LOG_LEVEL="",
        DJANGO_ALLOWED_HOSTS="",
    )

    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "0",
        "True",
        "django.core.cache.backends.locmem.LocMemCache",
        "UTC",
        "WARNING",
        "localhost",
        "127.0.0.1",
    ], result.stderr


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", True), ("TRUE", True), ("yes", True), ("On", True)]
    + [("0", False), ("false", False), ("NO", False), ("off", False)],
)
def test_a_yes_no_variable_takes_each_spelling(value, expected):
    result = run_settings(
        expression="settings.DATABASES['default']['CONN_HEALTH_CHECKS']",
        DJANGO_DEBUG="1",
        DJANGO_CONN_HEALTH_CHECKS=value,
    )

    assert result.stdout.strip() == str(expected), result.stderr


def test_a_log_level_is_taken_in_any_case():
    result = run_settings(
        expression="settings.LOGGING['root']['level'], "
        "settings.LOGGING['loggers']['monitor.security']['level']",
        DJANGO_DEBUG="1",
        DJANGO_LOG_LEVEL="info",
        DJANGO_SECURITY_LOG_LEVEL="Warning",
    )

    assert result.stdout.split() == ["INFO", "WARNING"], result.stderr


# A malformed value stops `manage.py check` with one line naming the variable: every variable
# of .env.example but the secret key (any string), with a value not of its form.
MALFORMED = [
    ("DJANGO_DEBUG", "maybe"),
    ("DJANGO_ALLOWED_HOSTS", "https://monitor.example.org"),
    ("DJANGO_ALLOWED_HOSTS", "monitor.example.org www.example.org"),
    ("DJANGO_CSRF_TRUSTED_ORIGINS", "monitor.example.org"),
    ("DJANGO_CSRF_TRUSTED_ORIGINS", "https://monitor.example.org/"),
    ("DATABASE_URL", "mysql://monitor@db.example.org/monitor"),
    ("DATABASE_URL", "not a url"),
    ("DATABASE_URL", "postgres://monitor@db.example.org:five/monitor"),
    ("DATABASE_URL", "postgres://monitor@db.example.org:5432"),
    ("DJANGO_CONN_MAX_AGE", "ten"),
    ("DJANGO_CONN_MAX_AGE", "-1"),
    ("DJANGO_CONN_HEALTH_CHECKS", "sometimes"),
    ("DJANGO_CACHE_URL", "memcached://cache.internal:11211"),
    ("DJANGO_CACHE_URL", "cache.internal:6379"),
    ("DJANGO_CACHE_URL", "redis://cache.internal:port/0"),
    ("DJANGO_CACHE_URL", "redis:///0"),
    ("DJANGO_CACHE_URL", "redis://cache.internal:6379/first"),
    ("DJANGO_CACHE_MAX_ENTRIES", "0"),
    ("DJANGO_TIME_ZONE", "Mars/Olympus_Mons"),
    ("DJANGO_LOG_LEVEL", "verbose"),
    ("DJANGO_SECURITY_LOG_LEVEL", "loud"),
    ("DJANGO_SECURE_COOKIES", "2"),
    ("DJANGO_SECURE_SSL_REDIRECT", "yes please"),
    ("DJANGO_SECURE_PROXY_SSL_HEADER", "nginx"),
    ("DJANGO_SECURE_HSTS_SECONDS", "1.5"),
    ("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", "y"),
    ("DJANGO_SECURE_HSTS_PRELOAD", "enabled"),
    ("DJANGO_SESSION_COOKIE_AGE", "0"),
    ("DJANGO_TRUSTED_PROXIES", "one"),
    ("DJANGO_LOGIN_FAILURE_LIMIT", "5 tries"),
    ("DJANGO_LOGIN_COOLOFF_MINUTES", "15m"),
    ("DJANGO_SITE_URL", "monitor.example.org"),
    ("DJANGO_SITE_URL", "https://monitor.example.org/?page=1"),
    ("DJANGO_EMAIL_URL", "sendmail://localhost"),
    ("DJANGO_EMAIL_URL", "smtp://mail.example.org:submission"),
    ("DJANGO_EMAIL_URL", "smtp:///"),
    ("DJANGO_EMAIL_TIMEOUT", "0"),
    ("DJANGO_DEFAULT_FROM_EMAIL", "Monitor"),
]
# Any value is taken.
FREE_FORM = {"DJANGO_SECRET_KEY", "DJANGO_STATIC_ROOT"}


def assert_one_line(result: subprocess.CompletedProcess, variable: str) -> str:
    """Assert that start-up stopped with one line naming the variable; return the line."""
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith(f"Configuration error: {variable} "), line
    return line


def test_every_documented_variable_has_a_malformed_value_here():
    env_example = (BASE_DIR / ".env.example").read_text()
    documented = set(re.findall(r"^#? ?(DJANGO_\w+|DATABASE_URL)=", env_example, re.MULTILINE))

    assert documented == {name for name, _ in MALFORMED} | FREE_FORM


@pytest.mark.parametrize(("variable", "value"), MALFORMED, ids=[f"{n}={v}" for n, v in MALFORMED])
def test_a_malformed_value_stops_start_up_in_one_line(variable, value):
    # Debug on, so that nothing else is required; the HTTPS variables are checked all the same.
    result = run_manage("check", **{"DJANGO_DEBUG": "1", variable: value})

    assert assert_one_line(result, variable).startswith(f"Configuration error: {variable} must be ")


def test_the_line_gives_the_expected_form_and_the_value():
    result = run_manage("check", DJANGO_DEBUG="1", DJANGO_CONN_MAX_AGE="ten")

    assert assert_one_line(result, "DJANGO_CONN_MAX_AGE") == (
        "Configuration error: DJANGO_CONN_MAX_AGE must be a whole number of seconds, not 'ten'."
    )


def test_a_malformed_value_stops_start_up_with_debug_off_too():
    result = run_manage(
        "check",
        DJANGO_SECRET_KEY="not-secret",
        DJANGO_ALLOWED_HOSTS="example.org",
        DJANGO_SECURE_HSTS_SECONDS="a year",
    )

    assert_one_line(result, "DJANGO_SECURE_HSTS_SECONDS")


def test_a_missing_secret_key_stops_start_up_in_one_line():
    result = run_manage("check", DJANGO_ALLOWED_HOSTS="example.org")

    assert "is not set" in assert_one_line(result, "DJANGO_SECRET_KEY")


@pytest.mark.parametrize(
    ("variable", "url"),
    [
        ("DATABASE_URL", "mysql://monitor:hunter2@db.example.org/monitor"),
        ("DATABASE_URL", "postgres://monitor:hunter2@db.example.org:port/monitor"),
        ("DATABASE_URL", "monitor:hunter2@db.example.org/monitor"),
        ("DJANGO_CACHE_URL", "redis://:hunter2@cache.internal:port/0"),
        ("DJANGO_EMAIL_URL", "smtp://alerts:hunter2@smtp.example.org:port"),
        ("DJANGO_EMAIL_URL", "imap://alerts:hunter2@smtp.example.org"),
    ],
)
def test_a_malformed_url_is_described_not_repeated(variable, url):
    """A URL may hold a password, which must not reach a log."""
    result = run_manage("check", DJANGO_DEBUG="1", **{variable: url})

    assert "hunter2" not in assert_one_line(result, variable)


def test_gunicorn_stops_with_one_line_of_ours():
    """monitor.wsgi exits with status 4, gunicorn's "App failed to load": gunicorn stops rather
    than start the worker again for ever."""
    result = subprocess.run(
        [Path(sys.executable).with_name("gunicorn"), "monitor.wsgi", "--bind=127.0.0.1:0"]
        + ["--workers=1", "--no-control-socket"],
        cwd=BASE_DIR,
        env={"PATH": os.environ.get("PATH", ""), "DJANGO_DEBUG": "1", "DJANGO_CONN_MAX_AGE": "ten"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 4
    assert "Traceback" not in result.stderr
    # Besides gunicorn's own log lines, which start with the time in brackets.
    assert [line for line in result.stderr.splitlines() if not line.startswith("[")] == [
        "Configuration error: DJANGO_CONN_MAX_AGE must be a whole number of seconds, not 'ten'."
    ]


def test_the_wsgi_application_loads_its_urls_and_freezes_them_out_of_the_collector():
    code = (
        "import gc, sys, monitor.wsgi\n"
        "print(gc.get_freeze_count() > 10_000, 'profiles.urls' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env={"PATH": os.environ.get("PATH", ""), "DJANGO_DEBUG": "1"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.stdout.split() == ["True", "True"], result.stderr


EMAIL = (
    "settings.EMAIL_BACKEND.rsplit('.', 2)[1], settings.EMAIL_HOST, settings.EMAIL_PORT, "
    "settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD, settings.EMAIL_USE_TLS, "
    "settings.EMAIL_USE_SSL"
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("", "console localhost 25   False False"),
        ("console:", "console localhost 25   False False"),
        (
            "smtp://alerts%40example.org:p%40ss@smtp.example.org",
            "smtp smtp.example.org 587 alerts@example.org p@ss True False",
        ),
        ("smtps://u:p@smtp.example.org", "smtp smtp.example.org 465 u p False True"),
        ("smtp://relay.internal:25", "smtp relay.internal 25   False False"),
    ],
)
def test_the_email_url_chooses_the_backend_and_server(url, expected):
    result = run_settings(expression=EMAIL, DJANGO_DEBUG="1", DJANGO_EMAIL_URL=url)

    assert result.stdout.rstrip("\n") == expected, result.stderr


def test_the_site_url_loses_its_trailing_slash():
    result = run_settings(
        expression="settings.SITE_URL", DJANGO_DEBUG="1", DJANGO_SITE_URL="https://m.example.org/"
    )

    assert result.stdout.strip() == "https://m.example.org", result.stderr
