"""A consumer of a FlowForge platform: register a batch work pool on it, export how to use it.

Config: ``platformStack`` (required), the platform's fully-qualified stack name such as
``organization/flowforge-infra/dev``; ``authString`` (secret), needed when the platform has
basic auth on.
"""

import pulumi
from batch_pool import BatchWorkPool

config = pulumi.Config()
platform = pulumi.StackReference(config.require("platformStack"))
batch = BatchWorkPool("batch", platform, auth_string=config.get_secret("authString"))
pulumi.export("batch_work_pool_id", batch.pool.pool_id)
pulumi.export("batch_work_pool_name", batch.pool.name)
pulumi.export("batch_worker_command", batch.worker_command)
