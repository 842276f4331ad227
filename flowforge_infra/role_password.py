"""Keeps the PostgreSQL role's password equal to the stack's password, whatever the volume holds.

PostgreSQL reads POSTGRES_PASSWORD only when it initialises an empty data directory. The data
volume outlives ``pulumi destroy`` while a generated password does not, and a user may change
``dbPassword`` later: either way the Prefect server would be refused by the kept database. So
after the container is created or the password changes, this resource sets the role's password
through the container's local socket (trusted inside the container, as in the official image).
The SQL goes in on standard input, never on a command line.
"""

from __future__ import annotations

import subprocess
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, Resource, ResourceProvider, UpdateResult

__all__ = ["RolePassword"]

_WATCHED = ("container_id", "user", "password")


def _apply(props: dict[str, Any]) -> None:
    password = str(props["password"]).replace("'", "''")
    sql = f"ALTER ROLE \"{props['user']}\" WITH PASSWORD '{password}';\n"
    command = ["docker", "exec", "-i", props["container"]]
    command += ["psql", "-v", "ON_ERROR_STOP=1", "-q", "-U", props["user"], "-d", props["database"]]
    result = subprocess.run(command, input=sql, capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise RuntimeError(
            f"could not set the password of role {props['user']!r} in container "
            f"{props['container']!r}: {result.stderr.strip() or result.stdout.strip()}"
        )


class _RolePasswordProvider(ResourceProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        _apply(props)
        return CreateResult(id_=f"{props['container']}/{props['user']}", outs=props)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = [key for key in _WATCHED if olds.get(key) != news.get(key)]
        return DiffResult(changes=bool(changed))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        _apply(news)
        return UpdateResult(outs=news)


class RolePassword(Resource):
    """Sets ``user``'s password in the running PostgreSQL ``container`` (by name)."""

    def __init__(
        self,
        name: str,
        *,
        container: pulumi.Input[str],
        container_id: pulumi.Input[str],
        user: str,
        database: str,
        password: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "container": container,
            "container_id": container_id,
            "user": user,
            "database": database,
            "password": pulumi.Output.secret(password),
        }
        secret = pulumi.ResourceOptions(additional_secret_outputs=["password"])
        super().__init__(
            _RolePasswordProvider(), name, props, pulumi.ResourceOptions.merge(opts, secret)
        )
