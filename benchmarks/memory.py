"""Peak memory of the platform's containers, idle and under sustained writes.

Memory is what ``docker stats --no-stream`` reports as MEM USAGE (the container's resident
memory, page cache excluded), sampled from a thread while the load runs on the main thread.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from benchmarks import BenchError, Budget
from benchmarks.shell import run
from benchmarks.targets import Target, check_reachable
from benchmarks.write_load import (
    SustainedResult,
    create_bench_flow,
    delete_bench_flow,
    sustained,
)

__all__ = ["MemoryResult", "measure_memory", "parse_mem_usage"]

IDLE_SAMPLES = 3
MEMORY_WRITERS = 16
_UNITS = {
    "b": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
    "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40,
}  # fmt: skip
_AMOUNT = re.compile(r"^\s*([0-9.]+)\s*([a-zA-Z]+)\s*$")


@dataclass(frozen=True)
class MemoryResult:
    """Peak MiB per container, idle and under ``load``; ``load_samples`` says how many."""

    idle_peak_mib: dict[str, float]
    load_peak_mib: dict[str, float]
    load_samples: int
    load: SustainedResult


def parse_mem_usage(text: str) -> float:
    """MiB from docker's ``"123.4MiB / 1.944GiB"`` (the part before the slash)."""
    match = _AMOUNT.match(text.split("/")[0])
    if not match or match.group(2).lower() not in _UNITS:
        raise ValueError(f"unexpected docker stats memory value {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2).lower()] / 2**20


def sample(containers: Sequence[str]) -> dict[str, float]:
    """One ``docker stats`` reading: MiB per container."""
    text = run(
        ["docker", "stats", "--no-stream", "--format", "{{.Name}}\t{{.MemUsage}}", *containers],
        timeout=60,
    )
    readings = dict(line.split("\t", 1) for line in text.splitlines() if "\t" in line)
    missing = set(containers) - set(readings)
    if missing:
        raise BenchError(f"docker stats has no reading for {', '.join(sorted(missing))}")
    return {name: parse_mem_usage(readings[name]) for name in containers}


def _peaks(readings: Sequence[dict[str, float]]) -> dict[str, float]:
    return {name: max(reading[name] for reading in readings) for name in readings[0]}


def measure_memory(
    target: Target, containers: Sequence[str], *, seconds: float, budget: Budget
) -> MemoryResult:
    """Sample idle, then sample while MEMORY_WRITERS writers run for ``seconds``."""
    check_reachable(target.endpoint)
    budget.check("the idle memory samples")
    idle = [sample(containers) for _ in range(IDLE_SAMPLES)]
    budget.check(f"the memory samples under {MEMORY_WRITERS} writers")
    under_load: list[dict[str, float]] = []
    failures: list[BenchError] = []
    stop = threading.Event()

    def sampler() -> None:
        # Bounded by the stop signal and by the load's own time bound.
        give_up_at = time.monotonic() + seconds + 300
        while not stop.is_set() and time.monotonic() < give_up_at:
            try:
                under_load.append(sample(containers))
            except BenchError as exc:
                failures.append(exc)
                return

    flow_id = create_bench_flow(target.endpoint)
    thread = threading.Thread(target=sampler, name="docker-stats", daemon=True)
    thread.start()
    try:
        load = sustained(target.endpoint, flow_id, MEMORY_WRITERS, seconds)
    finally:
        stop.set()
        thread.join(timeout=90)
        delete_bench_flow(target.endpoint, flow_id)
    if failures or not under_load:
        raise failures[0] if failures else BenchError("no docker stats reading during the load")
    return MemoryResult(_peaks(idle), _peaks(under_load), len(under_load), load)
