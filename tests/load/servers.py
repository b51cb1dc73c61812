"""Private servers for the load and fault test: PostgreSQL, Redis and gunicorn, each on a free
loopback port, in a temporary directory, stopped and started by the test at will."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from glob import glob
from pathlib import Path

HOST = "127.0.0.1"
WORKERS = 2  # gunicorn's sync workers per app server
ROOT = Path(__file__).resolve().parents[2]


class ServerError(Exception):
    """A server could not be set up, started or stopped: the message says why."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Run a command to completion; raise ServerError with its output when it fails."""
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise ServerError(
            f"{' '.join(map(str, command))} exited with {result.returncode}:\n"
            f"{result.stdout}\n{result.stderr}"
        )
    return result


def postgres_bin() -> Path:
    """Return the directory of PostgreSQL's server programs: on PATH, or Debian's newest."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).resolve().parent
    found = sorted(glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    if not found:
        raise ServerError("PostgreSQL's initdb and pg_ctl not found (apt-get install postgresql)")
    return Path(found[-1])


class PostgresServer:
    """A throwaway PostgreSQL cluster, as scripts/with-postgres makes one, that keeps its port
    across stops and starts. PostgreSQL refuses to run as root: then it runs as `postgres`."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.data = directory / "data"
        self.log = directory / "server.log"
        self.bin = postgres_bin()
        self.port = free_port()
        self.as_server = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.running = False

    def url(self, database: str) -> str:
        return f"postgres://postgres@{HOST}:{self.port}/{database}"

    def _pg(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        # From a directory the server's user can read: runuser keeps the working directory.
        return run([*self.as_server, *args], cwd=self.directory, **kwargs)

    def init(self) -> None:
        if self.as_server:
            shutil.chown(self.directory, "postgres")
        self._pg(
            str(self.bin / "initdb"),
            *("-D", str(self.data), "-A", "trust", "-U", "postgres"),
            *("--encoding=UTF8", "--locale=C.UTF-8"),
        )

    def start(self) -> None:
        # fsync off: the data outlives a crash of the server, not of the machine. Commits are
        # synchronous, so every commit a client was told of survives `stop("immediate")`.
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses={HOST} -c fsync=off "
            "-c full_page_writes=off"
        )
        self._pg(
            str(self.bin / "pg_ctl"),
            *("-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o", options),
            "start",
        )
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: "fast" rolls back open transactions and shuts down cleanly;
        "immediate" kills it as a crash would, to recover from its log at the next start."""
        self._pg(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")
        self.running = False

    def create_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')

    def close(self) -> None:
        if self.running:
            with contextlib.suppress(ServerError):
                self.stop("immediate")


class RedisServer:
    """A private redis-server that keeps nothing on disk."""

    def __init__(self, directory: Path):
        executable = shutil.which("redis-server")
        if executable is None:
            raise ServerError(
                "redis-server not found: the load test runs two app servers sharing a Redis "
                "cache (apt-get install redis-server)"
            )
        self.port = free_port()
        self.process = subprocess.Popen(
            [executable, "--port", str(self.port), "--bind", HOST, "--save", ""]
            + ["--appendonly", "no", "--dir", str(directory)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for_port(self.port, self.process, "redis-server")
        except BaseException:  # an interruption too: the process must not outlive the test
            self.close()
            raise

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def close(self) -> None:
        stop_process(self.process)


class Gunicorn:
    """The site served the production way by gunicorn's sync workers."""

    def __init__(self, env: dict[str, str], log: Path, workers: int = WORKERS):
        self.port = free_port()
        self.log = log
        with open(log, "wb") as output:
            self.process = subprocess.Popen(
                [str(ROOT / ".venv/bin/gunicorn"), "monitor.wsgi"]
                + ["--bind", f"{HOST}:{self.port}", "--workers", str(workers)]
                + ["--timeout", "30", "--graceful-timeout", "5"]
                # Its default path in the home directory is shared by every gunicorn there.
                + ["--no-control-socket"],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its workers are stopped with it
            )
        try:
            self._wait_for_health(timeout=60)
        except BaseException:  # an interruption too: the process must not outlive the test
            self.close()
            raise

    def _wait_for_health(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError(f"gunicorn exited at start:\n{self.log.read_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/health/", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise ServerError(
            f"gunicorn did not answer /health/ in {timeout} s:\n{self.log.read_text()}"
        )

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def close(self) -> None:
        stop_process(self.process, group=True)


def wait_for_port(port: int, process: subprocess.Popen, name: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerError(f"{name} exited with {process.returncode} at start")
        try:
            socket.create_connection((HOST, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise ServerError(f"{name} did not listen on port {port} in {timeout} s")


def stop_process(process: subprocess.Popen, group: bool = False) -> None:
    """Stop a process we started (and its process group, if it leads one): TERM, then KILL."""
    if process.poll() is not None:
        return
    send = (lambda sig: os.killpg(process.pid, sig)) if group else process.send_signal
    try:
        send(signal.SIGTERM)
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        send(signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass
