"""``flowforge-infra doctor``: verify a running platform and this shell, one check per row.

Each check says what it saw and, when it fails, the fix. The database check asks the server
itself (``GET /api/admin/settings``): Prefect masks a connection URL whole there, but reports
the driver when the database is configured by separate settings, as ``prefect_server.py`` does;
a server configured by one URL therefore fails as "cannot verify" rather than being guessed at.
"""

from __future__ import annotations

from dataclasses import dataclass

import prefect

from flowforge_infra.prefect_api import (
    NotFound,
    PrefectApiError,
    PrefectClient,
    RetryPolicy,
    Unauthorized,
)
from flowforge_infra.profile import ShellSettings
from flowforge_infra.stack_outputs import Platform

__all__ = ["ApiUnreachable", "Check", "open_client", "run_checks"]

POSTGRES_DRIVER = "postgresql+asyncpg"


class ApiUnreachable(Exception):
    """Raised with a one-line message when no ready Prefect API answers at the URL."""


@dataclass(frozen=True)
class Check:
    """One row of the report; ``fix`` is empty when the check passed."""

    name: str
    passed: bool
    detail: str
    fix: str = ""


def open_client(platform: Platform, *, timeout: float) -> PrefectClient:
    """A client for ``platform`` whose server is ready; ApiUnreachable if it is not within
    ``timeout`` seconds. The caller closes the client."""
    client = PrefectClient(
        platform.api_url,
        auth_string=platform.auth_string,
        retry=RetryPolicy(attempts=3, deadline_seconds=timeout),
    )
    try:
        client.wait_until_ready(timeout=timeout)
    except PrefectApiError as exc:
        client.close()
        raise ApiUnreachable(
            f"{exc}; fix: check the URL, and that the platform is up (docker ps; make up)"
        ) from None
    return client


def run_checks(client: PrefectClient, platform: Platform, shell: ShellSettings) -> list[Check]:
    """Every check, in the order a person would debug: server, database, pool, this shell."""
    ready = f"{platform.api_url}: /ready answered 200, so the server reaches its database"
    checks = [Check("API health and readiness", True, ready)]
    for name, check in (
        ("server version", _version),
        ("database is PostgreSQL", _database),
        ("work pool", _work_pool),
    ):
        try:
            checks.append(check(client, platform))
        except PrefectApiError as exc:
            checks.append(Check(name, False, str(exc), _fix_for(exc, platform)))
    checks.append(_shell(platform, shell))
    return checks


def _version(client: PrefectClient, _platform: Platform) -> Check:
    server, local = client.server_version(), prefect.__version__
    detail = f"server {server}, local prefect {local}"
    if server.split(".")[0] == local.split(".")[0]:
        return Check("server version", True, detail)
    return Check(
        "server version",
        False,
        f"{detail}: the major versions differ",
        f"install prefect=={server} here (pip install 'prefect=={server}'), "
        f"or run a server image of prefect {local} (config prefectImage)",
    )


def _database(client: PrefectClient, _platform: Platform) -> Check:
    name = "database is PostgreSQL"
    database = client.read_server_settings().get("server", {}).get("database", {})
    driver = database.get("driver")
    if driver == POSTGRES_DRIVER:
        where = f"{database.get('host')}:{database.get('port') or 5432}/{database.get('name')}"
        return Check(name, True, f"driver {driver} at {where}")
    configure = (
        "configure the server's database by PREFECT_SERVER_DATABASE_DRIVER, _HOST, _PORT, "
        "_USER, _PASSWORD and _NAME, as this project's prefect_server.py does (pulumi up)"
    )
    if driver is None:
        return Check(
            name,
            False,
            "cannot verify: the server reports no database driver (set by one connection URL, "
            "which /api/admin/settings masks, or not at all: SQLite)",
            configure,
        )
    return Check(name, False, f"the server runs on {driver}, not {POSTGRES_DRIVER}", configure)


def _work_pool(client: PrefectClient, platform: Platform) -> Check:
    wanted = f"{platform.work_pool_name!r} of type {platform.work_pool_type!r}"
    try:
        pool = client.read_work_pool(platform.work_pool_name)
    except NotFound:
        return Check("work pool", False, f"no work pool {platform.work_pool_name!r}",
                     f"create it: {_up(platform)}")  # fmt: skip
    if pool.type != platform.work_pool_type:
        return Check(
            "work pool",
            False,
            f"{pool.name!r} has type {pool.type!r}, expected {platform.work_pool_type!r}",
            f"{_up(platform)} (it replaces the pool with the configured type)",
        )
    return Check("work pool", True, f"{wanted} exists")


def _shell(platform: Platform, shell: ShellSettings) -> Check:
    name = "this shell's Prefect settings"
    if not shell.api_url:
        return Check(
            name,
            False,
            "PREFECT_API_URL is not set: a worker started here runs on a temporary local "
            "server with SQLite",
            _use_profile(platform, shell, "PREFECT_PROFILE"),
        )
    if shell.api_url.rstrip("/") != platform.api_url.rstrip("/"):
        return Check(
            name,
            False,
            f"PREFECT_API_URL is {shell.api_url} (from {shell.source})",
            _use_profile(platform, shell, "PREFECT_API_URL", "PREFECT_PROFILE"),
        )
    if platform.auth_string is not None and shell.auth_string != platform.auth_string:
        return Check(
            name,
            False,
            f"PREFECT_API_AUTH_STRING differs from the stack's authString (from {shell.source})",
            _use_profile(platform, shell, "PREFECT_API_AUTH_STRING", "PREFECT_PROFILE"),
        )
    return Check(name, True, f"PREFECT_API_URL from {shell.source} matches")


def _use_profile(platform: Platform, shell: ShellSettings, *culprits: str) -> str:
    """The profile command, plus the variables of this shell that would still win over it."""
    fix = f"flowforge-infra profile {_target_option(platform)}"
    stale = [var for var in shell.overriding_variables if var in culprits]
    if stale:
        fix += f", then unset {' '.join(stale)} (set in this shell, it overrides the profile)"
    return fix


def _fix_for(exc: PrefectApiError, platform: Platform) -> str:
    if not isinstance(exc, Unauthorized):
        return "see the server's log: docker logs <server container>"
    if platform.stack is None:
        return (
            "this shell's auth string is missing or wrong: set PREFECT_API_AUTH_STRING to the "
            "server's user:password, or run flowforge-infra profile --stack NAME (from the stack)"
        )
    return f"the stack's authString is not the server's: {_up(platform)} applies it"


def _up(platform: Platform) -> str:
    return f"pulumi up --stack {platform.stack or 'NAME'}"


def _target_option(platform: Platform) -> str:
    return f"--stack {platform.stack}" if platform.stack else f"--api-url {platform.api_url}"
