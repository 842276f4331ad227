"""Bad config fails before any resource is registered, with one line naming key, rule and fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowforge_infra.config import ConfigError, load_settings
from flowforge_infra.stack_images import stack_images
from tests.unit.harness import set_stack_config

BAD_VALUES = [
    ("hostPort", "abc", "must be an integer from 1 to 65535"),
    ("hostPort", "0", "must be an integer from 1 to 65535"),
    ("hostPort", "65536", "must be an integer from 1 to 65535"),
    ("bindAddress", "localhost", "must be the host IP address"),
    ("postgresImage", "", "must be a Docker image reference"),
    ("prefectImage", "Prefect:latest", "must be a Docker image reference"),
    ("prefectImage", "prefecthq/prefect:", "must be a Docker image reference"),
    ("workPoolName", "", "must not be empty"),
    ("workPoolName", " padded", "must not start or end with whitespace"),
    ("workPoolName", "a/b", "must not contain /"),
    ("workPoolName", "50%", "must not contain %"),
    ("workPoolName", "prefect-pool", "must not start with 'prefect'"),
    ("workPoolConcurrencyLimit", "-1", "must be an integer from 0 to 2147483647"),
    ("workPoolConcurrencyLimit", "two", "must be an integer from 0 to 2147483647"),
    ("workPoolConcurrencyLimit", "2147483648", "must be an integer from 0 to 2147483647"),
    ("workPoolPaused", "yes", "must be true or false"),
    ("keepDataOnDestroy", "1", "must be true or false"),
    ("readyTimeoutSeconds", "30", "must be an integer from 120 to 3600"),
    ("namePrefix", "-bad", "must be 1-40 letters"),
    ("dbUser", "Robert'); DROP", "must be a lower-case PostgreSQL identifier"),
]


@pytest.mark.parametrize(("key", "value", "rule"), BAD_VALUES)
def test_bad_value_fails_with_one_clear_line(key: str, value: str, rule: str) -> None:
    set_stack_config({key: value})
    with pytest.raises(ConfigError) as raised:
        load_settings()
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(f"invalid config flowforge-infra:{key} = {value!r}: {rule}")
    assert f"pulumi config set flowforge-infra:{key}" in message


def test_unknown_key_is_refused_and_named() -> None:
    set_stack_config({"hostport": "4200"})
    with pytest.raises(ConfigError, match=r"^unknown config key flowforge-infra:hostport; known"):
        load_settings()


@pytest.mark.parametrize("key", ["dbPassword", "authString"])
def test_secret_set_in_plaintext_is_refused(key: str) -> None:
    set_stack_config({key: "admin:hunter2"})
    with pytest.raises(ConfigError) as raised:
        load_settings()
    assert str(raised.value) == (
        f"config flowforge-infra:{key} is stored in plaintext; "
        f"fix: pulumi config set --secret flowforge-infra:{key} <value>"
    )


def test_defaults() -> None:
    set_stack_config({})
    settings = load_settings()
    assert (settings.bind_address, settings.host_port) == ("127.0.0.1", 4200)
    assert settings.api_url == "http://localhost:4200/api"
    assert settings.postgres_image == "postgres:15"
    assert settings.work_pool_name == "flowforge-development"
    assert settings.work_pool_type == "process"
    assert settings.work_pool_concurrency_limit is None
    assert settings.keep_data_on_destroy is True
    assert settings.db_password is None, "unset password means: generate one"


def test_images_are_validated_before_anything_is_built(tmp_path: Path) -> None:
    """tools/local-cloud reads the images before pulumi runs; a bad one fails with its key."""
    stack_file = tmp_path / "Pulumi.dev.yaml"
    stack_file.write_text('config:\n  flowforge-infra:prefectImage: "Prefect:15"\n')
    with pytest.raises(
        ConfigError, match=r"^invalid config flowforge-infra:prefectImage = 'Prefect:15'"
    ):
        stack_images(stack_file)
    stack_file.write_text("config:\n  flowforge-infra:postgresImage: postgres:15.8\n")
    assert stack_images(stack_file) == ["postgres:15.8", "prefecthq/prefect:3.9.1-python3.11"]
