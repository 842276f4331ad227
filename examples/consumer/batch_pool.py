"""A batch work pool beside a FlowForge platform's own, found through a StackReference.

Everything about the platform comes from its stack outputs (names in ``flowforge_infra.outputs``);
only the auth string, which the platform never outputs, is this stack's own secret config. The
pool is the platform's work pool type, so the same kind of worker serves both.
"""

from __future__ import annotations

import pulumi

from flowforge_infra import outputs
from flowforge_infra.prefect_worker import worker_command
from flowforge_infra.work_pool import WorkPool, WorkPoolArgs

__all__ = ["BATCH_CONCURRENCY_LIMIT", "BatchWorkPool"]

# Batch flows are heavy: at most this many run at once, whatever the number of workers.
BATCH_CONCURRENCY_LIMIT = 2


class BatchWorkPool(pulumi.ComponentResource):
    """The work pool ``<platform pool>-batch`` on the platform ``platform`` points at."""

    pool: WorkPool
    worker_command: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        platform: pulumi.StackReference,
        *,
        auth_string: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("flowforge:consumer:BatchWorkPool", name, None, opts)
        pool_name = platform.require_output(outputs.WORK_POOL_NAME)
        pool_type = platform.require_output(outputs.WORK_POOL_TYPE)
        self.pool = WorkPool(
            f"{name}-pool",
            WorkPoolArgs(
                api_url=platform.require_output(outputs.API_URL),
                name=pulumi.Output.concat(pool_name, "-batch"),
                type=pool_type,
                description="Batch flows of FlowForge consumers, managed by Pulumi",
                concurrency_limit=BATCH_CONCURRENCY_LIMIT,
                auth_string=auth_string,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.worker_command = pulumi.Output.all(self.pool.name, pool_type).apply(
            lambda args: " ".join(worker_command(args[0], args[1]))
        )
        self.register_outputs({"pool_id": self.pool.pool_id, "pool_name": self.pool.name})
