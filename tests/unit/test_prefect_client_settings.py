"""``PrefectClient.read_server_settings``: the call the doctor uses to see the server's database.

Everything runs over httpx.MockTransport; no sockets.
"""

from __future__ import annotations

import httpx
import pytest

from flowforge_infra.prefect_api import PrefectApiError, PrefectClient, RetryPolicy, Unauthorized

API_URL = "http://prefect.test/api"
FAST = RetryPolicy(attempts=2, deadline_seconds=5, backoff_seconds=0, max_backoff_seconds=0)
SETTINGS = {"server": {"database": {"driver": "postgresql+asyncpg", "connection_url": "****"}}}


def client_answering(response: httpx.Response, seen: list[httpx.Request]) -> PrefectClient:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return response

    return PrefectClient(
        API_URL, auth_string="user:pw", retry=FAST, transport=httpx.MockTransport(handler)
    )


def test_reads_the_settings_object_from_the_admin_endpoint() -> None:
    seen: list[httpx.Request] = []
    with client_answering(httpx.Response(200, json=SETTINGS), seen) as client:
        assert client.read_server_settings() == SETTINGS
    assert [(r.method, str(r.url)) for r in seen] == [("GET", f"{API_URL}/admin/settings")]
    assert seen[0].headers["Authorization"].startswith("Basic "), "auth must be sent"


def test_a_body_that_is_not_an_object_is_an_unexpected_answer() -> None:
    with (
        client_answering(httpx.Response(200, json=["not", "settings"]), []) as client,
        pytest.raises(PrefectApiError, match="not a JSON object"),
    ):
        client.read_server_settings()


def test_401_is_unauthorized() -> None:
    answer = httpx.Response(401, json={"exception_message": "Unauthorized"})
    with client_answering(answer, []) as client, pytest.raises(Unauthorized):
        client.read_server_settings()
