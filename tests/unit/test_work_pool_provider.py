"""The work pool provider's lifecycle rules: check, diff, and create/read/update/delete over
httpx.MockTransport (no sockets)."""

from __future__ import annotations

import json
import uuid
from functools import partial
from typing import Any

import httpx
import pulumi
import pytest
from prefect.workers.process import ProcessWorker
from pulumi.runtime.rpc import UNKNOWN

from flowforge_infra.prefect_api import ApiTimeout, PrefectClient, RetryPolicy
from flowforge_infra.work_pool import PoolTypeMismatch, WorkPoolProvider

API_URL = "http://prefect.test/api"
FAST = RetryPolicy(attempts=2, deadline_seconds=5, backoff_seconds=0, max_backoff_seconds=0)
TEMPLATE = {"job_configuration": {"command": "{{ command }}"}, "variables": {"properties": {}}}


def inputs(**overrides: Any) -> dict[str, Any]:
    """Inputs as the provider receives them after check."""
    props: dict[str, Any] = {
        "api_url": API_URL,
        "name": "team-pool",
        "type": "process",
        "description": "FlowForge pool",
        "paused": False,
        "concurrency_limit": 3,
        "base_job_template": TEMPLATE,
        "auth_string": "admin:s3cret",
        "ready_timeout_seconds": 5,
    }
    return props | overrides


def server_pool(**fields: Any) -> dict[str, Any]:
    """The pool as the server renders it."""
    return {
        "id": str(uuid.uuid4()),
        "created": "2026-01-01T00:00:00Z",
        "updated": "2026-01-01T00:00:00Z",
        "name": "team-pool",
        "type": "process",
        "description": "FlowForge pool",
        "base_job_template": TEMPLATE,
        "is_paused": False,
        "concurrency_limit": 3,
        "status": "NOT_READY",
        "default_queue_id": str(uuid.uuid4()),
        **fields,
    }


def state(**overrides: Any) -> dict[str, Any]:
    """Outputs recorded in state after a create: what diff receives as olds."""
    pool = server_pool()
    outs = {
        "pool_id": pool["id"],
        "name": pool["name"],
        "type": pool["type"],
        "description": pool["description"],
        "is_paused": pool["is_paused"],
        "concurrency_limit": pool["concurrency_limit"],
        "default_queue_id": pool["default_queue_id"],
        "status": pool["status"],
        "base_job_template": pool["base_job_template"],
        "api_url": API_URL,
        "auth_string": "admin:s3cret",
        "ready_timeout_seconds": 5.0,
    }
    return outs | overrides


class FakeServer:
    """Routes (method, path) to scripted answers and records every request."""

    def __init__(self, routes: dict[tuple[str, str], list[httpx.Response]]) -> None:
        self.routes = routes
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answers = self.routes.get((request.method, request.url.path))
        if not answers:
            return httpx.Response(
                500, json={"detail": f"unscripted {request.method} {request.url}"}
            )
        return answers.pop(0) if len(answers) > 1 else answers[0]

    def calls(self) -> list[str]:
        return [f"{r.method} {r.url.path}" for r in self.requests]


def provider_for(server: FakeServer) -> WorkPoolProvider:
    return WorkPoolProvider(
        client_factory=partial(PrefectClient, retry=FAST, transport=httpx.MockTransport(server))
    )


def no_http_provider() -> WorkPoolProvider:
    def refuse(api_url: str, **_: Any) -> PrefectClient:
        raise AssertionError(f"check/diff must not open a client (asked for {api_url})")

    return WorkPoolProvider(client_factory=refuse)


READY = httpx.Response(200, json={"message": "OK"})

# --- check --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "",
        "   ",
        "'\"",  # prefect/types/names.py:non_emptyish strips quotes and spaces
        " leading",
        "trailing ",
        "a/b",
        "a%b",
        "a&b",
        "a>b",
        "a<b",
        "prefect-pool",  # reserved: prefect/server/api/workers.py:create_work_pool -> 403
        "PREFECT",
        "line\nfeed",  # accepted by the server, then unreachable by URL
        "nul\x00",  # PostgreSQL cannot store it
        42,
    ],
)
def test_check_refuses_each_invalid_name_naming_the_property(name: object) -> None:
    result = no_http_provider().check({}, inputs(name=name))
    assert [failure.property for failure in result.failures] == ["name"], result.failures
    assert repr(name) in result.failures[0].reason


@pytest.mark.parametrize(
    ("prop", "value"),
    [
        ("concurrency_limit", -1),
        ("concurrency_limit", 1.5),
        ("concurrency_limit", True),
        ("concurrency_limit", "3"),
        ("type", ""),
        ("type", " process"),
        ("paused", "no"),
        ("description", 7),
        ("base_job_template", "{}"),
        ("api_url", "localhost:4200"),
        ("auth_string", ""),
        ("ready_timeout_seconds", 0),
    ],
)
def test_check_refuses_other_invalid_inputs_naming_the_property(prop: str, value: object) -> None:
    result = no_http_provider().check({}, inputs(**{prop: value}))
    assert [failure.property for failure in result.failures] == [prop]


def test_check_accepts_valid_inputs_and_normalises_the_wire_float_limit() -> None:
    result = no_http_provider().check({}, inputs(concurrency_limit=3.0, name="team pool 1"))
    assert result.failures == []
    assert result.inputs["concurrency_limit"] == 3
    assert isinstance(result.inputs["concurrency_limit"], int)


def test_check_accepts_an_unset_limit_and_no_auth() -> None:
    result = no_http_provider().check({}, inputs(concurrency_limit=None, auth_string=None))
    assert result.failures == []


def test_check_passes_unknown_inputs_during_preview() -> None:
    unknown = {key: UNKNOWN for key in ("api_url", "name", "type", "concurrency_limit")}
    result = no_http_provider().check({}, inputs(**unknown, base_job_template=None))
    assert result.failures == []
    assert result.inputs["base_job_template"] is None, "type unknown: resolved on the real run"


def test_check_fills_in_the_installed_default_template_of_the_worker_type() -> None:
    result = no_http_provider().check({}, inputs(base_job_template=None))
    assert result.inputs["base_job_template"] == ProcessWorker.get_default_base_job_template()


def test_check_keeps_an_explicit_template() -> None:
    result = no_http_provider().check({}, inputs())
    assert result.inputs["base_job_template"] == TEMPLATE


def test_check_refuses_a_worker_type_without_default_template_unless_one_is_given() -> None:
    result = no_http_provider().check({}, inputs(type="no-such-worker", base_job_template=None))
    assert [failure.property for failure in result.failures] == ["base_job_template"]
    explicit = no_http_provider().check({}, inputs(type="no-such-worker"))
    assert explicit.failures == []


# --- diff ---------------------------------------------------------------------------------


def test_diff_without_changes_is_a_no_op() -> None:
    result = no_http_provider().diff("team-pool", state(), inputs(concurrency_limit=3.0))
    assert result.changes is False
    assert result.replaces == []


@pytest.mark.parametrize(("prop", "value"), [("name", "other-pool"), ("type", "docker")])
def test_diff_replaces_on_name_or_type_deleting_first(prop: str, value: str) -> None:
    result = no_http_provider().diff("team-pool", state(), inputs(**{prop: value}))
    assert (result.changes, result.replaces, result.delete_before_replace) == (True, [prop], True)


@pytest.mark.parametrize(
    ("prop", "value"),
    [
        ("description", "new text"),
        ("description", None),
        ("paused", True),
        ("concurrency_limit", None),
        ("concurrency_limit", 4),
        ("base_job_template", {**TEMPLATE, "variables": {"properties": {"x": {}}}}),
        ("api_url", "http://moved.test:4300/api"),
        ("auth_string", "admin:rotated"),
        ("ready_timeout_seconds", 300),
    ],
)
def test_diff_updates_in_place(prop: str, value: object) -> None:
    result = no_http_provider().diff("team-pool", state(), inputs(**{prop: value}))
    assert (result.changes, result.replaces) == (True, [])


def test_diff_compares_templates_as_data_not_text() -> None:
    reordered = json.loads(json.dumps(TEMPLATE, sort_keys=True))
    reordered = dict(reversed(list(reordered.items())))
    result = no_http_provider().diff("team-pool", state(), inputs(base_job_template=reordered))
    assert result.changes is False


def test_diff_with_unknown_url_is_an_update_and_unknown_name_a_replacement() -> None:
    url = no_http_provider().diff("team-pool", state(), inputs(api_url=UNKNOWN))
    assert (url.changes, url.replaces) == (True, [])
    name = no_http_provider().diff("team-pool", state(), inputs(name=UNKNOWN))
    assert name.replaces == ["name"]


# --- create / read / update / delete -------------------------------------------------------


def test_create_waits_for_readiness_then_creates_and_maps_the_outputs() -> None:
    pool = server_pool()
    server = FakeServer(
        {
            ("GET", "/api/ready"): [httpx.Response(503), READY],
            ("POST", "/api/work_pools/"): [httpx.Response(201, json=pool)],
        }
    )
    result = provider_for(server).create(inputs())
    assert server.calls() == ["GET /api/ready", "GET /api/ready", "POST /api/work_pools/"]
    assert result.id == "team-pool", "the resource ID is the pool name"
    assert result.outs is not None
    assert result.outs["pool_id"] == pool["id"]
    assert result.outs["default_queue_id"] == pool["default_queue_id"]
    assert result.outs["auth_string"] == "admin:s3cret", "needed by read/delete"
    body = json.loads(server.requests[-1].content)
    assert body["is_paused"] is False
    assert body["base_job_template"] == TEMPLATE


def test_create_adopts_an_existing_pool_on_conflict(monkeypatch: pytest.MonkeyPatch) -> None:
    logged: list[str] = []
    monkeypatch.setattr(pulumi.log, "info", lambda message, *_, **__: logged.append(message))
    existing = server_pool(description="set by hand", concurrency_limit=None)
    adopted = server_pool(id=existing["id"])
    server = FakeServer(
        {
            ("GET", "/api/ready"): [READY],
            ("POST", "/api/work_pools/"): [httpx.Response(409, json={"detail": "exists"})],
            ("GET", "/api/work_pools/team-pool"): [
                httpx.Response(200, json=existing),
                httpx.Response(200, json=adopted),
            ],
            ("PATCH", "/api/work_pools/team-pool"): [httpx.Response(204)],
        }
    )
    result = provider_for(server).create(inputs())
    assert server.calls() == [
        "GET /api/ready",
        "POST /api/work_pools/",
        "GET /api/work_pools/team-pool",
        "PATCH /api/work_pools/team-pool",
        "GET /api/work_pools/team-pool",
    ]
    patch = json.loads(server.requests[3].content)
    assert patch == {
        "description": "FlowForge pool",
        "is_paused": False,
        "concurrency_limit": 3,
        "base_job_template": TEMPLATE,
    }
    assert result.outs is not None
    assert result.outs["pool_id"] == existing["id"]
    assert ["adopted" in message for message in logged] == [True]


def test_create_refuses_to_adopt_a_pool_of_another_type() -> None:
    server = FakeServer(
        {
            ("GET", "/api/ready"): [READY],
            ("POST", "/api/work_pools/"): [httpx.Response(409)],
            ("GET", "/api/work_pools/team-pool"): [
                httpx.Response(200, json=server_pool(type="docker"))
            ],
        }
    )
    with pytest.raises(PoolTypeMismatch, match="docker"):
        provider_for(server).create(inputs())
    assert "PATCH /api/work_pools/team-pool" not in server.calls()


def test_read_of_a_pool_deleted_out_of_band_returns_an_empty_id() -> None:
    server = FakeServer({("GET", "/api/work_pools/team-pool"): [httpx.Response(404)]})
    result = provider_for(server).read("team-pool", state())
    assert result.id == ""


def test_read_maps_the_current_server_values() -> None:
    server = FakeServer(
        {
            ("GET", "/api/work_pools/team-pool"): [
                httpx.Response(200, json=server_pool(is_paused=True))
            ]
        }
    )
    result = provider_for(server).read("team-pool", state())
    assert result.id == "team-pool"
    assert result.outs is not None
    assert result.outs["is_paused"] is True


def test_update_after_a_url_move_creates_the_pool_at_the_new_url_only() -> None:
    moved = "http://moved.test:4300/api"
    server = FakeServer(
        {
            ("GET", "/api/ready"): [READY],
            ("PATCH", "/api/work_pools/team-pool"): [httpx.Response(404)],
            ("POST", "/api/work_pools/"): [httpx.Response(201, json=server_pool())],
            ("GET", "/api/work_pools/team-pool"): [httpx.Response(200, json=server_pool())],
        }
    )
    result = provider_for(server).update("team-pool", state(), inputs(api_url=moved))
    assert {str(r.url.copy_with(path="/api")) for r in server.requests} == {moved}
    assert "POST /api/work_pools/" in server.calls()
    assert result.outs is not None
    assert result.outs["api_url"] == moved


def test_update_patches_and_returns_what_the_server_holds() -> None:
    after = server_pool(concurrency_limit=None, is_paused=True)
    server = FakeServer(
        {
            ("GET", "/api/ready"): [READY],
            ("PATCH", "/api/work_pools/team-pool"): [httpx.Response(204)],
            ("GET", "/api/work_pools/team-pool"): [httpx.Response(200, json=after)],
        }
    )
    result = provider_for(server).update(
        "team-pool", state(), inputs(concurrency_limit=None, paused=True)
    )
    assert json.loads(server.requests[1].content)["concurrency_limit"] is None
    assert result.outs is not None
    assert (result.outs["concurrency_limit"], result.outs["is_paused"]) == (None, True)


@pytest.mark.parametrize("status", [204, 404])
def test_delete_treats_already_gone_as_done(status: int) -> None:
    server = FakeServer({("DELETE", "/api/work_pools/team-pool"): [httpx.Response(status)]})
    provider_for(server).delete("team-pool", state())
    assert server.calls() == ["DELETE /api/work_pools/team-pool"]


def test_the_provider_keeps_no_client_or_credential() -> None:
    provider = WorkPoolProvider()
    assert set(vars(provider)) == {"_client_factory"}
    assert provider._client_factory is PrefectClient


def unreachable_provider() -> WorkPoolProvider:
    def refuse_connection(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Connection refused", request=request)

    return WorkPoolProvider(
        client_factory=partial(
            PrefectClient, retry=FAST, transport=httpx.MockTransport(refuse_connection)
        )
    )


def test_an_unreachable_server_fails_an_update_with_one_unchained_error() -> None:
    """Pulumi prints a dynamic provider's whole traceback: the error must stand alone."""
    news = inputs(concurrency_limit=4, ready_timeout_seconds=1)
    with pytest.raises(ApiTimeout) as raised:
        unreachable_provider().update("team-pool", inputs(), news)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    assert API_URL in str(raised.value)


def test_refresh_keeps_the_last_state_when_the_server_is_unreachable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Otherwise ``pulumi up --refresh`` could not restart a stopped server container."""
    warned: list[str] = []
    monkeypatch.setattr(pulumi.log, "warn", lambda message, *_, **__: warned.append(message))
    state = inputs(pool_id="abc")
    result = unreachable_provider().read("team-pool", state)
    assert (result.id, result.outs) == ("team-pool", state)
    assert len(warned) == 1 and "not refreshed" in warned[0] and API_URL in warned[0]


def test_delete_drops_the_pool_with_a_warning_when_the_server_is_unreachable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    warned: list[str] = []
    monkeypatch.setattr(pulumi.log, "warn", lambda message, *_, **__: warned.append(message))
    unreachable_provider().delete("team-pool", inputs())
    assert len(warned) == 1 and "not deleted on the server" in warned[0]
