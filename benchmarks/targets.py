"""The servers under test: where their API is, whether it answers, and where their log is."""

from __future__ import annotations

import ipaddress
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import httpx

from benchmarks import BenchError
from benchmarks.shell import run

__all__ = [
    "LOCKED_MESSAGE",
    "ContainerLog",
    "Endpoint",
    "FileLog",
    "ServerLog",
    "Target",
    "check_reachable",
    "locked_lines",
    "stack_outputs",
    "wait_until_ready",
]

LOCKED_MESSAGE = "database is locked"


@dataclass(frozen=True)
class Endpoint:
    """A Prefect API on loopback, e.g. ``http://127.0.0.1:4200/api``. ``auth_string`` is the
    server's basic-auth ``user:password``, if it has one. Loopback only: the benchmark puts
    load on servers, and must never do so on someone else's."""

    api_url: str
    auth_string: str | None = None

    def __post_init__(self) -> None:
        problem = loopback_problem(self.api_url)
        if problem:
            raise BenchError(problem)

    @property
    def auth(self) -> httpx.BasicAuth | None:
        if self.auth_string is None:
            return None
        user, _, password = self.auth_string.partition(":")
        return httpx.BasicAuth(user, password)


def loopback_problem(api_url: str) -> str | None:
    """Why ``api_url`` is not an http(s) URL of a loopback address, or None if it is."""
    url = httpx.URL(api_url)
    if url.scheme not in ("http", "https") or not url.host:
        return f"API URL must be like http://127.0.0.1:4200/api, got {api_url!r}"
    if url.host == "localhost":
        return None
    try:
        loopback = ipaddress.ip_address(url.host).is_loopback
    except ValueError:
        loopback = False
    return None if loopback else f"API URL must be on a loopback address, got {api_url!r}"


def check_reachable(endpoint: Endpoint) -> str:
    """The server's Prefect version; raises BenchError in one line if it does not answer."""
    try:
        response = httpx.get(
            f"{endpoint.api_url.rstrip('/')}/admin/version", auth=endpoint.auth, timeout=10
        )
    except httpx.HTTPError as exc:
        raise BenchError(
            f"API at {endpoint.api_url} is unreachable ({type(exc).__name__}: {exc})"
        ) from exc
    if response.status_code != 200:
        hint = " (set PREFECT_API_AUTH_STRING)" if response.status_code == 401 else ""
        raise BenchError(
            f"API at {endpoint.api_url} answered {response.status_code} to /admin/version{hint}"
        )
    return str(response.json())


def wait_until_ready(
    endpoint: Endpoint,
    *,
    timeout: float,
    interval: float = 0.1,
    alive: Callable[[], bool] = lambda: True,
) -> None:
    """Return once ``GET /ready`` answers 200, polling every ``interval`` seconds (finer than
    a client's backoff: the benchmark times this moment). Raises BenchError after ``timeout``
    or as soon as ``alive()`` says the server process is gone."""
    deadline = time.monotonic() + timeout
    url = f"{endpoint.api_url.rstrip('/')}/ready"
    while time.monotonic() < deadline and alive():
        try:
            if httpx.get(url, auth=endpoint.auth, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(interval)
    why = "its process exited" if not alive() else f"not ready within {timeout:g}s"
    raise BenchError(f"Prefect server at {endpoint.api_url}: {why}")


def locked_lines(text: str) -> int:
    """How many lines of a log mention LOCKED_MESSAGE (a traceback may hold it twice)."""
    return sum(LOCKED_MESSAGE in line for line in text.splitlines())


class ServerLog(Protocol):
    def mark(self) -> Callable[[], int]:
        """Start a window; the function returned counts LOCKED_MESSAGE lines logged since."""
        ...


@dataclass(frozen=True)
class FileLog:
    """The log file of a server process the benchmark started."""

    path: Path

    def mark(self) -> Callable[[], int]:
        offset = self.path.stat().st_size

        def count() -> int:
            with self.path.open("rb") as log:
                log.seek(offset)
                return locked_lines(log.read().decode(errors="replace"))

        return count


@dataclass(frozen=True)
class ContainerLog:
    """``docker logs`` of a container, limited to the window with ``--since``."""

    container: str

    def mark(self) -> Callable[[], int]:
        since = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

        def count() -> int:
            text = run(
                ["docker", "logs", "--since", since, self.container], timeout=60, merge_stderr=True
            )
            return locked_lines(text)

        return count


@dataclass(frozen=True)
class Target:
    """A server under test: ``log`` is None when the benchmark cannot see its log."""

    label: str
    endpoint: Endpoint
    log: ServerLog | None


def stack_outputs(stack: str) -> dict[str, Any]:
    """The outputs of a Pulumi stack (secrets stay masked), via the ``pulumi`` CLI."""
    try:
        text = run(["pulumi", "stack", "output", "--json", "--stack", stack], timeout=120)
    except BenchError as exc:
        raise BenchError(
            f"cannot read the outputs of stack {stack!r} ({exc}); run 'make up' first"
        ) from exc
    return dict(json.loads(text))
