"""The ``flowforge-infra`` console script: thin wiring of options to ``doctor`` and ``profile``.

Bad input (an unknown stack, a stack without outputs, an API that does not answer) ends with
one ``error: ...`` line on stderr and exit status 2; failed doctor checks exit with 1.
"""

from __future__ import annotations

from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from flowforge_infra import doctor as doctor_checks
from flowforge_infra.config import Settings
from flowforge_infra.prefect_worker import worker_command
from flowforge_infra.profile import DEFAULT_PROFILE, shell_settings, write_profile
from flowforge_infra.stack_outputs import Platform, StackError, read_stack

__all__ = ["app"]

DEFAULT_STACK = "dev"
BAD_INPUT = 2

app = typer.Typer(
    help="Check and use a FlowForge Prefect platform.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

StackOption = Annotated[
    str | None,
    typer.Option(
        help=f"Stack to read the outputs of (default {DEFAULT_STACK}); run from the project "
        "folder through tools/local-cloud exec."
    ),
]
ApiUrlOption = Annotated[
    str | None,
    typer.Option(
        help="Prefect API URL to use instead of a stack, e.g. http://localhost:4200/api; "
        "the auth string then comes from PREFECT_API_AUTH_STRING or the active profile."
    ),
]
WorkPoolOption = Annotated[str | None, typer.Option(help="With --api-url: the work pool to check.")]
WorkPoolTypeOption = Annotated[
    str | None, typer.Option(help="With --api-url: the pool's worker type.")
]
TimeoutOption = Annotated[
    float, typer.Option(min=0.1, help="Seconds to wait for the API to answer ready.")
]


@app.command()
def doctor(
    stack: StackOption = None,
    api_url: ApiUrlOption = None,
    work_pool: WorkPoolOption = None,
    work_pool_type: WorkPoolTypeOption = None,
    timeout: TimeoutOption = 10.0,
) -> None:
    """Verify the platform and this shell's Prefect settings; exit 1 if any check fails."""
    platform = _platform(stack, api_url, work_pool, work_pool_type)
    try:
        with doctor_checks.open_client(platform, timeout=timeout) as client:
            checks = doctor_checks.run_checks(client, platform, shell_settings())
    except doctor_checks.ApiUnreachable as exc:
        _bad_input(str(exc))
    target = f"stack {platform.stack}" if platform.stack else platform.api_url
    table = Table(title=f"flowforge-infra doctor: {target}")
    for column in ("check", "result", "detail", "fix"):
        table.add_column(column, overflow="fold")  # long URLs and commands wrap, never cut
    for check in checks:
        result = "[green]pass[/green]" if check.passed else "[red]FAIL[/red]"
        table.add_row(check.name, result, check.detail, check.fix)
    console = Console()
    console.print(table)
    failed = sum(not check.passed for check in checks)
    if failed:
        console.print(f"{failed} of {len(checks)} checks failed.")
        raise typer.Exit(1)
    console.print(f"All {len(checks)} checks passed.")


@app.command()
def profile(
    stack: StackOption = None,
    api_url: ApiUrlOption = None,
    name: Annotated[str, typer.Option(help="Name of the Prefect profile to write.")] = (
        DEFAULT_PROFILE
    ),
    timeout: TimeoutOption = 10.0,
) -> None:
    """Write the platform's API URL (and auth string) into a Prefect profile and activate it."""
    platform = _platform(stack, api_url, None, None)
    try:
        doctor_checks.open_client(platform, timeout=timeout).close()
    except doctor_checks.ApiUnreachable as exc:
        _bad_input(str(exc))
    path = write_profile(name, api_url=platform.api_url, auth_string=platform.auth_string)
    auth = " and PREFECT_API_AUTH_STRING" if platform.auth_string else ""
    typer.echo(
        f"Profile {name!r} (PREFECT_API_URL={platform.api_url}{auth}) written to {path} "
        "and activated."
    )
    overriding = shell_settings().overriding_variables
    if overriding:
        typer.echo(
            f"warning: this shell sets {' '.join(overriding)}, which overrides the profile; "
            f"unset {'it' if len(overriding) == 1 else 'them'}",
            err=True,
        )
    typer.echo(f"Start a worker from any shell with:\n  {platform.worker_command}")


def _platform(
    stack: str | None, api_url: str | None, work_pool: str | None, work_pool_type: str | None
) -> Platform:
    if api_url is None:
        if work_pool is not None or work_pool_type is not None:
            _bad_input("--work-pool and --work-pool-type go with --api-url; a stack names its pool")
        try:
            return read_stack(stack or DEFAULT_STACK)
        except StackError as exc:
            _bad_input(str(exc))
    if stack is not None:
        _bad_input("give --stack or --api-url, not both")
    if not api_url.startswith(("http://", "https://")):
        _bad_input(f"--api-url must be an http(s) URL such as http://localhost:4200/api, "
                   f"got {api_url!r}")  # fmt: skip
    pool = work_pool or str(Settings.model_fields["work_pool_name"].default)
    pool_type = work_pool_type or str(Settings.model_fields["work_pool_type"].default)
    return Platform(
        api_url=api_url,
        work_pool_name=pool,
        work_pool_type=pool_type,
        worker_command=" ".join(worker_command(pool, pool_type)),
        auth_string=shell_settings().auth_string,
    )


def _bad_input(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(BAD_INPUT)
