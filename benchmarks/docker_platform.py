"""The platform's two containers started by plain ``docker run``, copied from running ones.

``ContainerSpec.inspect`` reads what a stack's container runs (image, command, environment,
healthcheck, restart policy, data mount, published port); ``replayed_platform`` starts the same
PostgreSQL and Prefect server under new names, on a new network, volume and free loopback port.
The provisioning benchmark times it as the floor that Pulumi is compared with; the settings
experiment uses it to try server settings without touching the stack.

Environments go through ``--env-file`` (mode 0600), so passwords never show in a process list.
"""

from __future__ import annotations

import json
import secrets
import shlex
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import BenchError
from benchmarks.shell import run
from benchmarks.targets import ContainerLog, Endpoint, Target, wait_until_ready
from flowforge_infra.postgres import POSTGRES_ALIAS
from flowforge_infra.prefect_server import SERVER_ALIAS
from flowforge_infra.throwaway_stack import free_loopback_port

__all__ = ["ContainerSpec", "ReplayedPlatform", "replayed_platform"]

READY_TIMEOUT_SECONDS = 180
SERVER_AUTH_ENV = "PREFECT_SERVER_API_AUTH_STRING"
# docker inspect's healthcheck durations (nanoseconds; 0 = docker's default) -> docker run flag
_HEALTH_DURATIONS = {
    "Interval": "--health-interval",
    "Timeout": "--health-timeout",
    "StartPeriod": "--health-start-period",
}


@dataclass(frozen=True)
class ContainerSpec:
    """What ``docker run`` needs to start a copy of a container."""

    image: str
    command: list[str]
    env: dict[str, str]
    health_test: list[str]  # the healthcheck as an exec command; empty for none
    health_flags: list[str]
    restart: str
    volume_path: str | None  # where the data volume is mounted, if any
    port: int | None  # the container port published on the host, if any

    @classmethod
    def inspect(cls, container: str) -> ContainerSpec:
        return cls.from_inspect(json.loads(run(["docker", "inspect", container]))[0])

    @classmethod
    def from_inspect(cls, found: dict[str, Any]) -> ContainerSpec:
        """From one element of ``docker inspect``'s answer."""
        config, host = found["Config"], found["HostConfig"]
        check = config.get("Healthcheck") or {}
        test = check.get("Test") or []
        shell_form = test[:1] == ["CMD-SHELL"]
        health_test = ["/bin/sh", "-c", test[1]] if shell_form else test[1:]
        health_flags = []
        if len(test) > 1:
            health_flags.append(f"--health-cmd={test[1] if shell_form else shlex.join(test[1:])}")
            for key, flag in _HEALTH_DURATIONS.items():
                if check.get(key):
                    health_flags.append(f"{flag}={check[key] // 1_000_000}ms")
            if check.get("Retries"):
                health_flags.append(f"--health-retries={check['Retries']}")
        volumes = [m["Destination"] for m in found.get("Mounts", []) if m["Type"] == "volume"]
        ports = [int(spec.split("/")[0]) for spec in host.get("PortBindings") or {}]
        return cls(
            image=config["Image"],
            command=list(config.get("Cmd") or []),
            env=dict(item.split("=", 1) for item in config.get("Env") or []),
            health_test=health_test,
            health_flags=health_flags,
            restart=(host.get("RestartPolicy") or {}).get("Name") or "no",
            volume_path=volumes[0] if volumes else None,
            port=ports[0] if ports else None,
        )


@dataclass(frozen=True)
class ReplayedPlatform:
    """A running copy; times in seconds from the first docker command."""

    target: Target
    postgres_ready_s: float
    server_ready_s: float
    started_at: float  # time.monotonic() of the first docker command


@contextmanager
def replayed_platform(
    postgres: ContainerSpec,
    server: ContainerSpec,
    *,
    label: str,
    server_env: Mapping[str, str] = {},
    services_apart: bool = False,
) -> Iterator[ReplayedPlatform]:
    """Start copies of ``postgres`` and ``server`` (with ``server_env`` on top of its
    environment) and wait, polling finely, until each is ready; remove all on exit.

    ``services_apart`` runs the API with ``--no-services`` and Prefect's background services in
    a third container, ``prefect server services start``, with the same environment.
    """
    prefix = f"ff-bench-{label}-{secrets.token_hex(3)}"
    network, volume = f"{prefix}-network", f"{prefix}-postgres-data"
    pg_name, server_name = f"{prefix}-postgres", f"{prefix}-prefect-server"
    host_port = free_loopback_port()
    api_url = f"http://127.0.0.1:{host_port}/api"
    env = server.env | {"PREFECT_UI_API_URL": api_url} | dict(server_env)
    started: list[str] = []
    t0 = time.monotonic()
    try:
        run(["docker", "network", "create", network])
        run(["docker", "volume", "create", volume])
        _docker_run(postgres, name=pg_name, network=network, alias=POSTGRES_ALIAS,
                    env=postgres.env, volume=volume, started=started)  # fmt: skip
        _wait_for_health_test(pg_name, postgres.health_test)
        postgres_ready = time.monotonic() - t0
        api_command = server.command + (["--no-services"] if services_apart else [])
        _docker_run(server, name=server_name, network=network, alias=SERVER_ALIAS, env=env,
                    host_port=host_port, command=api_command, started=started)  # fmt: skip
        if services_apart:
            _docker_run(server, name=f"{prefix}-services", network=network, alias="services",
                        env=env, command=["prefect", "server", "services", "start"],
                        started=started, healthcheck=False)  # fmt: skip
        endpoint = Endpoint(api_url, env.get(SERVER_AUTH_ENV))
        wait_until_ready(endpoint, timeout=READY_TIMEOUT_SECONDS)
        yield ReplayedPlatform(
            target=Target(label, endpoint, ContainerLog(server_name)),
            postgres_ready_s=postgres_ready,
            server_ready_s=time.monotonic() - t0,
            started_at=t0,
        )
    finally:
        for name in started:
            run(["docker", "rm", "-f", "-v", name], check=False)
        run(["docker", "volume", "rm", "-f", volume], check=False)
        run(["docker", "network", "rm", network], check=False)


def _docker_run(
    spec: ContainerSpec,
    *,
    name: str,
    network: str,
    alias: str,
    env: Mapping[str, str],
    started: list[str],
    volume: str | None = None,
    host_port: int | None = None,
    command: list[str] | None = None,
    healthcheck: bool = True,
) -> None:
    with tempfile.TemporaryDirectory(prefix="flowforge-bench-env-") as folder:
        env_file = Path(folder) / "env"
        env_file.touch(mode=0o600)
        env_file.write_text("".join(f"{key}={value}\n" for key, value in env.items()))
        args = ["docker", "run", "--detach", "--name", name, "--network", network,
                "--network-alias", alias, "--restart", spec.restart,
                "--env-file", str(env_file)]  # fmt: skip
        if healthcheck:
            args += spec.health_flags
        if volume and spec.volume_path:
            args += ["--volume", f"{volume}:{spec.volume_path}"]
        if host_port and spec.port:
            args += ["--publish", f"127.0.0.1:{host_port}:{spec.port}"]
        started.append(name)
        run([*args, spec.image, *(spec.command if command is None else command)])


def _wait_for_health_test(container: str, test: list[str]) -> None:
    """Run the container's own healthcheck command every 0.2 s until it passes: readiness
    itself, without the healthcheck interval's delay."""
    if not test:
        return
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        probe = subprocess.run(
            ["docker", "exec", container, *test], capture_output=True, timeout=30, check=False
        )
        if probe.returncode == 0:
            return
        time.sleep(0.2)
    raise BenchError(f"{container}: its healthcheck did not pass within {READY_TIMEOUT_SECONDS}s")
