"""Point this machine's Prefect at a platform, through Prefect's own profile API.

The old setup guide's most common failure was a worker started in another shell that quietly
ran against a temporary local server on SQLite, because only the first shell had
``PREFECT_API_URL`` exported. An active profile holds the setting for every new shell; only an
environment variable (or ``PREFECT_PROFILE``) set in a shell overrides it, so we say when one does.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from prefect.context import get_settings_context
from prefect.settings import (
    PREFECT_API_AUTH_STRING,
    PREFECT_API_URL,
    get_current_settings,
    load_profiles,
    save_profiles,
)

__all__ = ["DEFAULT_PROFILE", "OVERRIDING_VARIABLES", "ShellSettings", "shell_settings",
           "write_profile"]  # fmt: skip

DEFAULT_PROFILE = "flowforge"
# Set in a shell, these win over the active profile for everything started from it.
OVERRIDING_VARIABLES = ("PREFECT_API_URL", "PREFECT_API_AUTH_STRING", "PREFECT_PROFILE")


def write_profile(name: str, *, api_url: str, auth_string: str | None) -> Path:
    """Create or update profile ``name`` and make it the active one; return the profiles file.

    ``auth_string=None`` removes an auth string the profile held before.
    """
    profiles = load_profiles(include_defaults=False)
    profiles.update_profile(name, {PREFECT_API_URL: api_url, PREFECT_API_AUTH_STRING: auth_string})
    profiles.set_active(name)
    save_profiles(profiles)
    path = get_current_settings().profiles_path
    assert path is not None, "save_profiles succeeded, so Prefect has a profiles path"
    return path


@dataclass(frozen=True)
class ShellSettings:
    """The API settings a worker started from this shell uses, and where they come from."""

    api_url: str | None
    auth_string: str | None = field(repr=False)
    source: str
    overriding_variables: tuple[str, ...]


def shell_settings() -> ShellSettings:
    """What Prefect resolved for this process from the environment and the active profile."""
    settings = get_current_settings()
    overriding = tuple(var for var in OVERRIDING_VARIABLES if var in os.environ)
    if "PREFECT_API_URL" in os.environ:
        source = "environment variable PREFECT_API_URL"
    else:
        source = f"profile {get_settings_context().profile.name!r}"
    auth = settings.api.auth_string
    return ShellSettings(
        api_url=settings.api.url,
        auth_string=None if auth is None else auth.get_secret_value(),
        source=source,
        overriding_variables=overriding,
    )
