"""The machine and versions a report was measured with: figures mean little without them.

The load average at the start is there to show whether the machine was quiet.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib.metadata import version

from benchmarks import BenchError
from benchmarks.shell import run

__all__ = ["describe"]


def describe(containers: Mapping[str, str]) -> dict[str, str]:
    """Facts for the report's header; ``containers`` maps a role (``postgres``, ``prefect``)
    to a running container whose image to name."""
    load_1m, _, _ = os.getloadavg()
    facts = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.system()} {platform.release()} {platform.machine()}",
        "cores": str(os.cpu_count()),
        "memory": f"{_memory_gib():.1f} GiB",
        "load average (1 min) at start": f"{load_1m:.2f}",
        "prefect (benchmark venv)": version("prefect"),
        "pulumi CLI": _quiet(["pulumi", "version"]),
        "docker engine": _quiet(["docker", "version", "--format", "{{.Server.Version}}"]),
    }
    for role, container in containers.items():
        facts[f"{role} image"] = _image_of(container)
    return facts


def _memory_gib() -> float:
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 2**20
    return 0.0


def _quiet(command: list[str]) -> str:
    try:
        return run(command, timeout=30).strip()
    except BenchError as exc:
        return f"unknown ({exc})"


def _image_of(container: str) -> str:
    """Tags and short id; 'stand-in' if tools/stand-in-images.sh built it (no registry)."""
    image_id = _quiet(["docker", "inspect", "--format", "{{.Image}}", container])
    tags = _quiet(["docker", "image", "inspect", "--format", "{{join .RepoTags \", \"}}", image_id])
    stand_in = _quiet(["docker", "image", "inspect", "--format",
                       '{{index .Config.Labels "org.flowforge.stand-in"}}', image_id])  # fmt: skip
    kind = ", local stand-in" if stand_in == "true" else ""
    return f"{tags} ({image_id.removeprefix('sha256:')[:12]}{kind})"
