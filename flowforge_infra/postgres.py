"""The PostgreSQL container that holds Prefect's database.

It publishes no host port: only containers on the platform network reach it, as ``postgres``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_docker as docker

from flowforge_infra.containers import healthcheck, local_image, service_container
from flowforge_infra.role_password import RolePassword

__all__ = ["POSTGRES_ALIAS", "POSTGRES_PORT", "PostgresArgs", "PostgresDatabase"]

POSTGRES_ALIAS = "postgres"
POSTGRES_PORT = 5432
_DATA_DIR = "/var/lib/postgresql/data"


@dataclass(frozen=True)
class PostgresArgs:
    image: str
    container_name: str
    network: docker.Network
    data_volume: docker.Volume
    user: str
    password: pulumi.Input[str]
    database: str
    ready_timeout_seconds: int


class PostgresDatabase(pulumi.ComponentResource):
    """Image + container of PostgreSQL, healthy once it accepts TCP connections; ``ready`` is
    what a client waits on: the container, with the role's password set to the stack's."""

    container: docker.Container
    ready: list[pulumi.Resource]

    def __init__(
        self, name: str, args: PostgresArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("flowforge:platform:PostgresDatabase", name, None, opts)
        image = local_image(f"{name}-image", args.image, parent=self)
        envs = pulumi.Output.from_input(args.password).apply(
            lambda password: [
                f"POSTGRES_USER={args.user}",
                f"POSTGRES_PASSWORD={password}",
                f"POSTGRES_DB={args.database}",
            ]
        )
        self.container = service_container(
            f"{name}-container",
            container_name=args.container_name,
            image=image,
            network=args.network,
            alias=POSTGRES_ALIAS,
            envs=envs,
            wait_timeout=args.ready_timeout_seconds,
            parent=self,
            volumes=[
                docker.ContainerVolumeArgs(
                    volume_name=args.data_volume.name, container_path=_DATA_DIR
                )
            ],
            # -h 127.0.0.1: during first initialisation the entrypoint runs a socket-only
            # server; asking over TCP reports ready only once the real server listens.
            healthcheck=healthcheck(
                "pg_isready", "-h", "127.0.0.1", "-U", args.user, "-d", args.database
            ),
        )
        role_password = RolePassword(
            f"{name}-role-password",
            container=self.container.name,
            container_id=self.container.id,
            user=args.user,
            database=args.database,
            password=args.password,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.ready = [self.container, role_password]
        self.register_outputs({"container_name": self.container.name})
