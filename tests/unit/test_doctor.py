"""``flowforge-infra doctor``: each check's verdict and fix, the report, and bad input.

The Prefect API is an ``httpx.MockTransport``; the ``pulumi`` CLI is a small script put first
on PATH that answers from a table, so the real subprocess path is exercised without a backend.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import prefect
import pytest
from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings
from typer.testing import CliRunner

from flowforge_infra import doctor
from flowforge_infra.cli import app
from flowforge_infra.prefect_api import PrefectClient, RetryPolicy
from flowforge_infra.profile import OVERRIDING_VARIABLES, ShellSettings
from flowforge_infra.stack_outputs import Platform

API_URL = "http://localhost:4200/api"
AUTH = "flowforge:s3cret"
POOL = "flowforge-development"
WORKER_COMMAND = f"prefect worker start --pool {POOL} --type process --name flowforge-worker"
STACK_OUTPUTS = {
    "api_url": API_URL,
    "work_pool_name": POOL,
    "work_pool_type": "process",
    "worker_command": WORKER_COMMAND,
    "database_url": "[secret]",
}
PLATFORM = Platform(API_URL, POOL, "process", WORKER_COMMAND, auth_string=AUTH, stack="dev")
GOOD_SHELL = ShellSettings(API_URL, AUTH, "profile 'flowforge'", ())


class FakeServer:
    """A Prefect API as the doctor sees it; fields say how it is configured."""

    def __init__(self, **overrides: Any) -> None:
        self.driver: str | None = "postgresql+asyncpg"
        self.version = prefect.__version__
        self.pool_type: str | None = "process"  # None: the pool does not exist
        self.auth_string: str | None = AUTH
        self.__dict__.update(overrides)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/api")
        if path in ("/ready", "/health"):
            return httpx.Response(200, json={})
        if self.auth_string and request.headers.get("Authorization") != _basic(self.auth_string):
            return httpx.Response(401, json={"exception_message": "Unauthorized"})
        if path == "/admin/version":
            return httpx.Response(200, json=self.version)
        if path == "/admin/settings":
            database = {"driver": self.driver, "host": "postgres", "port": 5432,
                        "name": "prefect", "connection_url": "**********"}  # fmt: skip
            return httpx.Response(200, json={"server": {"database": database}})
        if path == f"/work_pools/{POOL}" and self.pool_type is not None:
            return httpx.Response(200, json=_pool(self.pool_type))
        return httpx.Response(404, json={"detail": "Not found"})


def _basic(auth: str) -> str:
    return httpx.BasicAuth(*auth.split(":", 1))._auth_header


def _pool(pool_type: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()), "name": POOL, "type": pool_type, "description": None,
        "base_job_template": {}, "is_paused": False, "concurrency_limit": None,
        "status": "READY", "default_queue_id": str(uuid.uuid4()),
    }  # fmt: skip


def checks_against(
    server: FakeServer, shell: ShellSettings = GOOD_SHELL, platform: Platform = PLATFORM
) -> dict[str, doctor.Check]:
    fast = RetryPolicy(attempts=1, deadline_seconds=5)
    transport = httpx.MockTransport(server)
    with PrefectClient(
        API_URL, auth_string=platform.auth_string, retry=fast, transport=transport
    ) as client:
        return {check.name: check for check in doctor.run_checks(client, platform, shell)}


def failed(checks: dict[str, doctor.Check]) -> dict[str, doctor.Check]:
    return {name: check for name, check in checks.items() if not check.passed}


def test_a_healthy_platform_and_shell_pass_every_check() -> None:
    checks = checks_against(FakeServer())
    assert list(checks) == [
        "API health and readiness",
        "server version",
        "database is PostgreSQL",
        "work pool",
        "this shell's Prefect settings",
    ]
    assert failed(checks) == {}
    database = checks["database is PostgreSQL"]
    assert database.detail == "driver postgresql+asyncpg at postgres:5432/prefect"


def test_a_server_on_sqlite_fails_with_the_settings_to_use() -> None:
    check = checks_against(FakeServer(driver="sqlite+aiosqlite"))["database is PostgreSQL"]
    assert not check.passed
    assert "sqlite+aiosqlite" in check.detail
    assert "PREFECT_SERVER_DATABASE_DRIVER" in check.fix


def test_a_url_configured_database_cannot_be_verified_and_fails() -> None:
    check = checks_against(FakeServer(driver=None))["database is PostgreSQL"]
    assert not check.passed
    assert check.detail.startswith("cannot verify")
    assert "PREFECT_SERVER_DATABASE_DRIVER" in check.fix


def test_another_major_version_fails() -> None:
    check = checks_against(FakeServer(version="2.20.3"))["server version"]
    assert not check.passed
    assert check.detail == (
        f"server 2.20.3, local prefect {prefect.__version__}: the major versions differ"
    )
    assert "prefect==2.20.3" in check.fix


def test_a_missing_pool_or_one_of_another_type_fails_with_pulumi_up() -> None:
    missing = checks_against(FakeServer(pool_type=None))["work pool"]
    other = checks_against(FakeServer(pool_type="docker"))["work pool"]
    for check in (missing, other):
        assert not check.passed
        assert "pulumi up --stack dev" in check.fix
    assert "'docker'" in other.detail


def test_a_wrong_auth_string_fails_every_authenticated_check_with_its_fix() -> None:
    checks = checks_against(FakeServer(auth_string="flowforge:other"))
    assert set(failed(checks)) == {"server version", "database is PostgreSQL", "work pool"}
    for check in failed(checks).values():
        assert "401" in check.detail
        assert "authString" in check.fix


@pytest.mark.parametrize(
    ("shell", "expected"),
    [
        (ShellSettings(None, None, "profile 'ephemeral'", ()), "temporary local server"),
        (ShellSettings("http://127.0.0.1:4200/api", AUTH, "environment variable PREFECT_API_URL",
                       ("PREFECT_API_URL",)), "is http://127.0.0.1:4200/api (from environment"),
        (ShellSettings(API_URL, "flowforge:old", "profile 'flowforge'", ()), "AUTH_STRING differs"),
    ],
    ids=["unset-means-sqlite", "other-url", "other-auth-string"],
)
def test_a_shell_not_pointing_at_the_platform_fails(shell: ShellSettings, expected: str) -> None:
    check = checks_against(FakeServer(), shell)["this shell's Prefect settings"]
    assert not check.passed
    assert expected in check.detail
    assert check.fix.startswith("flowforge-infra profile --stack dev")
    assert AUTH not in check.detail + check.fix, "the auth string must not be printed"


def test_an_overriding_variable_is_named_in_the_fix() -> None:
    shell = ShellSettings("http://other/api", None, "environment variable PREFECT_API_URL",
                          ("PREFECT_API_URL",))  # fmt: skip
    check = checks_against(FakeServer(), shell)["this shell's Prefect settings"]
    assert "unset PREFECT_API_URL" in check.fix


# --- the command: report, exit status, bad input -------------------------------------------


def fake_pulumi(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, answers: dict[str, tuple[int, str]]
) -> Path:
    """Put first on PATH a ``pulumi`` answering ``pulumi <a> <b> ...`` from ``answers["a b"]``
    as (exit status, text); returns the file it logs each call's arguments to."""
    bin_dir, log = tmp_path / "bin", tmp_path / "pulumi-calls.jsonl"
    bin_dir.mkdir()
    script = bin_dir / "pulumi"
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, sys\n"
        f"answers = {answers!r}\n"
        f"with open({str(log)!r}, 'a') as log:\n"
        "    log.write(json.dumps(sys.argv[1:]) + '\\n')\n"
        "code, text = answers.get(' '.join(sys.argv[1:3]), (1, 'error: unexpected call'))\n"
        "(sys.stdout if code == 0 else sys.stderr).write(text)\n"
        "sys.exit(code)\n"
    )
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return log


def stack_answers(outputs: dict[str, str], auth: str | None = AUTH) -> dict[str, tuple[int, str]]:
    config = {"flowforge-infra:hostPort": {"value": "4200", "secret": False}}
    if auth is not None:
        config["flowforge-infra:authString"] = {"secret": True}
    return {
        "stack output": (0, json.dumps(outputs)),
        "config --json": (0, json.dumps(config)),
        "config get": (0, json.dumps({"value": auth, "secret": True})),
    }


@pytest.fixture
def shell_on(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process's Prefect settings point at the platform, as after ``profile``."""
    for variable in OVERRIDING_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    with temporary_settings(updates={PREFECT_API_URL: API_URL, PREFECT_API_AUTH_STRING: AUTH}):
        yield


def serve(monkeypatch: pytest.MonkeyPatch, server: FakeServer) -> None:
    mocked = functools.partial(PrefectClient, transport=httpx.MockTransport(server))
    monkeypatch.setattr(doctor, "PrefectClient", mocked)


def run(*args: str) -> Any:
    result = CliRunner(env={"COLUMNS": "1000"}).invoke(app, list(args))
    assert "Traceback" not in result.output, result.output
    return result


@pytest.mark.usefixtures("shell_on")
def test_doctor_reads_the_stack_and_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = fake_pulumi(tmp_path, monkeypatch, stack_answers(STACK_OUTPUTS))
    serve(monkeypatch, FakeServer())
    result = run("doctor", "--stack", "dev")
    assert result.exit_code == 0, result.output
    assert "All 5 checks passed." in result.stdout
    assert "FAIL" not in result.stdout
    for call in map(json.loads, calls.read_text().splitlines()):
        assert "--stack" in call and call[call.index("--stack") + 1] == "dev", call
        assert "--show-secrets" not in call, "no secret output is needed"


@pytest.mark.usefixtures("shell_on")
def test_doctor_exits_1_and_shows_the_fix_when_a_check_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_pulumi(tmp_path, monkeypatch, stack_answers(STACK_OUTPUTS))
    serve(monkeypatch, FakeServer(driver="sqlite+aiosqlite"))
    result = run("doctor", "--stack", "dev")
    assert result.exit_code == 1, result.output
    assert "FAIL" in result.stdout and "PREFECT_SERVER_DATABASE_DRIVER" in result.stdout
    assert "1 of 5 checks failed." in result.stdout


@pytest.mark.usefixtures("shell_on")
def test_doctor_with_an_api_url_takes_the_auth_string_from_the_shell(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    serve(monkeypatch, FakeServer())
    result = run("doctor", "--api-url", API_URL)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"stack output": (255, "error: no stack named 'nope' found\n")},
         "error: pulumi stack output failed: error: no stack named 'nope' found"),
        (stack_answers({}), "error: stack 'nope' has no outputs yet; fix: pulumi up --stack nope"),
        (stack_answers({"api_url": API_URL}),
         "error: stack 'nope' has no output work_pool_name, work_pool_type, worker_command"),
        ({**stack_answers(STACK_OUTPUTS), "config get": (1, "error: passphrase must be set\n")},
         "error: pulumi config get failed: error: passphrase must be set"),
    ],
    ids=["unknown-stack", "no-outputs-yet", "not-a-platform-stack", "no-passphrase"],
)  # fmt: skip
@pytest.mark.parametrize("command", ["doctor", "profile"])
def test_a_stack_that_cannot_be_read_ends_with_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    command: str,
    answers: dict[str, tuple[int, str]],
    message: str,
) -> None:
    fake_pulumi(tmp_path, monkeypatch, answers)
    result = run(command, "--stack", "nope")
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith(message), result.stderr


def test_no_pulumi_on_path_ends_with_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    result = run("doctor")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: the pulumi CLI is not on PATH; fix: run through tools/local-cloud exec "
        "(e.g. make doctor), or use --api-url URL\n"
    )


@pytest.mark.parametrize("command", ["doctor", "profile"])
def test_an_api_that_does_not_answer_ends_with_one_line(command: str) -> None:
    dead = "http://127.0.0.1:9/api"  # the discard port: nothing listens on loopback
    result = run(command, "--api-url", dead, "--timeout", "1")
    assert result.exit_code == 2, result.output
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith(f"error: Prefect server at {dead} was not ready within 1s")
    assert "fix: check the URL" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--stack", "dev", "--api-url", API_URL], "error: give --stack or --api-url, not both"),
        (["--api-url", "localhost:4200"], "error: --api-url must be an http(s) URL"),
        (["--stack", "dev", "--work-pool", "x"], "error: --work-pool and --work-pool-type go with"),
    ],
    ids=["both", "no-scheme", "pool-with-stack"],
)
def test_contradictory_options_end_with_one_line(args: list[str], message: str) -> None:
    result = run("doctor", *args)
    assert result.exit_code == 2
    assert result.stderr.startswith(message) and len(result.stderr.splitlines()) == 1
