"""An optional worker container that polls the platform's work pool (config ``workerContainer``).

It reaches the server over the platform network, so it works whatever host port is published.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_docker as docker

from flowforge_infra.prefect_server import SERVER_ALIAS, SERVER_PORT

__all__ = ["INTERNAL_API_URL", "PrefectWorker", "PrefectWorkerArgs", "worker_command"]

INTERNAL_API_URL = f"http://{SERVER_ALIAS}:{SERVER_PORT}/api"
WORKER_NAME = "flowforge-worker"


def worker_command(pool_name: str, pool_type: str) -> list[str]:
    """The ``prefect worker start`` command line for this pool, as FlowForge workers run it."""
    return [
        "prefect", "worker", "start",
        "--pool", pool_name, "--type", pool_type, "--name", WORKER_NAME,
    ]  # fmt: skip


@dataclass(frozen=True)
class PrefectWorkerArgs:
    image: docker.RemoteImage
    container_name: str
    network: docker.Network
    pool_name: pulumi.Input[str]
    pool_type: str
    auth_string: pulumi.Input[str] | None


class PrefectWorker(pulumi.ComponentResource):
    """A ``process`` worker container; it has no healthcheck of its own, so it is not waited on."""

    container: docker.Container

    def __init__(
        self, name: str, args: PrefectWorkerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("flowforge:platform:PrefectWorker", name, None, opts)
        self.container = docker.Container(
            f"{name}-container",
            name=args.container_name,
            image=args.image.image_id,
            command=pulumi.Output.from_input(args.pool_name).apply(
                lambda pool: worker_command(pool, args.pool_type)
            ),
            envs=pulumi.Output.from_input(args.auth_string).apply(_worker_env),
            networks_advanced=[docker.ContainerNetworksAdvancedArgs(name=args.network.name)],
            restart="unless-stopped",
            opts=pulumi.ResourceOptions(parent=self, delete_before_replace=True),
        )
        self.register_outputs({"container_name": self.container.name})


def _worker_env(auth_string: str | None) -> list[str]:
    env = [f"PREFECT_API_URL={INTERNAL_API_URL}"]
    if auth_string:
        env.append(f"PREFECT_API_AUTH_STRING={auth_string}")
    return env
