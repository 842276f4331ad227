"""The consumer example (examples/consumer) under Pulumi's mocks, its platform a mocked
StackReference: what it registers on which platform, and what it exports."""

from __future__ import annotations

import runpy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pytest

from flowforge_infra import outputs
from tests.unit.harness import RecordingMonitor, Registration, set_stack_config

CONSUMER_DIR = Path(__file__).resolve().parents[2] / "examples" / "consumer"
PLATFORM_STACK = "organization/flowforge-infra/dev"
PLATFORM_OUTPUTS = {
    outputs.API_URL: "http://localhost:4200/api",
    outputs.WORK_POOL_NAME: "flowforge-development",
    outputs.WORK_POOL_TYPE: "process",
}
POOL_ID = "7a1c3e2b-0000-4000-8000-00000000b47c"


class ConsumerMocks(pulumi.runtime.Mocks):
    """A StackReference answers with the platform's outputs; the pool gets a server id."""

    def __init__(self) -> None:
        self.stack_references: list[str] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        if args.typ == "pulumi:pulumi:StackReference":
            self.stack_references.append(args.inputs["name"])
            return args.name, {"name": args.inputs["name"], "outputs": PLATFORM_OUTPUTS}
        if args.typ == "pulumi-python:dynamic:Resource":
            return args.inputs["name"], {**args.inputs, "pool_id": POOL_ID}
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[Any]]:
        return {}, []


@dataclass
class Consumer:
    stack_references: list[str]
    monitor: RecordingMonitor
    exports: dict[str, Any] = field(default_factory=dict)

    def resource(self, name: str) -> Registration:
        return self.monitor.resource(name)


def run_consumer(config: dict[str, str], secret_keys: tuple[str, ...] = ()) -> Consumer:
    """``pulumi up`` of the example's ``__main__.py`` under mocks, with ``config``."""
    set_stack_config(config, secret_keys, namespace="flowforge-consumer")
    mocks = ConsumerMocks()
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project="flowforge-consumer", stack="unit", monitor=monitor)
    consumer = Consumer(mocks.stack_references, monitor)

    @pulumi.runtime.test
    def program() -> pulumi.Output[Any]:
        runpy.run_path(str(CONSUMER_DIR), run_name="__main__")
        exported = pulumi.runtime.get_root_resource().outputs  # type: ignore[union-attr]
        return pulumi.Output.all(**exported).apply(consumer.exports.update)

    program()
    return consumer


@pytest.fixture(scope="module")
def consumer() -> Consumer:
    return run_consumer({"platformStack": PLATFORM_STACK})


def test_reads_the_platform_stack_named_in_config(consumer: Consumer) -> None:
    assert consumer.stack_references == [PLATFORM_STACK]


def test_registers_a_batch_pool_on_the_platforms_server(consumer: Consumer) -> None:
    pool = consumer.resource("batch-pool")
    assert pool.type == "pulumi-python:dynamic:Resource"
    assert pool.parent.endswith("flowforge:consumer:BatchWorkPool::batch"), pool.parent
    assert pool.inputs["api_url"] == PLATFORM_OUTPUTS[outputs.API_URL]
    assert pool.inputs["name"] == "flowforge-development-batch"
    assert pool.inputs["type"] == "process", "same worker type as the platform's pool"
    assert pool.inputs["concurrency_limit"] == 2
    assert pool.inputs.get("auth_string") is None, "no auth string unless configured"


def test_exports_the_pool_and_the_worker_command(consumer: Consumer) -> None:
    assert consumer.exports == {
        "batch_work_pool_id": POOL_ID,
        "batch_work_pool_name": "flowforge-development-batch",
        "batch_worker_command": "prefect worker start --pool flowforge-development-batch "
        "--type process --name flowforge-worker",
    }


def test_the_auth_string_reaches_the_pool_as_a_secret() -> None:
    consumer = run_consumer(
        {"platformStack": PLATFORM_STACK, "authString": "flowforge:s3cret"}, ("authString",)
    )
    pool = consumer.resource("batch-pool")
    assert pool.inputs["auth_string"] == "flowforge:s3cret"
    assert "auth_string" in pool.secret_inputs, "the auth string must stay secret"


def test_without_platform_stack_config_it_names_the_missing_key() -> None:
    with pytest.raises(pulumi.ConfigMissingError, match="flowforge-consumer:platformStack"):
        run_consumer({})
