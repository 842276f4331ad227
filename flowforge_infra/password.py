"""A database password generated once and kept, as a secret, in the stack's state.

Used when ``dbPassword`` is not configured. A tiny dynamic resource stands in for the
``random`` provider, which this project does not depend on: the value is made in ``create``
and then only read back, so it stays the same across every ``pulumi up``.
"""

from __future__ import annotations

import secrets
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, Resource, ResourceProvider

__all__ = ["GeneratedPassword"]


class _PasswordProvider(ResourceProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        length = int(props["length"])
        return CreateResult(
            id_=secrets.token_hex(8),
            outs={"length": length, "result": secrets.token_urlsafe(length)[:length]},
        )

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = int(olds["length"]) != int(news["length"])
        return DiffResult(changes=changed, replaces=["length"] if changed else [])


class GeneratedPassword(Resource):
    """A random URL-safe password of ``length`` characters; ``result`` is a secret output."""

    result: pulumi.Output[str]

    def __init__(
        self, name: str, *, length: int = 32, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        secret_opts = pulumi.ResourceOptions(additional_secret_outputs=["result"])
        super().__init__(
            _PasswordProvider(),
            name,
            {"length": length, "result": None},
            pulumi.ResourceOptions.merge(opts, secret_opts),
        )
