"""Runs the program under Pulumi's mocks and records what it registered.

The recording monitor keeps each registration request, so tests can assert parents,
dependencies and resource options (delete-before-replace, retain-on-delete, secret outputs),
which the plain mocks do not expose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor

from flowforge_infra.config import NAMESPACE, load_settings
from flowforge_infra.platform import PrefectPlatform

GENERATED_PASSWORD = "generated-Password-123"
POOL_ID = "7a1c3e2b-0000-4000-8000-000000000001"


class PlatformMocks(pulumi.runtime.Mocks):
    """Type-specific outputs: what the real providers would report after create."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        outputs = dict(args.inputs)
        if args.typ == "docker:index/remoteImage:RemoteImage":
            outputs["image_id"] = f"sha256:id-of-{args.inputs['name']}"
        elif args.name.endswith("-db-password"):
            outputs["result"] = GENERATED_PASSWORD
        elif args.name.endswith("-work-pool"):
            outputs.update(pool_id=POOL_ID, status="READY", default_queue_id="queue-1")
            return args.inputs["name"], outputs
        return f"{args.name}-id", outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list]:
        return {}, []


@dataclass
class Registration:
    type: str
    parent: str
    dependencies: list[str]
    delete_before_replace: bool
    retain_on_delete: bool
    additional_secret_outputs: list[str]
    inputs: dict[str, Any]
    secret_inputs: set[str]


class RecordingMonitor(MockMonitor):
    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.registrations: dict[str, Registration] = {}

    def resource(self, name: str) -> Registration:
        assert name in self.registrations, f"resource {name!r} was not registered"
        return self.registrations[name]

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        if request.type != "pulumi:pulumi:Stack":
            inputs = rpc.deserialize_properties(request.object, keep_unknowns=True)
            self.registrations[request.name] = Registration(
                type=request.type,
                parent=request.parent,
                dependencies=list(request.dependencies),
                delete_before_replace=request.deleteBeforeReplace,
                retain_on_delete=request.retainOnDelete,
                additional_secret_outputs=list(request.additionalSecretOutputs),
                inputs={key: rpc.unwrap_rpc_secret(value) for key, value in inputs.items()},
                secret_inputs={key for key, value in inputs.items() if rpc.is_rpc_secret(value)},
            )
        return super().RegisterResource(request)


@dataclass
class Deployment:
    """What one mocked ``pulumi up`` of the program produced."""

    platform: PrefectPlatform
    monitor: RecordingMonitor
    outputs: dict[str, Any] = field(default_factory=dict)
    secret_outputs: set[str] = field(default_factory=set)

    @property
    def registrations(self) -> dict[str, Registration]:
        return self.monitor.registrations

    def resource(self, name: str) -> Registration:
        return self.monitor.resource(name)


def set_stack_config(
    config: dict[str, str], secret_keys: tuple[str, ...] = (), *, namespace: str = NAMESPACE
) -> None:
    pulumi.runtime.set_all_config(
        {f"{namespace}:{key}": value for key, value in config.items()},
        [f"{namespace}:{key}" for key in secret_keys],
    )


def deploy(config: dict[str, str] | None = None, secret_keys: tuple[str, ...] = ()) -> Deployment:
    """Run the program with ``config`` under mocks; return what it registered and exported."""
    set_stack_config(config or {}, secret_keys)
    mocks = PlatformMocks()
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project="flowforge-infra", stack="unit", monitor=monitor)
    holder: dict[str, Deployment] = {}

    @pulumi.runtime.test
    def program() -> pulumi.Output[Any]:
        platform = PrefectPlatform("flowforge", load_settings())
        deployment = Deployment(platform, monitor)
        holder["deployment"] = deployment
        names = list(platform.stack_outputs)
        values = [pulumi.Output.from_input(value) for value in platform.stack_outputs.values()]

        async def collect() -> None:
            for name, value in zip(names, values, strict=True):
                deployment.outputs[name] = await value.future()
                if await value.is_secret():
                    deployment.secret_outputs.add(name)

        return pulumi.Output.from_input(collect())

    program()
    return holder["deployment"]
