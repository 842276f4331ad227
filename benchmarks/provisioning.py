"""What provisioning with Pulumi costs, against the floor of plain ``docker run``.

On a throwaway stack (its own folder, state, containers and port), each repetition times a cold
``pulumi up`` (empty volume → work pool registered), a no-op ``up``, a ``preview`` with no
changes and a ``destroy``, then removes the kept data volume so that the next ``up`` is cold
again. The floor starts the same two containers, copied from the stack's with
``docker inspect``, by ``docker run`` to the same point: ``/api/ready`` answers 200 and the pool
is created through the REST API.

Where the seconds go comes from the engine's own events (``on_event``): the first event, then
each step of a real resource (components only span their children's steps), stamped when they
arrive (the Automation API reads them from a file every 0.1 s); and for the cold ``up`` from
outside marks: the moment ``/api/ready`` first answers (polled every 0.1 s) and docker's
``start`` and ``health_status: healthy`` events of each container.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
from pulumi import automation as auto

from benchmarks import BenchError, Budget, say
from benchmarks.docker_platform import ContainerSpec, replayed_platform
from benchmarks.shell import run
from benchmarks.stats import median
from flowforge_infra import outputs
from flowforge_infra.prefect_api import PrefectClient, WorkPoolCreate
from flowforge_infra.throwaway_stack import ThrowawayStack, output_values
from flowforge_infra.work_pool import default_base_job_template

__all__ = ["OPERATIONS", "OpProfile", "ProvisioningResult", "Step", "measure_provisioning"]

OPERATIONS = ("cold up", "no-op up", "preview", "destroy")
FLOOR = "docker run floor"


@dataclass(frozen=True)
class Step:
    """One resource step of an engine run, in seconds from the call."""

    resource: str
    op: str
    start_s: float
    end_s: float | None
    changed: list[str] = field(default_factory=list)  # properties an update or replace changes


@dataclass
class OpProfile:
    """The timeline of one operation, in seconds from the call."""

    started_at: float = 0.0  # wall clock (epoch seconds) of the call
    total_s: float = 0.0
    prelude_s: float | None = None  # the first engine event: the CLI and engine are up
    steps: list[Step] = field(default_factory=list)
    marks: dict[str, float] = field(default_factory=dict)  # outside events (cold up only)


@dataclass(frozen=True)
class ProvisioningResult:
    """Seconds per repetition of each operation and of the floor; the profiles are those of
    repetition 1."""

    seconds: dict[str, list[float]]
    floor_phases: dict[str, float]  # medians: postgres ready, server ready, pool created
    profiles: dict[str, OpProfile]

    def median_s(self, operation: str) -> float | None:
        return median(self.seconds.get(operation, []))


class _EventClock:
    """An ``on_event`` callback that stamps prelude and resource step events."""

    def __init__(self) -> None:
        self.started = time.time()
        self.profile = OpProfile(started_at=self.started)
        self._open: dict[str, Step] = {}

    def __call__(self, event: auto.EngineEvent) -> None:
        now = time.time() - self.started
        if event.prelude_event is not None and self.profile.prelude_s is None:
            self.profile.prelude_s = now
        if event.resource_pre_event is not None:
            meta = event.resource_pre_event.metadata
            state = meta.new or meta.old
            if state is not None and not state.custom:
                return  # a component (or the stack): it only spans its children's steps
            name = f"{meta.urn.rsplit('::', 1)[-1]} ({meta.type.rsplit(':', 1)[-1]})"
            self._open[meta.urn] = Step(name, str(meta.op.value), round(now, 3), None,
                                        list(meta.diffs or []))  # fmt: skip
        done = event.res_outputs_event or event.res_op_failed_event
        if done is not None and done.metadata.urn in self._open:
            step = self._open.pop(done.metadata.urn)
            self.profile.steps.append(replace(step, end_s=round(now, 3)))

    def finish(self) -> OpProfile:
        self.profile.steps.extend(self._open.values())
        self.profile.steps.sort(key=lambda step: step.start_s)
        self.profile.total_s = round(time.time() - self.started, 3)
        return self.profile


def _timed(operation: Callable[[_EventClock], object]) -> OpProfile:
    clock = _EventClock()
    operation(clock)
    return clock.finish()


def _last_error_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower()]
    return (errors or lines or ["(no output)"])[-1]


@dataclass(frozen=True)
class _FloorSpec:
    """What the floor copies: the stack's two containers and its pool's name and type."""

    postgres: ContainerSpec
    server: ContainerSpec
    pool_name: str
    pool_type: str


def measure_provisioning(reps: int, *, budget: Budget) -> ProvisioningResult:
    """``reps`` repetitions on one throwaway stack, removed at the end; then the floor."""
    if shutil.which("pulumi") is None:
        raise BenchError("provisioning needs the pulumi CLI on PATH: run it through 'make bench'")
    seconds: dict[str, list[float]] = {op: [] for op in (*OPERATIONS, FLOOR)}
    profiles: dict[str, OpProfile] = {}
    try:
        stack = ThrowawayStack.create(label="bench")
        try:
            for rep in range(reps):
                budget.check(f"provisioning repetition {rep + 1}")
                timings, floor_spec = _repetition(stack)
                for op, profile in timings.items():
                    seconds[op].append(profile.total_s)
                say(", ".join(f"{op} {p.total_s:.1f} s" for op, p in timings.items()))
                profiles = profiles or timings
        finally:
            stack.remove()
    except auto.CommandError as exc:
        raise BenchError(f"pulumi failed: {_last_error_line(str(exc))}") from exc

    phases: dict[str, list[float]] = {"postgres ready": [], "server ready": [], "pool created": []}
    for rep in range(reps):
        budget.check(f"docker run floor repetition {rep + 1}")
        ready = _floor(floor_spec)
        for phase, at in ready.items():
            phases[phase].append(at)
        seconds[FLOOR].append(round(ready["pool created"], 3))
        say(f"provisioning: {FLOOR} {ready['pool created']:.1f} s")
    floor_phases = {name: round(median(values) or 0.0, 3) for name, values in phases.items()}
    return ProvisioningResult(seconds, floor_phases, profiles)


def _repetition(stack: ThrowawayStack) -> tuple[dict[str, OpProfile], _FloorSpec]:
    """Cold up, no-op up, preview, destroy; then remove the kept volume for the next cold up.
    The containers are read for the floor while they exist."""
    cold = _timed_cold_up(stack)
    found = output_values(stack.stack.outputs())
    _add_container_marks(cold, found)
    floor_spec = _FloorSpec(
        ContainerSpec.inspect(found[outputs.POSTGRES_CONTAINER]),
        ContainerSpec.inspect(found[outputs.SERVER_CONTAINER]),
        found[outputs.WORK_POOL_NAME],
        found[outputs.WORK_POOL_TYPE],
    )
    timings = {
        "cold up": cold,
        "no-op up": _timed(lambda clock: stack.stack.up(on_event=clock)),
        "preview": _timed(lambda clock: stack.stack.preview(on_event=clock)),
        "destroy": _timed(lambda clock: stack.stack.destroy(on_event=clock)),
    }
    run(["docker", "volume", "rm", "-f", f"{stack.name_prefix}-postgres-data"])
    return timings, floor_spec


def _floor(spec: _FloorSpec) -> dict[str, float]:
    """Seconds from the first docker command to each ready point of a ``docker run`` start."""
    with replayed_platform(spec.postgres, spec.server, label="floor") as platform:
        endpoint = platform.target.endpoint
        template = default_base_job_template(spec.pool_type) or {}
        with PrefectClient(endpoint.api_url, auth_string=endpoint.auth_string) as client:
            client.create_work_pool(
                WorkPoolCreate(name=spec.pool_name, type=spec.pool_type, base_job_template=template)
            )
        created = time.monotonic() - platform.started_at
    return {
        "postgres ready": platform.postgres_ready_s,
        "server ready": platform.server_ready_s,
        "pool created": created,
    }


def _timed_cold_up(stack: ThrowawayStack) -> OpProfile:
    """A cold ``up`` while a thread notes when the server first answers ``/api/ready``."""
    ready_at: list[float] = []
    stop = threading.Event()

    def poll() -> None:
        url = f"http://127.0.0.1:{stack.host_port}/api/ready"
        while not stop.wait(0.1):
            try:
                if httpx.get(url, timeout=1).status_code == 200:
                    ready_at.append(time.time())
                    return
            except httpx.HTTPError:
                pass

    poller = threading.Thread(target=poll, name="ready-poller", daemon=True)
    poller.start()
    try:
        profile = _timed(lambda clock: stack.stack.up(on_event=clock))
    finally:
        stop.set()
        poller.join(timeout=5)
    if ready_at:
        profile.marks["server answers /api/ready"] = round(ready_at[0] - profile.started_at, 3)
    return profile


def _add_container_marks(profile: OpProfile, names: dict[str, Any]) -> None:
    """Docker's own start and healthy moments of the stack's two containers."""
    started = profile.started_at
    for output in (outputs.POSTGRES_CONTAINER, outputs.SERVER_CONTAINER):
        container = names[output]
        text = run(["docker", "events", "--since", f"{started:.3f}",
                    "--until", f"{started + profile.total_s:.3f}",
                    "--filter", f"container={container}", "--format", "{{json .}}"])  # fmt: skip
        for line in text.splitlines():
            event = json.loads(line)
            action = event.get("Action") or event.get("status", "")
            if action in ("start", "health_status: healthy"):
                mark = f"{container} {action.removeprefix('health_status: ')}"
                profile.marks.setdefault(mark, round(event["timeNano"] / 1e9 - started, 3))
