"""What the console tools need to know about a running platform, read from a stack or given.

A stack is read through the real ``pulumi`` CLI, run in the current directory with the current
environment: run the tools from the project folder through ``tools/local-cloud exec`` (as
``make doctor`` does), which sets PATH, PULUMI_BACKEND_URL and the passphrase file. Outputs are
read without ``--show-secrets``: none the tools need is secret, so the database URL never
enters this process. The auth string is no output; it comes from the stack's secret config
``flowforge-infra:authString``, which the server was given on ``pulumi up``.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from typing import Any

from flowforge_infra import outputs
from flowforge_infra.config import NAMESPACE

__all__ = ["Platform", "StackError", "read_stack"]

PULUMI_TIMEOUT_SECONDS = 120
AUTH_STRING_KEY = f"{NAMESPACE}:authString"
_NEEDED = (outputs.API_URL, outputs.WORK_POOL_NAME, outputs.WORK_POOL_TYPE, outputs.WORKER_COMMAND)


class StackError(Exception):
    """Raised with a one-line message saying what to do when a stack cannot be read."""


@dataclass(frozen=True)
class Platform:
    """Where a platform's API is, which pool its workers poll, and how to authenticate.

    ``stack`` names the stack it was read from, or is None when the URL was given by hand.
    """

    api_url: str
    work_pool_name: str
    work_pool_type: str
    worker_command: str
    auth_string: str | None = field(default=None, repr=False)
    stack: str | None = None


def read_stack(stack: str) -> Platform:
    """The platform stack ``stack`` describes, with its auth string if basic auth is on."""
    values = _pulumi_json("stack", "output", "--json", "--stack", stack)
    if not values:
        raise StackError(
            f"stack {stack!r} has no outputs yet; fix: pulumi up --stack {stack} (or make up)"
        )
    missing = [name for name in _NEEDED if not isinstance(values.get(name), str)]
    if missing:
        raise StackError(
            f"stack {stack!r} has no output {', '.join(missing)}; is it a flowforge-infra stack? "
            f"fix: pulumi up --stack {stack} with this project"
        )
    return Platform(
        api_url=values[outputs.API_URL],
        work_pool_name=values[outputs.WORK_POOL_NAME],
        work_pool_type=values[outputs.WORK_POOL_TYPE],
        worker_command=values[outputs.WORKER_COMMAND],
        auth_string=_auth_string(stack),
        stack=stack,
    )


def _auth_string(stack: str) -> str | None:
    # List the keys first (no decryption), so an unset key is not told apart by error text.
    if AUTH_STRING_KEY not in _pulumi_json("config", "--json", "--stack", stack):
        return None
    entry = _pulumi_json("config", "get", AUTH_STRING_KEY, "--json", "--stack", stack)
    return str(entry["value"])


def _pulumi_json(*args: str) -> Any:
    """Run ``pulumi <args> --non-interactive`` and parse its JSON; any failure is a StackError
    carrying the CLI's own last error line."""
    command = ["pulumi", *args, "--non-interactive"]
    shown = " ".join(command[:3])
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=PULUMI_TIMEOUT_SECONDS, check=False
        )
    except FileNotFoundError:
        raise StackError(
            "the pulumi CLI is not on PATH; fix: run through tools/local-cloud exec "
            "(e.g. make doctor), or use --api-url URL"
        ) from None
    except subprocess.TimeoutExpired:
        raise StackError(f"{shown} did not finish within {PULUMI_TIMEOUT_SECONDS} s") from None
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or [f"exit status {done.returncode}"]
        raise StackError(f"{shown} failed: {lines[-1]}")
    try:
        return json.loads(done.stdout)
    except ValueError:
        raise StackError(f"{shown} printed no JSON: {done.stdout[:200]!r}") from None
