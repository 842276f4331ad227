"""FlowForge benchmarks: ``python -m benchmarks --stack dev`` (``make bench``).

Measures write concurrency of the stack's Prefect server against Prefect's default SQLite
server, the platform's memory, server settings, and the cost of provisioning with Pulumi
against plain ``docker run``; writes JSON, a Markdown table and a PNG chart under ``results/``.
"""

import sys
import time

__all__ = ["BenchError", "Budget", "say"]


class BenchError(Exception):
    """A condition the user must fix or should know about; the CLI prints its one line."""


class Budget:
    """The run's bound on total time. Parts call ``check`` before each step; once the time is
    used up the part stops with a BenchError and the report keeps what finished."""

    def __init__(self, minutes: float) -> None:
        self.minutes = minutes
        self._deadline = time.monotonic() + minutes * 60

    def check(self, before: str) -> None:
        if time.monotonic() > self._deadline:
            raise BenchError(f"the time budget of {self.minutes:g} min ran out before {before}")


def say(message: str) -> None:
    """Progress on stderr: a full run takes minutes, and stdout carries the report."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)
