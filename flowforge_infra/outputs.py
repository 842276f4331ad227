"""Names of the stack outputs: the contract other stacks read with ``StackReference``.

The program, the console tools and the tests import these names instead of repeating strings.
"""

__all__ = [
    "API_URL",
    "DATABASE_URL",
    "NETWORK_NAME",
    "POSTGRES_CONTAINER",
    "SERVER_CONTAINER",
    "UI_URL",
    "WORKER_COMMAND",
    "WORK_POOL_ID",
    "WORK_POOL_NAME",
    "WORK_POOL_TYPE",
]

API_URL = "api_url"
UI_URL = "ui_url"
WORK_POOL_NAME = "work_pool_name"
WORK_POOL_TYPE = "work_pool_type"
WORK_POOL_ID = "work_pool_id"
NETWORK_NAME = "network_name"
POSTGRES_CONTAINER = "postgres_container"
SERVER_CONTAINER = "server_container"
DATABASE_URL = "database_url"
WORKER_COMMAND = "worker_command"
