"""The results of one run, written as JSON (everything), Markdown (the tables) and a PNG chart.

Rendering is pure: it reads a ``Results`` and measures nothing, so it is tested on its own.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks.memory import MemoryResult
from benchmarks.provisioning import FLOOR, OPERATIONS, OpProfile, ProvisioningResult
from benchmarks.server_settings import VariantFigures
from benchmarks.stats import ratio
from benchmarks.write_load import BurstResult, ServerFigures, SustainedResult

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["Results", "render_chart", "render_markdown", "write_rows", "write_files"]

Row = tuple[str, str, str, str]


@dataclass
class Results:
    """Everything one run measured; a part that did not run is empty, one that failed has
    its one-line error in ``problems``."""

    environment: dict[str, str]
    options: dict[str, Any]
    write: list[ServerFigures] = field(default_factory=list)  # the stack first, then SQLite
    memory: MemoryResult | None = None
    settings: list[VariantFigures] = field(default_factory=list)
    provisioning: ProvisioningResult | None = None
    problems: dict[str, str] = field(default_factory=dict)


def write_files(results: Results, folder: Path) -> list[Path]:
    """``bench-<time>.json``, ``.md`` and (if anything was measured) ``.png`` in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    base = folder / f"bench-{datetime.now().strftime('%Y%m%d-%H%M%S')}"
    paths = [base.with_suffix(".json"), base.with_suffix(".md")]
    paths[0].write_text(json.dumps(asdict(results), indent=2, default=str) + "\n")
    paths[1].write_text(render_markdown(results))
    if results.write or results.settings or results.provisioning:
        paths.append(base.with_suffix(".png"))
        render_chart(results, paths[2])
    return paths


# --- formatting ---------------------------------------------------------------------------


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def _times(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}×"


def _kinds(counts: dict[str, int]) -> str:
    return ", ".join(f"{kind} × {count:,}" for kind, count in counts.items()) or "none"


def _locked(value: int | None) -> str:
    return "not visible" if value is None else f"{value:,}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str) -> list[str]:
    """A Markdown table; ``align`` has one letter per column, l or r."""
    marks = ["---" if a == "l" else "--:" for a in align]
    return [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join(marks) + " |",
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


# --- write concurrency --------------------------------------------------------------------


def _burst_rows(n: int, a: BurstResult, b: BurstResult) -> list[Row]:
    def row(figure: str, x: float | None, y: float | None, text: Any = _ms) -> Row:
        return (f"burst {n}: {figure}", text(x), text(y), _times(ratio(x, y)))

    return [
        (f"burst {n}: accepted", f"{a.accepted} / {n}", f"{b.accepted} / {n}",
         _times(ratio(a.accepted, b.accepted))),
        (f"burst {n}: refused", _kinds(a.refused), _kinds(b.refused), ""),
        row("latency p50 ms", a.p50_ms, b.p50_ms),
        row("latency p99 ms", a.p99_ms, b.p99_ms),
        (f"burst {n}: 'database is locked' log lines", _locked(a.locked_log_lines),
         _locked(b.locked_log_lines), _times(ratio(a.locked_log_lines, b.locked_log_lines))),
    ]  # fmt: skip


def _sustained_rows(a: SustainedResult, b: SustainedResult) -> list[Row]:
    k = a.writers

    def row(figure: str, x: float | None, y: float | None, text: Any = _ms) -> Row:
        return (f"{k} writers: {figure}", text(x), text(y), _times(ratio(x, y)))

    return [
        row("completed runs/s", a.runs_per_second, b.runs_per_second, lambda v: f"{v:.1f}"),
        row("completed runs", a.completed, b.completed, lambda v: f"{v:,}"),
        row("failed requests", a.failed_requests, b.failed_requests, lambda v: f"{v:,}"),
        (f"{k} writers: failed by kind", _kinds(a.failed), _kinds(b.failed), ""),
        row("p50 ms per run", a.p50_ms, b.p50_ms),
        row("p99 ms per run", a.p99_ms, b.p99_ms),
        row("'database is locked' log lines", a.locked_log_lines, b.locked_log_lines, _locked),
    ]


def write_rows(a: ServerFigures, b: ServerFigures) -> list[Row]:
    """(figure, a's value, b's value, a / b) for every figure both servers have."""
    rows: list[Row] = []
    b_bursts = {burst.requests: burst for burst in b.bursts}
    for burst in a.bursts:
        if burst.requests in b_bursts:
            rows += _burst_rows(burst.requests, burst, b_bursts[burst.requests])
    b_sustained = {load.writers: load for load in b.sustained}
    for load in a.sustained:
        if load.writers in b_sustained:
            rows += _sustained_rows(load, b_sustained[load.writers])
    return rows


def _write_section(results: Results, seconds: Any) -> list[str]:
    stack = results.write[0]
    lines = ["## Write concurrency", "", *_target_lines(stack)]
    if len(results.write) < 2:
        return [*lines, "The SQLite server was not measured; the figures are in the JSON file.", ""]
    sqlite = results.write[1]
    header = ["figure", stack.label, sqlite.label, f"{stack.label} / {sqlite.label}"]
    return [
        *lines,
        f"The stack's server ({stack.api_url}, Prefect {stack.prefect_version}) against Prefect's "
        f"default SQLite server (`prefect server start`, Prefect {sqlite.prefect_version}) on "
        f"the same machine in the same run. Sustained load: each writer loops create → RUNNING "
        f"→ COMPLETED for {seconds} s without backing off. Burst latency is that of every "
        f"request, answered or refused.",
        "",
        *_table(header, write_rows(stack, sqlite), "lrrr"),
        "",
    ]


def _target_lines(stack: ServerFigures) -> list[str]:
    """The issue's targets for the stack: every burst accepted, no failed request."""
    bursts = ", ".join(f"{b.accepted}/{b.requests}" for b in stack.bursts)
    failed = ", ".join(f"{k.writers} writers: {k.failed_requests:,}" for k in stack.sustained)
    all_accepted = all(b.accepted == b.requests for b in stack.bursts)
    none_failed = all(load.failed_requests == 0 for load in stack.sustained)
    return [
        f"- target, every burst fully accepted: {'met' if all_accepted else 'MISSED'} ({bursts})",
        f"- target, no failed request: {'met' if none_failed else 'MISSED'} ({failed})",
        "",
    ]


# --- memory, settings, provisioning -------------------------------------------------------


def _memory_section(memory: MemoryResult) -> list[str]:
    rows = [
        [name, f"{memory.idle_peak_mib[name]:,.0f}", f"{memory.load_peak_mib[name]:,.0f}"]
        for name in memory.idle_peak_mib
    ]
    load = memory.load
    return [
        "## Memory",
        "",
        f"Peak of `docker stats --no-stream` MEM USAGE: idle, and over {memory.load_samples} "
        f"samples while {load.writers} writers ran for {load.seconds:.0f} s "
        f"({load.runs_per_second:.1f} runs/s, {load.failed_requests:,} failed requests).",
        "",
        *_table(["container", "idle MiB", f"under {load.writers} writers MiB"], rows, "lrr"),
        "",
    ]


def _settings_section(settings: list[VariantFigures]) -> list[str]:
    first = settings[0].figures
    header = ["variant", "ready s"]
    header += [f"burst {burst.requests} accepted" for burst in first.bursts]
    header += [f"{load.writers} writers runs/s (failed)" for load in first.sustained]
    header += [f"{load.writers} writers p99 ms" for load in first.sustained]
    rows = []
    for result in settings:
        figures = result.figures
        row = [result.variant.name, f"{result.ready_s:.1f}"]
        row += [f"{burst.accepted} / {burst.requests}" for burst in figures.bursts]
        row += [
            f"{load.runs_per_second:.1f} ({load.failed_requests:,})" for load in figures.sustained
        ]
        row += [_ms(load.p99_ms) for load in figures.sustained]
        rows.append(row)
    return [
        "## Server settings",
        "",
        "Copies of the stack's containers with settings on top, under the same load "
        "(see `benchmarks/server_settings.py` for what each setting does).",
        "",
        *_table(header, rows, "l" + "r" * (len(header) - 1)),
        "",
    ]


def _profile_table(title: str, profile: OpProfile) -> list[str]:
    prelude = profile.prelude_s or 0.0
    first_step = min((step.start_s for step in profile.steps), default=prelude)
    rows = [
        ["0.0", f"{prelude:.1f}", "pulumi CLI and engine start (until the first engine event)"],
        [f"{prelude:.1f}", f"{first_step:.1f}", "program and plugins start (until the first step)"],
    ]
    rows += [
        [f"{step.start_s:.1f}", "—" if step.end_s is None else f"{step.end_s:.1f}",
         f"{step.op} {step.resource}" + (f" (changes {', '.join(step.changed)})"
                                         if step.changed else "")]
        for step in profile.steps
    ]  # fmt: skip
    rows += [[f"{at:.1f}", "", mark] for mark, at in profile.marks.items()]
    last_end = max((step.end_s or 0 for step in profile.steps), default=profile.prelude_s or 0)
    rows.append([f"{last_end:.1f}", f"{profile.total_s:.1f}", "engine wrap-up, CLI exit"])
    rows.sort(key=lambda row: float(row[0]))
    return [f"### {title}", "", *_table(["from s", "to s", "what"], rows, "rrl"), ""]


def _provisioning_section(result: ProvisioningResult) -> list[str]:
    floor = result.median_s(FLOOR)
    # Only a cold up and the floor go from nothing to a registered pool.
    rows = [
        [op, f"{result.median_s(op) or 0:.1f}", ", ".join(f"{s:.1f}" for s in result.seconds[op]),
         _times(ratio(result.median_s(op), floor)) if op in ("cold up", FLOOR) else ""]
        for op in (*OPERATIONS, FLOOR)
        if result.seconds.get(op)
    ]  # fmt: skip
    phases = ", ".join(f"{name} at {at:.1f} s" for name, at in result.floor_phases.items())
    lines = [
        "## Provisioning",
        "",
        "A throwaway stack; cold = empty data volume until the work pool is registered. The "
        "floor starts the same containers with `docker run` (copied with `docker inspect`) "
        f"until /api/ready answers and the pool is created over REST ({phases}).",
        "",
        *_table(["operation", "median s", "each repetition s", "× floor"], rows, "lrrr"),
        "",
        "Engine events are stamped on arrival (the Automation API reads them every 0.1 s); "
        "steps are in seconds from the call.",
        "",
    ]
    for op in ("cold up", "no-op up"):
        if op in result.profiles:
            lines += _profile_table(f"Where the seconds go: {op}", result.profiles[op])
    return lines


def render_markdown(results: Results) -> str:
    env = results.environment
    options = " ".join(f"--{key} {value}" for key, value in results.options.items())
    lines = [
        f"# FlowForge benchmark, {env.get('date', '')}",
        "",
        *(f"- {key}: {value}" for key, value in env.items() if key != "date"),
        f"- options: `{options}`",
        "",
    ]
    if results.write:
        lines += _write_section(results, results.options.get("duration"))
    if results.memory:
        lines += _memory_section(results.memory)
    if results.settings:
        lines += _settings_section(results.settings)
    if results.provisioning:
        lines += _provisioning_section(results.provisioning)
    if results.problems:
        lines += ["## Problems", ""]
        lines += [f"- {part}: {message}" for part, message in results.problems.items()]
        lines.append("")
    return "\n".join(lines)


# --- chart --------------------------------------------------------------------------------


def _grouped_bars(
    axes: Axes, groups: Sequence[str], series: dict[str, Sequence[float]], ylabel: str
) -> None:
    width = 0.8 / max(len(series), 1)
    for index, (name, values) in enumerate(series.items()):
        positions = [g + (index - (len(series) - 1) / 2) * width for g in range(len(groups))]
        bars = axes.bar(positions, values, width, label=name)
        axes.bar_label(bars, fmt="%.3g", fontsize=7)
    axes.set_xticks(range(len(groups)), groups)
    axes.set_ylabel(ylabel)
    axes.legend(fontsize=7)


def render_chart(results: Results, path: Path) -> None:
    """One panel per measured part. matplotlib is imported here: the CLI checks it is
    installed before anything runs and says in one line if not, instead of a traceback."""
    from matplotlib.figure import Figure

    panels = []
    if results.write:
        panels += ["bursts", "sustained"]
    if results.settings:
        panels.append("settings")
    if results.provisioning:
        panels.append("provisioning")
    columns = min(len(panels), 2)
    rows = -(-len(panels) // columns)
    figure = Figure(figsize=(6.5 * columns, 4.5 * rows), layout="constrained")
    grid = figure.subplots(rows, columns, squeeze=False).flatten()
    for unused in grid[len(panels) :]:
        unused.set_visible(False)
    for axes, panel in zip(grid, panels, strict=False):
        if panel == "bursts":
            first = results.write[0]
            _grouped_bars(
                axes, [f"N={b.requests}" for b in first.bursts],
                {s.label: [100 * b.accepted / b.requests for b in s.bursts] for s in results.write},
                "accepted %",
            )  # fmt: skip
            axes.set_title("Burst of N concurrent POST /flow_runs/")
        elif panel == "sustained":
            first = results.write[0]
            _grouped_bars(
                axes, [f"K={load.writers}" for load in first.sustained],
                {s.label: [load.runs_per_second for load in s.sustained] for s in results.write},
                "completed runs/s",
            )  # fmt: skip
            axes.set_title("K writers: create → RUNNING → COMPLETED")
        elif panel == "settings":
            first = results.settings[0].figures
            _grouped_bars(
                axes, [v.variant.name.replace(", ", ",\n") for v in results.settings],
                {f"K={load.writers}": [v.figures.sustained[i].runs_per_second
                                       for v in results.settings]
                 for i, load in enumerate(first.sustained)},
                "completed runs/s",
            )  # fmt: skip
            axes.tick_params(axis="x", labelsize=7)
            axes.set_title("Server settings")
        else:
            assert results.provisioning is not None
            ops = [op for op in (*OPERATIONS, FLOOR) if results.provisioning.seconds.get(op)]
            _grouped_bars(
                axes, [op.replace(" ", "\n", 1) for op in ops],
                {"median": [results.provisioning.median_s(op) or 0 for op in ops]}, "seconds",
            )  # fmt: skip
            axes.set_title("Provisioning")
    figure.suptitle(f"FlowForge benchmark, {results.environment.get('date', '')}")
    figure.savefig(path, dpi=110)
