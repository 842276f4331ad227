"""The client against real servers on loopback: readiness, auth, retries, work pool calls."""

from __future__ import annotations

import threading
import time

import prefect
import pytest
from servers import (
    Postgres,
    PrefectServer,
    free_port,
    running_prefect_server,
    scripted_http_server,
    wait_for_ready,
)

from flowforge_infra.prefect_api import (
    ApiTimeout,
    NotFound,
    PrefectClient,
    RejectedInput,
    RetryPolicy,
    ServerUnavailable,
    Unauthorized,
    WorkPoolCreate,
    WorkPoolUpdate,
)

QUICK = RetryPolicy(attempts=3, deadline_seconds=10, backoff_seconds=0.05, max_backoff_seconds=0.1)


def test_server_version_is_the_installed_prefect(client: PrefectClient) -> None:
    assert client.server_version() == prefect.__version__


def test_server_settings_show_the_postgresql_backend(
    client: PrefectClient, postgres: Postgres
) -> None:
    database = client.read_server_settings()["server"]["database"]
    assert database["driver"] == "postgresql+asyncpg"
    assert (database["host"], database["port"], database["name"]) == (
        postgres.host,
        postgres.port,
        postgres.database,
    )
    assert postgres.password not in str(database), "the password is masked"


def test_a_wrong_or_missing_auth_string_is_unauthorized(prefect_server: PrefectServer) -> None:
    for auth in (None, "flowforge:wrong"):
        client = PrefectClient(prefect_server.api_url, auth_string=auth)
        with client, pytest.raises(Unauthorized):
            client.server_version()


def test_work_pool_round_trip(client: PrefectClient, pool_name: str) -> None:
    created = client.create_work_pool(
        WorkPoolCreate(name=pool_name, type="process", concurrency_limit=1)
    )
    client.update_work_pool(pool_name, WorkPoolUpdate(concurrency_limit=None, is_paused=True))
    updated = client.read_work_pool(pool_name)
    assert (updated.id, updated.concurrency_limit, updated.is_paused) == (created.id, None, True)
    client.delete_work_pool(pool_name)
    with pytest.raises(NotFound):
        client.read_work_pool(pool_name)


def test_the_server_refuses_a_reserved_name_with_its_message(client: PrefectClient) -> None:
    with pytest.raises(RejectedInput) as caught:
        client.create_work_pool(WorkPoolCreate(name="prefect-mine", type="process"))
    assert caught.value.status_code == 403
    assert "reserved" in caught.value.detail


def test_a_server_not_up_yet_is_waited_for(postgres: Postgres) -> None:
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    outcome: list[BaseException | float] = []

    def wait() -> None:
        started = time.monotonic()
        try:
            with PrefectClient(api_url) as client:
                client.wait_until_ready(timeout=150)
            outcome.append(time.monotonic() - started)
        except BaseException as exc:  # handed to the test thread below
            outcome.append(exc)

    waiter = threading.Thread(target=wait)
    waiter.start()
    time.sleep(1)  # the client is now polling a port nobody listens on
    with running_prefect_server(postgres, port=port) as server:
        waiter.join(timeout=160)
        assert not waiter.is_alive(), "wait_until_ready overran its own timeout"
        [result] = outcome
        assert isinstance(result, float), f"wait failed: {result!r}"
        assert result > 1, "the wait began before the server existed"
        wait_for_ready(server, timeout=5)


def test_a_server_that_never_comes_up_times_out_naming_the_url() -> None:
    api_url = f"http://127.0.0.1:{free_port()}/api"  # closed: nothing listens there
    started = time.monotonic()
    with PrefectClient(api_url, retry=QUICK) as client, pytest.raises(ApiTimeout) as caught:
        client.wait_until_ready(timeout=2)
    elapsed = time.monotonic() - started
    assert 1.5 < elapsed < 5, f"timeout 2s, gave up after {elapsed:.1f}s"
    assert api_url in str(caught.value)
    assert "not ready within 2s" in str(caught.value)


def test_503_is_retried_up_to_the_bound() -> None:
    with scripted_http_server(503) as server:
        client = PrefectClient(server.api_url, retry=QUICK)
        with client, pytest.raises(ServerUnavailable):
            client.read_work_pool("pool")
        assert server.paths == ["GET /api/work_pools/pool"] * QUICK.attempts


@pytest.mark.parametrize(("status", "error"), [(400, RejectedInput), (404, NotFound)])
def test_4xx_is_not_retried(status: int, error: type[Exception]) -> None:
    with scripted_http_server(status) as server:
        with PrefectClient(server.api_url, retry=QUICK) as client, pytest.raises(error):
            client.delete_work_pool("pool")
        assert server.paths == ["DELETE /api/work_pools/pool"]
