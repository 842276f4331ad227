"""Prefect's default server, the baseline: ``prefect server start`` with no database settings,
so it keeps its data in SQLite under its PREFECT_HOME (a temporary folder).

It is the venv's ``prefect``, the version pinned for the platform's image. One setting departs
from the defaults, and only in what is logged: PREFECT_SERVER_LOG_RETRYABLE_ERRORS, since
Prefect 3 hides 'database is locked' errors from its log unless asked, and the benchmark counts
them. The server is started in its own session and stopped by its process group, bounded in time.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.targets import Endpoint, FileLog, Target, wait_until_ready
from flowforge_infra.throwaway_stack import free_loopback_port

__all__ = ["sqlite_server"]

START_TIMEOUT_SECONDS = 180
STOP_TIMEOUT_SECONDS = 20
PREFECT = Path(sys.executable).with_name("prefect")


@contextmanager
def sqlite_server() -> Iterator[Target]:
    """A running default server on a free loopback port, removed with its data on exit."""
    workdir = Path(tempfile.mkdtemp(prefix="flowforge-bench-sqlite-"))
    port = free_loopback_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("PREFECT_")}
    env |= {
        "PREFECT_HOME": str(workdir / "home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_LOG_RETRYABLE_ERRORS": "true",
    }
    log = workdir / "server.log"
    try:
        with log.open("wb") as log_file:
            process = subprocess.Popen(
                [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                env=env, cwd=workdir, stdout=log_file, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        try:
            endpoint = Endpoint(f"http://127.0.0.1:{port}/api")
            wait_until_ready(
                endpoint, timeout=START_TIMEOUT_SECONDS, alive=lambda: process.poll() is None
            )
            yield Target("SQLite default", endpoint, FileLog(log))
        finally:
            _stop(process)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the session we created; SIGKILL to whatever of it outlives the timeout."""
    with contextlib.suppress(ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=STOP_TIMEOUT_SECONDS)
