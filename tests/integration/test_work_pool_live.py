"""The work pool provider against the real Prefect server; every result is re-read through the
REST API."""

from __future__ import annotations

import base64
from typing import Any

import dill  # type: ignore[import-untyped]
import httpx
import pytest
from prefect.workers.process import ProcessWorker
from pulumi.dynamic.dynamic import serialize_provider
from servers import PrefectServer, scripted_http_server

from flowforge_infra.prefect_api import NotFound, PrefectClient, WorkPoolCreate
from flowforge_infra.work_pool import WorkPoolProvider


def test_create_then_get_shows_every_field(
    provider: WorkPoolProvider, props: dict[str, Any], client: PrefectClient
) -> None:
    result = provider.create(props)
    pool = client.read_work_pool(props["name"])
    assert result.id == pool.name == props["name"]
    assert (pool.type, pool.description, pool.is_paused, pool.concurrency_limit) == (
        "process",
        "integration test pool",
        False,
        2,
    )
    assert result.outs is not None
    assert result.outs["pool_id"] == str(pool.id)
    assert result.outs["default_queue_id"] == str(pool.default_queue_id)
    assert result.outs["status"] == (pool.status.value if pool.status else None)
    assert result.outs["base_job_template"] == pool.base_job_template


def test_the_default_template_is_what_installed_prefect_gives_for_process(
    provider: WorkPoolProvider, props: dict[str, Any], client: PrefectClient
) -> None:
    provider.create(props)
    stored = client.read_work_pool(props["name"]).base_job_template
    assert stored == ProcessWorker.get_default_base_job_template()
    assert stored["job_configuration"]["command"] == "{{ command }}"


def test_update_happens_in_place(
    provider: WorkPoolProvider, props: dict[str, Any], client: PrefectClient
) -> None:
    created = provider.create(props)
    assert created.outs is not None
    news = props | {"description": "changed", "paused": True, "concurrency_limit": None}
    diff = provider.diff(created.id, created.outs, news)
    assert (diff.changes, diff.replaces) == (True, [])
    updated = provider.update(created.id, created.outs, news)
    pool = client.read_work_pool(props["name"])
    assert str(pool.id) == created.outs["pool_id"], "same pool, not a replacement"
    assert (pool.description, pool.is_paused, pool.concurrency_limit) == ("changed", True, None)
    assert updated.outs is not None
    assert updated.outs["is_paused"] is True
    assert provider.diff(created.id, updated.outs, news).changes is False


def test_a_url_move_updates_at_the_new_url_and_never_calls_the_old_one(
    provider: WorkPoolProvider, props: dict[str, Any], client: PrefectClient
) -> None:
    with scripted_http_server(500) as old_server:
        olds = props | {"api_url": old_server.api_url, "pool_id": "old-server-uuid"}
        diff = provider.diff(props["name"], olds, props)
        assert (diff.changes, diff.replaces) == (True, [])
        moved = provider.update(props["name"], olds, props)
        assert old_server.paths == []
    assert moved.outs is not None
    assert moved.outs["pool_id"] == str(client.read_work_pool(props["name"]).id)


def test_delete_and_delete_of_a_missing_pool(
    provider: WorkPoolProvider, props: dict[str, Any], client: PrefectClient
) -> None:
    created = provider.create(props)
    assert created.outs is not None
    provider.delete(created.id, created.outs)
    with pytest.raises(NotFound):
        client.read_work_pool(props["name"])
    provider.delete(created.id, created.outs)  # already gone: done, no error


def test_read_after_an_out_of_band_delete_reports_gone(
    provider: WorkPoolProvider, props: dict[str, Any], client: PrefectClient
) -> None:
    created = provider.create(props)
    assert created.outs is not None
    assert provider.read(created.id, created.outs).id == props["name"]
    client.delete_work_pool(props["name"])
    assert provider.read(created.id, created.outs).id == ""


def test_create_adopts_an_existing_pool(
    provider: WorkPoolProvider, props: dict[str, Any], client: PrefectClient
) -> None:
    existing = client.create_work_pool(
        WorkPoolCreate(name=props["name"], type="process", description="made by hand")
    )
    result = provider.create(props)
    pool = client.read_work_pool(props["name"])
    assert pool.id == existing.id, "adopted, not recreated"
    assert (pool.description, pool.concurrency_limit) == ("integration test pool", 2)
    assert result.outs is not None
    assert result.outs["pool_id"] == str(existing.id)


@pytest.mark.parametrize(
    ("name", "server_refuses"),
    [
        ("", True),
        ("'\"", True),
        ("a/b", True),
        ("a%b", True),
        ("a&b", True),
        ("a>b", True),
        ("a<b", True),
        ("prefect-pool", True),
        ("Prefect", True),
        (" leading", False),  # our rule: the server keeps the space, a trap in every URL
        ("trailing ", False),
        ("line\nfeed", False),  # accepted, then unreachable by URL
    ],
)
def test_each_invalid_name_is_refused_by_check_without_a_request(
    name: str, server_refuses: bool, props: dict[str, Any], prefect_server: PrefectServer
) -> None:
    with scripted_http_server(200) as server:
        result = WorkPoolProvider().check({}, props | {"name": name, "api_url": server.api_url})
        assert server.paths == [], "check sent a request"
    assert [failure.property for failure in result.failures] == ["name"]
    if server_refuses:
        # The rule is the real server's: bypassing check, it refuses the name too.
        auth = base64.b64encode(str(prefect_server.auth_string).encode()).decode()
        response = httpx.post(
            f"{prefect_server.api_url}/work_pools/",
            json={"name": name, "type": "process"},
            headers={"Authorization": f"Basic {auth}"},
            timeout=30,
        )
        assert response.status_code in (403, 422), response.text


def test_the_provider_survives_pulumis_dill_round_trip(
    props: dict[str, Any], client: PrefectClient
) -> None:
    serialized = serialize_provider(WorkPoolProvider())  # what Pulumi stores in state
    raw = base64.b64decode(serialized)
    assert str(props["auth_string"]).encode() not in raw
    copy = dill.loads(raw)  # what pulumi/dynamic/__main__.py does in the provider process
    assert isinstance(copy, WorkPoolProvider)
    created = copy.create(props)
    assert created.outs is not None
    assert client.read_work_pool(props["name"]).name == props["name"]
    copy.delete(created.id, created.outs)
    with pytest.raises(NotFound):
        client.read_work_pool(props["name"])
