"""``flowforge-infra profile``: the Prefect profile it writes, read back through Prefect.

Profiles go to a temporary profiles file (PREFECT_PROFILES_PATH); the API is an
``httpx.MockTransport`` and ``pulumi`` a script put first on PATH that answers from a table.
"""

from __future__ import annotations

import functools
import json
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prefect.settings import (
    PREFECT_API_AUTH_STRING,
    PREFECT_API_URL,
    PREFECT_PROFILES_PATH,
    load_profiles,
    temporary_settings,
)
from typer.testing import CliRunner

from flowforge_infra import doctor
from flowforge_infra.cli import app
from flowforge_infra.prefect_api import PrefectClient
from flowforge_infra.profile import OVERRIDING_VARIABLES, shell_settings, write_profile

API_URL = "http://localhost:4200/api"
AUTH = "flowforge:s3cret"
WORKER_COMMAND = (
    "prefect worker start --pool flowforge-development --type process --name flowforge-worker"
)


@pytest.fixture
def profiles_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh profiles file, and a shell with no Prefect variables set."""
    for variable in OVERRIDING_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    path = tmp_path / "profiles.toml"
    with temporary_settings(updates={PREFECT_PROFILES_PATH: path}):
        yield path


def saved(name: str) -> dict[str, str]:
    return load_profiles()[name].to_environment_variables()


def test_writes_the_url_and_auth_string_and_activates_the_profile(profiles_file: Path) -> None:
    assert write_profile("flowforge", api_url=API_URL, auth_string=AUTH) == profiles_file
    assert saved("flowforge") == {"PREFECT_API_URL": API_URL, "PREFECT_API_AUTH_STRING": AUTH}
    assert load_profiles().active_name == "flowforge"


def test_the_profiles_file_is_private_to_its_owner(profiles_file: Path) -> None:
    write_profile("flowforge", api_url=API_URL, auth_string=AUTH)
    assert stat.S_IMODE(profiles_file.stat().st_mode) == 0o600, "it holds the auth string"


def test_rewriting_updates_only_that_profile_and_drops_an_old_auth_string(
    profiles_file: Path,
) -> None:
    write_profile("other", api_url="http://other:4200/api", auth_string="a:b")
    write_profile("flowforge", api_url=API_URL, auth_string=AUTH)
    write_profile("flowforge", api_url="http://localhost:4300/api", auth_string=None)
    assert saved("flowforge") == {"PREFECT_API_URL": "http://localhost:4300/api"}
    assert saved("other") == {"PREFECT_API_URL": "http://other:4200/api",
                              "PREFECT_API_AUTH_STRING": "a:b"}  # fmt: skip


def test_shell_settings_name_an_environment_variable_that_overrides_profiles(
    profiles_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PREFECT_API_URL", API_URL)
    with temporary_settings(updates={PREFECT_API_URL: API_URL, PREFECT_API_AUTH_STRING: AUTH}):
        shell = shell_settings()
    assert (shell.api_url, shell.auth_string) == (API_URL, AUTH)
    assert shell.source == "environment variable PREFECT_API_URL"
    assert shell.overriding_variables == ("PREFECT_API_URL",)


# --- the command ---------------------------------------------------------------------------


def fake_pulumi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, auth: str | None) -> None:
    """A ``pulumi`` first on PATH that knows one platform stack, with basic auth if ``auth``."""
    outputs = {"api_url": API_URL, "work_pool_name": "flowforge-development",
               "work_pool_type": "process", "worker_command": WORKER_COMMAND}  # fmt: skip
    config = {} if auth is None else {"flowforge-infra:authString": {"secret": True}}
    answers = {
        "stack output": json.dumps(outputs),
        "config --json": json.dumps(config),
        "config get": json.dumps({"value": auth, "secret": True}),
    }
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "pulumi"
    script.write_text(
        f"#!{sys.executable}\nimport sys\n"
        f"print({answers!r}[' '.join(sys.argv[1:3])])\n"
    )
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")


@pytest.fixture
def ready_api(monkeypatch: pytest.MonkeyPatch) -> None:
    ready = httpx.MockTransport(lambda _request: httpx.Response(200, json={}))
    monkeypatch.setattr(doctor, "PrefectClient", functools.partial(PrefectClient, transport=ready))


@pytest.mark.usefixtures("ready_api")
@pytest.mark.parametrize("auth", [AUTH, None], ids=["basic-auth", "no-auth"])
def test_profile_from_a_stack_writes_it_and_prints_the_worker_command(
    profiles_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, auth: str | None
) -> None:
    fake_pulumi(tmp_path, monkeypatch, auth)
    result = CliRunner().invoke(app, ["profile", "--stack", "dev", "--name", "ff-dev"])
    assert result.exit_code == 0, result.output
    expected = {"PREFECT_API_URL": API_URL} | ({"PREFECT_API_AUTH_STRING": auth} if auth else {})
    assert saved("ff-dev") == expected
    assert load_profiles().active_name == "ff-dev"
    assert result.stdout.endswith(f"Start a worker from any shell with:\n  {WORKER_COMMAND}\n")
    assert AUTH not in result.output, "the auth string must not be printed"


@pytest.mark.usefixtures("ready_api")
def test_profile_warns_when_this_shell_overrides_it(
    profiles_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PREFECT_API_URL", "http://elsewhere:4200/api")
    result = CliRunner().invoke(app, ["profile", "--api-url", API_URL])
    assert result.exit_code == 0, result.output
    assert saved("flowforge") == {"PREFECT_API_URL": API_URL}
    assert result.stderr == (
        "warning: this shell sets PREFECT_API_URL, which overrides the profile; unset it\n"
    )


def test_no_profile_is_written_when_the_api_does_not_answer(profiles_file: Path) -> None:
    result = CliRunner().invoke(
        app, ["profile", "--api-url", "http://127.0.0.1:9/api", "--timeout", "1"]
    )
    assert result.exit_code == 2
    assert not profiles_file.exists()
