"""Stack configuration, read once into one typed, validated object.

Every key lives in the project's namespace (``flowforge-infra:<key>``). Each field's
``description`` states the allowed values; a bad value fails ``pulumi preview`` with a single
line naming the key, the allowed values and the command that fixes it, before any resource is
registered. Secrets are never turned into plain strings here: they stay ``pulumi.Output``.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any

import pulumi
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    field_validator,
)

from flowforge_infra.pool_names import MAX_CONCURRENCY_LIMIT, pool_name_problem

__all__ = ["NAMESPACE", "ConfigError", "Settings", "load_settings", "validate_settings"]

NAMESPACE = "flowforge-infra"

# Docker's reference grammar (distribution/reference), without the digest-only form.
_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN_COMPONENT = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?"
_DOMAIN = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*(?::[0-9]+)?/)"
_IMAGE_REF = re.compile(
    rf"^{_DOMAIN}?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$"
)
_NAME_PREFIX = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,39}$")
_DB_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class ConfigError(pulumi.RunError):
    """Raised for a bad config value; Pulumi prints its one-line message without a traceback."""


def _image_ref(value: str) -> str:
    if not _IMAGE_REF.match(value):
        raise ValueError("malformed image reference")
    return value


def _ip_address(value: str) -> str:
    ipaddress.ip_address(value)
    return value


def _pool_name(value: str) -> str:
    problem = pool_name_problem(value)
    if problem:
        raise ValueError(problem)
    return value


ImageRef = Annotated[str, AfterValidator(_image_ref)]


class Settings(BaseModel):
    """The validated configuration of one stack. Field aliases are the config keys."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", populate_by_name=True, arbitrary_types_allowed=True
    )

    postgres_image: ImageRef = Field(
        "postgres:15",
        alias="postgresImage",
        description="a Docker image reference such as postgres:15",
    )
    prefect_image: ImageRef = Field(
        "prefecthq/prefect:3.9.1-python3.11",
        alias="prefectImage",
        description="a Docker image reference such as prefecthq/prefect:3.9.1-python3.11",
    )
    bind_address: Annotated[str, AfterValidator(_ip_address)] = Field(
        "127.0.0.1",
        alias="bindAddress",
        description="the host IP address the API port is published on, e.g. 127.0.0.1",
    )
    host_port: int = Field(
        4200,
        alias="hostPort",
        ge=1,
        le=65535,
        strict=False,
        description="an integer from 1 to 65535",
    )
    public_host: str = Field(
        "localhost",
        alias="publicHost",
        pattern=r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$|^\[[0-9a-fA-F:]+\]$",
        description="the host name clients use to reach the API, e.g. localhost",
    )
    name_prefix: str = Field(
        "flowforge",
        alias="namePrefix",
        pattern=_NAME_PREFIX.pattern,
        description="1-40 letters, digits, '_', '.', '-', starting with a letter or digit",
    )
    db_user: str = Field(
        "prefect",
        alias="dbUser",
        pattern=_DB_IDENTIFIER.pattern,
        description="a lower-case PostgreSQL identifier (a-z, 0-9, _), at most 63 characters",
    )
    db_name: str = Field(
        "prefect",
        alias="dbName",
        pattern=_DB_IDENTIFIER.pattern,
        description="a lower-case PostgreSQL identifier (a-z, 0-9, _), at most 63 characters",
    )
    work_pool_name: Annotated[str, AfterValidator(_pool_name)] = Field(
        "flowforge-development",
        alias="workPoolName",
        description="a Prefect work pool name",
    )
    work_pool_type: str = Field(
        "process",
        alias="workPoolType",
        pattern=r"^[a-z0-9][a-z0-9:_-]*$",
        description="a Prefect worker type such as process",
    )
    work_pool_description: str | None = Field(
        "FlowForge development work pool, managed by Pulumi",
        alias="workPoolDescription",
        description="free text",
    )
    work_pool_concurrency_limit: int | None = Field(
        None,
        alias="workPoolConcurrencyLimit",
        ge=0,
        le=MAX_CONCURRENCY_LIMIT,
        description=f"an integer from 0 to {MAX_CONCURRENCY_LIMIT}, or unset for no limit",
    )
    work_pool_paused: StrictBool = Field(False, alias="workPoolPaused", description="true or false")
    keep_data_on_destroy: StrictBool = Field(
        True, alias="keepDataOnDestroy", description="true or false"
    )
    ready_timeout_seconds: int = Field(
        180,
        alias="readyTimeoutSeconds",
        ge=120,
        le=3600,
        description="an integer from 120 to 3600",
    )
    worker_container: StrictBool = Field(
        False, alias="workerContainer", description="true or false"
    )
    db_password: Any = Field(
        None, alias="dbPassword", description="a secret string (pulumi config set --secret)"
    )
    auth_string: Any = Field(
        None,
        alias="authString",
        description="a secret 'user:password' string (pulumi config set --secret)",
    )

    @field_validator("work_pool_paused", "keep_data_on_destroy", "worker_container", mode="before")
    @classmethod
    def _parse_bool(cls, value: Any) -> Any:
        """Pulumi hands config values over as text; accept only true/false."""
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        return value

    @property
    def postgres_container_name(self) -> str:
        return f"{self.name_prefix}-postgres"

    @property
    def server_container_name(self) -> str:
        return f"{self.name_prefix}-prefect-server"

    @property
    def worker_container_name(self) -> str:
        return f"{self.name_prefix}-worker"

    @property
    def network_name(self) -> str:
        return f"{self.name_prefix}-network"

    @property
    def data_volume_name(self) -> str:
        return f"{self.name_prefix}-postgres-data"

    @property
    def ui_url(self) -> str:
        return f"http://{self.public_host}:{self.host_port}"

    @property
    def api_url(self) -> str:
        return f"{self.ui_url}/api"


_SECRET_KEYS = {"dbPassword", "authString"}


def _fix_hint(key: str) -> str:
    flag = " --secret" if key in _SECRET_KEYS else ""
    return f"fix: pulumi config set{flag} {NAMESPACE}:{key} <value>, or remove it for the default"


def _project_config_keys() -> set[str]:
    """Every key set for this project, so that typos fail loudly instead of being ignored."""
    all_keys = set(pulumi.runtime.config.CONFIG.get()) | set(pulumi.runtime.config.get_config_env())
    prefix = f"{NAMESPACE}:"
    return {key.removeprefix(prefix) for key in all_keys if key.startswith(prefix)}


def load_settings(config: pulumi.Config | None = None) -> Settings:
    """Read and validate the stack's config; raise a one-line ConfigError on the first problem."""
    config = config or pulumi.Config(NAMESPACE)
    fields = Settings.model_fields
    known = {str(field.alias): name for name, field in fields.items()}

    unknown = sorted(_project_config_keys() - set(known))
    if unknown:
        raise ConfigError(
            f"unknown config key {NAMESPACE}:{unknown[0]}; known keys: {', '.join(sorted(known))}; "
            f"fix: pulumi config rm {NAMESPACE}:{unknown[0]}"
        )

    raw: dict[str, Any] = {}
    for key in known:
        value = config.get_secret(key) if key in _SECRET_KEYS else config.get(key)
        if value is None:
            continue
        if key in _SECRET_KEYS and not pulumi.runtime.is_config_secret(f"{NAMESPACE}:{key}"):
            raise ConfigError(
                f"config {NAMESPACE}:{key} is stored in plaintext; "
                f"fix: pulumi config set --secret {NAMESPACE}:{key} <value>"
            )
        raw[key] = value

    return validate_settings(raw)


def validate_settings(raw: dict[str, Any]) -> Settings:
    """``Settings`` from raw values keyed by config key; ConfigError names the first bad one."""
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        key = str(error["loc"][0])
        field = next(field for field in Settings.model_fields.values() if field.alias == key)
        reason = str(error["ctx"]["error"]) if error["type"] == "value_error" else ""
        rule = reason if reason.startswith("must") else f"must be {field.description}"
        raise ConfigError(
            f"invalid config {NAMESPACE}:{key} = {raw.get(key)!r}: {rule}; {_fix_hint(key)}"
        ) from None
