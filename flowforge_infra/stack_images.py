"""Print the Docker images a stack's config asks for, one per line (used by tools/local-cloud).

It reads the stack file directly, because the images must exist before ``pulumi`` runs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml  # type: ignore[import-untyped]  # PyYAML ships no stubs

from flowforge_infra.config import NAMESPACE, Settings

__all__ = ["stack_images"]


def stack_images(stack_file: Path) -> list[str]:
    config: dict[str, object] = {}
    if stack_file.exists():
        config = (yaml.safe_load(stack_file.read_text()) or {}).get("config") or {}
    images = []
    for field_name in ("postgres_image", "prefect_image"):
        field = Settings.model_fields[field_name]
        images.append(str(config.get(f"{NAMESPACE}:{field.alias}", field.default)))
    return images


if __name__ == "__main__":
    print("\n".join(stack_images(Path(sys.argv[1]))))
