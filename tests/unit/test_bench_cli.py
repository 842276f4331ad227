"""The benchmark's arguments: every bad one ends with one line on stderr and status 2,
before anything starts."""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks import BenchError
from benchmarks.__main__ import PARTS, main, parse_counts, parse_options
from benchmarks.targets import Endpoint
from flowforge_infra.throwaway_stack import free_loopback_port

GOOD: dict[str, Any] = {
    "bursts": "40,200", "writers": "16,64", "duration": 20.0, "reps": 3, "max_minutes": 60.0
}


def test_counts_are_parsed_in_order() -> None:
    assert parse_counts("40,200", "--bursts", maximum=1000) == (40, 200)
    assert parse_counts("7", "--writers", maximum=256) == (7,)


@pytest.mark.parametrize("text", ["0", "-1", "40,0", "1001", "x", "40,", ""])
def test_counts_out_of_range_or_malformed_are_refused(text: str) -> None:
    with pytest.raises(BenchError, match="--bursts"):
        parse_counts(text, "--bursts", maximum=1000)


def test_default_parts_depend_on_whether_the_stack_is_known() -> None:
    assert parse_options(only=None, from_stack=True, **GOOD).parts == PARTS
    assert parse_options(only=None, from_stack=False, **GOOD).parts == ("write", "provisioning")


def test_only_keeps_the_run_order_whatever_the_order_asked() -> None:
    options = parse_options(only="provisioning,write, memory", from_stack=True, **GOOD)
    assert options.parts == ("memory", "write", "provisioning")


@pytest.mark.parametrize(
    ("changes", "flag"),
    [
        ({"only": "write,cpu"}, "--only"),
        ({"only": "memory", "from_stack": False}, "--api-url"),
        ({"duration": 0.0}, "--duration"),
        ({"duration": 601.0}, "--duration"),
        ({"reps": 0}, "--reps"),
        ({"max_minutes": 0.5}, "--max-minutes"),
        ({"writers": "16,0"}, "--writers"),
    ],
)
def test_bad_options_name_their_flag(changes: dict[str, object], flag: str) -> None:
    arguments: dict[str, Any] = {"only": None, "from_stack": True, **GOOD, **changes}
    with pytest.raises(BenchError, match=flag):
        parse_options(**arguments)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:4200/api", "http://localhost:4200/api", "http://[::1]:4200/api"]
)
def test_loopback_urls_are_accepted(url: str) -> None:
    assert Endpoint(url).api_url == url


@pytest.mark.parametrize("url", ["http://10.0.0.5:4200/api", "http://example.com/api", "ftp://x"])
def test_other_urls_are_refused(url: str) -> None:
    with pytest.raises(BenchError, match="API URL"):
        Endpoint(url)


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--bursts", "0,40"], "--bursts values must be from 1"),
        (["--writers", "-3"], "--writers values must be from 1"),
        (["--reps", "abc"], "--reps"),
        (["--no-such-flag"], "--no-such-flag"),
        (["--api-url", "http://192.0.2.1:4200/api", "--only", "write"], "loopback"),
    ],
)
def test_bad_arguments_end_with_one_line_and_status_2(
    argv: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: "), err
    assert says in err


def test_an_unreachable_api_url_ends_with_one_line_and_status_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = f"http://127.0.0.1:{free_loopback_port()}/api"  # nobody listens there
    assert main(["--api-url", url, "--only", "write"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: API at {url} is unreachable") and err.count("\n") == 1, err
