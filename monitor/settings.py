"""Settings for Monitor, configured from the environment (see .env.example).

A variable set to an empty value counts as unset: it takes its default. A malformed value stops
start-up with ImproperlyConfigured, naming the variable and the form it takes; manage.py,
monitor/wsgi.py and monitor/asgi.py print that message on one line and exit.
"""

import os
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent
# The site's templates/ and static/ sit at the top of a checkout; an installed wheel carries
# them inside this package instead (see pyproject.toml).
SITE_DIR = PACKAGE_DIR if (PACKAGE_DIR / "templates").is_dir() else BASE_DIR

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off"}
LOG_LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


def env(name: str) -> str:
    """Return the variable's value without surrounding spaces; "" when unset or empty."""
    return os.environ.get(name, "").strip()


def malformed(name: str, expected: str, value: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"{name} must be {expected}, not {value!r}.")


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if not value:
        return default
    if value.lower() not in TRUE | FALSE:
        raise malformed(name, "1 or 0 (or true/false, yes/no, on/off)", value)
    return value.lower() in TRUE


def env_int(name: str, default: int, unit: str, minimum: int = 0) -> int:
    value = env(name)
    if not value:
        return default
    if not (value.isascii() and value.isdigit()) or int(value) < minimum:
        at_least = f", {minimum} or more" if minimum else ""
        raise malformed(name, f"a whole number of {unit}{at_least}", value)
    return int(value)


def env_choice(name: str, default: str, choices: list[str]) -> str:
    """Return one of choices (given in capitals), matched whatever the case."""
    value = env(name)
    if not value:
        return default
    if value.upper() not in choices:
        raise malformed(name, f"{', '.join(choices[:-1])} or {choices[-1]}", value)
    return value.upper()


def env_list(name: str, default: list[str], item: str, expected: str) -> list[str]:
    """Return a comma-separated list, each item matching the regular expression `item`."""
    value = env(name)
    if not value:
        return default
    items = [part.strip() for part in value.split(",") if part.strip()]
    if not all(re.fullmatch(item, part) for part in items):
        raise malformed(name, expected, value)
    return items


def env_time_zone(name: str, default: str) -> str:
    value = env(name)
    if not value:
        return default
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise malformed(name, "a time zone name such as UTC or Europe/London", value) from None
    return value


UNPARSED_URL = (
    "a URL that does not parse (check the port, and %-encode special characters in the password)"
)


def url_problem(url: str, schemes: set[str]) -> str:
    """Return what is wrong with a URL in words that do not repeat it (it may hold a password),
    or "" when it has one of the schemes and parses."""
    scheme, separator, _ = url.partition("://")
    if not separator or not re.fullmatch(r"[a-z][a-z0-9+.-]*", scheme):
        return "a value without a scheme"
    if scheme not in schemes:
        return f"a {scheme}:// URL"
    try:
        # Raises ValueError for a port that is not a number.
        urlsplit(url).port  # noqa: B018
    except ValueError:
        return UNPARSED_URL
    return ""


DATABASE_URL_FORM = (
    "a postgres:// or sqlite:/// URL such as postgres://USER:PASSWORD@HOST:5432/NAME"
)


def database_from_url(url: str, **options) -> dict:
    """The default database, from DATABASE_URL: PostgreSQL or SQLite."""
    problem = url_problem(url, {"postgres", "postgresql", "pgsql", "sqlite"})
    if not problem:
        try:
            database = dj_database_url.parse(url, **options)
        except ValueError:
            problem = UNPARSED_URL
        else:
            if database["ENGINE"].endswith("sqlite3") or database["NAME"]:
                return database
            problem = "a URL without a database name"
    raise ImproperlyConfigured(f"DATABASE_URL must be {DATABASE_URL_FORM}, not {problem}.")


def cache_from_url(url: str, *, max_entries: int) -> dict:
    """The default cache: Redis for redis:// and rediss:// URLs, else this process's memory."""
    if not url:
        return {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": max_entries},
        }
    problem = url_problem(url, {"redis", "rediss"})
    if not problem:
        parts = urlsplit(url)
        database = parts.path.strip("/")
        if not parts.hostname:
            problem = "a URL without a host"
        elif database and not (database.isascii() and database.isdigit()):
            problem = "a URL whose path is not a database number"
    if problem:
        raise ImproperlyConfigured(
            "DJANGO_CACHE_URL must be a redis:// or rediss:// URL such as redis://HOST:6379/0,"
            f" not {problem}. Leave it unset for each process's own memory cache."
        )
    return {"BACKEND": "monitor.cache.RedisCache", "LOCATION": url}


EMAIL_URL_FORM = (
    "smtp://USER:PASSWORD@HOST:587 (STARTTLS), smtps://USER:PASSWORD@HOST:465 (TLS), "
    "smtp://HOST:25 (plain, on a private network) or console:"
)


def email_from_url(url: str) -> dict:
    """Django's email settings from DJANGO_EMAIL_URL: an SMTP server, or the console backend
    (mail written to standard output) when the URL is "console:" or unset."""
    if url in ("", "console:", "console://"):
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    problem = url_problem(url, {"smtp", "smtps"})
    if not problem:
        parts = urlsplit(url)
        if not parts.hostname:
            problem = "a URL without a host"
    if problem:
        raise ImproperlyConfigured(f"DJANGO_EMAIL_URL must be {EMAIL_URL_FORM}, not {problem}.")
    secure = parts.scheme == "smtps"
    port = parts.port or (465 if secure else 587)
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port,
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_SSL": secure,
        # Port 25 on a private network may speak no TLS at all; 587 always starts it.
        "EMAIL_USE_TLS": not secure and port != 25,
    }


def site_url_from(url: str) -> str:
    """The site's public address from DJANGO_SITE_URL, without a trailing slash."""
    url = url.rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ImproperlyConfigured(
            "DJANGO_SITE_URL must be the site's public address, http:// or https:// and the "
            "host, such as https://monitor.example.org."
        )
    return url


DEBUG = env_bool("DJANGO_DEBUG", default=False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")  # taken as it is: never stripped
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random string "
            "(see .env.example), or set DJANGO_DEBUG=1 for local development."
        )
    SECRET_KEY = "django-insecure-local-development-only"

# Host names: no scheme, path or spaces (".example.org" takes its subdomains too, "*" any).
ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS",
    ["localhost", "127.0.0.1"] if DEBUG else [],
    item=r"[^\s/]+",
    expected="host names separated by commas, such as monitor.example.org,www.example.org",
)
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "DJANGO_ALLOWED_HOSTS is not set. Give the comma-separated host names "
        "this site is served under (see .env.example)."
    )
# Origins: a scheme and a host, no path (a trailing slash would never match a browser's).
CSRF_TRUSTED_ORIGINS = env_list(
    "DJANGO_CSRF_TRUSTED_ORIGINS",
    [],
    item=r"https?://[^\s/]+",
    expected="origins separated by commas, such as https://monitor.example.org",
)

INSTALLED_APPS = [
    "monitor.apps.MonitorAdminConfig",  # django.contrib.admin with Monitor's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django_filters",
    "simple_history",
    "axes",
    "monitor",
    "history",
    "profiles",
    "citations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so that static files carry the policy too.
    "csp.middleware.CSPMiddleware",
    # Serves collectstatic's files itself, compressed and cached for good: no web server needed.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "monitor.security.SecurityEventMiddleware",
    # Before every middleware that may query the database: a 503 page while it is down.
    "monitor.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "history.changesets.ChangeSetMiddleware",
    # Last, as django-axes requires: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "monitor.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SITE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "monitor.wsgi.application"
ASGI_APPLICATION = "monitor.asgi.application"

# Default: SQLite in db.sqlite3 in the current directory (the checkout's top under `make run`),
# never inside an installed package. DATABASE_URL=sqlite:////PATH puts the file elsewhere.
DATABASES = {
    "default": database_from_url(
        env("DATABASE_URL") or f"sqlite:///{Path.cwd() / 'db.sqlite3'}",
        # Keep connections open between requests in production (e.g. 600): connecting to
        # PostgreSQL costs more than most pages' queries. Checked before reuse.
        conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 0, "seconds"),
        conn_health_checks=env_bool("DJANGO_CONN_HEALTH_CHECKS", default=True),
    )
}

if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Parameters bound by the server, so that psycopg prepares each query the fifth time a
    # connection runs it: PostgreSQL then plans it once, not at every request (the review queue
    # 28.8 -> 23.4 ms, the editor 23.3 -> 19.3 ms at full scale). Turn it off behind a
    # transaction-pooling PgBouncer older than 1.21, which cannot keep prepared statements.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["server_side_binding"] = env_bool("DJANGO_DB_SERVER_SIDE_BINDING", default=True)
    # No JIT compilation: it pays off for long analytical queries, never for a page's. A
    # timeline query over a large change set crossed its cost threshold and spent 124 of its
    # 160 ms compiling.
    options["options"] = "-c jit=off"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Rendered editions are kept in the cache (profiles/caching.py). By default each process has
# its own local-memory cache; MAX_ENTRIES bounds its memory (the largest report is about
# 300 kB). Several app servers share one Redis through DJANGO_CACHE_URL.
CACHE_MAX_ENTRIES = env_int("DJANGO_CACHE_MAX_ENTRIES", 300, "pages", minimum=1)
CACHES = {
    "default": cache_from_url(env("DJANGO_CACHE_URL"), max_entries=CACHE_MAX_ENTRIES),
    # Each process's copies of pages kept in a shared default cache (profiles/caching.py).
    "process": cache_from_url("", max_entries=CACHE_MAX_ENTRIES),
}
# When every app server shares the cache, public pages keep what their validator lookup found
# there too, so that a kept page is served without the database; the acts that change public
# pages invalidate it for every server at once (profiles/caching.py). A process's own memory
# cannot be invalidated from another process, so then the lookup runs on every request.
SHARED_CACHE = bool(env("DJANGO_CACHE_URL"))
if SHARED_CACHE:
    # Sessions read from the shared cache and written through to the database: one query less
    # on every admin page. Not with each process's own memory, which would go on holding a
    # session that a logout in another process ended.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# The site's public address, for links that leave the site: canonical URLs, sitemaps,
# feeds, the API, PDFs and mails. Unset, a page links to the host it was asked for; mails,
# sent from the command line, then use http://localhost:8000.
SITE_URL = site_url_from(env("DJANGO_SITE_URL")) if env("DJANGO_SITE_URL") else ""

# Mail (update alerts): DJANGO_EMAIL_URL names the SMTP server; unset, mail is written to the
# console. Django's EMAIL_TIMEOUT keeps a stalled server from holding a worker.
_email = email_from_url(env("DJANGO_EMAIL_URL"))
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("DJANGO_EMAIL_TIMEOUT", 20, "seconds", minimum=1)
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL") or "Monitor <alerts@localhost>"
if not re.fullmatch(r"[^<>@\s]+@[^<>@\s]+|[^<>@]*<[^<>@\s]+@[^<>@\s]+>", DEFAULT_FROM_EMAIL):
    raise ImproperlyConfigured(
        "DJANGO_DEFAULT_FROM_EMAIL must be an address such as alerts@monitor.example.org or "
        f"Monitor <alerts@monitor.example.org>, not {DEFAULT_FROM_EMAIL!r}."
    )
SERVER_EMAIL = DEFAULT_FROM_EMAIL

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
# One date style for people, "7 June 2016" and "14:05": monitor/formats/en_GB/formats.py.
FORMAT_MODULE_PATH = ["monitor.formats"]
TIME_ZONE = env_time_zone("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# In a wheel, static/ is monitor/static/, which Django finds as this app's own static files.
STATICFILES_DIRS = [BASE_DIR / "static"] if SITE_DIR == BASE_DIR else []
# Default: staticfiles/ in the current directory, as for the database.
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT") or Path.cwd() / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names (cacheable for ever) and gzip/brotli copies; needs `collectstatic`.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

LOGIN_URL = "admin:login"

# Requests large enough for the biggest profile the editors may save, so that a profile over
# its limits (profiles/textformat.py: 2 MB, 5,000 claims) is refused with a form error naming
# the limit rather than Django's bare 400: "Edit as text" posts the text twice, and a browser
# percent-encodes each byte of non-ASCII UTF-8 into three; the one-page editors post about ten
# fields a claim.
DATA_UPLOAD_MAX_MEMORY_SIZE = 13_000_000
DATA_UPLOAD_MAX_NUMBER_FIELDS = 60_000

# HTTPS. With debug off Monitor expects to be served over HTTPS behind a proxy that sets
# X-Forwarded-Proto; each default can be turned off from the environment (see README). The
# variables are read, and so checked, with debug on too, where they are ignored.
proxy_ssl_header = env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", default=True)
ssl_redirect = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
hsts_seconds = env_int("DJANGO_SECURE_HSTS_SECONDS", 31_536_000, "seconds")
hsts_include_subdomains = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
hsts_preload = env_bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
secure_cookies = env_bool("DJANGO_SECURE_COOKIES", default=True)
if not DEBUG:
    if proxy_ssl_header:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = ssl_redirect
    # A load balancer's liveness check may speak plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    SECURE_HSTS_SECONDS = hsts_seconds
    SECURE_HSTS_INCLUDE_SUBDOMAINS = hsts_include_subdomains
    SECURE_HSTS_PRELOAD = hsts_preload
    SESSION_COOKIE_SECURE = secure_cookies
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Response headers on every response (Django's defaults, stated). "same-origin": following a
# link to a cited source does not tell that site which report the reader was on.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content Security Policy (django-csp): scripts from this site's files only, never inline.
# Styles allow 'unsafe-inline' for the admin's and django-simple-history's style attributes and
# the admin pages' <style> blocks; a style cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# Cookies: only the admin sets them (session and CSRF); public pages set none.
SESSION_COOKIE_AGE = env_int("DJANGO_SESSION_COOKIE_AGE", 60 * 60 * 24 * 14, "seconds", minimum=1)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "monitor.security.csrf_failure"

# Login throttling (django-axes). A username is locked out from one address after
# DJANGO_LOGIN_FAILURE_LIMIT failures in a row, for DJANGO_LOGIN_COOLOFF_MINUTES from the last
# counted one: an attacker elsewhere cannot lock an editor out, and gets that many guesses per
# cool-off. Attempts are kept in the database, so every app server counts the same ones.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("DJANGO_LOGIN_FAILURE_LIMIT", 5, "wrong passwords", minimum=1)
AXES_COOLOFF_TIME = timedelta(
    minutes=env_int("DJANGO_LOGIN_COOLOFF_MINUTES", 15, "minutes", minimum=1)
)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "monitor.security.lockout"
AXES_CLIENT_IP_CALLABLE = "monitor.security.client_ip"
# How many proxies in front of Monitor append to X-Forwarded-For (1 behind the documented
# nginx); 0 takes the connection's address, for a site reached directly.
TRUSTED_PROXIES = env_int("DJANGO_TRUSTED_PROXIES", 0, "proxies")

# django-simple-history: keep history admin pages usable on large histories.
SIMPLE_HISTORY_REVERT_DISABLED = False
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# The security log (monitor/security.py) goes to the console at INFO even when the rest logs
# warnings only: its records propagate to the root's handler whatever the root's level.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"timed": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "timed"}},
    "root": {
        "handlers": ["console"],
        "level": env_choice("DJANGO_LOG_LEVEL", "WARNING", LOG_LEVELS),
    },
    "loggers": {
        "monitor.security": {
            "level": env_choice("DJANGO_SECURITY_LOG_LEVEL", "INFO", LOG_LEVELS),
        },
    },
}
