"""Request and response shapes for the work pool endpoints.

We reuse the pydantic models Prefect's own client sends and receives instead of re-typing them:
their field names, types and JSON encoding are by construction the ones the pinned server
speaks, and they validate what they can (e.g. a non-negative concurrency limit) before a
request leaves. Bodies are dumped with ``exclude_unset=True``, so a PATCH touches only the
fields a caller set, and an explicit ``None`` (e.g. to clear a concurrency limit) is still sent.
"""

from __future__ import annotations

from prefect.client.schemas.actions import WorkPoolCreate, WorkPoolUpdate
from prefect.client.schemas.objects import WorkPool

__all__ = ["WorkPool", "WorkPoolCreate", "WorkPoolUpdate"]
