"""Production configuration: `check --deploy` under the documented variables, the HTTPS
settings and the shared cache, each in a fresh interpreter with a clean environment."""

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

# The production variables README's "Production" section documents (besides the database).
PRODUCTION = {
    "DJANGO_SECRET_KEY": "q7Vn2Lx9-Tz4Wb8Kc1Rm6Yp3Hs5Jd0Gf7Ua2Ne9Xo4Ci8Bk1Ql6Zv3Mt5Sw0Ey7Ir2",
    "DJANGO_ALLOWED_HOSTS": "monitor.example.org",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://monitor.example.org",
    "DJANGO_TRUSTED_PROXIES": "1",
}


def run(args: list[str], **environ: str) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "monitor.settings",
        **environ,
    }
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def check_deploy(**environ: str) -> subprocess.CompletedProcess:
    return run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **environ)


def print_setting(expression: str, **environ: str) -> subprocess.CompletedProcess:
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    return run(["-c", code], **environ)


def test_check_deploy_is_clean_under_the_documented_production_variables():
    result = check_deploy(**PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_check_deploy_warns_when_hsts_is_turned_off():
    result = check_deploy(**PRODUCTION, DJANGO_SECURE_HSTS_SECONDS="0")

    assert result.returncode != 0
    assert "security.W004" in result.stderr


def test_check_deploy_warns_about_a_short_secret_key():
    result = check_deploy(**{**PRODUCTION, "DJANGO_SECRET_KEY": "too-short"})

    assert result.returncode != 0
    assert "security.W009" in result.stderr


def test_https_settings_come_from_the_environment():
    result = print_setting(
        "settings.SECURE_HSTS_SECONDS, settings.SECURE_SSL_REDIRECT, "
        "settings.SECURE_HSTS_PRELOAD, settings.SESSION_COOKIE_SECURE, "
        "hasattr(settings, 'SECURE_PROXY_SSL_HEADER') and settings.SECURE_PROXY_SSL_HEADER",
        **PRODUCTION,
        DJANGO_SECURE_HSTS_SECONDS="3600",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_HSTS_PRELOAD="0",
        DJANGO_SECURE_COOKIES="0",
        DJANGO_SECURE_PROXY_SSL_HEADER="0",
    )

    assert result.stdout.strip() == "3600 False False False None", result.stderr


def test_a_malformed_number_names_its_variable():
    result = print_setting("1", **PRODUCTION, DJANGO_SECURE_HSTS_SECONDS="a year")

    assert result.returncode != 0
    assert "DJANGO_SECURE_HSTS_SECONDS must be a whole number" in result.stderr


class CacheUrlTests:
    def test_unset_keeps_each_process_own_memory_cache(self):
        result = print_setting("settings.CACHES['default']['BACKEND']", DJANGO_DEBUG="1")

        assert result.stdout.strip() == "django.core.cache.backends.locmem.LocMemCache"

    def test_a_redis_url_selects_the_redis_cache(self):
        url = "redis://cache.internal:6379/0"
        result = print_setting(
            "settings.CACHES['default']['BACKEND'], settings.CACHES['default']['LOCATION']",
            DJANGO_DEBUG="1",
            DJANGO_CACHE_URL=url,
        )

        assert result.stdout.split() == ["monitor.cache.RedisCache", url]

    def test_sessions_are_read_from_the_cache_only_when_it_is_shared(self):
        setting = "settings.SESSION_ENGINE"
        shared = print_setting(setting, DJANGO_DEBUG="1", DJANGO_CACHE_URL="redis://cache:6379/0")
        own = print_setting(setting, DJANGO_DEBUG="1")

        assert shared.stdout.strip() == "django.contrib.sessions.backends.cached_db"
        assert own.stdout.strip() == "django.contrib.sessions.backends.db"

    def test_a_tls_redis_url_is_accepted(self):
        result = print_setting(
            "settings.CACHES['default']['BACKEND']",
            DJANGO_DEBUG="1",
            DJANGO_CACHE_URL="rediss://:secret@cache.internal:6380/1",
        )

        assert result.stdout.strip() == "monitor.cache.RedisCache"

    def test_another_scheme_is_refused_naming_the_variable(self):
        result = print_setting(
            "1", DJANGO_DEBUG="1", DJANGO_CACHE_URL="memcached://cache.internal:11211"
        )

        assert result.returncode != 0
        assert "ImproperlyConfigured" in result.stderr
        assert "DJANGO_CACHE_URL must be a redis:// or rediss:// URL" in result.stderr


@pytest.mark.parametrize(("value", "expected"), [(None, "True"), ("0", "False")])
def test_postgresql_binds_parameters_on_the_server_unless_told_not_to(value, expected):
    extra = {"DJANGO_DB_SERVER_SIDE_BINDING": value} if value else {}
    result = print_setting(
        "settings.DATABASES['default']['OPTIONS']['server_side_binding']",
        DJANGO_DEBUG="1",
        DATABASE_URL="postgres://monitor@db.internal/monitor",
        **extra,
    )

    assert result.stdout.strip() == expected, result.stderr
