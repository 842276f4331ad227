"""Operating a live platform as a FlowForge engineer does, on a throwaway stack with basic auth:
bad stack names, ``flowforge-infra profile`` then ``doctor``, a real flow run through the work
pool by a worker on the host, and the consumer example's stack on top.

Every Prefect process here (CLI, worker, flow run) gets a Prefect home of its own and no
PREFECT_ variable, so it can only reach the platform through the profile the tool wrote.
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto

from flowforge_infra import outputs
from flowforge_infra.prefect_api import NotFound, PrefectClient
from flowforge_infra.throwaway_stack import PROJECT_DIR, ThrowawayStack, output_values

pytestmark = pytest.mark.e2e

AUTH_STRING = "flowforge:0ps-Auth@string"
BIN = Path(sys.executable).parent
WORKER_TIMEOUT_SECONDS = 300
COMMAND_TIMEOUT_SECONDS = 180

FLOW_SOURCE = '''\
from prefect import flow


@flow(persist_result=True)
def add(x: int, y: int) -> int:
    return x + y
'''
# Deploys the flow from its local folder and triggers a run; or prints a run's final state and
# result. Through Prefect's own API, so the result is read back the way Prefect stores it.
OPERATE_SOURCE = '''\
import json
import sys

from prefect import flow
from prefect.client.orchestration import get_client
from prefect.deployments import run_deployment

if sys.argv[1] == "trigger":
    _, _, source, pool = sys.argv
    add = flow.from_source(source=source, entrypoint="flows.py:add")
    add.deploy(name="e2e", work_pool_name=pool, build=False, push=False, print_next_steps=False)
    print(run_deployment("add/e2e", parameters={"x": 1, "y": 2}, timeout=0).id)
else:
    with get_client(sync_client=True) as client:
        state = client.read_flow_run(sys.argv[2]).state
    print(json.dumps({"state": state.type.value, "result": state.result(raise_on_failure=False)}))
'''


@dataclass
class LiveStack:
    stack: ThrowawayStack
    outputs: dict[str, Any]

    @property
    def name(self) -> str:
        return self.stack.stack.name

    @property
    def prefect_home(self) -> Path:
        return self.stack.folder / "prefect-home"

    def env(self) -> dict[str, str]:
        """A user's shell in the stack's project folder: its pulumi backend and passphrase,
        and a Prefect home of its own with no PREFECT_ variable set."""
        shell = {key: value for key, value in os.environ.items() if not key.startswith("PREFECT_")}
        return shell | dict(self.stack.stack.workspace.env_vars) | {
            "PREFECT_HOME": str(self.prefect_home),
            "COLUMNS": "1000",
        }

    def run(self, *command: str | Path) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            command, cwd=self.stack.folder, env=self.env(), capture_output=True, text=True,
            timeout=COMMAND_TIMEOUT_SECONDS, check=False,
        )  # fmt: skip
        assert "Traceback" not in done.stdout + done.stderr, done.stdout + done.stderr
        return done


@pytest.fixture(scope="module")
def live() -> Iterator[LiveStack]:
    stack = ThrowawayStack.create(secret_config={"authString": AUTH_STRING}, label="ops")
    try:
        result = stack.stack.up()
        yield LiveStack(stack, output_values(result.outputs))
    finally:
        stack.remove()


def test_unknown_and_empty_stacks_end_with_one_line(live: LiveStack) -> None:
    unknown = live.run(BIN / "flowforge-infra", "doctor", "--stack", "no-such-stack")
    assert unknown.returncode == 2
    assert unknown.stderr == (
        "error: pulumi stack output failed: error: no stack named 'no-such-stack' found\n"
    )

    empty = f"empty-{secrets.token_hex(3)}"
    live.stack.stack.workspace.create_stack(empty)
    try:
        done = live.run(BIN / "flowforge-infra", "profile", "--stack", empty)
    finally:
        live.stack.stack.workspace.remove_stack(empty)
    assert done.returncode == 2
    assert done.stderr == (
        f"error: stack '{empty}' has no outputs yet; fix: pulumi up --stack {empty} (or make up)\n"
    )


@pytest.fixture(scope="module")
def profile(live: LiveStack) -> subprocess.CompletedProcess[str]:
    """``flowforge-infra profile`` for the stack: from here on, the Prefect home points at it."""
    return live.run(BIN / "flowforge-infra", "profile", "--stack", live.name)


def test_profile_then_doctor_pass_every_check(
    live: LiveStack, profile: subprocess.CompletedProcess[str]
) -> None:
    assert profile.returncode == 0, profile.stderr
    assert profile.stdout.endswith(f"\n  {live.outputs[outputs.WORKER_COMMAND]}\n")

    doctor = live.run(BIN / "flowforge-infra", "doctor", "--stack", live.name)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "All 5 checks passed." in doctor.stdout
    assert "driver postgresql+asyncpg at postgres:5432/prefect" in doctor.stdout
    assert AUTH_STRING not in doctor.stdout + profile.stdout, "the auth string must not be shown"


@pytest.mark.usefixtures("profile")
def test_a_flow_runs_through_the_pool_on_a_host_worker(live: LiveStack, tmp_path: Path) -> None:
    """Deploy from a local folder, trigger, let one worker poll once, read the result."""
    (tmp_path / "flows.py").write_text(FLOW_SOURCE)
    (tmp_path / "operate.py").write_text(OPERATE_SOURCE)
    pool = live.outputs[outputs.WORK_POOL_NAME]
    trigger = live.run(sys.executable, tmp_path / "operate.py", "trigger", str(tmp_path), pool)
    assert trigger.returncode == 0, trigger.stderr
    flow_run_id = trigger.stdout.split()[-1]

    # The command the profile printed, from this venv, polling once and waiting for its run.
    worker = shlex.split(live.outputs[outputs.WORKER_COMMAND])
    worker[0] = str(BIN / worker[0])
    exit_status = run_worker([*worker, "--run-once", "--limit", "1"], live, tmp_path)
    assert exit_status == 0, (tmp_path / "worker.log").read_text()[-3000:]

    final = live.run(sys.executable, tmp_path / "operate.py", "result", flow_run_id)
    assert final.returncode == 0, final.stderr
    assert json.loads(final.stdout.splitlines()[-1]) == {"state": "COMPLETED", "result": 3}


def run_worker(command: list[str], live: LiveStack, log_dir: Path) -> int:
    """Run the worker in a process group of its own; stop that group by its pid if it
    outlives WORKER_TIMEOUT_SECONDS. Returns the worker's exit status."""
    with (log_dir / "worker.log").open("wb") as log:
        worker = subprocess.Popen(
            command, cwd=log_dir, env=live.env(), stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
    try:
        return worker.wait(timeout=WORKER_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the worker did not finish within {WORKER_TIMEOUT_SECONDS} s")
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(timeout=20)


def test_the_consumer_example_adds_and_removes_a_batch_pool(live: LiveStack) -> None:
    # Mirrors the repo's layout, so the example's "virtualenv: ../../venv" finds the venv link.
    folder = live.stack.folder / "examples" / "consumer"
    shutil.copytree(PROJECT_DIR / "examples" / "consumer", folder,
                    ignore=shutil.ignore_patterns("__pycache__", "Pulumi.*.yaml"))  # fmt: skip
    consumer = auto.create_or_select_stack(
        stack_name=f"consumer-{live.name}",
        work_dir=str(folder),
        opts=auto.LocalWorkspaceOptions(env_vars=dict(live.stack.stack.workspace.env_vars)),
    )
    consumer.set_config(
        "flowforge-consumer:platformStack",
        auto.ConfigValue(f"organization/flowforge-infra/{live.name}"),
    )
    consumer.set_config("flowforge-consumer:authString", auto.ConfigValue(AUTH_STRING, secret=True))
    batch_name = f"{live.outputs[outputs.WORK_POOL_NAME]}-batch"
    try:
        exported = output_values(consumer.up().outputs)
        with platform_client(live) as api:
            pool = api.read_work_pool(batch_name)
        assert exported["batch_work_pool_name"] == batch_name
        assert str(pool.id) == exported["batch_work_pool_id"]
        assert (pool.type, pool.concurrency_limit) == ("process", 2)
    finally:
        consumer.destroy()
        consumer.workspace.remove_stack(consumer.name)
    with platform_client(live) as api, pytest.raises(NotFound):
        api.read_work_pool(batch_name)


def platform_client(live: LiveStack) -> PrefectClient:
    return PrefectClient(live.outputs[outputs.API_URL], auth_string=AUTH_STRING)
