"""``python -m benchmarks``: run the selected parts, write the report, exit non-zero on a problem.

Run it through ``make bench`` (``tools/local-cloud exec`` puts ``pulumi`` on PATH with the
project's backend and passphrase). Arguments are checked before anything starts; a bad one ends
the run with one line on stderr and status 2, a part that fails is named in the report and
makes the status 1.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import typer
from typer import Option

from benchmarks import BenchError, Budget, say
from benchmarks.docker_platform import ContainerSpec
from benchmarks.environment import describe
from benchmarks.memory import measure_memory
from benchmarks.provisioning import measure_provisioning
from benchmarks.report import Results, render_markdown, write_files
from benchmarks.server_settings import measure_settings
from benchmarks.sqlite_server import sqlite_server
from benchmarks.targets import ContainerLog, Endpoint, Target, check_reachable, stack_outputs
from benchmarks.write_load import measure_server
from flowforge_infra import outputs

__all__ = ["Options", "main", "parse_counts", "parse_options"]

# In this order: memory wants the stack idle, before any load of ours.
PARTS = ("memory", "write", "settings", "provisioning")
_NEEDS_STACK = ("memory", "settings")
AUTH_ENV = "PREFECT_API_AUTH_STRING"

app = typer.Typer(add_completion=False)


@dataclass(frozen=True)
class Options:
    """Validated arguments."""

    parts: tuple[str, ...]
    bursts: tuple[int, ...]
    writers: tuple[int, ...]
    duration: float
    reps: int
    max_minutes: float


def parse_counts(text: str, flag: str, *, maximum: int) -> tuple[int, ...]:
    """``"40,200"`` → ``(40, 200)``; each an integer from 1 to ``maximum``."""
    try:
        counts = tuple(int(item) for item in text.split(","))
    except ValueError:
        raise BenchError(f"{flag} must be comma-separated integers, got {text!r}") from None
    if not all(1 <= count <= maximum for count in counts):
        raise BenchError(f"{flag} values must be from 1 to {maximum}, got {text!r}")
    return counts


def parse_options(
    *,
    only: str | None,
    from_stack: bool,
    bursts: str,
    writers: str,
    duration: float,
    reps: int,
    max_minutes: float,
) -> Options:
    """Raise BenchError, one line naming the flag, for the first bad argument."""
    if only is None:
        parts = PARTS if from_stack else tuple(p for p in PARTS if p not in _NEEDS_STACK)
    else:
        asked = {part.strip() for part in only.split(",")}
        unknown = sorted(asked - set(PARTS))
        if unknown:
            raise BenchError(f"--only: unknown part {unknown[0]!r}; parts: {', '.join(PARTS)}")
        parts = tuple(part for part in PARTS if part in asked)
        if not from_stack and set(parts) & set(_NEEDS_STACK):
            raise BenchError("--only memory/settings need the stack's containers: drop --api-url")
    if not 1 <= duration <= 600:
        raise BenchError(f"--duration must be from 1 to 600 seconds, got {duration:g}")
    if not 1 <= reps <= 10:
        raise BenchError(f"--reps must be from 1 to 10, got {reps}")
    if not 1 <= max_minutes <= 240:
        raise BenchError(f"--max-minutes must be from 1 to 240, got {max_minutes:g}")
    return Options(
        parts=parts,
        bursts=parse_counts(bursts, "--bursts", maximum=1000),
        writers=parse_counts(writers, "--writers", maximum=256),
        duration=duration,
        reps=reps,
        max_minutes=max_minutes,
    )


@app.command()
def bench(
    stack: Annotated[str, Option(help="Stack whose outputs name the API and containers.")] = "dev",
    api_url: Annotated[
        str | None, Option(help="Measure this loopback API instead of the stack's.")
    ] = None,
    only: Annotated[
        str | None, Option(help=f"Comma-separated parts out of {', '.join(PARTS)}; default: all.")
    ] = None,
    duration: Annotated[float, Option(help="Seconds of each sustained load.")] = 20,
    bursts: Annotated[str, Option(help="Burst sizes N, comma-separated.")] = "40,200",
    writers: Annotated[str, Option(help="Concurrent writer counts K, comma-separated.")] = "16,64",
    reps: Annotated[int, Option(help="Repetitions of each provisioning operation.")] = 3,
    max_minutes: Annotated[float, Option(help="Bound on the whole run's time.")] = 60,
    results: Annotated[Path, Option(help="Folder for the report files.")] = Path("results"),
) -> int:
    """Benchmark the stack's Prefect server against Prefect's default SQLite server, and
    provisioning with Pulumi against plain docker run."""
    options = parse_options(
        only=only, from_stack=api_url is None, bursts=bursts, writers=writers,
        duration=duration, reps=reps, max_minutes=max_minutes,
    )  # fmt: skip
    if importlib.util.find_spec("matplotlib") is None:
        raise BenchError("matplotlib draws the chart and is missing: pip install -e '.[bench]'")

    target: Target | None = None
    containers: dict[str, str] = {}
    if set(options.parts) - {"provisioning"}:  # provisioning brings its own stack
        target, containers = _server_under_test(stack, api_url)
        check_reachable(target.endpoint)

    shown: dict[str, Any] = {}
    if target is not None:
        shown = {"api-url": api_url} if api_url else {"stack": stack}
    shown |= {
        "only": ",".join(options.parts), "duration": f"{options.duration:g}",
        "bursts": bursts, "writers": writers, "reps": reps, "max-minutes": f"{max_minutes:g}",
    }  # fmt: skip
    outcome = Results(environment=describe(containers), options=shown)
    budget = Budget(options.max_minutes)
    for part in options.parts:
        say(f"{part}: starting")
        try:
            _run_part(part, outcome, target, containers, options, budget)
        except BenchError as exc:
            outcome.problems[part] = str(exc)
            say(f"{part}: failed: {exc}")
    for path in write_files(outcome, results):
        say(f"wrote {path}")
    print(render_markdown(outcome))
    return 1 if outcome.problems else 0


def _server_under_test(stack: str, api_url: str | None) -> tuple[Target, dict[str, str]]:
    """The stack's server (or the one at ``api_url``) and, by role, its containers."""
    auth_string = os.environ.get(AUTH_ENV)
    if api_url is not None:
        return Target("stack", Endpoint(api_url, auth_string), None), {}
    found = stack_outputs(stack)
    needed = (outputs.API_URL, outputs.POSTGRES_CONTAINER, outputs.SERVER_CONTAINER)
    missing = [name for name in needed if not found.get(name)]
    if missing:
        raise BenchError(f"stack {stack!r} has no output {missing[0]}; run 'make up' first")
    containers = {
        "postgres": found[outputs.POSTGRES_CONTAINER],
        "prefect": found[outputs.SERVER_CONTAINER],
    }
    log = ContainerLog(containers["prefect"])
    return Target("stack", Endpoint(found[outputs.API_URL], auth_string), log), containers


def _run_part(
    part: str,
    outcome: Results,
    target: Target | None,
    containers: dict[str, str],
    options: Options,
    budget: Budget,
) -> None:
    """Run one part, adding what it measured to ``outcome`` as soon as it is measured."""
    if part == "provisioning":
        outcome.provisioning = measure_provisioning(options.reps, budget=budget)
        return
    if target is None:
        raise BenchError(f"{part} needs a server to measure")
    if part == "memory":
        outcome.memory = measure_memory(
            target, list(containers.values()), seconds=options.duration, budget=budget
        )
    elif part == "write":
        measure = partial(
            measure_server, bursts=options.bursts, writers=options.writers,
            seconds=options.duration, budget=budget,
        )  # fmt: skip
        outcome.write.append(measure(target))
        budget.check("starting the SQLite server")
        with sqlite_server() as baseline:
            outcome.write.append(measure(baseline))
    elif part == "settings":
        outcome.settings = measure_settings(
            ContainerSpec.inspect(containers["postgres"]),
            ContainerSpec.inspect(containers["prefect"]),
            bursts=options.bursts, writers=options.writers, seconds=options.duration,
            budget=budget,
        )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Exit status: 0 all parts ran, 1 a part failed, 2 bad arguments or setup."""
    command = typer.main.get_command(app)
    try:
        status = command.main(args=argv, prog_name="python -m benchmarks", standalone_mode=False)
    except typer.TyperException as exc:  # a usage error, e.g. --reps abc
        print(f"error: {exc.format_message()}", file=sys.stderr)
        return 2
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return status if isinstance(status, int) else 0


if __name__ == "__main__":
    sys.exit(main())
