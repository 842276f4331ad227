"""Real servers on loopback for the integration tier: PostgreSQL, Prefect, and a tiny scripted
HTTP server. Each runs in its own temporary directory, is stopped by the pid we started, and
every wait is bounded in time.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

PG_BIN = Path("/usr/lib/postgresql/15/bin")
PREFECT = Path(sys.executable).with_name("prefect")
STOP_TIMEOUT_SECONDS = 20
START_TIMEOUT_SECONDS = 120
Arg = str | Path  # one command-line argument


def free_port() -> int:
    """A loopback port nobody listens on right now (and, once this returns, nobody will)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Postgres:
    host: str
    port: int
    user: str
    password: str
    database: str


@dataclass(frozen=True)
class PrefectServer:
    api_url: str
    auth_string: str | None
    log: Path


def stop(process: subprocess.Popen[bytes], *, group: bool, first: int = signal.SIGTERM) -> None:
    """Stop a process we started (and its process group, if it leads one), bounded in time."""
    if process.poll() is None:
        _signal(process, first, group=group)
        try:
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            _signal(process, signal.SIGKILL, group=group)
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
    elif group:
        _signal(process, signal.SIGKILL, group=True)  # leftovers of an exited leader


def _signal(process: subprocess.Popen[bytes], sig: int, *, group: bool) -> None:
    try:
        if group:
            os.killpg(process.pid, sig)  # the group we created with start_new_session
        else:
            process.send_signal(sig)
    except ProcessLookupError:
        pass


def _tail(log: Path, lines: int = 30) -> str:
    text = log.read_text(errors="replace") if log.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


@contextmanager
def temporary_directory(prefix: str) -> Iterator[Path]:
    """Under /tmp itself: pytest's own temp root is private to root, and PostgreSQL runs as
    the ``postgres`` user."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextmanager
def running_postgres() -> Iterator[Postgres]:
    """A fresh PostgreSQL cluster listening on 127.0.0.1 only, with password authentication."""
    if not (PG_BIN / "initdb").exists():
        pytest.fail(
            f"PostgreSQL server binaries missing in {PG_BIN}: run `make test`, which installs them",
            pytrace=False,
        )
    # initdb refuses to run as root: run the cluster as the postgres system user then.
    run_as = "postgres" if os.geteuid() == 0 else None
    db = Postgres("127.0.0.1", free_port(), "flowforge", secrets.token_hex(12), "prefect")
    with temporary_directory("flowforge-pg-") as workdir:
        data, log, pwfile = workdir / "data", workdir / "postgres.log", workdir / "pwfile"
        pwfile.write_text(db.password)
        if run_as:
            shutil.chown(workdir, run_as)
            shutil.chown(pwfile, run_as)
        initdb: list[Arg] = [PG_BIN / "initdb", "-D", data, "-U", db.user, "-E", "UTF8"]
        subprocess.run(
            [*initdb, "--no-sync", "--auth=scram-sha-256", f"--pwfile={pwfile}"],
            user=run_as,
            check=True,
            capture_output=True,
            timeout=120,
        )
        listen: list[Arg] = ["-h", db.host, "-p", str(db.port), "-k", workdir, "-c", "fsync=off"]
        with log.open("wb") as log_file:
            process = subprocess.Popen(
                [PG_BIN / "postgres", "-D", data, *listen],
                user=run_as,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        client_args: list[Arg] = ["-h", db.host, "-p", str(db.port), "-U", db.user]

        def accepting() -> bool:
            probe = [PG_BIN / "pg_isready", *client_args]
            return subprocess.run(probe, capture_output=True, timeout=10).returncode == 0

        try:
            _until(accepting, what=f"PostgreSQL on port {db.port}", process=process, log=log)
            subprocess.run(
                [PG_BIN / "createdb", *client_args, db.database],
                env={**os.environ, "PGPASSWORD": db.password},
                check=True,
                capture_output=True,
                timeout=60,
            )
            yield db
        finally:
            stop(process, group=False, first=signal.SIGINT)  # SIGINT: "fast" shutdown


@contextmanager
def running_prefect_server(
    db: Postgres, *, auth_string: str | None = None, port: int | None = None
) -> Iterator[PrefectServer]:
    """``prefect server start`` from the venv, its database in ``db``, configured with the
    separate PREFECT_SERVER_DATABASE_* settings (not one URL, which /api/admin/settings masks)."""
    port = port or free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    with temporary_directory("flowforge-prefect-") as workdir:
        env = {key: value for key, value in os.environ.items() if not key.startswith("PREFECT_")}
        env |= {
            "PREFECT_HOME": str(workdir / "home"),
            "PREFECT_SERVER_DATABASE_DRIVER": "postgresql+asyncpg",
            "PREFECT_SERVER_DATABASE_HOST": db.host,
            "PREFECT_SERVER_DATABASE_PORT": str(db.port),
            "PREFECT_SERVER_DATABASE_USER": db.user,
            "PREFECT_SERVER_DATABASE_PASSWORD": db.password,
            "PREFECT_SERVER_DATABASE_NAME": db.database,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_SERVER_UI_ENABLED": "false",
        }
        if auth_string is not None:
            env["PREFECT_SERVER_API_AUTH_STRING"] = auth_string
        flags = ["--no-services"]  # only the API: nothing here schedules or runs flows
        log = workdir / "server.log"
        with log.open("wb") as log_file:
            process = subprocess.Popen(
                [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port), *flags],
                env=env,
                cwd=workdir,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group, so stop() ends uvicorn too
            )
        server = PrefectServer(api_url, auth_string, log)
        try:
            yield server
        finally:
            stop(process, group=True)


def wait_for_ready(server: PrefectServer, *, timeout: float = START_TIMEOUT_SECONDS) -> None:
    """The fixture's own probe, independent of the client under test."""

    def ready() -> bool:
        try:
            return httpx.get(f"{server.api_url}/ready", timeout=5).status_code == 200
        except httpx.HTTPError:
            return False

    _until(ready, what=f"Prefect server at {server.api_url}", log=server.log, timeout=timeout)


def _until(
    condition: Callable[[], bool],
    *,
    what: str,
    log: Path,
    process: subprocess.Popen[bytes] | None = None,
    timeout: float = START_TIMEOUT_SECONDS,
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if process is not None and process.poll() is not None:
            break
        time.sleep(0.25)
    pytest.fail(f"{what} did not come up within {timeout:g}s; log tail:\n{_tail(log)}")


@dataclass
class ScriptedHttpServer:
    """A real HTTP server on loopback answering every request with one status, counting them."""

    status: int
    port: int = 0
    paths: list[str] = field(default_factory=list)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"


@contextmanager
def scripted_http_server(status: int) -> Iterator[ScriptedHttpServer]:
    script = ScriptedHttpServer(status)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            with lock:
                script.paths.append(f"{self.command} {self.path}")
            body = b'{"detail": "scripted answer"}'
            self.send_response(script.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PATCH = do_DELETE = _answer  # noqa: N815 (http.server's names)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            """Quiet: pytest shows captured output of failing tests only anyway."""

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    script.port = int(httpd.server_address[1])
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield script
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=STOP_TIMEOUT_SECONDS)
