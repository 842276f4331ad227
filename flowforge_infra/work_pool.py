"""A Prefect work pool as a Pulumi dynamic resource.

``WorkPoolProvider`` maps Pulumi's lifecycle calls onto ``prefect_api``; it does no HTTP of its
own and keeps no client or credential: Pulumi pickles the provider object into the state (with
dill) and runs it in a separate process, so everything a call needs comes from its properties,
and a client is opened and closed within each call.

The resource ID is the pool's name: names are unique per server and survive a move to another
URL, where the server's UUID (output ``pool_id``) may differ.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi.dynamic as dyn
from prefect.workers.base import BaseWorker
from pulumi.runtime.rpc import UNKNOWN

from flowforge_infra import prefect_api
from flowforge_infra.pool_names import MAX_CONCURRENCY_LIMIT, pool_name_problem
from flowforge_infra.prefect_api import (
    ApiTimeout,
    Conflict,
    NotFound,
    PrefectApiError,
    PrefectClient,
    ServerUnavailable,
    WorkPoolCreate,
    WorkPoolUpdate,
)

__all__ = [
    "PoolTypeMismatch",
    "WorkPool",
    "WorkPoolArgs",
    "WorkPoolProvider",
    "default_base_job_template",
]

DEFAULT_READY_TIMEOUT_SECONDS = 120.0
# Names are unique per server, so a replacement must delete the old pool first.
_REPLACE_ON = ("name", "type")
# Input -> the output (server field) it sets: diff compares desired inputs with what was read.
_UPDATE_IN_PLACE = {
    "description": "description",
    "paused": "is_paused",
    "concurrency_limit": "concurrency_limit",
    "base_job_template": "base_job_template",
}
# Where and how to reach the pool, not what it is: a change is an update that re-reads the pool
# there (and records the new values for read/delete), never a replacement.
_CONNECTION = ("api_url", "auth_string", "ready_timeout_seconds")

ClientFactory = Callable[..., PrefectClient]


class PoolTypeMismatch(Exception):
    """Raised when a pool to adopt exists with another worker type (which cannot be patched)."""


def default_base_job_template(worker_type: str) -> dict[str, Any] | None:
    """The template ``prefect work-pool create --type <worker_type>`` stores, or None if the
    installed prefect has no worker of that type.

    Prefect's CLI (prefect/workers/utilities.py:
    get_default_base_job_template_for_infrastructure_type) asks the worker class, falling back
    to the online collection registry; we stop at the worker class, so the result comes from
    the pinned package alone and needs no network.
    """
    worker = BaseWorker.get_worker_class_from_type(worker_type)
    return None if worker is None else copy.deepcopy(worker.get_default_base_job_template())


class WorkPoolProvider(dyn.ResourceProvider):
    """Lifecycle of one work pool; see the module docstring for what it must not hold.

    ``client_factory`` is called as ``client_factory(api_url, auth_string=...)`` for each call;
    tests pass one that builds clients over ``httpx.MockTransport``.
    """

    def __init__(self, *, client_factory: ClientFactory = PrefectClient) -> None:
        super().__init__()
        self._client_factory = client_factory

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> dyn.CheckResult:
        """Validate inputs before any request; values not yet known (preview) pass unchecked."""
        inputs = dict(news)
        failures = [dyn.CheckFailure(prop, reason) for prop, reason in _input_problems(inputs)]
        if not failures and inputs.get("base_job_template") is None and _known(inputs.get("type")):
            template = default_base_job_template(inputs["type"])
            if template is None:
                failures.append(
                    dyn.CheckFailure(
                        "base_job_template",
                        f"the installed prefect has no {inputs['type']!r} worker to take a "
                        "default template from; pass base_job_template explicitly",
                    )
                )
            # Resolved here so diff compares the template the pool will really get.
            inputs["base_job_template"] = template
        if _non_negative_integer(inputs.get("concurrency_limit")):
            inputs["concurrency_limit"] = int(inputs["concurrency_limit"])  # the wire sends 3.0
        return dyn.CheckResult(inputs, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.DiffResult:
        """Compare desired inputs with the last outputs read from the server, as data."""
        replaces = [key for key in _REPLACE_ON if _differs(olds.get(key), news.get(key))]
        same_name = {key: key for key in _CONNECTION}
        changed = [
            key
            for key, out in (_UPDATE_IN_PLACE | same_name).items()
            if _differs(olds.get(out), news.get(key))
        ]
        return dyn.DiffResult(
            changes=bool(replaces or changed),
            replaces=replaces,
            delete_before_replace=bool(replaces),
        )

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        """Create the pool once the server is ready; adopt it if it already exists."""
        name = props["name"]
        with self._client(props) as client:
            client.wait_until_ready(timeout=_ready_timeout(props))
            try:
                pool = client.create_work_pool(_create_body(props))
            except Conflict:
                existing = client.read_work_pool(name)
                if existing.type != props["type"]:
                    raise PoolTypeMismatch(
                        f"work pool {name!r} already exists at {props['api_url']} with type "
                        f"{existing.type!r}, not {props['type']!r}; delete it or pick another name"
                    ) from None
                # Runs in the provider process, where this goes to stderr, shown by the CLI.
                pulumi.log.info(
                    f"work pool {name!r} already existed at {props['api_url']}: adopted it "
                    "and set it to the desired values"
                )
                client.update_work_pool(name, _update_body(props))
                pool = client.read_work_pool(name)
        return dyn.CreateResult(pool.name, _outputs(pool, props))

    def read(self, id_: str, props: dict[str, Any]) -> dyn.ReadResult:
        """Refresh from the server; a pool deleted outside Pulumi leaves the state (empty ID).

        A server that does not answer keeps the last known state, with a warning: Pulumi
        refreshes every resource before it plans, so failing here would stop the very
        ``pulumi up --refresh`` that restarts a stopped server container."""
        with self._client(props) as client:
            try:
                pool = client.read_work_pool(id_)
            except NotFound:
                return dyn.ReadResult("", {})
            except (ServerUnavailable, ApiTimeout) as exc:
                pulumi.log.warn(f"work pool {id_!r} not refreshed, kept as last seen: {exc}")
                return dyn.ReadResult(id_, props)
        return dyn.ReadResult(pool.name, _outputs(pool, props))

    def update(self, id_: str, _olds: dict[str, Any], news: dict[str, Any]) -> dyn.UpdateResult:
        """Patch the pool at the (possibly new) URL, creating it there if missing; the old URL
        is never called. Returns what the server holds afterwards."""
        with self._client(news) as client:
            client.wait_until_ready(timeout=_ready_timeout(news))
            try:
                client.update_work_pool(id_, _update_body(news))
            except NotFound:
                client.create_work_pool(_create_body(news))
            pool = client.read_work_pool(id_)
        return dyn.UpdateResult(_outputs(pool, news))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Delete the pool; one that is already gone counts as deleted.

        A server that does not answer (its container stopped, say) cannot delete anything: the
        pool leaves the state with a warning instead of blocking ``pulumi destroy``. It lives in
        the server's database, so it goes with that database, or, on a kept one, the next
        ``create`` adopts it."""
        with self._client(props) as client:
            try:
                client.delete_work_pool(id_)
            except NotFound:
                pass
            except (ServerUnavailable, ApiTimeout) as exc:
                pulumi.log.warn(f"work pool {id_!r} not deleted on the server: {exc}")

    @contextlib.contextmanager
    def _client(self, props: Mapping[str, Any]) -> Iterator[PrefectClient]:
        """A client for one call. An API error leaves it without its chain of causes: Pulumi
        prints a dynamic provider's whole traceback, and the chain would bury the one line
        that says what failed where."""
        with self._client_factory(props["api_url"], auth_string=props.get("auth_string")) as client:
            try:
                yield client
            except PrefectApiError as exc:
                raise exc.with_traceback(None) from None


@dataclass(frozen=True, kw_only=True)
class WorkPoolArgs:
    """Desired state of a work pool. ``api_url`` says where it lives (e.g.
    ``http://127.0.0.1:4200/api``); ``base_job_template=None`` means the worker type's default
    from the installed prefect; ``auth_string`` is the server's ``user:password``, kept secret."""

    api_url: pulumi.Input[str]
    name: pulumi.Input[str]
    type: pulumi.Input[str] = "process"
    description: pulumi.Input[str] | None = None
    concurrency_limit: pulumi.Input[int] | None = None
    paused: pulumi.Input[bool] = False
    base_job_template: pulumi.Input[Mapping[str, Any]] | None = None
    auth_string: pulumi.Input[str] | None = None
    ready_timeout_seconds: pulumi.Input[float] = DEFAULT_READY_TIMEOUT_SECONDS


class WorkPool(dyn.Resource):
    """A Prefect work pool on the server at ``args.api_url``."""

    pool_id: pulumi.Output[str]
    name: pulumi.Output[str]
    type: pulumi.Output[str]
    description: pulumi.Output[str | None]
    is_paused: pulumi.Output[bool]
    concurrency_limit: pulumi.Output[int | None]
    default_queue_id: pulumi.Output[str]
    status: pulumi.Output[str | None]
    base_job_template: pulumi.Output[dict[str, Any]]
    api_url: pulumi.Output[str]
    auth_string: pulumi.Output[str | None]
    ready_timeout_seconds: pulumi.Output[float]

    def __init__(
        self,
        resource_name: str,
        args: WorkPoolArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        auth_string = None if args.auth_string is None else pulumi.Output.secret(args.auth_string)
        props: dict[str, Any] = {
            "api_url": args.api_url,
            "name": args.name,
            "type": args.type,
            "description": args.description,
            "paused": args.paused,
            "concurrency_limit": args.concurrency_limit,
            "base_job_template": args.base_job_template,
            "auth_string": auth_string,
            "ready_timeout_seconds": args.ready_timeout_seconds,
            # Outputs only the server knows; listed so they become attributes.
            "pool_id": None,
            "is_paused": None,
            "default_queue_id": None,
            "status": None,
        }
        secret = pulumi.ResourceOptions(additional_secret_outputs=["auth_string"])
        super().__init__(
            WorkPoolProvider(), resource_name, props, pulumi.ResourceOptions.merge(opts, secret)
        )


def _input_problems(props: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(property, reason) for each known input the server would refuse or we cannot use."""
    problems: list[tuple[str, str]] = []

    def known(key: str) -> bool:
        return _known(props.get(key))

    api_url = props.get("api_url")
    if known("api_url") and not (
        isinstance(api_url, str) and api_url.startswith(("http://", "https://"))
    ):
        problems.append(
            ("api_url", f"must be an http(s) URL like http://127.0.0.1:4200/api, got {api_url!r}")
        )
    if known("name"):
        # The server's name rules, each cited to Prefect 3.9.1's source, live in pool_names.
        problem = pool_name_problem(props.get("name"))
        if problem:
            problems.append(("name", f"work pool name {props.get('name')!r} {problem}"))
    worker_type = props.get("type")
    if known("type") and not (
        isinstance(worker_type, str) and worker_type and worker_type == worker_type.strip()
    ):
        problems.append(("type", f"must be a worker type such as 'process', got {worker_type!r}"))
    description = props.get("description")
    if known("description") and not (description is None or isinstance(description, str)):
        problems.append(("description", f"must be text or unset, got {description!r}"))
    if known("paused") and not isinstance(props.get("paused"), bool):
        problems.append(("paused", f"must be true or false, got {props.get('paused')!r}"))
    limit = props.get("concurrency_limit")
    if known("concurrency_limit") and limit is not None and not _non_negative_integer(limit):
        problems.append(
            (
                "concurrency_limit",
                f"must be an integer from 0 to {MAX_CONCURRENCY_LIMIT} or unset, got {limit!r}",
            )
        )
    template = props.get("base_job_template")
    if known("base_job_template") and not (template is None or isinstance(template, Mapping)):
        problems.append(
            ("base_job_template", "must be a mapping (the pool's JSON template) or unset")
        )
    auth = props.get("auth_string")
    if known("auth_string") and not (auth is None or (isinstance(auth, str) and auth)):
        problems.append(("auth_string", "must be a non-empty 'user:password' string or unset"))
    timeout = props.get("ready_timeout_seconds", DEFAULT_READY_TIMEOUT_SECONDS)
    if known("ready_timeout_seconds") and not (
        isinstance(timeout, int | float) and not isinstance(timeout, bool) and timeout > 0
    ):
        problems.append(("ready_timeout_seconds", f"must be a number > 0, got {timeout!r}"))
    return problems


def _non_negative_integer(value: object) -> bool:
    # Pulumi's wire format carries numbers as floats: 3.0 is the integer 3.
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return float(value).is_integer() and 0 <= value <= MAX_CONCURRENCY_LIMIT


def _known(value: object) -> bool:
    """False if the value is, or contains, an output Pulumi cannot know yet (during preview)."""
    if isinstance(value, str):
        return value != UNKNOWN
    if isinstance(value, Mapping):
        return all(_known(item) for item in value.values())
    if isinstance(value, list | tuple):
        return all(_known(item) for item in value)
    return True


def _differs(old: object, new: object) -> bool:
    return not _known(new) or old != new


def _ready_timeout(props: Mapping[str, Any]) -> float:
    return float(props.get("ready_timeout_seconds") or DEFAULT_READY_TIMEOUT_SECONDS)


def _template(props: Mapping[str, Any]) -> dict[str, Any]:
    """The desired template; check resolves a missing one, this covers direct callers."""
    template = props.get("base_job_template")
    if template is None:
        template = default_base_job_template(props["type"])
    if template is None:
        raise ValueError(f"no default base job template for worker type {props['type']!r}")
    return dict(template)


def _create_body(props: Mapping[str, Any]) -> WorkPoolCreate:
    return WorkPoolCreate(
        name=props["name"],
        type=props["type"],
        description=props.get("description"),
        is_paused=bool(props.get("paused", False)),
        concurrency_limit=props.get("concurrency_limit"),
        base_job_template=_template(props),
    )


def _update_body(props: Mapping[str, Any]) -> WorkPoolUpdate:
    # Every field set explicitly, so None is sent and clears e.g. a concurrency limit.
    return WorkPoolUpdate(
        description=props.get("description"),
        is_paused=bool(props.get("paused", False)),
        concurrency_limit=props.get("concurrency_limit"),
        base_job_template=_template(props),
    )


def _outputs(pool: prefect_api.WorkPool, props: Mapping[str, Any]) -> dict[str, Any]:
    """The one mapping from the server's answer to state, plus what read/delete need."""
    return {
        "pool_id": str(pool.id),
        "name": pool.name,
        "type": pool.type,
        "description": pool.description,
        "is_paused": pool.is_paused,
        "concurrency_limit": pool.concurrency_limit,
        "default_queue_id": str(pool.default_queue_id),
        "status": None if pool.status is None else pool.status.value,
        "base_job_template": pool.base_job_template,
        "api_url": props["api_url"],
        "auth_string": props.get("auth_string"),
        "ready_timeout_seconds": _ready_timeout(props),
    }
