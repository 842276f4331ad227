"""FlowForge's Prefect platform as one component: network, data volume, PostgreSQL, Prefect
server, the work pool, and optionally a worker.

Start order follows the data: PostgreSQL is healthy before the server starts, the server is
healthy before the pool is registered; destroy runs the other way round.
"""

from __future__ import annotations

import shlex
from urllib.parse import quote

import pulumi
import pulumi_docker as docker

from flowforge_infra import outputs
from flowforge_infra.config import Settings
from flowforge_infra.password import GeneratedPassword
from flowforge_infra.postgres import POSTGRES_ALIAS, POSTGRES_PORT, PostgresArgs, PostgresDatabase
from flowforge_infra.prefect_server import PrefectServer, PrefectServerArgs
from flowforge_infra.prefect_worker import PrefectWorker, PrefectWorkerArgs, worker_command
from flowforge_infra.work_pool import WorkPool, WorkPoolArgs

__all__ = ["PrefectPlatform", "database_url"]


def database_url(user: str, password: str, database: str) -> str:
    """The asyncpg URL on the platform network, user and password percent-encoded."""
    return (
        f"postgresql+asyncpg://{quote(user, safe='')}:{quote(password, safe='')}"
        f"@{POSTGRES_ALIAS}:{POSTGRES_PORT}/{quote(database, safe='')}"
    )


class PrefectPlatform(pulumi.ComponentResource):
    """Everything ``pulumi up`` provisions for one stack."""

    def __init__(
        self, name: str, settings: Settings, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("flowforge:platform:PrefectPlatform", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        self.network = docker.Network(
            f"{name}-network", name=settings.network_name, driver="bridge", opts=child
        )
        # Retained on destroy by default, so destroy + up keeps the flow history.
        self.data_volume = docker.Volume(
            f"{name}-postgres-data",
            name=settings.data_volume_name,
            opts=pulumi.ResourceOptions(
                parent=self, retain_on_delete=settings.keep_data_on_destroy
            ),
        )
        db_password = (
            settings.db_password or GeneratedPassword(f"{name}-db-password", opts=child).result
        )
        self.postgres = PostgresDatabase(
            f"{name}-postgres",
            PostgresArgs(
                image=settings.postgres_image,
                container_name=settings.postgres_container_name,
                network=self.network,
                data_volume=self.data_volume,
                user=settings.db_user,
                password=db_password,
                database=settings.db_name,
                ready_timeout_seconds=settings.ready_timeout_seconds,
            ),
            opts=child,
        )
        self.server = PrefectServer(
            f"{name}-server",
            PrefectServerArgs(
                image=settings.prefect_image,
                container_name=settings.server_container_name,
                network=self.network,
                database_ready=self.postgres.ready,
                db_user=settings.db_user,
                db_password=db_password,
                db_name=settings.db_name,
                bind_address=settings.bind_address,
                host_port=settings.host_port,
                api_url=settings.api_url,
                auth_string=settings.auth_string,
                ready_timeout_seconds=settings.ready_timeout_seconds,
            ),
            opts=child,
        )
        self.work_pool = WorkPool(
            f"{name}-work-pool",
            WorkPoolArgs(
                api_url=settings.api_url,
                name=settings.work_pool_name,
                type=settings.work_pool_type,
                description=settings.work_pool_description,
                concurrency_limit=settings.work_pool_concurrency_limit,
                paused=settings.work_pool_paused,
                auth_string=settings.auth_string,
                ready_timeout_seconds=settings.ready_timeout_seconds,
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.server.container]),
        )
        if settings.worker_container:
            PrefectWorker(
                f"{name}-worker",
                PrefectWorkerArgs(
                    image=self.server.image,
                    container_name=settings.worker_container_name,
                    network=self.network,
                    pool_name=self.work_pool.name,
                    pool_type=settings.work_pool_type,
                    auth_string=settings.auth_string,
                ),
                opts=child,
            )

        secret_database_url: pulumi.Output[str] = pulumi.Output.secret(
            pulumi.Output.from_input(db_password).apply(
                lambda password: database_url(settings.db_user, str(password), settings.db_name)
            )
        )
        self.stack_outputs: dict[str, pulumi.Input[object]] = {
            outputs.API_URL: settings.api_url,
            outputs.UI_URL: settings.ui_url,
            outputs.WORK_POOL_NAME: self.work_pool.name,
            outputs.WORK_POOL_TYPE: self.work_pool.type,
            outputs.WORK_POOL_ID: self.work_pool.pool_id,
            outputs.NETWORK_NAME: self.network.name,
            outputs.POSTGRES_CONTAINER: self.postgres.container.name,
            outputs.SERVER_CONTAINER: self.server.container.name,
            outputs.DATABASE_URL: secret_database_url,
            outputs.WORKER_COMMAND: self.work_pool.name.apply(
                lambda pool: shlex.join(worker_command(pool, settings.work_pool_type))
            ),
        }
        self.register_outputs(self.stack_outputs)
