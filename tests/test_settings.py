"""Start-up checks of monitor.settings, each in a fresh interpreter with a clean environment."""

import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PRINT_ENGINE = (
    "import django; django.setup(); "
    "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"
)


def run_settings(**environ: str) -> subprocess.CompletedProcess:
    """Set Django up with monitor.settings and only the given DJANGO_*/DATABASE_URL variables."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(BASE_DIR),
        "DJANGO_SETTINGS_MODULE": "monitor.settings",
        **environ,
    }
    return subprocess.run(
        [sys.executable, "-c", PRINT_ENGINE],
        cwd=BASE_DIR,
        env=env,
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
