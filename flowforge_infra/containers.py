"""What every long-running container of the platform has in common.

Fixed container names mean a replacement must delete the old container before creating the new
one (Pulumi's default order, create then delete, would collide on the name); every service
restarts unless stopped, joins the platform network under a stable alias, and is only reported
created once its healthcheck passes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_docker as docker

__all__ = ["healthcheck", "local_image", "service_container"]


def local_image(name: str, ref: str, *, parent: pulumi.Resource) -> docker.RemoteImage:
    """The image ``ref``, pulled if missing and kept on destroy (other stacks may use it)."""
    return docker.RemoteImage(
        name, name=ref, keep_locally=True, opts=pulumi.ResourceOptions(parent=parent)
    )


def _go_duration(seconds: int) -> str:
    """Seconds as Go's time.Duration prints them ("2s", "1m0s"): the provider reads durations
    back in that form, so any other spelling would show as a change on every preview."""
    minutes, rest = divmod(seconds, 60)
    return f"{minutes}m{rest}s" if minutes else f"{rest}s"


def healthcheck(
    *command: str, interval: int = 2, start_period: int = 30, retries: int = 30
) -> docker.ContainerHealthcheckArgs:
    """An exec-form healthcheck (times in seconds); a short interval so ``wait`` returns soon
    after readiness."""
    return docker.ContainerHealthcheckArgs(
        tests=["CMD", *command],
        interval=_go_duration(interval),
        timeout=_go_duration(5),
        start_period=_go_duration(start_period),
        retries=retries,
    )


def service_container(
    name: str,
    *,
    container_name: str,
    image: docker.RemoteImage,
    network: docker.Network,
    alias: str,
    envs: pulumi.Input[Sequence[pulumi.Input[str]]],
    wait_timeout: int,
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource] = (),
    **container_args: Any,
) -> docker.Container:
    """A named, self-healing container on the platform network, created once it is healthy."""
    return docker.Container(
        name,
        name=container_name,
        image=image.image_id,
        envs=envs,
        networks_advanced=[
            docker.ContainerNetworksAdvancedArgs(name=network.name, aliases=[alias])
        ],
        restart="unless-stopped",
        wait=True,
        wait_timeout=wait_timeout,
        **container_args,
        opts=pulumi.ResourceOptions(
            parent=parent, depends_on=list(depends_on), delete_before_replace=True
        ),
    )
