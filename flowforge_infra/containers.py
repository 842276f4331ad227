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


def healthcheck(
    *command: str, interval: str = "2s", start_period: str = "30s", retries: int = 30
) -> docker.ContainerHealthcheckArgs:
    """An exec-form healthcheck; a short interval so ``wait`` returns soon after readiness."""
    return docker.ContainerHealthcheckArgs(
        tests=["CMD", *command],
        interval=interval,
        timeout="5s",
        start_period=start_period,
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
