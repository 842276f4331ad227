"""Which Prefect server settings the platform should run with.

Each variant is a copy of the stack's two containers (``docker_platform``: same images,
environment and healthchecks, its own network, empty volume and loopback port) with settings on
top, put under the same write load as the stack. Variants run one at a time, so they compete
only with the idle stack for the machine.

What the settings do (Prefect 3.9.1):
- PREFECT_SERVER_DATABASE_SQLALCHEMY_POOL_SIZE / _MAX_OVERFLOW: connections the API process
  keeps open / may open beyond that (defaults 5 / 10); a request waiting for one counts
  against PREFECT_SERVER_DATABASE_SQLALCHEMY_POOL_TIMEOUT (30 s).
- services apart: the API runs ``--no-services`` and ``prefect server services start`` runs
  the background services in a second container. With the default in-memory message broker
  the services then no longer receive the API's events (event persister, triggers), so the
  variant measures what the services cost; adopting it needs a shared broker (Redis).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from benchmarks import Budget, say
from benchmarks.docker_platform import ContainerSpec, replayed_platform
from benchmarks.write_load import ServerFigures, measure_server

__all__ = ["VARIANTS", "Variant", "VariantFigures", "measure_settings"]

POOL_SIZE = "PREFECT_SERVER_DATABASE_SQLALCHEMY_POOL_SIZE"
MAX_OVERFLOW = "PREFECT_SERVER_DATABASE_SQLALCHEMY_MAX_OVERFLOW"


@dataclass(frozen=True)
class Variant:
    name: str
    env: dict[str, str] = field(default_factory=dict)
    services_apart: bool = False


_WIDE_POOL = {POOL_SIZE: "20", MAX_OVERFLOW: "20"}
VARIANTS = (
    Variant("as provisioned"),
    Variant("pool 20 + overflow 20", _WIDE_POOL),
    Variant("services apart", services_apart=True),
    Variant("pool 20 + overflow 20, services apart", _WIDE_POOL, services_apart=True),
)


@dataclass(frozen=True)
class VariantFigures:
    variant: Variant
    ready_s: float  # from the first docker command to /api/ready 200
    figures: ServerFigures


def measure_settings(
    postgres: ContainerSpec,
    server: ContainerSpec,
    *,
    bursts: Sequence[int],
    writers: Sequence[int],
    seconds: float,
    budget: Budget,
    variants: Sequence[Variant] = VARIANTS,
) -> list[VariantFigures]:
    results = []
    for variant in variants:
        budget.check(f"the settings variant {variant.name!r}")
        say(f"settings: starting {variant.name!r}")
        with replayed_platform(
            postgres, server, label="settings", server_env=variant.env,
            services_apart=variant.services_apart,
        ) as platform:  # fmt: skip
            figures = measure_server(
                replace(platform.target, label=variant.name),
                bursts=bursts, writers=writers, seconds=seconds, budget=budget,
            )  # fmt: skip
        results.append(VariantFigures(variant, round(platform.server_ready_s, 3), figures))
    return results
