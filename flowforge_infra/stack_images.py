"""Print the Docker images a stack's config asks for, one per line (used by tools/local-cloud).

It reads the stack file directly, because the images must exist before ``pulumi`` runs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml  # type: ignore[import-untyped]  # PyYAML ships no stubs

from flowforge_infra.config import NAMESPACE, ConfigError, Settings, validate_settings

__all__ = ["stack_images"]


def stack_images(stack_file: Path) -> list[str]:
    """The image references of the stack file's config, or the defaults; validated like
    ``pulumi preview`` would, so a bad one fails here with the same line."""
    config: dict[str, object] = {}
    if stack_file.exists():
        config = (yaml.safe_load(stack_file.read_text()) or {}).get("config") or {}
    keys = [str(Settings.model_fields[name].alias) for name in ("postgres_image", "prefect_image")]
    raw = {key: config[f"{NAMESPACE}:{key}"] for key in keys if f"{NAMESPACE}:{key}" in config}
    settings = validate_settings(raw)
    return [settings.postgres_image, settings.prefect_image]


if __name__ == "__main__":
    try:
        print("\n".join(stack_images(Path(sys.argv[1]))))
    except ConfigError as exc:
        sys.exit(f"error: {exc}")
