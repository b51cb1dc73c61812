import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.load.servers import HOST, ROOT, Gunicorn, PostgresServer, RedisServer

# The servers' logs are copied here after the test, for a look when it fails.
ARTIFACTS = ROOT / "test-artifacts" / "load"

EDITORS = 4
CLAIMS = 2  # several editors on the same few claims, so that their saves conflict
APP_SERVERS = 2


@dataclass
class Site:
    postgres: PostgresServer
    database_url: str
    cache_url: str
    servers: list[Gunicorn]
    pages: list[str]
    claims: dict[int, str]  # id: text before the test
    editors: dict[str, dict]  # username: {"id": user id, "session": session key}
    publisher: dict  # {"id": user id, "session": session key}
    profiles: dict[str, int]  # public address: profile id
    session_cookie: str


def production_env(workdir: Path, database_url: str, cache_url: str) -> dict[str, str]:
    """Return the environment of a production server, on plain HTTP on the loopback."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DJANGO_") and key != "DATABASE_URL"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="monitor.settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS=HOST,
        DATABASE_URL=database_url,
        DJANGO_CACHE_URL=cache_url,
        DJANGO_CONN_MAX_AGE="600",
        DJANGO_STATIC_ROOT=str(workdir / "static"),
        # Plain HTTP on the loopback: no redirect to HTTPS, cookies sent without it.
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_COOKIES="0",
        DJANGO_SECURE_HSTS_SECONDS="0",
        DJANGO_LOG_LEVEL="WARNING",
    )
    return env


def manage_shell(env: dict[str, str], code: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-startup", "--command", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        pytest.fail(f"manage.py shell failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def interrupt(signum, frame):
    raise KeyboardInterrupt


@pytest.fixture(scope="module")
def site():
    """PostgreSQL, Redis and two gunicorn app servers sharing them, with the fixture profiles
    published and editors logged in; everything stopped and removed afterwards."""
    # Not pytest's tmp_path: the PostgreSQL user must be able to reach the directory.
    workdir = Path(tempfile.mkdtemp(prefix="monitor-load-"))
    # A CI timeout's SIGTERM stops the test as Ctrl-C does, so that the servers are stopped.
    previous_handler = signal.signal(signal.SIGTERM, interrupt)
    workdir.chmod(0o711)  # others may pass through, to the directory PostgreSQL owns
    started = []
    try:
        postgres = PostgresServer(workdir / "postgres")
        postgres.directory.mkdir()
        postgres.init()
        started.append(postgres)
        postgres.start()
        postgres.create_database("monitor")
        redis = RedisServer(workdir)
        started.append(redis)
        env = production_env(workdir, postgres.url("monitor"), redis.url)
        output = manage_shell(
            env,
            "from django.core.management import call_command\n"
            "call_command('migrate', verbosity=0)\n"
            "call_command('collectstatic', interactive=False, verbosity=0)\n"
            "from tests.load.seed import prepare\n"
            f"prepare(editors={EDITORS}, claims={CLAIMS})\n",
        )
        data = json.loads(output.strip().splitlines()[-1])
        servers = []
        for number in range(APP_SERVERS):
            server = Gunicorn(env, workdir / f"gunicorn-{number}.log")
            started.append(server)
            servers.append(server)
        yield Site(
            postgres=postgres,
            database_url=postgres.url("monitor"),
            cache_url=redis.url,
            servers=servers,
            pages=data["pages"],
            claims={int(pk): text for pk, text in data["claims"].items()},
            editors=data["editors"],
            publisher=data["publisher"],
            profiles=data["profiles"],
            session_cookie=data["session_cookie"],
        )
    finally:
        for server in reversed(started):
            server.close()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for log in [*workdir.glob("gunicorn-*.log"), workdir / "postgres" / "server.log"]:
            if log.exists():
                shutil.copy(log, ARTIFACTS / log.name)
        shutil.rmtree(workdir, ignore_errors=True)
        signal.signal(signal.SIGTERM, previous_handler)
