"""``flowforge-infra profile`` and ``doctor`` as a user runs them: the real console script, each
call its own process with its own Prefect home, against the real servers of this tier.

This is where the doctor's database check meets a real Prefect 3.9.1: the session's server is
configured by separate PREFECT_SERVER_DATABASE_* settings and must pass; a server left on its
default database reports no driver and must fail as "cannot verify".
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from servers import (
    PREFECT,
    PrefectServer,
    free_port,
    stop,
    temporary_directory,
    wait_for_ready,
)

from flowforge_infra.prefect_api import PrefectClient, WorkPoolCreate
from flowforge_infra.work_pool import default_base_job_template

CLI = Path(sys.executable).with_name("flowforge-infra")
RUN_TIMEOUT_SECONDS = 120


@pytest.fixture
def pool(client: PrefectClient, pool_name: str) -> str:
    client.create_work_pool(
        WorkPoolCreate(
            name=pool_name, type="process", base_job_template=default_base_job_template("process")
        )
    )
    return pool_name


@pytest.fixture
def prefect_home(tmp_path: Path) -> Path:
    """A Prefect home of its own: the profiles these tests write never touch the user's."""
    return tmp_path / "prefect-home"


def flowforge_infra(
    *args: str, home: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the console script in a shell whose only Prefect settings are ``env``."""
    clean = {key: value for key, value in os.environ.items() if not key.startswith("PREFECT_")}
    done = subprocess.run(
        [CLI, *args],
        env={**clean, "PREFECT_HOME": str(home), "COLUMNS": "1000", **(env or {})},
        capture_output=True, text=True, timeout=RUN_TIMEOUT_SECONDS, check=False,
    )  # fmt: skip
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    return done


def test_profile_then_doctor_in_another_shell_passes_every_check(
    prefect_server: PrefectServer, pool: str, prefect_home: Path
) -> None:
    assert prefect_server.auth_string is not None, "the session server runs with basic auth"
    written = flowforge_infra(
        "profile", "--api-url", prefect_server.api_url,
        home=prefect_home, env={"PREFECT_API_AUTH_STRING": prefect_server.auth_string},
    )  # fmt: skip
    assert written.returncode == 0, written.stderr
    assert written.stdout.endswith(
        "  prefect worker start --pool flowforge-development --type process "
        "--name flowforge-worker\n"
    )

    # A new shell: nothing exported, so URL and auth string can only come from the profile.
    report = flowforge_infra("doctor", "--api-url", prefect_server.api_url, "--work-pool", pool,
                             home=prefect_home)  # fmt: skip
    assert report.returncode == 0, report.stdout + report.stderr
    assert "All 5 checks passed." in report.stdout
    assert "driver postgresql+asyncpg" in report.stdout
    assert prefect_server.auth_string not in report.stdout, "the auth string must not be shown"


def test_a_shell_without_the_profile_fails_with_the_command_that_fixes_it(
    prefect_server: PrefectServer, pool: str, prefect_home: Path
) -> None:
    assert prefect_server.auth_string is not None
    report = flowforge_infra(
        "doctor", "--api-url", prefect_server.api_url, "--work-pool", pool,
        home=prefect_home, env={"PREFECT_API_AUTH_STRING": prefect_server.auth_string},
    )  # fmt: skip
    assert report.returncode == 1, report.stdout + report.stderr
    assert "temporary local server with SQLite" in report.stdout
    assert f"flowforge-infra profile --api-url {prefect_server.api_url}" in report.stdout
    assert "1 of 5 checks failed." in report.stdout


def test_a_wrong_auth_string_fails_the_checks_that_need_it(
    prefect_server: PrefectServer, pool: str, prefect_home: Path
) -> None:
    report = flowforge_infra(
        "doctor", "--api-url", prefect_server.api_url, "--work-pool", pool,
        home=prefect_home, env={"PREFECT_API_AUTH_STRING": "flowforge:wrong"},
    )  # fmt: skip
    assert report.returncode == 1
    assert report.stdout.count("401 Unauthorized") == 3, report.stdout
    assert "PREFECT_API_AUTH_STRING" in report.stdout, "the fix names the setting"


@contextmanager
def prefect_server_on_its_default_database() -> Iterator[PrefectServer]:
    """``prefect server start`` with no database settings at all: SQLite in its home."""
    port = free_port()
    with temporary_directory("flowforge-prefect-default-db-") as workdir:
        clean = {key: value for key, value in os.environ.items() if not key.startswith("PREFECT_")}
        env = clean | {"PREFECT_HOME": str(workdir), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                       "PREFECT_SERVER_UI_ENABLED": "false"}  # fmt: skip
        log = workdir / "server.log"
        with log.open("wb") as log_file:
            process = subprocess.Popen(
                [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port),
                 "--no-services"],
                env=env, cwd=workdir, stdout=log_file, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        server = PrefectServer(f"http://127.0.0.1:{port}/api", None, log)
        try:
            wait_for_ready(server)
            yield server
        finally:
            stop(process, group=True)


def test_a_server_on_its_default_database_fails_as_cannot_verify(prefect_home: Path) -> None:
    with prefect_server_on_its_default_database() as server:
        report = flowforge_infra("doctor", "--api-url", server.api_url, home=prefect_home,
                                 env={"PREFECT_API_URL": server.api_url})  # fmt: skip
    assert report.returncode == 1, report.stdout + report.stderr
    database_row = next(line for line in report.stdout.splitlines() if "database is" in line)
    assert "FAIL" in database_row and "cannot verify" in database_row, database_row
