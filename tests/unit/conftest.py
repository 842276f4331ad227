"""Shared fixtures of the unit tier."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session")
def pulumi_event_loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture(autouse=True)
def current_event_loop(pulumi_event_loop: asyncio.AbstractEventLoop) -> None:
    """Pulumi's runtime needs a current event loop, and ``asyncio.run`` (used by the benchmark
    tests) leaves none behind: put the session's loop back before every test."""
    asyncio.set_event_loop(pulumi_event_loop)
