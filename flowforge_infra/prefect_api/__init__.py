"""Client for the Prefect REST API: typed models, typed errors, one request function.

Knows nothing of Pulumi. Import from here; the underscore modules are private.
"""

from flowforge_infra.prefect_api._client import PrefectClient, RetryPolicy
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

__all__ = [
    "ApiTimeout",
    "Conflict",
    "NotFound",
    "PrefectApiError",
    "PrefectClient",
    "RejectedInput",
    "RetryPolicy",
    "ServerUnavailable",
    "Unauthorized",
    "UnexpectedStatus",
    "WorkPool",
    "WorkPoolCreate",
    "WorkPoolUpdate",
]
