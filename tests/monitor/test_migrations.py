"""Migrations apply forwards and backwards, on SQLite and on PostgreSQL.

Each test runs manage.py in a subprocess against a scratch database of its own: a file on
SQLite, a database created for it on the PostgreSQL server of DATABASE_URL (the PostgreSQL
pass of `make test`). The test suite's own database is never touched.
"""

import os
import secrets
import subprocess
import sys

import dj_database_url
import psycopg
import pytest
from psycopg import sql

from tests.conftest import MALI, ROOT


@pytest.fixture
def scratch_database_url(tmp_path):
    """Return the URL of an empty database, removed again after the test."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    server = dj_database_url.parse(url)
    name = f"monitor_migrations_{secrets.token_hex(4)}"
    connect = {
        "host": server["HOST"],
        "port": server["PORT"] or 5432,
        "user": server["USER"],
        "password": server["PASSWORD"] or None,
        "dbname": server["NAME"],
        "autocommit": True,
    }
    with psycopg.connect(**connect) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(**connect) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


# Runs manage.py commands, one a line of standard input, in one process (Django's start-up
# costs more than some of the commands), and prints each command's output after a separator.
RUN_COMMANDS = """
import shlex, sys
from django.core.management import call_command
for line in sys.stdin.read().splitlines():
    print(SEPARATOR, flush=True)
    call_command(*shlex.split(line), stdout=sys.stdout)
"""
SEPARATOR = "----- next command -----"
SHOW = "showmigrations profiles citations --list"
EXPORT = "export_profile mali cluster-munition-ban-policy"


@pytest.fixture
def manage(scratch_database_url):
    """Return a function that runs manage.py commands in one process on the scratch database
    and returns the last one's output; the test fails with the output when a command fails."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}
    }
    env.update(DATABASE_URL=scratch_database_url, DJANGO_DEBUG="1")

    def run(*commands: str) -> str:
        script = f"SEPARATOR = {SEPARATOR!r}\n{RUN_COMMANDS}"
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "--no-startup", "--command", script],
            input="\n".join(commands).encode(),
            cwd=ROOT,
            env=env,
            capture_output=True,
            timeout=120,
        )
        # Decoded here rather than with text=True, which would translate line endings.
        stdout, stderr = result.stdout.decode(), result.stderr.decode()
        if result.returncode != 0:
            pytest.fail(f"manage.py exited with {result.returncode}:\n{stdout}\n{stderr}")
        outputs = stdout.split(SEPARATOR + "\n")
        assert len(outputs) == len(commands) + 1, stdout
        return outputs[-1]

    return run


def applied(showmigrations: str) -> dict[str, list[str]]:
    """Return the names of the applied migrations, by app, that showmigrations --list shows."""
    applied = {}
    for line in showmigrations.splitlines():
        if not line.startswith(" "):
            app = applied.setdefault(line.strip(), [])
        elif line.strip().startswith("[X]"):
            app.append(line.split("] ", 1)[1])
    return applied


def test_migrations_apply_backwards_and_forwards_again_keeping_the_profiles(manage):
    every = applied(manage("migrate --verbosity=0", SHOW))
    # Unapplying profiles unapplies citations, whose migrations depend on it.
    none = applied(manage("migrate profiles zero --verbosity=0", SHOW))
    again = applied(manage("migrate --verbosity=0", SHOW))

    exported = manage(f"import_profile {MALI} --publish", EXPORT)
    # Back to the countries and treaties the published profile stands on, and forwards.
    exported_again = manage(
        "migrate profiles 0003 --verbosity=0",
        "migrate --verbosity=0",
        "migrate --check",  # fails while a migration is unapplied
        "makemigrations --check --dry-run",
        EXPORT,
    )

    assert "0010_profilechangeset" in every["profiles"]
    assert none == {"profiles": [], "citations": []}
    assert again == every
    assert "Mali" in exported
    assert exported_again == exported
