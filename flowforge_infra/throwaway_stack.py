"""Throwaway stacks of this project through Pulumi's Automation API.

Used by the end-to-end tests and the provisioning benchmark. Each stack lives in its own
temporary folder (a copy of ``Pulumi.yaml`` and ``__main__.py`` beside a link to the project's
venv) with its own file state backend and passphrase, and its own container-name prefix and host
port, so it never touches the developer's ``dev`` stack or the repo's files.
"""

from __future__ import annotations

import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from flowforge_infra.config import NAMESPACE

__all__ = ["ThrowawayStack", "free_loopback_port", "output_values"]

PROJECT_DIR = Path(__file__).resolve().parent.parent


def output_values(outputs: Mapping[str, auto.OutputValue]) -> dict[str, Any]:
    """A stack's outputs as plain values (secrets included), as the Automation API reports them."""
    return {name: output.value for name, output in outputs.items()}


def free_loopback_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ThrowawayStack:
    """A fresh stack of the FlowForge project; ``remove`` destroys it and deletes every trace."""

    stack: auto.Stack
    folder: Path
    name_prefix: str
    host_port: int

    @classmethod
    def create(
        cls,
        config: Mapping[str, str] = {},
        secret_config: Mapping[str, str] = {},
        *,
        label: str = "e2e",
    ) -> ThrowawayStack:
        folder = Path(tempfile.mkdtemp(prefix=f"flowforge-{label}-"))
        for file_name in ("Pulumi.yaml", "__main__.py"):
            shutil.copy(PROJECT_DIR / file_name, folder / file_name)
        (folder / "venv").symlink_to(PROJECT_DIR / "venv")
        (folder / "state").mkdir()
        suffix = secrets.token_hex(3)
        stack = auto.create_or_select_stack(
            stack_name=f"{label}-{suffix}",
            work_dir=str(folder),
            opts=auto.LocalWorkspaceOptions(
                env_vars={
                    "PULUMI_BACKEND_URL": f"file://{folder / 'state'}",
                    "PULUMI_CONFIG_PASSPHRASE": secrets.token_urlsafe(24),
                },
            ),
        )
        host_port = free_loopback_port()
        name_prefix = f"ff-{label}-{suffix}"
        defaults = {"hostPort": str(host_port), "namePrefix": name_prefix}
        for key, value in {**defaults, **config}.items():
            stack.set_config(f"{NAMESPACE}:{key}", auto.ConfigValue(value))
        for key, value in secret_config.items():
            stack.set_config(f"{NAMESPACE}:{key}", auto.ConfigValue(value, secret=True))
        return cls(stack=stack, folder=folder, name_prefix=name_prefix, host_port=host_port)

    def set_config(self, key: str, value: str) -> None:
        self.stack.set_config(f"{NAMESPACE}:{key}", auto.ConfigValue(value))

    def remove(self) -> None:
        """Destroy the stack, then remove whatever of it is left (its containers, network and
        kept data volume, found by its name prefix, even when destroy failed) and its folder."""
        try:
            self.stack.destroy()
            self.stack.workspace.remove_stack(self.stack.name)
        finally:
            for kind in ("container", "network"):
                listing = _docker(
                    kind,
                    "ls",
                    "-aq" if kind == "container" else "-q",
                    "--filter",
                    f"name=^{self.name_prefix}-",
                )
                if listing.split():
                    _docker(kind, "rm", *(["-f"] if kind == "container" else []), *listing.split())
            _docker("volume", "rm", "-f", f"{self.name_prefix}-postgres-data")
            shutil.rmtree(self.folder, ignore_errors=True)


def _docker(*args: str) -> str:
    """Run a docker command for clean-up; its failures are not ours to raise here."""
    return subprocess.run(
        ["docker", *args], check=False, capture_output=True, text=True, timeout=120
    ).stdout
