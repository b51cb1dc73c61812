#!/usr/bin/env python
"""Load-test Monitor served the production way (gunicorn, debug off); print one table and
write JSON.

Over 700 lines (1,270) because it is one self-contained tool: it makes the data, starts and always
stops the servers, measures and reports, and must run with nothing but the project's venv.

    make bench                      SQLite, in a fresh file in a temporary directory
    BENCH_DB=postgres make bench    the production stack: a throwaway PostgreSQL server
                                    (scripts/with-postgres) and a private Redis cache
    BENCH_SCALE=small make bench    a quick run on less data

make bench runs `.venv/bin/python scripts/load_benchmark.py`, which may be run as is. For
in-process timings of single operations, without a server, see scripts/micro_benchmark.py.

First, this script installs wrk and nginx (Debian's nginx-light) with apt-get when they are
missing and it runs as root, as in CI (and redis-server for BENCH_DB=postgres); anyone else
is told the command to run, and it exits with status 1. With BENCH_DB=postgres it then runs
itself again under scripts/with-postgres, which starts a private server, sets DATABASE_URL, and
removes the server once the run ends, and it starts a private redis-server, shared by the
workers as DJANGO_CACHE_URL, as production runs. Then it

1. migrates, runs generate_demo_data, collects the static files, and creates a superuser
   with a logged-in session for the admin pages;
2. serves the site with gunicorn (sync workers, one per CPU, debug off, persistent database
   connections) and, as the physical limit, the largest profile's HTML as a file with nginx;
3. counts each page's queries in-process (django.test.Client, same database and settings);
4. loads each page with wrk in turn, after a short warm-up, and reads the gunicorn workers'
   memory after the warm-up and after the load;
5. times the writes in-process, as the admin's forms post them: saving one claim of the
   largest profile (BENCH_SAVES times), then publishing that profile (BENCH_PUBLISHES times);
6. prints the table and writes bench/results/latest.json.

Gunicorn, nginx and Redis are stopped and the temporary directory removed however the run ends.

Environment (all optional):
  BENCH_DB=sqlite              sqlite, or postgres for a throwaway PostgreSQL server
  BENCH_SCALE=small            a quick run: less data, shorter loads (default: full)
  BENCH_COUNTRIES, BENCH_TOPICS, BENCH_CLAIMS, BENCH_SECTIONS, BENCH_EDITIONS, BENCH_HISTORY,
  BENCH_SEED                   generate_demo_data's options, overriding the scale's
  BENCH_DURATION=10            seconds of load per page (small: 3)
  BENCH_WARMUP=2               seconds of warm-up per page, not measured (small: 1)
  BENCH_CONNECTIONS=4          wrk's connections (one wrk thread)
  BENCH_WORKERS                gunicorn workers (default: the number of CPUs)
  BENCH_MEMORY_REQUESTS=10000  requests the largest profile's load makes at least, so that its
                               memory ratio is the growth over that many (small: 1000)
  BENCH_SEARCH=convention      the word searched for
  BENCH_SAVES=30               claim saves timed (small: 10)
  BENCH_PUBLISHES=3            publications of the largest profile timed (small: 2)
  BENCH_OUTPUT                 the JSON file (default: bench/results/latest.json; a relative
                               path is relative to the repository)
"""

import argparse
import contextlib
import ctypes
import http.client
import importlib.util
import io
import itertools
import json
import math
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HOST = "127.0.0.1"
GUNICORN = Path(sys.executable).with_name("gunicorn")
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

SCALES = {
    "full": {
        **{"countries": 200, "topics": 10, "claims": 300, "sections": 20},
        **{"editions": 20, "history": 10_000, "seed": 1},
        **{"duration": 10, "warmup": 2, "memory_requests": 10_000},
        **{"saves": 30, "publishes": 3},
    },
    "small": {
        **{"countries": 20, "topics": 3, "claims": 60, "sections": 5},
        **{"editions": 3, "history": 500, "seed": 1},
        **{"duration": 3, "warmup": 1, "memory_requests": 1_000},
        **{"saves": 10, "publishes": 2},
    },
}
DATA_OPTIONS = ("countries", "topics", "claims", "sections", "editions", "history", "seed")

# wrk's Lua script: the headers to send, and its summary printed as one line of JSON.
WRK_SCRIPT = """\
{headers}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {{"requests": %.0f, "duration_us": %.0f, "bytes": %.0f, '
    .. '"connect": %.0f, "read": %.0f, "write": %.0f, "status": %.0f, "timeout": %.0f, '
    .. '"p50_us": %.0f, "p99_us": %.0f, "mean_us": %.1f, "max_us": %.0f}}\\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean, latency.max))
end
"""
# wrk's kinds of error; "status" counts the responses that are neither 2xx nor 3xx.
ERROR_KINDS = ("connect", "read", "write", "status", "timeout")

# The programs the run drives, with the Debian packages that install them.
PROGRAMS = {"wrk": "wrk", "nginx": "nginx-light"}
# ...and for the production stack (BENCH_DB=postgres), the shared cache.
POSTGRES_PROGRAMS = {"redis-server": "redis-server"}
DATABASES = ("sqlite", "postgres")
WITH_POSTGRES = ROOT / "scripts/with-postgres"
# Set for the run that scripts/with-postgres starts, which must not start another server.
UNDER_WITH_POSTGRES = "LOAD_BENCHMARK_UNDER_WITH_POSTGRES"


class BenchError(Exception):
    """A step failed: the message says which, and the run exits non-zero."""


class Stopped(BaseException):
    """A signal asked the run to stop; raised wherever the run is, like KeyboardInterrupt."""


def stop_on_signal(signum, frame):
    raise Stopped(signum)


def say(message: str) -> None:
    print(f"load_benchmark: {message}", flush=True)


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise BenchError(f"{name} must be a whole number, not {value!r}") from None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass
class Config:
    scale: str
    data: dict[str, int]  # generate_demo_data's options
    duration: int
    warmup: int
    connections: int
    workers: int
    memory_requests: int
    saves: int
    publishes: int
    search: str
    output: Path
    workdir: Path

    @classmethod
    def from_environ(cls, workdir: Path) -> "Config":
        scale = os.environ.get("BENCH_SCALE", "").strip() or "full"
        if scale not in SCALES:
            raise BenchError(f"BENCH_SCALE must be one of {', '.join(SCALES)}, not {scale!r}")
        defaults = SCALES[scale]
        output = os.environ.get("BENCH_OUTPUT", "").strip()
        return cls(
            scale=scale,
            data={name: env_int(f"BENCH_{name.upper()}", defaults[name]) for name in DATA_OPTIONS},
            duration=env_int("BENCH_DURATION", defaults["duration"]),
            warmup=env_int("BENCH_WARMUP", defaults["warmup"]),
            connections=env_int("BENCH_CONNECTIONS", 4),
            workers=env_int("BENCH_WORKERS", os.cpu_count() or 1),
            memory_requests=env_int("BENCH_MEMORY_REQUESTS", defaults["memory_requests"]),
            saves=max(env_int("BENCH_SAVES", defaults["saves"]), 1),
            publishes=max(env_int("BENCH_PUBLISHES", defaults["publishes"]), 1),
            search=os.environ.get("BENCH_SEARCH", "").strip() or "convention",
            output=Path(output).resolve() if output else ROOT / "bench/results/latest.json",
            workdir=workdir,
        )


def configure_django(workdir: Path, cache_url: str = "") -> dict[str, str]:
    """Put the production settings in the environment, which the server inherits, and set
    Django up with them in this process too; return the variables. With a cache URL, the
    workers share that Redis; without, each keeps its own memory cache."""
    if os.environ.get("BENCH_DB") != "postgres":
        # Never a database from the caller's environment: a fresh file of our own.
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    elif not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise BenchError("BENCH_DB=postgres, but scripts/with-postgres set no DATABASE_URL")
    settings = {
        "DJANGO_SETTINGS_MODULE": "monitor.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": f"{HOST},localhost",
        "DJANGO_CONN_MAX_AGE": "600",
        # Plain HTTP on the loopback: HTTPS-only cookies would never come back.
        "DJANGO_SECURE_COOKIES": "0",
        # ...and no redirect to HTTPS, or every request would measure a 301.
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_STATIC_ROOT": str(workdir / "static"),
        "DJANGO_LOG_LEVEL": "WARNING",
        "DJANGO_CACHE_URL": cache_url,
    }
    os.environ.update(settings)
    import django

    django.setup()
    return settings


# Prerequisites ------------------------------------------------------------------------------


def check_python() -> None:
    """Refuse an interpreter without the project installed: gunicorn is found beside it."""
    if importlib.util.find_spec("django") is None or not GUNICORN.exists():
        raise BenchError(
            f"{sys.executable} lacks Django or gunicorn: run 'make install', then "
            ".venv/bin/python scripts/load_benchmark.py"
        )


def install_missing_programs(database: str) -> None:
    """Install wrk and nginx (and Redis for PostgreSQL) with apt-get when missing and running
    as root, as in CI; tell anyone else the command to run."""
    # Debian puts nginx in /usr/sbin, which a non-root PATH may lack.
    path = os.environ.get("PATH", "")
    if "/usr/sbin" not in path.split(os.pathsep):
        os.environ["PATH"] = f"{path}{os.pathsep}/usr/sbin"
    programs = {**PROGRAMS, **(POSTGRES_PROGRAMS if database == "postgres" else {})}
    missing = [package for program, package in programs.items() if not shutil.which(program)]
    if not missing:
        return
    packages = " ".join(missing)
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise BenchError(
            f"needs {packages}. On Debian, run as root:\n"
            f"  apt-get update && apt-get install -y {packages}"
        )
    say(f"installing {packages} (apt-get install)")
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *missing]):
        if subprocess.run(command, env=environment).returncode != 0:
            raise BenchError(f"could not install {packages}")


def chosen_database() -> str:
    """Return BENCH_DB, sqlite by default, and put it in the environment."""
    choice = os.environ.get("BENCH_DB", "").strip() or "sqlite"
    if choice not in DATABASES:
        raise BenchError(f"BENCH_DB must be sqlite or postgres, not {choice!r}")
    os.environ["BENCH_DB"] = choice
    return choice


def rerun_under_with_postgres() -> NoReturn:
    """Run this script again under scripts/with-postgres, which starts a throwaway server,
    sets DATABASE_URL, and stops the server and removes its data once the run ends."""
    os.environ[UNDER_WITH_POSTGRES] = "1"
    command = [str(WITH_POSTGRES), sys.executable, str(Path(__file__).resolve()), *sys.argv[1:]]
    os.execv(command[0], command)


# Data ---------------------------------------------------------------------------------------


def make_data(config: Config) -> dict:
    """Migrate and generate the data; return how long generate_demo_data took, in all and by
    stage."""
    from django.core.management import CommandError, call_command
    from django.db import connection

    if connection.introspection.table_names():
        raise BenchError(f"the database is not empty: {connection.settings_dict['NAME']}")
    say("migrating")
    call_command("migrate", verbosity=0)
    options = [f"--{name}={value}" for name, value in config.data.items()]
    say(f"generating the data: manage.py generate_demo_data {' '.join(options)}")
    start = time.monotonic()
    output = io.StringIO()
    try:
        call_command("generate_demo_data", *options, stdout=output)
    except CommandError as error:
        raise BenchError(f"generate_demo_data: {error}") from error
    seconds = time.monotonic() - start
    print(output.getvalue(), end="", flush=True)
    stages = {
        found.group(1): float(found.group(2))
        for found in re.finditer(r"^(.+): ([0-9.]+) s$", output.getvalue(), re.MULTILINE)
    }
    say(f"generated in {seconds:.0f} s; collecting the static files")
    call_command("collectstatic", "--noinput", verbosity=0)
    return {"seconds": round(seconds, 1), "stages_s": stages}


@dataclass
class Site:
    """What the pages are about, and the logged-in session for the admin pages."""

    largest: object  # the public Profile with the most claims, annotated with claim_count
    smallest: object  # the public Profile with the fewest
    treaty_slug: str
    country_filters: dict[str, str]
    session_cookie: str  # "name=value", for wrk
    admin_client: object  # a django.test.Client logged in with that session
    release: object  # a release of every profile but two, assigned to the bench user
    small_release: object  # a release of those two


def find_site() -> Site:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db.models import Count
    from django.test import Client

    from profiles.models import Profile, Treaty, TreatyStatus
    from profiles.roles import ROLE_PERMISSIONS

    public = (
        Profile.objects.public()
        .select_related("country", "topic", "topic__treaty")
        .annotate(claim_count=Count("sections__claims"))
    )
    largest = public.order_by("-claim_count", "pk").first()
    smallest = public.order_by("claim_count", "pk").first()
    if largest is None:
        raise BenchError("the generated data has no public profile")
    treaty = Treaty.objects.filter(short_name="CCM").first() or largest.topic.treaty
    if treaty is None:
        raise BenchError("the generated data has no Convention on Cluster Munitions")
    # Filters that the largest profile's country passes, so that the list is not empty.
    status = (
        TreatyStatus.objects.filter(country=largest.country, treaty=treaty)
        .values_list("status", flat=True)
        .first()
    )
    country_filters = {
        "region": largest.country.region,
        "treaty": treaty.slug,
        "status": status or TreatyStatus.Status.NOT_PARTY,
        "topic": largest.topic.slug,
    }

    user = get_user_model().objects.create_superuser(
        "bench", "bench@example.org", secrets.token_urlsafe(16)
    )
    # In every role, so that the role home shows every role's panels.
    user.groups.set(Group.objects.filter(name__in=ROLE_PERMISSIONS))
    client = Client(HTTP_HOST=HOST)
    client.force_login(user)  # a session in the database, signed with the server's secret key
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    say(
        f"largest profile: {profile_path(largest)} ({largest.claim_count} claims, id "
        f"{largest.pk}); smallest: {profile_path(smallest)} ({smallest.claim_count} claims)"
    )
    release, small_release = make_releases(user, leave_out=largest)
    return Site(
        largest=largest,
        smallest=smallest,
        treaty_slug=treaty.slug,
        country_filters={name: value for name, value in country_filters.items() if value},
        session_cookie=f"{settings.SESSION_COOKIE_NAME}={cookie}",
        admin_client=client,
        release=release,
        small_release=small_release,
    )


def make_releases(user, *, leave_out) -> tuple:
    """A release of every profile but three, each assigned to `user` as editor and to another
    as fact-checker, for the progress board; and a release of two of the others, whose board
    must run as many queries. `leave_out` (the largest profile, whose saves and publications
    are timed) is in neither: the embargo would refuse to publish it."""
    import datetime

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from profiles.models import Profile
    from profiles.releases import release_add_profiles, release_create
    from profiles.roles import FACT_CHECKERS

    checker = get_user_model().objects.create_user("bench-checker")
    checker.groups.add(Group.objects.get(name=FACT_CHECKERS))

    profiles = list(Profile.objects.exclude(pk=leave_out.pk).order_by("pk"))
    today = timezone.localdate()
    releases = []
    for name, chosen in (("Bench release", profiles[2:]), ("Bench release, two", profiles[:2])):
        release = release_create(
            name=name,
            drafting_deadline=today - datetime.timedelta(days=1),  # some are overdue
            review_deadline=today + datetime.timedelta(days=30),
            launch_at=timezone.now() + datetime.timedelta(days=60),
            user=user,
        )
        release_add_profiles(release, chosen, editor=user, fact_checker=checker, user=user)
        releases.append(release)
    big, small = releases
    say(f"release boards: {len(profiles) - 2:,} profiles (id {big.pk}), 2 (id {small.pk})")
    return big, small


def profile_path(profile) -> str:
    return f"/countries/{profile.country.slug}/{profile.topic.slug}/"


# Pages --------------------------------------------------------------------------------------


@dataclass
class Page:
    key: str
    label: str
    path: str
    server: str = "gunicorn"  # or "nginx"
    login: bool = False
    conditional: bool = False  # sends If-None-Match with the ETag of a first response
    expect: int = 200
    # The target: ("rps", 0.5) means at least half the trivial page's requests per
    # second; ("p50", 25) a median latency at most 25 times the trivial page's.
    target: tuple[str, float] | None = None
    # The same page of the smallest profile, whose query count must be the same.
    smallest_path: str | None = None

    def headers(self, site: Site, etag: str) -> dict[str, str]:
        headers = {}
        if self.login:
            headers["Cookie"] = site.session_cookie
        if self.conditional:
            headers["If-None-Match"] = etag
        return headers


def pages(site: Site, search: str) -> list[Page]:
    profile = profile_path(site.largest)
    admin_profile = f"/admin/profiles/profile/{site.largest.pk}"
    admin_smallest = f"/admin/profiles/profile/{site.smallest.pk}"
    directory = {"target": ("rps", 0.5)}
    admin = {"login": True, "target": ("p50", 25)}
    return [
        Page("trivial", "trivial: /health/", "/health/"),
        Page("static", "static limit: nginx, largest profile HTML", "/profile.html", "nginx"),
        Page("profile", "largest profile, new visitor", profile, target=("rps", 0.6)),
        Page(
            "profile_304",
            "largest profile, repeat (304)",
            profile,
            conditional=True,
            expect=304,
            target=("rps", 0.8),
        ),
        Page(
            "country_list",
            "country list, filtered",
            f"/countries/?{urlencode(site.country_filters)}",
            **directory,
        ),
        Page("treaty", "treaty status table", f"/treaties/{site.treaty_slug}/", **directory),
        Page("search", "search", f"/search/?{urlencode({'q': search})}", **directory),
        Page("admin_home", "admin role home (every role)", "/admin/", login=True),
        Page(
            "admin_editor",
            "profile editor (largest profile)",
            f"{admin_profile}/editor/",
            smallest_path=f"{admin_smallest}/editor/",
            **admin,
        ),
        Page("admin_review", "review queue", "/admin/review/", **admin),
        Page("admin_citations", "admin citations list", "/admin/citations/citation/", **admin),
        Page("admin_claims", "admin claims list", "/admin/profiles/claim/", **admin),
        Page(
            "admin_timeline",
            "admin timeline",
            f"{admin_profile}/timeline/",
            smallest_path=f"{admin_smallest}/timeline/",
            **admin,
        ),
        Page(
            "admin_history",
            "admin simple-history page",
            f"{admin_profile}/history/",
            smallest_path=f"{admin_smallest}/history/",
            **admin,
        ),
        Page(
            "admin_board",
            f"release progress board ({site.release.entries.count():,} profiles)",
            f"/admin/profiles/release/{site.release.pk}/board/",
            smallest_path=f"/admin/profiles/release/{site.small_release.pk}/board/",
            login=True,
            target=("ms", 50),
        ),
    ]


def count_queries(site: Site, page_list: list[Page], etag: str) -> dict[str, int]:
    """Request each gunicorn page twice in-process; return the second request's query count
    (the first may fill caches), by page key; the smallest profile's report as "smallest",
    and a profile's admin pages for the smallest profile as "<key>_smallest"."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    anonymous = Client(HTTP_HOST=HOST)
    smallest = Page("smallest", "smallest profile", profile_path(site.smallest))
    counts = {}
    small_pages = [
        Page(f"{page.key}_smallest", page.label, page.smallest_path, login=page.login)
        for page in page_list
        if page.smallest_path
    ]
    for page in [*page_list, smallest, *small_pages]:
        if page.server != "gunicorn":
            continue
        client = site.admin_client if page.login else anonymous
        headers = {"If-None-Match": etag} if page.conditional else {}
        client.get(page.path, headers=headers)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(page.path, headers=headers)
        if response.status_code != page.expect:
            raise BenchError(f"{page.path} answered {response.status_code} in-process")
        counts[page.key] = len(queries)
    return counts


# Servers ------------------------------------------------------------------------------------


class Servers:
    """Gunicorn and nginx, each in a process group of its own; stop() stops both."""

    def __init__(self, workdir: Path, workers: int):
        self.workdir = workdir
        self.workers = workers
        self.gunicorn: subprocess.Popen | None = None
        self.nginx: subprocess.Popen | None = None
        self.ports = {"gunicorn": 0, "nginx": 0}

    def start_gunicorn(self) -> None:
        log = self.workdir / "gunicorn.log"
        for _attempt in range(3):  # another process may take the free port first
            port = self.ports["gunicorn"] = free_port()
            command = [
                str(GUNICORN),
                "monitor.wsgi:application",
                f"--bind={HOST}:{port}",
                f"--workers={self.workers}",
                "--worker-class=sync",
                f"--error-logfile={log}",
                "--log-level=warning",
                # gunicorn 27's control socket is one path per machine user; none is needed.
                "--no-control-socket",
            ]  # and no --access-logfile: no access log
            self.gunicorn = self._start(command, cwd=ROOT)
            if self._answers(self.gunicorn, port, "/health/"):
                return
            self._stop(self.gunicorn)
        raise BenchError(f"gunicorn did not start; its log:\n{read_tail(log)}")

    def start_nginx(self, html: bytes) -> None:
        prefix = self.workdir / "nginx"
        (prefix / "html").mkdir(parents=True)
        (prefix / "html/profile.html").write_bytes(html)
        log = prefix / "error.log"
        for _attempt in range(3):
            port = self.ports["nginx"] = free_port()
            (prefix / "nginx.conf").write_text(nginx_config(prefix, port))
            nginx = shutil.which("nginx") or "/usr/sbin/nginx"
            command = [nginx, "-p", f"{prefix}/", "-c", f"{prefix}/nginx.conf", "-e", str(log)]
            self.nginx = self._start(command, cwd=prefix)
            if self._answers(self.nginx, port, "/profile.html"):
                return
            self._stop(self.nginx)
        raise BenchError(f"nginx did not start; its log:\n{read_tail(log)}")

    def worker_pids(self) -> list[int]:
        return child_pids(self.gunicorn.pid) if self.gunicorn else []

    def check_running(self) -> None:
        for name, process in (("gunicorn", self.gunicorn), ("nginx", self.nginx)):
            if process is not None and process.poll() is not None:
                raise BenchError(f"{name} stopped unexpectedly (exit status {process.returncode})")

    def stop(self) -> None:
        # A second Ctrl-C must not cut the clean-up short: hold signals until it is done.
        held = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        try:
            for process in (self.nginx, self.gunicorn):
                if process is not None:
                    self._stop(process)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)

    @staticmethod
    def _start(command: list[str], *, cwd: Path) -> subprocess.Popen:
        # A session of its own: a Ctrl-C reaches this script, which stops the server in turn.
        return subprocess.Popen(
            command,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=terminate_with_parent,
        )

    @staticmethod
    def _answers(process: subprocess.Popen, port: int, path: str) -> bool:
        """Wait up to a minute for the server to answer 200; False if it exits first."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            with contextlib.suppress(OSError):
                if http_get(port, path)[0] == 200:
                    return True
            time.sleep(0.2)
        return False

    @staticmethod
    def _stop(process: subprocess.Popen) -> None:
        """Ask the server to stop; kill its process group if it has not within 15 s."""
        if process.poll() is None:
            process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=15)
        # The group is the server's own (start_new_session): workers left behind go too.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


class Redis:
    """A private redis-server on a free loopback port that keeps nothing on disk: the cache
    the gunicorn workers share, as production's app servers do."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.process: subprocess.Popen | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def start(self) -> None:
        executable = shutil.which("redis-server") or "/usr/bin/redis-server"
        for _attempt in range(3):  # another process may take the free port first
            self.port = free_port()
            command = [executable, "--port", str(self.port), "--bind", HOST, "--save", ""]
            command += ["--appendonly", "no", "--dir", str(self.workdir)]
            self.process = subprocess.Popen(
                command,
                cwd=self.workdir,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=terminate_with_parent,
            )
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and self.process.poll() is None:
                with contextlib.suppress(OSError):
                    socket.create_connection((HOST, self.port), timeout=1).close()
                    return
                time.sleep(0.1)
            Servers._stop(self.process)
        raise BenchError("redis-server did not start")

    def version(self) -> str | None:
        return command_match(["redis-server", "--version"], r"v=(\S+)")

    def stop(self) -> None:
        if self.process is not None:
            held = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
            try:
                Servers._stop(self.process)
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, held)


def terminate_with_parent() -> None:
    """In a server's process: be sent SIGTERM when this script dies, even of SIGKILL."""
    pr_set_pdeathsig = 1  # from <sys/prctl.h>
    ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGTERM)


def nginx_config(prefix: Path, port: int) -> str:
    # As root, nginx's workers would switch to "nobody", who cannot read the private temp dir.
    user = "user root;" if os.geteuid() == 0 else ""
    temp_paths = "".join(
        f"    {kind}_temp_path {prefix}/{kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""\
daemon off;
{user}
worker_processes auto;
pid {prefix}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    keepalive_requests 1000000;
    default_type text/html;
{temp_paths}
    server {{
        listen {HOST}:{port};
        root {prefix}/html;
    }}
}}
"""


def child_pids(parent: int) -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError):
            # The parent's id follows the state, after the command name in parentheses.
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == parent:
                pids.append(int(stat.parent.name))
    return sorted(pids)


def rss_kib(pids: list[int]) -> int:
    """Return the processes' total resident memory (VmRSS), in KiB."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            status = Path(f"/proc/{pid}/status").read_text()
            if found := re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE):
                total += int(found.group(1))
    return total


def read_tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def http_get(port: int, path: str, headers: dict[str, str] | None = None):
    """GET a page from a local server; return the status, the headers and the body."""
    connection = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        connection.request("GET", path, headers={"Host": HOST, **(headers or {})})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def first_renders(port: int, path: str, workers: int) -> list[float]:
    """Request a page once per worker, all at once, and return the latencies in ms, fastest
    first. A sync worker takes one request at a time, so requests sent together go to
    different workers (most likely; nothing shows which worker answered)."""
    latencies, statuses = [], []

    def one():
        start = time.perf_counter()
        statuses.append(http_get(port, path)[0])
        latencies.append((time.perf_counter() - start) * 1000)

    threads = [threading.Thread(target=one) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if statuses != [200] * workers:
        raise BenchError(f"{path} answered {statuses}")
    return sorted(latencies)


# Load ---------------------------------------------------------------------------------------


def wrk(config: Config, port: int, page: Page, headers: dict[str, str], seconds: int) -> dict:
    """Load one page with wrk for `seconds`; return wrk's summary."""
    script = config.workdir / f"wrk-{page.key}.lua"
    script.write_text(
        WRK_SCRIPT.format(
            headers="".join(
                f"wrk.headers[ {lua_string(name)} ] = {lua_string(value)}\n"
                for name, value in headers.items()
            )
        )
    )
    command = [
        "wrk",
        "--threads=1",
        f"--connections={config.connections}",
        f"--duration={seconds}s",
        "--timeout=30s",
        f"--script={script}",
        f"http://{HOST}:{port}{page.path}",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120)
    found = re.search(r"^BENCH_RESULT (.*)$", result.stdout, re.MULTILINE)
    if result.returncode != 0 or not found:
        raise BenchError(f"wrk failed on {page.path}:\n{result.stdout}{result.stderr}")
    return json.loads(found.group(1))


def lua_string(value: str) -> str:
    if "]==]" in value:
        raise BenchError(f"cannot quote {value!r} for wrk")
    return f"[==[{value}]==]"


def measure(config: Config, servers: Servers, page: Page, headers: dict[str, str]) -> dict:
    """Warm the page up, then load it; return the row of the table, without ratios."""
    port = servers.ports[page.server]
    status = http_get(port, page.path, headers)[0]
    if status != page.expect:
        raise BenchError(f"{page.path} answered {status}, not {page.expect}")
    warm = wrk(config, port, page, headers, config.warmup)
    servers.check_running()
    memory_warm = rss_kib(servers.worker_pids())
    seconds = config.duration
    if page.key == "profile":
        # Long enough for the memory target's number of requests, at the warm-up's rate.
        rate = max(warm["requests"] / (warm["duration_us"] / 1e6), 1)
        seconds = min(max(seconds, math.ceil(config.memory_requests / rate * 1.2)), 300)
    say(f"loading {page.label} for {seconds} s: {page.path}")
    load = wrk(config, port, page, headers, seconds)
    served = load["requests"]
    while page.key == "profile" and served < config.memory_requests:
        say(f"loading it further, up to {config.memory_requests} requests, for the memory")
        served += wrk(config, port, page, headers, config.duration)["requests"]
    servers.check_running()
    memory_loaded = rss_kib(servers.worker_pids())
    on_gunicorn = page.server == "gunicorn"
    return {
        "page": page.label,
        "key": page.key,
        "url": page.path,
        "server": page.server,
        "rps": round(load["requests"] / (load["duration_us"] / 1e6), 1),
        "p50_ms": round(load["p50_us"] / 1000, 2),
        "p99_ms": round(load["p99_us"] / 1000, 2),
        "mean_ms": round(load["mean_us"] / 1000, 2),
        "max_ms": round(load["max_us"] / 1000, 2),
        "requests": load["requests"],
        "seconds": round(load["duration_us"] / 1e6, 2),
        "errors": sum(load[kind] for kind in ERROR_KINDS),
        "errors_by_kind": {kind: load[kind] for kind in ERROR_KINDS},
        "bytes_per_response": round(load["bytes"] / max(load["requests"], 1)),
        "warmup_requests": warm["requests"],
        "memory_kib_after_warmup": memory_warm if on_gunicorn else None,
        "memory_kib_after_load": memory_loaded if on_gunicorn else None,
        "requests_between_memory_readings": served,
        "memory_ratio": (
            round(memory_loaded / memory_warm, 4) if on_gunicorn and memory_warm else None
        ),
    }


# Writes -------------------------------------------------------------------------------------


class FormFields(HTMLParser):
    """The name and value pairs a browser would post from the form with id `form_id`."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.in_form = form_id, False
        self.fields: list[tuple[str, str]] = []
        self.textarea: list[str] | None = None
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.in_form = attrs.get("id") == self.form_id
        name = attrs.get("name")
        if not self.in_form or "disabled" in attrs or not (name or tag == "option"):
            return
        kind = attrs.get("type", "text")
        if tag == "input" and kind not in ("submit", "button", "image", "file", "reset"):
            if kind not in ("checkbox", "radio") or "checked" in attrs:
                self.fields.append(
                    (name, attrs.get("value") or ("on" if kind == "checkbox" else ""))
                )
        elif tag == "textarea":
            self.textarea = [name, ""]
        elif tag == "select":
            self.select = name
        elif tag == "option" and self.select and "selected" in attrs:
            self.fields.append((self.select, attrs.get("value", "")))

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "textarea" and self.textarea is not None:
            name, value = self.textarea
            self.fields.append((name, value.removeprefix("\r\n").removeprefix("\n")))
            self.textarea = None
        elif tag == "select":
            self.select = None


def form_fields(html: bytes, form_id: str) -> list[tuple[str, str]]:
    parser = FormFields(form_id)
    parser.feed(html.decode())
    if not parser.fields:
        raise BenchError(f"no form {form_id!r} on the page")
    return parser.fields


def measure_writes(config: Config, site: Site) -> list[dict]:
    """Time the editors' writes on the largest profile, in-process (Django's test client, the
    servers' settings and database), each POST as the admin's form sends it: saving one claim
    (change set, history, timeline index), then publishing the profile (edition, snapshot,
    search index)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from profiles.models import Claim

    client = site.admin_client
    claims = Claim.objects.filter(section__profile=site.largest).order_by("section__position")
    claim_ids = itertools.cycle(claims.values_list("pk", flat=True)[: config.saves])
    edits = itertools.count(1)

    def save_one_claim() -> tuple[float, int]:
        url = f"/admin/profiles/claim/{next(claim_ids)}/change/"
        fields = form_fields(client.get(url).content, "claim_form")
        edit = f" [bench edit {next(edits)}]"
        data = [(name, value + edit if name == "text" else value) for name, value in fields]
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.post(url, dict(_multi(data + [("_save", "Save")])))
            elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 302:
            raise BenchError(f"saving {url} answered {response.status_code}, not a redirect")
        return elapsed, len(queries)

    say(f"saving {config.saves} claims of the largest profile, one at a time")
    saves = [save_one_claim() for _ in range(config.saves)]

    say(f"publishing the largest profile {config.publishes} times, after a claim save each")
    publish_url = f"/admin/profiles/profile/{site.largest.pk}/publish/"
    publishes = []
    for _ in range(config.publishes):
        save_one_claim()
        fields = dict(form_fields(client.get(publish_url).content, "publish-form"))
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.post(publish_url, {"note": "Bench edition.", **fields})
            elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 302:
            raise BenchError(f"publishing answered {response.status_code}, not a redirect")
        publishes.append((elapsed, len(queries)))
    return [
        write_row("save_claim", "save one claim", "/admin/profiles/claim/<id>/change/", saves),
        write_row("publish", "publish largest profile", publish_url, publishes),
    ]


def _multi(pairs):
    """Pairs as the test client posts a multi-valued form: {name: [values]}."""
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    return grouped.items()


def write_row(key: str, label: str, url: str, timings: list[tuple[float, int]]) -> dict:
    latencies = sorted(ms for ms, _ in timings)
    return {
        "page": label,
        "key": key,
        "url": url,
        "server": "in-process",
        "rps": None,
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(
            latencies[min(len(latencies) - 1, math.ceil(len(latencies) * 0.99) - 1)], 1
        ),
        "max_ms": round(latencies[-1], 1),
        "mean_ms": round(statistics.fmean(latencies), 1),
        "requests": len(latencies),
        "each_ms": [round(ms, 1) for ms, _ in timings],
        "errors": 0,
        "memory_ratio": None,
        "queries_per_request": max(count for _, count in timings),
    }


def run(config: Config) -> dict:
    """Make the data, serve it and load each page; return the results for the report."""
    generation = make_data(config)
    site = find_site()
    page_list = pages(site, config.search)
    servers = Servers(config.workdir, config.workers)
    try:
        say(f"starting gunicorn with {config.workers} sync workers")
        servers.start_gunicorn()
        trivial = page_list[0]
        wrk(config, servers.ports["gunicorn"], trivial, {}, config.warmup)  # warm the workers
        memory_start = rss_kib(servers.worker_pids())

        profile = profile_path(site.largest)
        first = first_renders(servers.ports["gunicorn"], profile, config.workers)
        say(f"first requests of the largest profile: {', '.join(f'{ms:.0f} ms' for ms in first)}")
        status, headers, html = http_get(servers.ports["gunicorn"], profile)
        etag = headers.get("ETag")
        if status != 200 or not etag:
            raise BenchError(f"{profile} answered {status} with ETag {etag}")
        servers.start_nginx(html)

        say("counting queries in-process")
        queries = count_queries(site, page_list, etag)

        rows = []
        for page in page_list:
            row = measure(config, servers, page, page.headers(site, etag))
            row["queries_per_request"] = queries.get(page.key)
            if page.key == "profile":
                row["first_render_ms"] = round(max(first), 1)
                row["first_render_ms_each_worker"] = [round(ms, 1) for ms in first]
            rows.append(row)
        # The trivial page again: far from the first run, the machine was busy meanwhile.
        trivial_again = measure(config, servers, trivial, {})
        memory_end = rss_kib(servers.worker_pids())
    finally:
        servers.stop()
    for page, row in zip(page_list, rows, strict=True):
        row["queries_smallest"] = queries.get(f"{page.key}_smallest")
        judge(page.target, row, rows[0])
    writes = measure_writes(config, site)
    judge(("ms", 100), writes[0], rows[0])
    judge(("max_ms", 2000), writes[1], rows[0])
    rows += writes
    return {
        "generation": generation,
        "queries_smallest_profile": queries["smallest"],
        "rows": rows,
        "trivial_again_at_end": {key: trivial_again[key] for key in ("rps", "p50_ms", "p99_ms")},
        "memory": {
            "kib_after_first_warmup": memory_start,
            "kib_at_end": memory_end,
            "ratio_end_to_first_warmup": round(memory_end / memory_start, 4),
        },
        "profiles": {
            "largest": {
                "url": profile,
                "id": site.largest.pk,
                "claims": site.largest.claim_count,
                "html_bytes": len(html),
            },
            "smallest": {
                "url": profile_path(site.smallest),
                "id": site.smallest.pk,
                "claims": site.smallest.claim_count,
            },
        },
    }


def judge(target: tuple[str, float] | None, row: dict, trivial: dict) -> None:
    """Add the row's ratios to the trivial page's figures, and whether it meets its target:
    ("rps", x) at least x times the trivial page's requests per second; ("p50", x) a median
    latency at most x times the trivial page's; ("ms", x) a median of at most x ms;
    ("max_ms", x) every one at most x ms."""
    row["rps_ratio_to_trivial"] = row["rps"] and round(row["rps"] / trivial["rps"], 3)
    row["p50_ratio_to_trivial"] = round(row["p50_ms"] / trivial["p50_ms"], 3)
    row["target"] = None
    if target:
        metric, bound = target
        text, met = {
            "rps": (f"rps ≥ {bound:g}× trivial", (row["rps_ratio_to_trivial"] or 0) >= bound),
            "p50": (f"p50 ≤ {bound:g}× trivial", row["p50_ratio_to_trivial"] <= bound),
            "ms": (f"p50 ≤ {bound:g} ms", row["p50_ms"] <= bound),
            "max_ms": (f"each ≤ {bound:g} ms", row["max_ms"] <= bound),
        }[metric]
        row["target"] = {"text": text, "met": met}


# Report -------------------------------------------------------------------------------------


def machine(load_average: float) -> dict:
    from importlib.metadata import version

    from django import get_version

    cpu = file_match("/proc/cpuinfo", r"^model name\s*:\s*(.+)$") or platform.processor()
    mem_kib = file_match("/proc/meminfo", r"^MemTotal:\s+(\d+) kB")
    system = file_match("/etc/os-release", r'^PRETTY_NAME="?([^"\n]+)') or platform.system()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": round(int(mem_kib) / 1024**2, 1) if mem_kib else None,
        "os": f"{system}, kernel {platform.release()}",
        "python": platform.python_version(),
        "django": get_version(),
        "gunicorn": version("gunicorn"),
        "wrk": command_match(["wrk", "--version"], r"wrk (\S+)"),
        "nginx": command_match(["nginx", "-v"], r"nginx/(\S+)"),
        "load_average_at_start": load_average,
    }


def file_match(path: str, pattern: str) -> str | None:
    try:
        found = re.search(pattern, Path(path).read_text(), re.MULTILINE)
    except OSError:
        return None
    return found.group(1).strip() if found else None


def command_match(command: list[str], pattern: str) -> str | None:
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=10)
    except OSError:
        return None
    found = re.search(pattern, result.stdout + result.stderr)
    return found.group(1) if found else None


def database() -> dict:
    from django.db import connection

    query = (
        "SHOW server_version" if connection.vendor == "postgresql" else "SELECT sqlite_version()"
    )
    with connection.cursor() as cursor:
        cursor.execute(query)
        version = cursor.fetchone()[0]
    name = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}.get(connection.vendor)
    return {"vendor": connection.vendor, "name": name or connection.vendor, "version": version}


def table(rows: list[dict]) -> str:
    def number(value, digits=0, suffix=""):
        return "–" if value is None else f"{value:,.{digits}f}{suffix}"

    header = ["page", "rps", "× rps", "p50 ms", "× p50", "p99 ms", "queries", "smallest"]
    lines = [[*header, "memory", "requests", "errors", "target"]]
    for row in rows:
        target = row["target"]
        lines.append(
            [
                row["page"],
                number(row["rps"]),
                number(row["rps_ratio_to_trivial"], 2, "×"),
                number(row["p50_ms"], 1),
                number(row["p50_ratio_to_trivial"], 1, "×"),
                number(row["p99_ms"], 1),
                number(row["queries_per_request"]),
                number(row.get("queries_smallest")),
                number(row["memory_ratio"], 3),
                number(row["requests"]),
                number(row["errors"]),
                f"{target['text']}: {'ok' if target['met'] else 'MISSED'}" if target else "",
            ]
        )
    widths = [max(len(line[column]) for line in lines) for column in range(len(lines[0]))]
    lines.insert(1, ["-" * width for width in widths])
    text_columns = (0, len(widths) - 1)
    return "\n".join(
        "  ".join(
            cell.ljust(width) if column in text_columns else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(line, widths, strict=True))
        ).rstrip()
        for line in lines
    )


def print_report(report: dict) -> None:
    m, db, s = report["machine"], report["database"], report["settings"]
    profile = next(row for row in report["rows"] if row["key"] == "profile")
    trivial, again = report["rows"][0], report["trivial_again_at_end"]
    memory = report["memory"]
    firsts = " and ".join(f"{ms:g} ms" for ms in profile["first_render_ms_each_worker"])
    generation = report["generation"]
    print(
        f"\nStack: {report['stack']}\n"
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM; {m['os']}; "
        f"Python {m['python']}; Django {m['django']}; {db['name']} {db['version']}; "
        f"load average {m['load_average_at_start']:.2f} at the start\n"
        f"gunicorn {m['gunicorn']}, {s['workers']} sync workers; wrk {m['wrk']}, 1 thread, "
        f"{s['wrk_connections']} connections, {s['duration_s']} s a page after "
        f"{s['warmup_s']} s of warm-up; scale {report['scale']}: "
        + ", ".join(f"{name} {value}" for name, value in report["data"].items())
        + "\n"
    )
    print(table(report["rows"]))
    print(
        f"\nThe largest profile ({report['profiles']['largest']['claims']} claims, "
        f"{report['profiles']['largest']['html_bytes']:,} bytes of HTML): first requests, one "
        f"per worker, {firsts}; {profile['queries_per_request']} queries, and "
        f"{report['queries_smallest_profile']} for the smallest profile "
        f"({report['profiles']['smallest']['claims']} claims).\n"
        "memory: the gunicorn workers' resident memory after the load ÷ after the warm-up; "
        f"{memory['kib_at_end'] / 1024:.0f} MiB at the end, "
        f"{memory['ratio_end_to_first_warmup']:.2f}× that after the first warm-up.\n"
        f"The trivial page again at the end: {again['rps']:,.0f} rps "
        f"({again['rps'] / trivial['rps']:.2f}× the first run), p50 {again['p50_ms']:.1f} ms.\n"
        "queries: the second request's; smallest: the same page of the smallest profile. "
        "The writes are timed in-process, one at a time.\n"
        f"generate_demo_data took {generation['seconds']:.0f} s: "
        + ", ".join(f"{name} {seconds:g} s" for name, seconds in generation["stages_s"].items())
    )
    if profile["requests"] < s["memory_requests"]:
        print(
            f"The largest profile's memory ratio is over "
            f"{profile['requests_between_memory_readings']:,} requests: its load and more."
        )


# Main ---------------------------------------------------------------------------------------


def main() -> int:
    """Prepare the machine and the database, then run the benchmark; return the exit status."""
    argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    ).parse_args()
    # As `make bench` runs it: relative paths (BENCH_OUTPUT) are the repository's.
    os.chdir(ROOT)
    try:
        check_python()
        database = chosen_database()
        install_missing_programs(database)
    except BenchError as error:
        print(f"load_benchmark: {error}", file=sys.stderr)
        return 1
    if database == "postgres" and not os.environ.get(UNDER_WITH_POSTGRES):
        rerun_under_with_postgres()
    return benchmark()


def benchmark() -> int:
    """Run the benchmark on the database chosen; print the report and write it as JSON."""
    # Caught even when started with SIGINT ignored, as a shell's background job is.
    for signum in STOP_SIGNALS:
        signal.signal(signum, stop_on_signal)
    load_average = round(os.getloadavg()[0], 2)
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="monitor-load-benchmark-"))
    redis = Redis(workdir)
    try:
        config = Config.from_environ(workdir)
        if os.environ["BENCH_DB"] == "postgres":
            redis.start()
            say(f"serving with a shared Redis cache at {redis.url}")
        settings = configure_django(workdir, redis.url if redis.process else "")
        say(f"scale {config.scale}; temporary files in {workdir}")
        results = run(config)
        db = database()
        report = {
            "stack": (
                f"{db['name']} {db['version']} + Redis {redis.version()}, shared by the workers"
                if redis.process
                else f"{db['name']} {db['version']}, each worker's local-memory cache"
            ),
            "machine": machine(load_average),
            "database": db,
            "scale": config.scale,
            "data": config.data,
            "settings": {
                "workers": config.workers,
                "worker_class": "sync",
                "wrk_connections": config.connections,
                "duration_s": config.duration,
                "warmup_s": config.warmup,
                "memory_requests": config.memory_requests,
                "saves": config.saves,
                "publishes": config.publishes,
                **{name: value for name, value in settings.items() if "SECRET" not in name},
            },
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "total_seconds": round(time.monotonic() - started),
            **results,
        }
    except BenchError as error:
        print(f"load_benchmark: failed: {error}", file=sys.stderr)
        return 1
    except Stopped as stop:
        print(f"load_benchmark: stopped by {signal.Signals(stop.args[0]).name}", file=sys.stderr)
        return 128 + stop.args[0]
    finally:
        for signum in STOP_SIGNALS:
            signal.signal(signum, signal.SIG_IGN)  # let the clean-up finish
        redis.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    config.output.parent.mkdir(parents=True, exist_ok=True)
    config.output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print_report(report)
    print(f"Wrote {config.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
