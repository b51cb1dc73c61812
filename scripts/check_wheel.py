"""Check that Monitor's wheel works installed, away from the checkout (`make test-wheel`).

Build the wheel from the checkout and check that it carries every template, static file, demo
and data file and Python package. Install it with the locked dependencies (requirements/base.txt)
into a fresh virtualenv, and run it from an empty directory as an operator would, with debug
off: migrate, load the demo, collect the static files, serve with gunicorn on a free loopback
port, and fetch the Mali profile and its stylesheet. The database and the static files must land
in that directory, never in the installed package. Everything is made in one temporary
directory, removed at the end whatever happens.

Run with the checkout's virtualenv, whose locked hatchling builds the wheel:

    .venv/bin/python scripts/check_wheel.py
"""

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements" / "base.txt"
PACKAGES = ["monitor", "history", "profiles", "citations"]
HOST = "127.0.0.1"
PAGE = "/countries/mali/cluster-munition-ban-policy/"
STARTED = time.monotonic()


class CheckFailed(Exception):
    pass


def say(message: str) -> None:
    print(f"check-wheel [{time.monotonic() - STARTED:5.1f}s] {message}", flush=True)


def run(command: list, **kwargs) -> str:
    """Run a command; return its output, or fail showing it."""
    result = subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        timeout=300,
        **kwargs,
    )
    if result.returncode != 0:
        raise CheckFailed(
            f"{' '.join(map(str, command))} exited with {result.returncode}:\n"
            f"{result.stdout}{result.stderr}"
        )
    return result.stdout


def expected_files() -> set[str]:
    """The files the wheel must hold, by their names in it: the templates and static files
    (moved into monitor/), the country data and every demo file, and each package's __init__."""
    names = {f"monitor/{path.relative_to(ROOT)}" for path in files(ROOT / "templates")}
    names |= {f"monitor/{path.relative_to(ROOT)}" for path in files(ROOT / "static")}
    names |= {str(path.relative_to(ROOT)) for path in files(ROOT / "profiles" / "demo")}
    names |= {str(path.relative_to(ROOT)) for path in files(ROOT / "profiles" / "data")}
    for package in PACKAGES:
        names |= {
            str(path.relative_to(ROOT))
            for path in (ROOT / package).rglob("__init__.py")
            if "__pycache__" not in path.parts
        }
    return names


def files(folder: Path) -> list[Path]:
    return [
        path
        for path in folder.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and not path.name.startswith(".")
    ]


def build_wheel(dist: Path) -> Path:
    run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
        + ["--wheel-dir", dist, ROOT]
    )
    [wheel] = dist.glob("monitor-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        missing = expected_files() - set(archive.namelist())
    if missing:
        raise CheckFailed(f"the wheel lacks {len(missing)} files: {', '.join(sorted(missing))}")
    return wheel


def install(wheel: Path, environment: Path) -> Path:
    """Install the locked dependencies, then the wheel alone; return the virtualenv's bin/."""
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    run([python, "-m", "pip", "install", "--quiet", "--require-hashes", "-r", LOCK])
    run([python, "-m", "pip", "install", "--quiet", "--no-deps", wheel])
    return environment / "bin"


def site_environment(bin_dir: Path) -> dict[str, str]:
    """Production settings on plain HTTP on the loopback; nothing from the caller's DJANGO_*,
    DATABASE_URL or PYTHONPATH, so that only the installed package can be imported."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DJANGO_")
        and key not in {"DATABASE_URL", "PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}
    }
    env.update(
        PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
        DJANGO_SETTINGS_MODULE="monitor.settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS=HOST,
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_COOKIES="0",
        DJANGO_SECURE_HSTS_SECONDS="0",
    )
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def get(port: int, path: str) -> tuple[int, str, str]:
    """Return the status, content type and body of a GET."""
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}{path}", timeout=10) as response:
            body = response.read().decode("utf-8", "replace")
            return response.status, response.headers.get("Content-Type", ""), body
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), ""


def serve(bin_dir: Path, site: Path, env: dict[str, str], log: Path) -> tuple:
    """Start gunicorn; return it and its port once it answers."""
    for _attempt in range(3):  # another process may take the free port first
        port = free_port()
        with log.open("w") as output:
            server = subprocess.Popen(
                [bin_dir / "gunicorn", "monitor.wsgi", f"--bind={HOST}:{port}", "--workers=1"]
                + ["--no-control-socket"],
                cwd=site,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and server.poll() is None:
            try:
                get(port, "/health/")
                return server, port
            except OSError:
                time.sleep(0.2)
        stop(server)
    raise CheckFailed(f"gunicorn did not start; its log:\n{log.read_text()}")


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def check(tmp: Path) -> None:
    say("building the wheel")
    wheel = build_wheel(tmp / "dist")
    say(f"installing {wheel.name} and {LOCK.relative_to(ROOT)} into a fresh virtualenv")
    environment = tmp / "venv"
    bin_dir = install(wheel, environment)

    site = tmp / "site"  # the operator's empty working directory
    site.mkdir()
    env = site_environment(bin_dir)
    code = "import monitor; print(monitor.__file__)"
    location = Path(run([bin_dir / "python", "-c", code], cwd=site, env=env).strip())
    if environment not in location.parents:
        raise CheckFailed(f"monitor was imported from {location}, not from the virtualenv")

    say("django-admin check; monitor migrate, load_demo, collectstatic")
    admin = bin_dir / "django-admin"
    run([admin, "check", "--fail-level=WARNING"], cwd=site, env=env)
    # The site's templates come before the apps', as in the checkout: its admin/index.html
    # replaces the admin's own.
    code = (
        "import django; django.setup(); from django.template.loader import get_template; "
        "print(get_template('admin/index.html').origin.name)"
    )
    origin = Path(run([bin_dir / "python", "-c", code], cwd=site, env=env).strip())
    if origin != location.parent / "templates" / "admin" / "index.html":
        raise CheckFailed(f"admin/index.html is taken from {origin}, not from monitor/templates/")
    # The installed `monitor` command is manage.py's equal.
    monitor = bin_dir / "monitor"
    run([monitor, "migrate", "--noinput", "--verbosity=0"], cwd=site, env=env)
    run([monitor, "load_demo", "--force", "--verbosity=0"], cwd=site, env=env)
    run([monitor, "collectstatic", "--noinput", "--verbosity=0"], cwd=site, env=env)
    malformed = subprocess.run(
        [str(monitor), "check"],
        cwd=site,
        env={**env, "DJANGO_CONN_MAX_AGE": "ten"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    if malformed.returncode != 2 or len(malformed.stderr.splitlines()) != 1:
        raise CheckFailed(
            "`monitor check` with DJANGO_CONN_MAX_AGE=ten should exit 2 with one line, not "
            f"{malformed.returncode}:\n{malformed.stderr}"
        )

    say("serving with gunicorn")
    log = tmp / "gunicorn.log"
    server, port = serve(bin_dir, site, env, log)
    try:
        status, _, page = get(port, PAGE)
        if status != 200 or "Mali" not in page:
            raise CheckFailed(f"GET {PAGE} answered {status}; gunicorn's log:\n{log.read_text()}")
        stylesheets = re.findall(r'<link[^>]+href="([^"]+\.css)"', page)
        if not stylesheets:
            raise CheckFailed(f"{PAGE} links no stylesheet")
        for stylesheet in stylesheets:
            status, content_type, _ = get(port, stylesheet)
            if status != 200 or not content_type.startswith("text/css"):
                raise CheckFailed(f"GET {stylesheet} answered {status} {content_type}")
        say(f"GET {PAGE} and {', '.join(stylesheets)}: 200")
    finally:
        stop(server)

    if not (site / "db.sqlite3").is_file() or not (site / "staticfiles").is_dir():
        raise CheckFailed("db.sqlite3 or staticfiles/ is missing from the working directory")
    strays = [*environment.rglob("db.sqlite3*"), *environment.rglob("staticfiles.json")]
    if strays:
        raise CheckFailed(f"written into the virtualenv: {', '.join(map(str, strays))}")


def interrupt(signum, frame):
    raise KeyboardInterrupt


def main() -> int:
    # A CI timeout's SIGTERM stops the check as Ctrl-C does: the server and files are removed.
    signal.signal(signal.SIGTERM, interrupt)
    with tempfile.TemporaryDirectory(prefix="check-wheel-") as tmp:
        try:
            check(Path(tmp))
        except CheckFailed as failure:
            say(f"FAILED: {failure}")
            return 1
    say("the installed wheel serves the site")
    return 0


if __name__ == "__main__":
    sys.exit(main())
