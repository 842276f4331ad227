"""The README's reference tables stay true: every config key and every stack output is there."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowforge_infra import outputs
from flowforge_infra.config import Settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


@pytest.mark.parametrize("key", [str(field.alias) for field in Settings.model_fields.values()])
def test_every_config_key_is_documented(key: str) -> None:
    assert f"| `{key}` |" in README, f"config key {key} is missing from the README's table"


@pytest.mark.parametrize("name", [getattr(outputs, constant) for constant in outputs.__all__])
def test_every_stack_output_is_documented(name: str) -> None:
    assert f"| `{name}` |" in README, f"stack output {name} is missing from the README's table"
