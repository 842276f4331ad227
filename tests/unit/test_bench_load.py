"""How the write load counts what the server answered, over httpx.MockTransport (no sockets,
no timing asserts), and how the other parts read docker's and the servers' output."""

from __future__ import annotations

import itertools
import json
import threading
import uuid
from pathlib import Path

import httpx
import pytest

from benchmarks.docker_platform import ContainerSpec
from benchmarks.memory import parse_mem_usage
from benchmarks.targets import Endpoint, FileLog, locked_lines
from benchmarks.write_load import burst, sustained

ENDPOINT = Endpoint("http://127.0.0.1:4200/api", "bench:secret")
FLOW_ID = str(uuid.uuid4())


def test_burst_counts_accepted_and_refused_by_status_and_error() -> None:
    answers = itertools.cycle(["201", "503", "503", "ReadError"])
    lock = threading.Lock()
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        with lock:
            seen.append(request)
            answer = next(answers)
        if answer == "ReadError":
            raise httpx.ReadError("connection reset", request=request)
        return httpx.Response(int(answer), json={"id": str(uuid.uuid4())})

    result = burst(ENDPOINT, FLOW_ID, 40, transport=httpx.MockTransport(handler))

    assert (result.requests, result.accepted) == (40, 10)
    assert result.refused == {"503": 20, "ReadError": 10}
    assert result.p50_ms is not None and result.p99_ms is not None
    assert result.p50_ms <= result.p99_ms
    assert {r.url.path for r in seen} == {"/api/flow_runs/"}
    assert {json.loads(r.content)["flow_id"] for r in seen} == {FLOW_ID}
    assert all(r.headers["authorization"].startswith("Basic ") for r in seen)


def test_sustained_takes_each_run_to_completed_and_counts_failures_by_step() -> None:
    """Every third creation is refused, every fourth completion rejected by orchestration."""
    states: dict[str, list[str]] = {}
    lock = threading.Lock()
    creations, completions = itertools.count(1), itertools.count(1)

    def handler(request: httpx.Request) -> httpx.Response:
        with lock:
            if request.url.path == "/api/flow_runs/":
                if next(creations) % 3 == 0:
                    return httpx.Response(503, json={"detail": "busy"})
                run_id = str(uuid.uuid4())
                states[run_id] = ["PENDING"]
                return httpx.Response(201, json={"id": run_id})
            run_id = request.url.path.split("/")[-2]
            wanted = json.loads(request.content)["state"]["type"]
            if wanted == "COMPLETED" and next(completions) % 4 == 0:
                return httpx.Response(200, json={"status": "REJECT"})
            states[run_id].append(wanted)
            return httpx.Response(201, json={"status": "ACCEPT"})

    result = sustained(ENDPOINT, FLOW_ID, 4, 0.3, transport=httpx.MockTransport(handler))

    completed = [run for run in states.values() if run[-1] == "COMPLETED"]
    assert result.completed == len(completed) > 0
    assert all(run == ["PENDING", "RUNNING", "COMPLETED"] for run in completed)
    assert set(result.failed) == {"create: 503", "completed: REJECT"}
    assert result.failed_requests == sum(result.failed.values())
    assert result.runs_per_second == pytest.approx(result.completed / result.seconds, rel=0.01)


def test_sustained_loops_are_bounded_in_count_even_when_every_request_fails() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(503))
    result = sustained(ENDPOINT, FLOW_ID, 2, 1.0, transport=transport)
    assert result.completed == 0
    assert result.failed == {"create: 503": result.failed_requests}
    assert result.failed_requests <= 2 * 50  # MAX_RUNS_PER_WRITER_SECOND for 1 s


def test_locked_lines_are_counted_per_line_in_a_file_window(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    log.write_text("sqlite3.OperationalError: database is locked\n")
    count = FileLog(log).mark()
    with log.open("a") as more:
        more.write("ok\nOperationalError) database is locked\n[SQL: x] database is locked\n")
    assert count() == 2
    assert locked_lines("a database is locked b database is locked\n") == 1


@pytest.mark.parametrize(
    ("text", "mib"),
    [("123.4MiB / 1.944GiB", 123.4), ("1.5GiB / 2GiB", 1536.0), ("512KiB / 1GiB", 0.5),
     ("0B / 0B", 0.0), ("1.048576MB / 1GB", 1.0)],
)  # fmt: skip
def test_docker_stats_memory_values_are_read_in_mib(text: str, mib: float) -> None:
    assert parse_mem_usage(text) == pytest.approx(mib)


def test_unreadable_docker_stats_value_is_an_error() -> None:
    with pytest.raises(ValueError, match="docker stats"):
        parse_mem_usage("-- / --")


def test_container_spec_copies_what_docker_run_needs() -> None:
    spec = ContainerSpec.from_inspect({
        "Config": {
            "Image": "sha256:abc",
            "Cmd": ["prefect", "server", "start"],
            "Env": ["A=1", "URL=postgresql://u:p=w@h/db"],
            "Healthcheck": {"Test": ["CMD", "python", "-c", "print('ok')"],
                            "Interval": 2_000_000_000, "Timeout": 5_000_000_000,
                            "StartPeriod": 60_000_000_000, "Retries": 30},
        },
        "HostConfig": {"RestartPolicy": {"Name": "unless-stopped"},
                       "PortBindings": {"4200/tcp": [{"HostIp": "127.0.0.1", "HostPort": "4200"}]}},
        "Mounts": [{"Type": "volume", "Name": "v", "Destination": "/data"}],
    })  # fmt: skip
    assert spec.env == {"A": "1", "URL": "postgresql://u:p=w@h/db"}
    assert spec.health_test == ["python", "-c", "print('ok')"]
    assert spec.health_flags == [
        "--health-cmd=python -c 'print('\"'\"'ok'\"'\"')'",
        "--health-interval=2000ms", "--health-timeout=5000ms",
        "--health-start-period=60000ms", "--health-retries=30",
    ]  # fmt: skip
    assert (spec.restart, spec.volume_path, spec.port) == ("unless-stopped", "/data", 4200)


def test_container_spec_of_a_shell_healthcheck_and_no_extras() -> None:
    spec = ContainerSpec.from_inspect({
        "Config": {"Image": "i", "Healthcheck": {"Test": ["CMD-SHELL", "pg_isready"]}},
        "HostConfig": {},
    })  # fmt: skip
    assert spec.health_test == ["/bin/sh", "-c", "pg_isready"]
    assert spec.health_flags == ["--health-cmd=pg_isready"]  # docker's defaults for the rest
    assert (spec.command, spec.env, spec.volume_path, spec.port) == ([], {}, None, None)
