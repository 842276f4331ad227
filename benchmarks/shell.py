"""Run a command with a time bound and turn its failure into a one-line BenchError."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence

from benchmarks import BenchError

__all__ = ["run"]


def run(
    command: Sequence[str], *, timeout: float = 60, check: bool = True, merge_stderr: bool = False
) -> str:
    """The command's stdout (and stderr, if ``merge_stderr``); raises BenchError naming the
    command if it fails or hangs."""
    try:
        done = subprocess.run(
            list(command),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE,
            text=True,
            errors="replace",
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError as exc:
        raise BenchError(f"{command[0]} is not installed or not on PATH") from exc
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"`{' '.join(command[:3])} ...` did not finish in {timeout:g}s") from exc
    if check and done.returncode != 0:
        last_line = ((done.stderr or done.stdout).strip().splitlines() or ["(no output)"])[-1]
        raise BenchError(f"`{' '.join(command[:3])} ...` failed: {last_line}")
    return done.stdout
