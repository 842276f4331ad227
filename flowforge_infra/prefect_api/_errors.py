"""Errors raised by the Prefect API client, one class per failure kind.

Callers branch on the class, never on message text. httpx's own exceptions are translated at
the client boundary (``raise ... from exc``), so nothing outside ``prefect_api`` imports httpx
to handle a failure.

    PrefectApiError              base; raised itself for an answer whose body has the wrong shape
    ├── ServerUnavailable        every allowed attempt failed to connect or got 502/503/504
    ├── ApiTimeout               the call's deadline passed before a usable answer came
    └── UnexpectedStatus         the server answered with a status the call did not expect
        ├── Unauthorized         401: the auth string is missing or wrong
        ├── NotFound             404: no such object
        ├── Conflict             409: the object already exists
        └── RejectedInput        400/403/422: the server refused the request's content
"""

from __future__ import annotations

__all__ = [
    "ApiTimeout",
    "Conflict",
    "NotFound",
    "PrefectApiError",
    "RejectedInput",
    "ServerUnavailable",
    "Unauthorized",
    "UnexpectedStatus",
]


class PrefectApiError(Exception):
    """Base class: anything the client raises. ``url`` is the request's URL."""

    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(message)
        self.url = url


class ServerUnavailable(PrefectApiError):
    """Raised when retries ran out on connection errors or 502/503/504 answers."""


class ApiTimeout(PrefectApiError):
    """Raised when the overall deadline of a call (or of the wait for readiness) passed."""


class UnexpectedStatus(PrefectApiError):
    """Raised for an answer whose status the call did not expect and no subclass names.

    ``detail`` is the server's own explanation, taken from the response body.
    """

    def __init__(self, message: str, *, url: str, status_code: int, detail: str) -> None:
        super().__init__(message, url=url)
        self.status_code = status_code
        self.detail = detail


class Unauthorized(UnexpectedStatus):
    """Raised on 401: the server requires an auth string and ours is missing or wrong."""


class NotFound(UnexpectedStatus):
    """Raised on 404: the object (or, for an old server, the endpoint) does not exist."""


class Conflict(UnexpectedStatus):
    """Raised on 409: an object with that name already exists."""


class RejectedInput(UnexpectedStatus):
    """Raised on 400/403/422: the server refused what was sent; ``detail`` says why."""
