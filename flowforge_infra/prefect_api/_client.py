"""A small synchronous client for the Prefect REST endpoints FlowForge needs.

Every call goes through ``PrefectClient._request``: method, path, body and the status codes
that mean success. It retries only what a later attempt can fix (connection errors, timeouts,
502/503/504), within both an attempt bound and an overall deadline, and never a 4xx. Answers
are then mapped to the typed errors of ``_errors``.
"""

from __future__ import annotations

import base64
import sys
import time
from collections.abc import Collection
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import quote

import httpx
import pydantic
import tenacity

from flowforge_infra.prefect_api._errors import (
    ApiTimeout,
    Conflict,
    NotFound,
    PrefectApiError,
    RejectedInput,
    ServerUnavailable,
    Unauthorized,
    UnexpectedStatus,
)
from flowforge_infra.prefect_api._models import WorkPool, WorkPoolCreate, WorkPoolUpdate

__all__ = ["PrefectClient", "RetryPolicy"]

_Model = TypeVar("_Model", bound=pydantic.BaseModel)

# Gateways and an overloaded or still-starting server answer these; a later try may succeed.
RETRYABLE_STATUSES = frozenset({502, 503, 504})
# Transport failures that can heal: refused/reset connections, timeouts, dropped connections.
# Not retried: a bad URL scheme and other mistakes no retry can fix.
_RETRYABLE_TRANSPORT_ERRORS = (
    httpx.NetworkError,
    httpx.TimeoutException,
    httpx.RemoteProtocolError,
)
_STATUS_ERRORS: dict[int, type[UnexpectedStatus]] = {
    400: RejectedInput,
    401: Unauthorized,
    403: RejectedInput,  # e.g. a work pool name with the reserved "prefect" prefix
    404: NotFound,
    409: Conflict,
    422: RejectedInput,
}


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """How long one call may keep trying: at most ``attempts`` tries and ``deadline_seconds``
    in all (waits included); waits grow from ``backoff_seconds``, doubling up to
    ``max_backoff_seconds``."""

    attempts: int = 5
    deadline_seconds: float = 30.0
    backoff_seconds: float = 0.5
    max_backoff_seconds: float = 2.0


class _RetryableStatus(Exception):
    """Internal signal to tenacity that an answer deserves another try."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code} {response.reason_phrase}")
        self.response = response


class PrefectClient:
    """Client for one Prefect server, e.g. ``PrefectClient("http://127.0.0.1:4200/api")``.

    Use it as a context manager and drop it after: it owns a connection pool, and callers such
    as the Pulumi provider must not keep one between calls. ``auth_string`` is the
    ``user:password`` string the server's PREFECT_SERVER_API_AUTH_STRING expects, sent as HTTP
    basic auth. ``transport`` exists for tests (``httpx.MockTransport``).
    """

    def __init__(
        self,
        api_url: str,
        *,
        auth_string: str | None = None,
        retry: RetryPolicy = RetryPolicy(),
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        url = httpx.URL(api_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(
                f"api_url must be an http(s) URL such as http://127.0.0.1:4200/api, got {api_url!r}"
            )
        self.api_url = api_url.rstrip("/")
        self._retry = retry
        headers = {"Accept": "application/json"}
        if auth_string is not None:
            token = base64.b64encode(auth_string.encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        self._http = httpx.Client(base_url=self.api_url, headers=headers, transport=transport)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def wait_until_ready(self, *, timeout: float) -> None:
        """Return once the server answers ``GET /ready`` with 200 (its database is reachable).

        Servers older than ``/ready`` answer it with 404; for them ``GET /health`` is the
        probe. Raises ApiTimeout, naming the URL, if ``timeout`` seconds pass first.
        """
        # Bounded by time alone: this wait exists to outlast a slow start; the backoff keeps
        # the number of tries to about timeout / max_backoff_seconds.
        policy = replace(self._retry, attempts=sys.maxsize, deadline_seconds=timeout)
        give_up_at = time.monotonic() + timeout
        try:
            try:
                self._request("GET", "/ready", expect={200}, retry=policy)
            except NotFound:
                remaining = max(give_up_at - time.monotonic(), 0.0)
                self._request(
                    "GET",
                    "/health",
                    expect={200},
                    retry=replace(policy, deadline_seconds=remaining),
                )
        except ApiTimeout as exc:
            raise ApiTimeout(
                f"Prefect server at {self.api_url} was not ready within {timeout:g}s ({exc})",
                url=exc.url,
            ) from exc

    def server_version(self) -> str:
        """The server's Prefect version, e.g. ``"3.9.1"``."""
        return str(_json(self._request("GET", "/admin/version", expect={200})))

    def read_server_settings(self) -> dict[str, Any]:
        """The server's own settings as JSON (``GET /admin/settings``); secrets come masked."""
        response = self._request("GET", "/admin/settings", expect={200})
        settings = _json(response)
        if not isinstance(settings, dict):
            raise _malformed(response, "the settings are not a JSON object")
        return settings

    def create_work_pool(self, pool: WorkPoolCreate) -> WorkPool:
        """Create a pool; raises Conflict if one with that name exists."""
        response = self._request("POST", "/work_pools/", body=_body(pool), expect={201})
        return _parse(response, WorkPool)

    def read_work_pool(self, name: str) -> WorkPool:
        """Read a pool by name; raises NotFound if there is none."""
        return _parse(self._request("GET", _pool_path(name), expect={200}), WorkPool)

    def update_work_pool(self, name: str, update: WorkPoolUpdate) -> None:
        """Set the fields ``update`` sets explicitly; the server answers with no body."""
        self._request("PATCH", _pool_path(name), body=_body(update), expect={204})

    def delete_work_pool(self, name: str) -> None:
        """Delete a pool; raises NotFound if there is none."""
        self._request("DELETE", _pool_path(name), expect={204})

    def _request(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        expect: Collection[int],
        retry: RetryPolicy | None = None,
    ) -> httpx.Response:
        """Send one logical request, retrying per ``retry``; return the answer if its status is
        in ``expect``, else raise the matching PrefectApiError."""
        policy = retry or self._retry
        url = f"{self.api_url}{path}"
        started = time.monotonic()

        def attempt() -> httpx.Response:
            remaining = policy.deadline_seconds - (time.monotonic() - started)
            response = self._http.request(method, path, json=body, timeout=max(remaining, 0.01))
            if response.status_code in RETRYABLE_STATUSES:
                raise _RetryableStatus(response)
            return response

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(
                (_RetryableStatus, *_RETRYABLE_TRANSPORT_ERRORS)
            ),
            stop=tenacity.stop_after_attempt(policy.attempts)
            | tenacity.stop_before_delay(policy.deadline_seconds),
            wait=tenacity.wait_exponential(
                multiplier=policy.backoff_seconds, max=policy.max_backoff_seconds
            ),
        )
        try:
            response = retrying(attempt)
        except tenacity.RetryError as exc:
            last = exc.last_attempt
            cause = last.exception()
            tries = f"{last.attempt_number} attempt{'s' if last.attempt_number > 1 else ''}"
            if last.attempt_number >= policy.attempts:
                raise ServerUnavailable(
                    f"{method} {url}: server unavailable after {tries} (last: {_describe(cause)})",
                    url=url,
                ) from cause
            raise ApiTimeout(
                f"{method} {url}: no usable answer within {policy.deadline_seconds:g}s "
                f"({tries}; last: {_describe(cause)})",
                url=url,
            ) from cause
        except httpx.HTTPError as exc:
            raise ServerUnavailable(f"{method} {url}: {_describe(exc)}", url=url) from exc

        if response.status_code not in expect:
            error = _STATUS_ERRORS.get(response.status_code, UnexpectedStatus)
            detail = _detail(response)
            raise error(
                f"{method} {url} answered {response.status_code} "
                f"{response.reason_phrase}: {detail}",
                url=url,
                status_code=response.status_code,
                detail=detail,
            )
        return response


def _pool_path(name: str) -> str:
    # Quote everything into one path segment: names may hold spaces, '?', '#' and the like.
    # Dots too: a pool named "." or ".." would otherwise be a dot-segment the URL resolves away.
    return f"/work_pools/{quote(name, safe='').replace('.', '%2E')}"


def _body(model: pydantic.BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json", exclude_unset=True)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise _malformed(response, "the body is not JSON") from exc


def _parse(response: httpx.Response, model: type[_Model]) -> _Model:
    try:
        return model.model_validate(_json(response))
    except pydantic.ValidationError as exc:
        raise _malformed(response, str(exc)) from exc


def _malformed(response: httpx.Response, why: str) -> PrefectApiError:
    url = str(response.request.url)
    return PrefectApiError(f"{response.request.method} {url}: unexpected answer: {why}", url=url)


def _detail(response: httpx.Response) -> str:
    """The server's explanation: FastAPI's ``detail`` or Prefect's ``exception_message``
    (plus ``exception_detail`` for validation errors), else the raw text."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:500]
    if isinstance(body, dict):
        parts = [body.get(key) for key in ("detail", "exception_message", "exception_detail")]
        text = "; ".join(str(part) for part in parts if part)
        if text:
            return text
    return str(body)[:500]


def _describe(exc: BaseException | None) -> str:
    if isinstance(exc, _RetryableStatus):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"
