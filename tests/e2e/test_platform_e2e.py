"""A real ``pulumi up`` of the platform on a throwaway stack, checked from the outside.

The tests run in file order against one stack: observe first, then change, then destroy + up.
The stack runs with basic auth on and a database password full of URL-reserved characters, the
hardest configuration for secrets and encoding.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pulumi
import pytest
from pulumi import automation as auto

from flowforge_infra import outputs
from flowforge_infra.prefect_api import PrefectClient
from flowforge_infra.throwaway_stack import ThrowawayStack, output_values

pytestmark = pytest.mark.e2e

DB_PASSWORD = "p@ss:w/rd#?&x"
AUTH_STRING = "flowforge:s3cr3t-Auth@string"
NEW_DB_PASSWORD = "n3w'pw@"


@dataclass
class Platform:
    stack: ThrowawayStack
    outputs: dict[str, Any]

    @property
    def api_url(self) -> str:
        return str(self.outputs[outputs.API_URL])

    def http(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.api_url, auth=tuple(AUTH_STRING.split(":", 1)), timeout=10
        )

    def prefect(self) -> PrefectClient:
        return PrefectClient(self.api_url, auth_string=AUTH_STRING)

    def up(self, **kwargs: Any) -> auto.UpResult:
        result = self.stack.stack.up(**kwargs)
        self.outputs = output_values(result.outputs)
        return result


def docker_inspect(name: str) -> dict[str, Any]:
    found = subprocess.run(
        ["docker", "inspect", name], capture_output=True, text=True, check=True, timeout=30
    )
    return json.loads(found.stdout)[0]


def docker_names(kind: str, prefix: str) -> list[str]:
    listing = subprocess.run(
        [
            "docker",
            kind,
            "ls",
            *(["-a"] if kind == "container" else []),
            "--filter",
            f"name={prefix}",
            "--format",
            "{{.Name}}" if kind == "network" else "{{.Names}}",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return listing.stdout.split()


def wait_for(predicate: Any, *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(1)
    raise AssertionError(f"timed out after {seconds:.0f} s waiting for {what}")


@pytest.fixture(scope="module")
def preview_result() -> Iterator[tuple[ThrowawayStack, auto.PreviewResult]]:
    stack = ThrowawayStack.create(
        secret_config={"dbPassword": DB_PASSWORD, "authString": AUTH_STRING}
    )
    try:
        yield stack, stack.stack.preview()
    finally:
        stack.remove()


@pytest.fixture(scope="module")
def platform(preview_result: tuple[ThrowawayStack, auto.PreviewResult]) -> Platform:
    platform = Platform(preview_result[0], {})
    platform.up()
    return platform


def test_preview_of_the_empty_stack_plans_every_resource(
    preview_result: tuple[ThrowawayStack, auto.PreviewResult],
) -> None:
    changes = preview_result[1].change_summary
    # stack, 3 components, network, volume, 2 images, 2 containers, role password, work pool
    assert changes.get(auto.OpType.CREATE, changes.get("create")) == 12, changes


def test_containers_are_running_and_healthy(platform: Platform) -> None:
    for output in (outputs.POSTGRES_CONTAINER, outputs.SERVER_CONTAINER):
        state = docker_inspect(platform.outputs[output])["State"]
        assert state["Running"], f"{output} is not running"
        assert state["Health"]["Status"] == "healthy", f"{output}: {state['Health']['Status']}"


def test_only_the_api_is_published_and_only_on_loopback(platform: Platform) -> None:
    postgres = docker_inspect(platform.outputs[outputs.POSTGRES_CONTAINER])
    assert not postgres["HostConfig"]["PortBindings"], "PostgreSQL must publish no host port"
    server = docker_inspect(platform.outputs[outputs.SERVER_CONTAINER])
    bindings = server["HostConfig"]["PortBindings"]
    assert bindings == {
        "4200/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(platform.stack.host_port)}]
    }


def test_data_volume_is_mounted(platform: Platform) -> None:
    mounts = docker_inspect(platform.outputs[outputs.POSTGRES_CONTAINER])["Mounts"]
    assert [(m["Type"], m["Name"], m["Destination"]) for m in mounts] == [
        ("volume", f"{platform.stack.name_prefix}-postgres-data", "/var/lib/postgresql/data")
    ]


def test_api_is_ready_and_auth_is_enforced(platform: Platform) -> None:
    assert httpx.get(f"{platform.api_url}/ready", timeout=10).status_code == 200
    pool_url = f"{platform.api_url}/work_pools/{platform.outputs[outputs.WORK_POOL_NAME]}"
    assert httpx.get(pool_url, timeout=10).status_code == 401, "no credentials must get 401"


def test_work_pool_is_registered(platform: Platform) -> None:
    with platform.prefect() as prefect:
        pool = prefect.read_work_pool("flowforge-development")
    assert pool.type == "process"
    assert pool.base_job_template.get("job_configuration"), "base job template is empty"
    assert str(pool.id) == platform.outputs[outputs.WORK_POOL_ID]


def test_stack_outputs(platform: Platform) -> None:
    prefix, port = platform.stack.name_prefix, platform.stack.host_port
    expected = {
        outputs.API_URL: f"http://localhost:{port}/api",
        outputs.UI_URL: f"http://localhost:{port}",
        outputs.WORK_POOL_NAME: "flowforge-development",
        outputs.WORK_POOL_TYPE: "process",
        outputs.NETWORK_NAME: f"{prefix}-network",
        outputs.POSTGRES_CONTAINER: f"{prefix}-postgres",
        outputs.SERVER_CONTAINER: f"{prefix}-prefect-server",
        outputs.WORKER_COMMAND: "prefect worker start --pool flowforge-development "
        "--type process --name flowforge-worker",
        outputs.DATABASE_URL: "postgresql+asyncpg://prefect:p%40ss%3Aw%2Frd%23%3F%26x"
        "@postgres:5432/prefect",
    }
    for name, value in expected.items():
        assert platform.outputs[name] == value, name
    assert platform.outputs[outputs.WORK_POOL_ID], "work_pool_id is empty"


def test_another_stack_reads_the_outputs_through_a_stack_reference(platform: Platform) -> None:
    seen: dict[str, Any] = {}
    stack_name = platform.stack.stack.name

    def consumer() -> None:
        ref = pulumi.StackReference(f"organization/flowforge-infra/{stack_name}")
        pulumi.export("api_url", ref.get_output(outputs.API_URL))
        pulumi.export("pool", ref.get_output(outputs.WORK_POOL_NAME))

    workspace_env = platform.stack.stack.workspace.env_vars
    consumer_stack = auto.create_or_select_stack(
        stack_name=f"consumer-{stack_name}",
        project_name="flowforge-consumer-check",
        program=consumer,
        opts=auto.LocalWorkspaceOptions(env_vars=dict(workspace_env)),
    )
    try:
        result = consumer_stack.up()
        seen = output_values(result.outputs)
    finally:
        consumer_stack.destroy()
        consumer_stack.workspace.remove_stack(consumer_stack.name)
    assert seen == {"api_url": platform.api_url, "pool": "flowforge-development"}


def test_second_up_plans_no_change(platform: Platform) -> None:
    platform.stack.stack.preview(expect_no_changes=True)


def test_no_secret_is_stored_in_plaintext(platform: Platform) -> None:
    """What lies on disk: the file state backend and the stack's config file."""
    folder = platform.stack.folder
    stored = [path for path in folder.rglob("*") if path.is_file() and "venv" not in path.parts]
    assert any(path.suffix == ".json" for path in stored), "no state file found to inspect"
    for path in stored:
        text = path.read_text(errors="replace")
        for secret in (DB_PASSWORD, AUTH_STRING, "p%40ss%3Aw%2Frd%23%3F%26x", "s3cr3t-Auth"):
            assert secret not in text, f"{path.relative_to(folder)} holds a secret in plaintext"


def test_concurrency_change_updates_only_the_pool_in_place(platform: Platform) -> None:
    pool_id = platform.outputs[outputs.WORK_POOL_ID]
    platform.stack.set_config("workPoolConcurrencyLimit", "7")
    result = platform.up()
    changes = result.summary.resource_changes or {}
    assert changes.get("update") == 1 and set(changes) <= {"same", "update"}, changes
    assert platform.outputs[outputs.WORK_POOL_ID] == pool_id, "the pool was replaced"
    with platform.prefect() as prefect:
        assert prefect.read_work_pool("flowforge-development").concurrency_limit == 7


def test_crashed_server_is_healed_by_the_restart_policy(platform: Platform) -> None:
    """SIGKILL of the server's main process, as an OOM kill or a crash would do it. (``docker
    kill`` would not do: Docker counts it as a manual stop, which no restart policy undoes.)"""
    server = platform.outputs[outputs.SERVER_CONTAINER]
    before = docker_inspect(server)["State"]
    os.kill(before["Pid"], signal.SIGKILL)

    def healed() -> bool:
        state = docker_inspect(server)["State"]
        if not state["Running"] or state["StartedAt"] == before["StartedAt"]:
            return False
        try:
            return httpx.get(f"{platform.api_url}/ready", timeout=3).status_code == 200
        except httpx.TransportError:
            return False

    wait_for(healed, seconds=180, what=f"{server} to be restarted and ready")
    assert docker_inspect(server)["RestartCount"] >= 1


def test_destroy_keeps_data_and_removes_pool_first(platform: Platform) -> None:
    with platform.http() as http:
        flow = http.post("/flows/", json={"name": "survives-destroy"})
        flow.raise_for_status()
        run = http.post("/flow_runs/", json={"flow_id": flow.json()["id"], "name": "kept-run"})
        run.raise_for_status()
    run_id = run.json()["id"]

    deleted: list[str] = []

    def record_delete(event: auto.EngineEvent) -> None:
        done = event.res_outputs_event
        if done is not None and done.metadata.op == auto.OpType.DELETE:
            deleted.append(done.metadata.urn.rsplit("::", 1)[-1])

    platform.stack.stack.destroy(on_event=record_delete)
    prefix = platform.stack.name_prefix
    assert docker_names("container", prefix) == [], "destroy left containers behind"
    assert docker_names("network", prefix) == [], "destroy left the network behind"
    assert deleted.index("flowforge-work-pool") < deleted.index("flowforge-server-container")
    assert deleted.index("flowforge-server-container") < deleted.index("flowforge-network")

    # A new password on the kept volume (as after destroy of a generated one) must still work.
    platform.stack.stack.set_config(
        "flowforge-infra:dbPassword", auto.ConfigValue(NEW_DB_PASSWORD, secret=True)
    )
    platform.up()
    assert platform.outputs[outputs.DATABASE_URL].endswith(":n3w%27pw%40@postgres:5432/prefect")
    with platform.http() as http:
        kept = http.get(f"/flow_runs/{run_id}")
    assert kept.status_code == 200, "the flow run did not survive destroy + up"
    assert kept.json()["name"] == "kept-run"
