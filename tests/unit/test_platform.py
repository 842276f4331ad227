"""The resource graph of ``pulumi up``, under Pulumi's mocks: what gets created, wired how."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import pytest

from flowforge_infra import outputs
from tests.unit.harness import GENERATED_PASSWORD, POOL_ID, Deployment, deploy

TRICKY_PASSWORD = "p@ss:w/rd#?x"


@pytest.fixture(scope="module")
def default() -> Deployment:
    return deploy()


def env_of(deployment: Deployment, name: str) -> dict[str, str]:
    envs = deployment.resource(name).inputs["envs"]
    return dict(entry.split("=", 1) for entry in envs)


def test_every_resource_is_a_child_of_the_platform_component(default: Deployment) -> None:
    expected = {
        "flowforge-network": "docker:index/network:Network",
        "flowforge-postgres-data": "docker:index/volume:Volume",
        "flowforge-db-password": "pulumi-python:dynamic:Resource",
        "flowforge-postgres": "flowforge:platform:PostgresDatabase",
        "flowforge-server": "flowforge:platform:PrefectServer",
        "flowforge-work-pool": "pulumi-python:dynamic:Resource",
    }
    for name, type_ in expected.items():
        registration = default.resource(name)
        assert registration.type == type_, f"{name} has type {registration.type}"
        assert registration.parent.endswith("::flowforge"), f"{name} is not under the platform"
    for name in (
        "flowforge-postgres-image",
        "flowforge-postgres-container",
        "flowforge-postgres-role-password",
    ):
        assert default.resource(name).parent.endswith("::flowforge-postgres"), name
    for name in ("flowforge-server-image", "flowforge-server-container"):
        assert default.resource(name).parent.endswith("::flowforge-server"), name
    assert "flowforge-worker" not in default.registrations, "worker container is opt-in"


def test_network_is_a_named_bridge(default: Deployment) -> None:
    network = default.resource("flowforge-network").inputs
    assert network == {"name": "flowforge-network", "driver": "bridge"}


def test_data_volume_is_kept_on_destroy_by_default(default: Deployment) -> None:
    volume = default.resource("flowforge-postgres-data")
    assert volume.inputs["name"] == "flowforge-postgres-data"
    assert volume.retain_on_delete, "destroy must keep the flow history"


def test_data_volume_is_removed_on_destroy_when_asked() -> None:
    deployment = deploy({"keepDataOnDestroy": "false"})
    assert not deployment.resource("flowforge-postgres-data").retain_on_delete


def test_images_are_kept_locally_and_containers_use_their_ids(default: Deployment) -> None:
    for component, ref in (
        ("postgres", "postgres:15"),
        ("server", "prefecthq/prefect:3.9.1-python3.11"),
    ):
        image = default.resource(f"flowforge-{component}-image")
        assert image.inputs == {"name": ref, "keepLocally": True}, component
        container = default.resource(f"flowforge-{component}-container")
        assert container.inputs["image"] == f"sha256:id-of-{ref}", f"{component} image id"


def test_postgres_container(default: Deployment) -> None:
    postgres = default.resource("flowforge-postgres-container")
    inputs = postgres.inputs
    assert inputs["name"] == "flowforge-postgres"
    assert "ports" not in inputs, "PostgreSQL must publish no host port"
    assert inputs["networksAdvanced"] == [{"name": "flowforge-network", "aliases": ["postgres"]}]
    assert inputs["volumes"] == [
        {"volumeName": "flowforge-postgres-data", "containerPath": "/var/lib/postgresql/data"}
    ]
    assert inputs["restart"] == "unless-stopped"
    assert inputs["wait"] is True and inputs["waitTimeout"] >= 120
    assert inputs["healthcheck"]["tests"] == [
        "CMD",
        "pg_isready",
        "-h",
        "127.0.0.1",
        "-U",
        "prefect",
        "-d",
        "prefect",
    ]
    assert env_of(default, "flowforge-postgres-container") == {
        "POSTGRES_USER": "prefect",
        "POSTGRES_PASSWORD": GENERATED_PASSWORD,
        "POSTGRES_DB": "prefect",
    }
    assert postgres.delete_before_replace, "fixed container names need delete-before-replace"


def test_server_container(default: Deployment) -> None:
    server = default.resource("flowforge-server-container")
    inputs = server.inputs
    assert inputs["name"] == "flowforge-prefect-server"
    assert inputs["command"] == [
        "prefect",
        "server",
        "start",
        "--host",
        "0.0.0.0",
        "--port",
        "4200",
    ]
    assert inputs["ports"] == [{"internal": 4200, "external": 4200, "ip": "127.0.0.1"}]
    assert inputs["restart"] == "unless-stopped"
    assert inputs["wait"] is True and inputs["waitTimeout"] >= 120
    assert inputs["networksAdvanced"] == [
        {"name": "flowforge-network", "aliases": ["prefect-server"]}
    ]
    assert inputs["healthcheck"]["startPeriod"] == "1m0s", "Go's spelling, or a perpetual diff"
    probe = inputs["healthcheck"]["tests"]
    assert probe[:3] == ["CMD", "python", "-c"], "the image has no curl: probe with python"
    assert "http://127.0.0.1:4200/api/ready" in probe[3]
    assert server.delete_before_replace
    for ready in ("flowforge-postgres-container", "flowforge-postgres-role-password"):
        assert any(urn.endswith(f"::{ready}") for urn in server.dependencies), (
            f"the server must start only after {ready}"
        )


def test_server_environment(default: Deployment) -> None:
    env = env_of(default, "flowforge-server-container")
    assert env["PREFECT_SERVER_API_HOST"] == "0.0.0.0"
    assert env["PREFECT_UI_API_URL"] == "http://localhost:4200/api", "UI must call the external URL"
    assert env["PREFECT_SERVER_DATABASE_DRIVER"] == "postgresql+asyncpg"
    assert env["PREFECT_SERVER_DATABASE_HOST"] == "postgres"
    assert env["PREFECT_SERVER_DATABASE_PORT"] == "5432"
    assert env["PREFECT_SERVER_DATABASE_USER"] == "prefect"
    assert env["PREFECT_SERVER_DATABASE_PASSWORD"] == GENERATED_PASSWORD
    assert env["PREFECT_SERVER_DATABASE_NAME"] == "prefect"
    assert "PREFECT_SERVER_API_AUTH_STRING" not in env, "basic auth is opt-in"


def test_work_pool(default: Deployment) -> None:
    pool = default.resource("flowforge-work-pool")
    assert pool.inputs["name"] == "flowforge-development"
    assert pool.inputs["type"] == "process"
    assert pool.inputs["api_url"] == "http://localhost:4200/api"
    assert pool.inputs["paused"] is False
    assert any(urn.endswith("::flowforge-server-container") for urn in pool.dependencies), (
        "the pool is registered after the server is healthy, and deleted before it"
    )


def test_generated_password_is_a_secret(default: Deployment) -> None:
    password = default.resource("flowforge-db-password")
    assert password.additional_secret_outputs == ["result"]


def test_role_password_follows_the_stack_password(default: Deployment) -> None:
    """A kept volume holds the password of its first start; this resource re-applies ours."""
    role = default.resource("flowforge-postgres-role-password")
    assert role.inputs["container"] == "flowforge-postgres"
    assert role.inputs["container_id"] == "flowforge-postgres-container-id"
    assert (role.inputs["user"], role.inputs["database"]) == ("prefect", "prefect")
    assert role.inputs["password"] == GENERATED_PASSWORD
    assert "password" in role.secret_inputs
    assert role.additional_secret_outputs == ["password"]


def test_outputs(default: Deployment) -> None:
    assert default.outputs == {
        outputs.API_URL: "http://localhost:4200/api",
        outputs.UI_URL: "http://localhost:4200",
        outputs.WORK_POOL_NAME: "flowforge-development",
        outputs.WORK_POOL_TYPE: "process",
        outputs.WORK_POOL_ID: POOL_ID,
        outputs.NETWORK_NAME: "flowforge-network",
        outputs.POSTGRES_CONTAINER: "flowforge-postgres",
        outputs.SERVER_CONTAINER: "flowforge-prefect-server",
        outputs.DATABASE_URL: f"postgresql+asyncpg://prefect:{GENERATED_PASSWORD}@postgres:5432/prefect",
        outputs.WORKER_COMMAND: "prefect worker start --pool flowforge-development "
        "--type process --name flowforge-worker",
    }
    assert default.secret_outputs == {outputs.DATABASE_URL}


def test_configured_password_is_secret_and_percent_encoded() -> None:
    deployment = deploy({"dbPassword": TRICKY_PASSWORD}, secret_keys=("dbPassword",))
    url = deployment.outputs[outputs.DATABASE_URL]
    assert outputs.DATABASE_URL in deployment.secret_outputs
    parts = urlsplit(url)
    assert (parts.hostname, parts.port, parts.path) == ("postgres", 5432, "/prefect")
    assert "@" not in parts.password and ":" not in parts.password, url
    assert unquote(parts.password) == TRICKY_PASSWORD
    assert "flowforge-db-password" not in deployment.registrations, "no generated password"
    assert (
        env_of(deployment, "flowforge-postgres-container")["POSTGRES_PASSWORD"] == TRICKY_PASSWORD
    )
    for container in ("flowforge-postgres-container", "flowforge-server-container"):
        assert "envs" in deployment.resource(container).secret_inputs, f"{container} env in clear"


def test_custom_port_prefix_and_pool() -> None:
    deployment = deploy(
        {
            "hostPort": "4300",
            "bindAddress": "0.0.0.0",
            "publicHost": "prefect.example",
            "namePrefix": "ff2",
            "workPoolName": "team-pool",
            "workPoolConcurrencyLimit": "3",
            "workPoolPaused": "true",
        }
    )
    server = deployment.resource("flowforge-server-container").inputs
    assert server["name"] == "ff2-prefect-server"
    assert server["ports"] == [{"internal": 4200, "external": 4300, "ip": "0.0.0.0"}]
    assert deployment.resource("flowforge-postgres-container").inputs["name"] == "ff2-postgres"
    pool = deployment.resource("flowforge-work-pool").inputs
    assert (pool["name"], pool["concurrency_limit"], pool["paused"]) == ("team-pool", 3, True)
    assert deployment.outputs[outputs.API_URL] == "http://prefect.example:4300/api"
    assert deployment.outputs[outputs.NETWORK_NAME] == "ff2-network"


def test_worker_container_is_opt_in_and_uses_the_internal_url() -> None:
    deployment = deploy({"workerContainer": "true"})
    worker = deployment.resource("flowforge-worker-container").inputs
    assert worker["name"] == "flowforge-worker"
    assert worker["command"] == [
        "prefect",
        "worker",
        "start",
        "--pool",
        "flowforge-development",
        "--type",
        "process",
        "--name",
        "flowforge-worker",
    ]
    assert worker["envs"] == ["PREFECT_API_URL=http://prefect-server:4200/api"]
    assert worker["image"] == "sha256:id-of-prefecthq/prefect:3.9.1-python3.11"
    assert "ports" not in worker


def test_basic_auth_reaches_server_and_pool_as_secret() -> None:
    deployment = deploy({"authString": "admin:s3cret"}, secret_keys=("authString",))
    assert env_of(deployment, "flowforge-server-container")["PREFECT_SERVER_API_AUTH_STRING"] == (
        "admin:s3cret"
    )
    pool = deployment.resource("flowforge-work-pool")
    assert pool.inputs["auth_string"] == "admin:s3cret"
    assert "auth_string" in pool.secret_inputs
    assert "envs" in deployment.resource("flowforge-server-container").secret_inputs


def test_worker_command_is_quoted_for_a_shell() -> None:
    deployment = deploy({"workPoolName": "team pool;echo x"})
    assert deployment.outputs[outputs.WORKER_COMMAND] == (
        "prefect worker start --pool 'team pool;echo x' --type process --name flowforge-worker"
    )
