"""Rendering of the report: the comparison rows, the Markdown sections and the files."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.memory import MemoryResult
from benchmarks.provisioning import FLOOR, OpProfile, ProvisioningResult, Step
from benchmarks.report import Results, render_markdown, write_files, write_rows
from benchmarks.server_settings import VARIANTS, VariantFigures
from benchmarks.write_load import BurstResult, ServerFigures, SustainedResult

ENVIRONMENT = {"date": "2026-12-03 17:00 UTC", "cores": "2", "memory": "23.5 GiB",
               "prefect (benchmark venv)": "3.9.1", "pulumi CLI": "v3.274.0"}  # fmt: skip


def sustained(
    k: int, completed: int, failed: dict[str, int], locked: int | None
) -> SustainedResult:
    return SustainedResult(
        writers=k, seconds=20.0, completed=completed, runs_per_second=completed / 20,
        failed=failed, p50_ms=100.0, p99_ms=400.0, locked_log_lines=locked,
    )  # fmt: skip


def stack_figures() -> ServerFigures:
    return ServerFigures(
        "stack", "http://localhost:4200/api", "3.9.1",
        [BurstResult(40, 40, {}, 150.0, 900.0, 0)],
        [sustained(16, 220, {}, 0)],
    )  # fmt: skip


def sqlite_figures() -> ServerFigures:
    return ServerFigures(
        "SQLite default", "http://127.0.0.1:40001/api", "3.9.1",
        [BurstResult(40, 2, {"503": 38}, 50.0, 1500.0, 12)],
        [sustained(16, 23, {"create: 503": 1800, "running: 503": 29}, 300)],
    )  # fmt: skip


def results(**parts: object) -> Results:
    return Results(environment=ENVIRONMENT, options={"duration": "20"}, **parts)  # type: ignore[arg-type]


def test_rows_compare_each_figure_with_its_ratio() -> None:
    rows = {row[0]: row[1:] for row in write_rows(stack_figures(), sqlite_figures())}
    assert rows["burst 40: accepted"] == ("40 / 40", "2 / 40", "20.00×")
    assert rows["burst 40: refused"] == ("none", "503 × 38", "")
    assert rows["burst 40: latency p99 ms"] == ("900", "1,500", "0.60×")
    assert rows["16 writers: completed runs/s"] == ("11.0", "1.1", "9.57×")
    assert rows["16 writers: failed requests"] == ("0", "1,829", "0.00×")
    assert rows["16 writers: failed by kind"][1] == "create: 503 × 1,800, running: 503 × 29"
    assert rows["16 writers: 'database is locked' log lines"] == ("0", "300", "0.00×")


def test_a_zero_denominator_or_an_invisible_log_gives_no_ratio() -> None:
    stack, sqlite = stack_figures(), sqlite_figures()
    stack.sustained[0] = sustained(16, 220, {}, None)
    sqlite.bursts[0] = BurstResult(40, 0, {"503": 40}, 50.0, 60.0, 0)
    rows = {row[0]: row[1:] for row in write_rows(stack, sqlite)}
    assert rows["burst 40: accepted"][2] == "—"
    assert rows["burst 40: 'database is locked' log lines"][2] == "—"
    assert rows["16 writers: 'database is locked' log lines"] == ("not visible", "300", "—")


def test_only_figures_both_servers_have_are_compared() -> None:
    stack = stack_figures()
    stack.bursts.append(BurstResult(200, 200, {}, 1.0, 2.0, 0))
    assert not any(row[0].startswith("burst 200") for row in write_rows(stack, sqlite_figures()))


def provisioning() -> ProvisioningResult:
    profile = OpProfile(
        started_at=0.0, total_s=30.0, prelude_s=1.5,
        steps=[Step("flowforge-network (Network)", "create", 4.0, 4.5),
               Step("flowforge-server-container (Container)", "create", 9.0, 27.0)],
        marks={"server answers /api/ready": 25.1},
    )  # fmt: skip
    seconds = {"cold up": [31.0, 30.0, 29.0], "no-op up": [6.0, 6.5, 6.2],
               "preview": [5.0, 5.1, 5.2], "destroy": [9.0, 9.5, 9.1],
               FLOOR: [12.0, 12.5, 11.5]}  # fmt: skip
    return ProvisioningResult(
        seconds, {"postgres ready": 1.8, "server ready": 11.6, "pool created": 12.0},
        {"cold up": profile,
         "no-op up": OpProfile(total_s=6.0, prelude_s=1.0, steps=[
             Step("flowforge-server-container (Container)", "update", 4.0, 4.2, ["healthcheck"])])},
    )  # fmt: skip


def test_markdown_states_the_machine_and_every_measured_part() -> None:
    memory = MemoryResult({"pg": 30.0, "server": 250.0}, {"pg": 60.0, "server": 300.0}, 9,
                          sustained(16, 220, {}, None))  # fmt: skip
    settings = [VariantFigures(VARIANTS[0], 12.0, stack_figures())]
    text = render_markdown(results(
        write=[stack_figures(), sqlite_figures()], memory=memory, settings=settings,
        provisioning=provisioning(), problems={"write": "the time budget ran out"},
    ))  # fmt: skip
    assert "- cores: 2\n" in text and "- pulumi CLI: v3.274.0\n" in text and "2026-12-03" in text
    for heading in ("## Write concurrency", "## Memory", "## Server settings",
                    "## Provisioning", "## Problems"):  # fmt: skip
        assert heading in text
    assert "| cold up | 30.0 | 31.0, 30.0, 29.0 | 2.50× |" in text
    assert "| no-op up | 6.2 | 6.0, 6.5, 6.2 |  |" in text
    assert "| 1.5 | 4.0 | program and plugins start (until the first step) |" in text
    assert "| 9.0 | 27.0 | create flowforge-server-container (Container) |" in text
    assert "| 25.1 |  | server answers /api/ready |" in text
    assert "update flowforge-server-container (Container) (changes healthcheck) |" in text
    assert "| server | 250 | 300 |" in text
    assert "| as provisioned | 12.0 | 40 / 40 | 11.0 (0) | 400 |" in text
    assert "- write: the time budget ran out" in text
    assert "- target, every burst fully accepted: met (40/40)" in text
    assert "- target, no failed request: met (16 writers: 0)" in text


def test_files_are_written_json_complete_and_png_valid(tmp_path: Path) -> None:
    paths = write_files(
        results(write=[stack_figures(), sqlite_figures()], provisioning=provisioning(),
                settings=[VariantFigures(v, 12.0, stack_figures()) for v in VARIANTS]),
        tmp_path / "results",
    )  # fmt: skip
    assert [path.suffix for path in paths] == [".json", ".md", ".png"]
    data = json.loads(paths[0].read_text())
    assert data["write"][1]["bursts"][0]["refused"] == {"503": 38}
    assert data["provisioning"]["seconds"]["cold up"] == [31.0, 30.0, 29.0]
    assert paths[2].read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_nothing_measured_gives_no_chart(tmp_path: Path) -> None:
    paths = write_files(results(problems={"write": "x"}), tmp_path)
    assert [path.suffix for path in paths] == [".json", ".md"]
