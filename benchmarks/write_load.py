"""Write load on a Prefect server's REST API.

A burst is N concurrent ``POST /flow_runs/``; sustained load is K writers that each, in a loop,
create a flow run (the server starts it PENDING) and move it to RUNNING, then COMPLETED with
``POST /flow_runs/{id}/set_state``. A run whose request fails is abandoned and the failure
counted by kind; writers do not back off, so a refusing server shows as many fast failures.

All requests of a scenario go through one ``httpx.AsyncClient`` whose connection limit is the
concurrency, so the client never queues requests itself. Every loop is bounded in time (the
duration, plus request timeouts) and in count (``MAX_RUNS_PER_WRITER_SECOND``).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, TypeVar

import httpx

from benchmarks import BenchError, Budget, say
from benchmarks.stats import percentile
from benchmarks.targets import Endpoint, Target, check_reachable

__all__ = [
    "BurstResult",
    "ServerFigures",
    "SustainedResult",
    "burst",
    "create_bench_flow",
    "delete_bench_flow",
    "measure_server",
    "sustained",
]

REQUEST_TIMEOUT_SECONDS = 30.0
# Bounds the loop count as well as its time: a server that refuses at once must not make a
# writer spin without limit.
MAX_RUNS_PER_WRITER_SECOND = 50
# Background services (e.g. the event persister) keep working after a scenario; let them.
SETTLE_SECONDS = 3.0
BENCH_FLOW_NAME = "flowforge-bench"

_Result = TypeVar("_Result", "BurstResult", "SustainedResult")


@dataclass(frozen=True)
class BurstResult:
    """N concurrent creations: how many got 201, the others by status code or transport
    error, and the latency of every request (answered or not)."""

    requests: int
    accepted: int
    refused: dict[str, int]
    p50_ms: float | None
    p99_ms: float | None
    locked_log_lines: int | None = None


@dataclass(frozen=True)
class SustainedResult:
    """K writers for ``seconds`` (until the last writer stopped): completed runs, failed
    requests by kind (``step: status`` or ``step: ErrorName``), latency per completed run."""

    writers: int
    seconds: float
    completed: int
    runs_per_second: float
    failed: dict[str, int]
    p50_ms: float | None
    p99_ms: float | None
    locked_log_lines: int | None = None

    @property
    def failed_requests(self) -> int:
        return sum(self.failed.values())


@dataclass(frozen=True)
class ServerFigures:
    """Every write figure of one server."""

    label: str
    api_url: str
    prefect_version: str
    bursts: list[BurstResult]
    sustained: list[SustainedResult]


def measure_server(
    target: Target,
    *,
    bursts: Sequence[int],
    writers: Sequence[int],
    seconds: float,
    budget: Budget,
) -> ServerFigures:
    """Bursts, then sustained load, each with the 'database is locked' lines the server
    logged meanwhile. The benchmark's flow, with all its runs, is deleted at the end."""
    version = check_reachable(target.endpoint)
    flow_id = create_bench_flow(target.endpoint)
    try:
        burst_results = []
        for n in bursts:
            budget.check(f"the burst of {n} on {target.label}")
            result = _with_locked_lines(target, partial(burst, target.endpoint, flow_id, n))
            say(f"{target.label}: burst of {n}: {result.accepted} accepted")
            burst_results.append(result)
            time.sleep(SETTLE_SECONDS)
        sustained_results = []
        for k in writers:
            budget.check(f"{k} writers on {target.label}")
            load = _with_locked_lines(
                target, partial(sustained, target.endpoint, flow_id, k, seconds)
            )
            say(f"{target.label}: {k} writers: {load.runs_per_second:.1f} runs/s, "
                f"{load.failed_requests} failed requests")  # fmt: skip
            sustained_results.append(load)
            time.sleep(SETTLE_SECONDS)
    finally:
        delete_bench_flow(target.endpoint, flow_id)
    return ServerFigures(
        target.label, target.endpoint.api_url, version, burst_results, sustained_results
    )


def _with_locked_lines(target: Target, measure: Callable[[], _Result]) -> _Result:
    if target.log is None:
        return measure()
    count_locked = target.log.mark()
    result = measure()
    return replace(result, locked_log_lines=count_locked())


def create_bench_flow(endpoint: Endpoint) -> str:
    """The id of the benchmark's flow (``POST /flows/`` answers with the existing one).

    Retried for a while: a just-started SQLite server may still refuse writes."""
    with httpx.Client(base_url=endpoint.api_url, auth=endpoint.auth, timeout=10) as client:
        for _ in range(10):
            try:
                response = client.post("flows/", json={"name": BENCH_FLOW_NAME})
                if response.status_code in (200, 201):
                    return str(response.json()["id"])
                why = f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                why = type(exc).__name__
            time.sleep(1)
    raise BenchError(f"cannot create the benchmark's flow at {endpoint.api_url} ({why})")


def delete_bench_flow(endpoint: Endpoint, flow_id: str) -> None:
    """Delete the flow; the database cascades to its runs, so the server keeps no trace."""
    # Best effort: leftover runs are harmless, and the figures are already taken.
    with contextlib.suppress(httpx.HTTPError):
        httpx.delete(
            f"{endpoint.api_url.rstrip('/')}/flows/{flow_id}", auth=endpoint.auth, timeout=120
        )


def burst(
    endpoint: Endpoint,
    flow_id: str,
    n: int,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> BurstResult:
    """Send ``n`` flow-run creations at once. ``transport`` is for tests."""
    return asyncio.run(_burst(_client(endpoint, n, transport), flow_id, n))


def sustained(
    endpoint: Endpoint,
    flow_id: str,
    writers: int,
    seconds: float,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> SustainedResult:
    """Run ``writers`` concurrent create → RUNNING → COMPLETED loops for ``seconds``.
    ``transport`` is for tests."""
    return asyncio.run(_sustained(_client(endpoint, writers, transport), flow_id, writers, seconds))


def _client(
    endpoint: Endpoint, concurrency: int, transport: httpx.AsyncBaseTransport | None
) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=endpoint.api_url,
        auth=endpoint.auth,
        timeout=REQUEST_TIMEOUT_SECONDS,
        limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
        transport=transport,
    )


async def _post(
    client: httpx.AsyncClient, path: str, body: dict[str, Any]
) -> tuple[httpx.Response | None, str | None]:
    """The answer and None if it is a 201, else the failure kind: status code or error name."""
    try:
        response = await client.post(path, json=body)
    except httpx.HTTPError as exc:
        return None, type(exc).__name__
    return response, None if response.status_code == 201 else str(response.status_code)


async def _burst(client: httpx.AsyncClient, flow_id: str, n: int) -> BurstResult:
    async def one() -> tuple[str | None, float]:
        started = time.perf_counter()
        _, failure = await _post(client, "flow_runs/", {"flow_id": flow_id})
        return failure, (time.perf_counter() - started) * 1000

    async with client:
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT_SECONDS * 2):
                outcomes = await asyncio.gather(*(one() for _ in range(n)))
        except TimeoutError:
            raise BenchError(f"a burst of {n} at {client.base_url} did not end in time") from None
    latencies = [ms for _, ms in outcomes]
    refused = Counter(failure for failure, _ in outcomes if failure is not None)
    return BurstResult(
        requests=n,
        accepted=n - refused.total(),
        refused=dict(refused.most_common()),
        p50_ms=percentile(latencies, 50),
        p99_ms=percentile(latencies, 99),
    )


async def _one_run(client: httpx.AsyncClient, flow_id: str) -> str | None:
    """Create a run and take it to COMPLETED; the kind of the first failed request, if any."""
    created, failure = await _post(client, "flow_runs/", {"flow_id": flow_id})
    if created is None or failure is not None:
        return f"create: {failure}"
    run_id = created.json()["id"]
    for state in ("RUNNING", "COMPLETED"):
        answer, failure = await _post(
            client, f"flow_runs/{run_id}/set_state", {"state": {"type": state}}
        )
        if answer is not None and answer.status_code == 200:
            failure = str(answer.json().get("status"))  # orchestration said REJECT/WAIT/ABORT
        if failure is not None:
            return f"{state.lower()}: {failure}"
    return None


async def _sustained(
    client: httpx.AsyncClient, flow_id: str, writers: int, seconds: float
) -> SustainedResult:
    failed: Counter[str] = Counter()
    run_ms: list[float] = []
    max_runs = math.ceil(seconds * MAX_RUNS_PER_WRITER_SECOND)

    async def writer(stop_at: float) -> None:
        for _ in range(max_runs):
            started = time.perf_counter()
            if started >= stop_at:
                return
            failure = await _one_run(client, flow_id)
            if failure is None:
                run_ms.append((time.perf_counter() - started) * 1000)
            else:
                failed[failure] += 1

    async with client:
        started = time.perf_counter()
        try:
            async with asyncio.timeout(seconds + 3 * REQUEST_TIMEOUT_SECONDS + 10):
                await asyncio.gather(*(writer(started + seconds) for _ in range(writers)))
        except TimeoutError:
            raise BenchError(f"{writers} writers at {client.base_url} did not stop") from None
        elapsed = time.perf_counter() - started
    return SustainedResult(
        writers=writers,
        seconds=round(elapsed, 3),
        completed=len(run_ms),
        runs_per_second=len(run_ms) / elapsed,
        failed=dict(failed.most_common()),
        p50_ms=percentile(run_ms, 50),
        p99_ms=percentile(run_ms, 99),
    )
