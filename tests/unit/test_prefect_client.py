"""The Prefect client's contract: retry policy, status -> error mapping, what goes on the wire.

Everything runs over httpx.MockTransport; no sockets.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
import pytest

from flowforge_infra.prefect_api import (
    ApiTimeout,
    Conflict,
    NotFound,
    PrefectApiError,
    PrefectClient,
    RejectedInput,
    RetryPolicy,
    ServerUnavailable,
    Unauthorized,
    UnexpectedStatus,
    WorkPoolCreate,
    WorkPoolUpdate,
)

API_URL = "http://prefect.test/api"
FAST = RetryPolicy(attempts=3, deadline_seconds=5, backoff_seconds=0, max_backoff_seconds=0)
Handler = Callable[[httpx.Request], httpx.Response]


def pool_json(name: str = "pool", **fields: object) -> dict[str, object]:
    """A work pool as the server renders it."""
    return {
        "id": str(uuid.uuid4()),
        "created": "2026-01-01T00:00:00Z",
        "updated": "2026-01-01T00:00:00Z",
        "name": name,
        "type": "process",
        "description": None,
        "base_job_template": {},
        "is_paused": False,
        "concurrency_limit": None,
        "status": "NOT_READY",
        "default_queue_id": str(uuid.uuid4()),
        **fields,
    }


class Recorder:
    """Answers requests from a script and remembers every request it saw."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


@contextmanager
def client_for(
    handler: Handler, *, retry: RetryPolicy = FAST, auth_string: str | None = None
) -> Iterator[PrefectClient]:
    with PrefectClient(
        API_URL, auth_string=auth_string, retry=retry, transport=httpx.MockTransport(handler)
    ) as client:
        yield client


def refused() -> httpx.ConnectError:
    return httpx.ConnectError("[Errno 111] Connection refused")


# --- retry policy -------------------------------------------------------------------------


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_are_retried_up_to_the_bound_then_server_unavailable(status: int) -> None:
    recorder = Recorder(httpx.Response(status))
    with client_for(recorder) as client, pytest.raises(ServerUnavailable) as caught:
        client.server_version()
    assert len(recorder.requests) == FAST.attempts, "every allowed attempt is used, no more"
    assert str(status) in str(caught.value)
    assert caught.value.url == f"{API_URL}/admin/version"


def test_a_503_followed_by_success_returns_the_success() -> None:
    recorder = Recorder(httpx.Response(503), httpx.Response(200, json="3.9.1"))
    with client_for(recorder) as client:
        assert client.server_version() == "3.9.1"
    assert len(recorder.requests) == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422, 500])
def test_other_error_statuses_are_never_retried(status: int) -> None:
    recorder = Recorder(httpx.Response(status, json={"detail": "no"}))
    with client_for(recorder) as client, pytest.raises(UnexpectedStatus):
        client.read_work_pool("pool")
    assert len(recorder.requests) == 1


def test_connection_errors_are_retried_until_the_server_answers() -> None:
    recorder = Recorder(refused(), refused(), httpx.Response(200, json="3.9.1"))
    with client_for(recorder) as client:
        assert client.server_version() == "3.9.1"
    assert len(recorder.requests) == 3


def test_connection_errors_past_the_bound_raise_server_unavailable_from_the_cause() -> None:
    recorder = Recorder(refused())
    with client_for(recorder) as client, pytest.raises(ServerUnavailable) as caught:
        client.server_version()
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert len(recorder.requests) == FAST.attempts


def test_the_overall_deadline_stops_retries_before_the_attempt_bound() -> None:
    recorder = Recorder(httpx.Response(503))
    policy = RetryPolicy(
        attempts=1000, deadline_seconds=0.3, backoff_seconds=0.05, max_backoff_seconds=0.05
    )
    started = time.monotonic()
    with client_for(recorder, retry=policy) as client, pytest.raises(ApiTimeout) as caught:
        client.server_version()
    elapsed = time.monotonic() - started
    assert elapsed < 0.6, f"deadline 0.3s, took {elapsed:.2f}s"
    assert 1 < len(recorder.requests) < 20
    assert f"{API_URL}/admin/version" in str(caught.value)


def test_unfixable_transport_errors_are_not_retried() -> None:
    recorder = Recorder(httpx.UnsupportedProtocol("nope"))
    with client_for(recorder) as client, pytest.raises(ServerUnavailable):
        client.server_version()
    assert len(recorder.requests) == 1


# --- status -> error mapping --------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, RejectedInput),
        (401, Unauthorized),
        (403, RejectedInput),
        (404, NotFound),
        (409, Conflict),
        (422, RejectedInput),
        (500, UnexpectedStatus),
    ],
)
def test_each_status_maps_to_its_error_with_the_servers_message(
    status: int, error: type[UnexpectedStatus]
) -> None:
    recorder = Recorder(httpx.Response(status, json={"detail": "the server's reason"}))
    with client_for(recorder) as client, pytest.raises(error) as caught:
        client.delete_work_pool("pool")
    assert type(caught.value) is error
    assert caught.value.status_code == status
    assert caught.value.detail == "the server's reason"
    assert "the server's reason" in str(caught.value)


def test_validation_errors_carry_prefects_exception_message_and_detail() -> None:
    body = {
        "exception_message": "Invalid request received.",
        "exception_detail": [{"loc": ["body", "name"], "msg": "String should match pattern"}],
    }
    recorder = Recorder(httpx.Response(422, json=body))
    with client_for(recorder) as client, pytest.raises(RejectedInput) as caught:
        client.create_work_pool(WorkPoolCreate(name="pool", type="process"))
    assert "Invalid request received." in caught.value.detail
    assert "String should match pattern" in caught.value.detail


def test_an_answer_of_the_wrong_shape_is_a_prefect_api_error() -> None:
    recorder = Recorder(httpx.Response(200, json={"unexpected": True}))
    with client_for(recorder) as client, pytest.raises(PrefectApiError) as caught:
        client.read_work_pool("pool")
    assert type(caught.value) is PrefectApiError


def test_a_success_status_other_than_the_expected_one_is_unexpected() -> None:
    recorder = Recorder(httpx.Response(200, json=pool_json()))
    with client_for(recorder) as client, pytest.raises(UnexpectedStatus):
        client.create_work_pool(WorkPoolCreate(name="pool", type="process"))


# --- what goes on the wire ----------------------------------------------------------------


def test_auth_string_is_sent_as_basic_auth_of_the_whole_string() -> None:
    recorder = Recorder(httpx.Response(200, json="3.9.1"))
    with client_for(recorder, auth_string="admin:pa:ss") as client:
        client.server_version()
    header = recorder.requests[0].headers["Authorization"]
    assert header == "Basic " + base64.b64encode(b"admin:pa:ss").decode()


def test_no_auth_header_without_an_auth_string() -> None:
    recorder = Recorder(httpx.Response(200, json="3.9.1"))
    with client_for(recorder) as client:
        client.server_version()
    assert "Authorization" not in recorder.requests[0].headers


def test_create_posts_only_the_fields_that_were_set() -> None:
    recorder = Recorder(httpx.Response(201, json=pool_json(concurrency_limit=2)))
    with client_for(recorder) as client:
        pool = client.create_work_pool(
            WorkPoolCreate(name="pool", type="process", concurrency_limit=2)
        )
    request = recorder.requests[0]
    assert (request.method, request.url.path) == ("POST", "/api/work_pools/")
    assert json.loads(request.content) == {
        "name": "pool",
        "type": "process",
        "concurrency_limit": 2,
    }
    assert pool.concurrency_limit == 2


def test_update_sends_an_explicit_none_so_the_limit_is_cleared() -> None:
    recorder = Recorder(httpx.Response(204))
    with client_for(recorder) as client:
        client.update_work_pool("pool", WorkPoolUpdate(concurrency_limit=None, is_paused=True))
    request = recorder.requests[0]
    assert request.method == "PATCH"
    assert json.loads(request.content) == {"concurrency_limit": None, "is_paused": True}


def test_pool_names_are_quoted_into_one_path_segment() -> None:
    recorder = Recorder(httpx.Response(200, json=pool_json("team a?b#c")))
    with client_for(recorder) as client:
        client.read_work_pool("team a?b#c")
    assert recorder.requests[0].url.raw_path == b"/api/work_pools/team%20a%3Fb%23c"


@pytest.mark.parametrize(("name", "segment"), [(".", b"%2E"), ("..", b"%2E%2E"), ("a.b", b"a%2Eb")])
def test_dots_are_quoted_so_dot_segments_stay_pool_names(name: str, segment: bytes) -> None:
    recorder = Recorder(httpx.Response(204))
    with client_for(recorder) as client:
        client.delete_work_pool(name)
    assert recorder.requests[0].url.raw_path == b"/api/work_pools/" + segment


def test_api_url_must_be_http() -> None:
    with pytest.raises(ValueError, match="api_url"):
        PrefectClient("ftp://prefect.test/api")


# --- readiness ----------------------------------------------------------------------------


def test_wait_until_ready_retries_503_until_ready() -> None:
    recorder = Recorder(refused(), httpx.Response(503), httpx.Response(200, json={}))
    with client_for(recorder) as client:
        client.wait_until_ready(timeout=5)
    assert [r.url.path for r in recorder.requests] == ["/api/ready"] * 3


def test_wait_until_ready_falls_back_to_health_on_servers_without_ready() -> None:
    recorder = Recorder(httpx.Response(404), httpx.Response(200, json=True))
    with client_for(recorder) as client:
        client.wait_until_ready(timeout=5)
    assert [r.url.path for r in recorder.requests] == ["/api/ready", "/api/health"]


def test_wait_until_ready_times_out_naming_the_url() -> None:
    recorder = Recorder(refused())
    policy = RetryPolicy(attempts=2, backoff_seconds=0.05, max_backoff_seconds=0.05)
    with client_for(recorder, retry=policy) as client, pytest.raises(ApiTimeout) as caught:
        client.wait_until_ready(timeout=0.3)
    assert API_URL in str(caught.value)
    assert "not ready within 0.3s" in str(caught.value)
    assert len(recorder.requests) > policy.attempts, "readiness is bounded by time, not attempts"
