"""Integration tier: a real PostgreSQL and a real Prefect server on loopback, shared by the
session. The server requires basic auth, so every test also exercises the auth header.

No HTTP mocks here; where a test needs a misbehaving server it uses a real one on loopback
(``servers.scripted_http_server``).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import suppress
from typing import Any

import pytest
from servers import (
    Postgres,
    PrefectServer,
    running_postgres,
    running_prefect_server,
    wait_for_ready,
)

from flowforge_infra.prefect_api import NotFound, PrefectClient
from flowforge_infra.work_pool import WorkPoolProvider


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration/" in str(item.path):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    with running_postgres() as db:
        yield db


@pytest.fixture(scope="session")
def prefect_server(postgres: Postgres) -> Iterator[PrefectServer]:
    with running_prefect_server(
        postgres, auth_string=f"flowforge:{secrets.token_hex(8)}"
    ) as server:
        wait_for_ready(server)
        yield server


@pytest.fixture
def client(prefect_server: PrefectServer) -> Iterator[PrefectClient]:
    with PrefectClient(prefect_server.api_url, auth_string=prefect_server.auth_string) as client:
        yield client


@pytest.fixture
def pool_name(client: PrefectClient) -> Iterator[str]:
    """A fresh pool name; the pool is deleted after the test whatever happened."""
    name = f"it-{secrets.token_hex(4)}"
    yield name
    with suppress(NotFound):
        client.delete_work_pool(name)


@pytest.fixture
def provider() -> WorkPoolProvider:
    return WorkPoolProvider()


@pytest.fixture
def props(
    prefect_server: PrefectServer, pool_name: str, provider: WorkPoolProvider
) -> dict[str, Any]:
    """Inputs for the provider as Pulumi hands them over after ``check``."""
    raw = {
        "api_url": prefect_server.api_url,
        "name": pool_name,
        "type": "process",
        "description": "integration test pool",
        "paused": False,
        "concurrency_limit": 2,
        "base_job_template": None,
        "auth_string": prefect_server.auth_string,
        "ready_timeout_seconds": 30,
    }
    checked = provider.check({}, raw)
    assert checked.failures == [], checked.failures
    return checked.inputs
