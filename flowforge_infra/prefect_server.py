"""The Prefect API server container, backed by the platform's PostgreSQL.

The database is configured by separate settings (driver, host, user, ...) rather than one
connection URL: Prefect's ``/api/admin/settings`` masks a URL whole but reports these fields,
which lets ``flowforge-infra doctor`` prove the server is not on SQLite.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_docker as docker

from flowforge_infra.containers import healthcheck, local_image, service_container
from flowforge_infra.postgres import POSTGRES_ALIAS, POSTGRES_PORT

__all__ = ["SERVER_ALIAS", "SERVER_PORT", "PrefectServer", "PrefectServerArgs"]

SERVER_ALIAS = "prefect-server"
SERVER_PORT = 4200
# The image has python but no curl; /api/ready answers 200 once the database is reachable.
_READY_PROBE = (
    "import urllib.request; "
    f"urllib.request.urlopen('http://127.0.0.1:{SERVER_PORT}/api/ready', timeout=4)"
)


@dataclass(frozen=True)
class PrefectServerArgs:
    image: str
    container_name: str
    network: docker.Network
    database_ready: list[pulumi.Resource]
    db_user: str
    db_password: pulumi.Input[str]
    db_name: str
    bind_address: str
    host_port: int
    api_url: str
    auth_string: pulumi.Input[str] | None
    ready_timeout_seconds: int


class PrefectServer(pulumi.ComponentResource):
    """Image + container of ``prefect server start``, published on the configured host address."""

    image: docker.RemoteImage
    container: docker.Container

    def __init__(
        self, name: str, args: PrefectServerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("flowforge:platform:PrefectServer", name, None, opts)
        self.image = local_image(f"{name}-image", args.image, parent=self)
        self.container = service_container(
            f"{name}-container",
            container_name=args.container_name,
            image=self.image,
            network=args.network,
            alias=SERVER_ALIAS,
            envs=pulumi.Output.all(args.db_password, args.auth_string).apply(
                lambda secrets: _server_env(args, *secrets)
            ),
            wait_timeout=args.ready_timeout_seconds,
            parent=self,
            depends_on=args.database_ready,
            command=["prefect", "server", "start", "--host", "0.0.0.0", "--port", str(SERVER_PORT)],
            ports=[
                docker.ContainerPortArgs(
                    internal=SERVER_PORT, external=args.host_port, ip=args.bind_address
                )
            ],
            healthcheck=healthcheck("python", "-c", _READY_PROBE, start_period=60),
        )
        self.register_outputs({"container_name": self.container.name})


def _server_env(args: PrefectServerArgs, db_password: str, auth_string: str | None) -> list[str]:
    env = [
        "PREFECT_SERVER_API_HOST=0.0.0.0",
        f"PREFECT_SERVER_API_PORT={SERVER_PORT}",
        # What the browser UI calls: the external URL, never the 0.0.0.0 listen address.
        f"PREFECT_UI_API_URL={args.api_url}",
        "PREFECT_SERVER_ANALYTICS_ENABLED=false",
        "PREFECT_SERVER_DATABASE_DRIVER=postgresql+asyncpg",
        f"PREFECT_SERVER_DATABASE_HOST={POSTGRES_ALIAS}",
        f"PREFECT_SERVER_DATABASE_PORT={POSTGRES_PORT}",
        f"PREFECT_SERVER_DATABASE_USER={args.db_user}",
        f"PREFECT_SERVER_DATABASE_PASSWORD={db_password}",
        f"PREFECT_SERVER_DATABASE_NAME={args.db_name}",
    ]
    if auth_string:
        env.append(f"PREFECT_SERVER_API_AUTH_STRING={auth_string}")
    return env
