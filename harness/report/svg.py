"""Plain SVG drawn by the harness: the pages stay one self-contained file with no script and
no library fetched at view time. Every mark carries its value as text too (and a <title>),
so a chart reads the same without colour."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

FONT = "font-family='system-ui, sans-serif' font-size='12'"
# state -> (fill, stroke, symbol): the symbol and the word say what the colour says
STATES: dict[str, tuple[str, str, str]] = {
    "success": ("#e6f4ea", "#1a7f37", "✓"),
    "pass": ("#e6f4ea", "#1a7f37", "✓"),
    "failure": ("#fdecea", "#cf222e", "✗"),
    "fail": ("#fdecea", "#cf222e", "✗"),
    "error": ("#f6e8fb", "#8250df", "!"),
    "skipped": ("#fff8e1", "#9a6700", "\u2013"),
    "skip": ("#fff8e1", "#9a6700", "\u2013"),
    "waiting": ("#fff8e1", "#9a6700", "⏸"),
    "not run": ("#f3f4f6", "#6e7781", "○"),
}


def state_style(state: str) -> tuple[str, str, str]:
    return STATES.get(state, STATES["not run"])


def _a(value: object) -> str:
    """An attribute value, escaped (quotes included)."""
    return escape(str(value), quote=True)


def svg(width: float, height: float, body: Sequence[str], label: str, cls: str = "") -> str:
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' role='img' class='{_a(cls)}' "
        f"width='{width:.0f}' height='{height:.0f}' viewBox='0 0 {width:.0f} {height:.0f}' "
        f"aria-label='{_a(label)}' {FONT}><title>{escape(label)}</title>" + "".join(body) + "</svg>"
    )


def text(
    x: float,
    y: float,
    value: str,
    *,
    anchor: str = "start",
    weight: str = "normal",
    size: int = 12,
    fill: str = "#1f2328",
    cls: str = "",
) -> str:
    klass = f" class='{_a(cls)}'" if cls else ""
    return (
        f"<text x='{x:.1f}' y='{y:.1f}' text-anchor='{anchor}' font-weight='{weight}' "
        f"font-size='{size}' fill='{fill}'{klass}>{escape(value)}</text>"
    )


def rect(
    x: float, y: float, w: float, h: float, fill: str, stroke: str = "none", extra: str = ""
) -> str:
    return (
        f"<rect x='{x:.1f}' y='{y:.1f}' width='{max(0.0, w):.1f}' height='{max(0.0, h):.1f}' "
        f"fill='{fill}' stroke='{stroke}' {extra}/>"
    )


def line(
    x1: float, y1: float, x2: float, y2: float, stroke: str = "#6e7781", extra: str = ""
) -> str:
    return (
        f"<line x1='{x1:.1f}' y1='{y1:.1f}' x2='{x2:.1f}' y2='{y2:.1f}' stroke='{stroke}' {extra}/>"
    )


def clip(value: str, chars: int) -> str:
    return value if len(value) <= chars else value[: chars - 1] + "…"


# --- the job graph --------------------------------------------------------------------

NODE_W, NODE_H, GAP_X, GAP_Y, PAD = 210, 64, 44, 18, 12


@dataclass(frozen=True)
class Node:
    id: str
    column: int
    row: int

    @property
    def x(self) -> float:
        return PAD + self.column * (NODE_W + GAP_X)

    @property
    def y(self) -> float:
        return PAD + self.row * (NODE_H + GAP_Y)


def layout(jobs: list[dict[str, Any]]) -> dict[str, Node]:
    """Columns by the longest chain of `needs` before a job (GitHub draws it so), rows in
    declaration order within a column. Unknown or cyclic needs count as none."""
    ids = [str(j["id"]) for j in jobs]
    needs = {str(j["id"]): [n for n in j.get("needs", []) if n in ids] for j in jobs}
    depth: dict[str, int] = {}

    def level(job: str, trail: frozenset[str]) -> int:
        if job in depth:
            return depth[job]
        parents = [n for n in needs[job] if n not in trail]
        depth[job] = 1 + max((level(n, trail | {job}) for n in parents), default=-1)
        return depth[job]

    rows: dict[int, int] = {}
    nodes: dict[str, Node] = {}
    for job in ids:
        column = level(job, frozenset({job}))
        nodes[job] = Node(job, column, rows.get(column, 0))
        rows[column] = rows.get(column, 0) + 1
    return nodes


def job_graph(jobs: list[dict[str, Any]], gates: dict[str, str]) -> str:
    """The jobs of one workflow as boxes (name, state in words, duration, gate) joined by
    their `needs` edges. `gates`: job id -> what its environment gate said."""
    nodes = layout(jobs)
    if not nodes:
        return ""
    width = PAD * 2 + (max(n.column for n in nodes.values()) + 1) * (NODE_W + GAP_X) - GAP_X
    height = PAD * 2 + (max(n.row for n in nodes.values()) + 1) * (NODE_H + GAP_Y) - GAP_Y
    body = [
        "<defs><marker id='arrow' viewBox='0 0 10 10' refX='10' refY='5' markerWidth='7' "
        "markerHeight='7' orient='auto-start-reverse'><path d='M 0 0 L 10 5 L 0 10 z' "
        "fill='#6e7781'/></marker></defs>"
    ]
    for job in jobs:
        target = nodes[str(job["id"])]
        for need in job.get("needs", []):
            source = nodes.get(need)
            if source is None:
                continue
            x1, y1 = source.x + NODE_W, source.y + NODE_H / 2
            x2, y2 = target.x, target.y + NODE_H / 2
            mid = (x1 + x2) / 2
            body.append(
                f"<path class='edge' data-from='{_a(need)}' data-to='{_a(job['id'])}' "
                f"d='M {x1:.1f} {y1:.1f} C {mid:.1f} {y1:.1f}, {mid:.1f} {y2:.1f}, "
                f"{x2:.1f} {y2:.1f}' fill='none' stroke='#6e7781' stroke-width='1.5' "
                "marker-end='url(#arrow)'/>"
            )
    for job in jobs:
        body.append(_job_node(job, nodes[str(job["id"])], gates.get(str(job["id"]), "")))
    label = "job graph: " + ", ".join(f"{j['id']} {j.get('result', '')}" for j in jobs)
    return svg(width, height, body, label, "job-graph")


def _job_node(job: dict[str, Any], node: Node, gate: str) -> str:
    state = str(job.get("result", "not run"))
    fill, stroke, mark = state_style(state)
    x, y = node.x, node.y
    duration = float(job.get("duration_s", 0.0))
    status = f"{mark} {state}" + (f" · {duration:.1f} s" if state != "not run" else "")
    parts = [
        f"<g class='job' data-job='{_a(job['id'])}' data-state='{_a(state)}'>",
        f"<title>{escape(str(job.get('name', job['id'])))}: {escape(state)}"
        + (f"; {escape(gate)}" if gate else "")
        + "</title>",
        rect(x, y, NODE_W, NODE_H, fill, stroke, "rx='6' stroke-width='1.5'"),
        rect(x, y, 6, NODE_H, stroke, extra="rx='2'"),
        text(x + 14, y + 18, clip(str(job.get("name", job["id"])), 28), weight="bold"),
        text(x + 14, y + 36, status, fill=stroke, cls="job-state"),
    ]
    if gate:
        parts.append(text(x + 14, y + 53, clip(gate, 33), size=11, cls="job-gate"))
    parts.append("</g>")
    return "".join(parts)


# --- bars and histograms ------------------------------------------------------------


def hbars(
    rows: list[tuple[str, float, str]],
    *,
    width: int = 640,
    label: str,
    maximum: float = 1.0,
    marks: Sequence[float] = (),
) -> str:
    """Horizontal bars: (name, value in 0..maximum, value as text) each; `marks` are
    vertical guide lines (e.g. 50 %)."""
    name_w, bar_w, row_h = 230, width - 230 - 90, 22
    height = PAD * 2 + row_h * len(rows)
    body: list[str] = []
    for mark in marks:
        x = name_w + bar_w * mark / maximum
        body.append(line(x, PAD - 4, x, height - PAD + 4, "#afb8c1", "stroke-dasharray='3 3'"))
    for i, (name, value, shown) in enumerate(rows):
        y = PAD + i * row_h
        w = bar_w * max(0.0, min(value, maximum)) / maximum if maximum else 0.0
        body.append(
            f"<g class='bar' data-name='{_a(name)}' data-value='{value:.4f}'>"
            f"<title>{escape(name)}: {escape(shown)}</title>"
            + text(name_w - 8, y + 15, clip(name, 34), anchor="end")
            + rect(name_w, y + 3, bar_w, row_h - 6, "#f3f4f6", "#d0d7de")
            + rect(name_w, y + 3, w, row_h - 6, "#0969da")
            + text(name_w + bar_w + 8, y + 15, shown, cls="bar-value")
            + "</g>"
        )
    return svg(width, height, body, label, "bars")


def histogram(
    counts: list[int],
    edges: list[float],
    *,
    label: str,
    unit: str = "%",
    width: int = 640,
    height: int = 220,
) -> str:
    """Counts per bin (bins between consecutive `edges`), each count written on its bar."""
    left, bottom, top = 40, 36, 14
    plot_w, plot_h = width - left - PAD, height - bottom - top
    peak = max(counts, default=0) or 1
    bw = plot_w / max(1, len(counts))
    body = [line(left, top + plot_h, left + plot_w, top + plot_h, "#1f2328")]
    for i, count in enumerate(counts):
        h = plot_h * count / peak
        x = left + i * bw
        low, high = edges[i], edges[i + 1]
        body.append(
            f"<g class='bin' data-low='{low:g}' data-high='{high:g}' data-count='{count}'>"
            f"<title>{low:g} to {high:g} {unit}: {count}</title>"
            + rect(x + 2, top + plot_h - h, bw - 4, h, "#0969da")
            + text(x + bw / 2, top + plot_h - h - 3, str(count) if count else "", anchor="middle")
            + "</g>"
        )
    for i, edge in enumerate(edges):
        if i % max(1, len(edges) // 6) == 0 or i == len(edges) - 1:
            body.append(text(left + i * bw, top + plot_h + 16, f"{edge:g}", anchor="middle"))
    body.append(text(left + plot_w / 2, height - 4, unit, anchor="middle", size=11))
    return svg(width, height, body, label, "histogram")


# --- the canary ---------------------------------------------------------------------


def _window(values: list[float]) -> tuple[float, float, float]:
    """A zoomed axis (low, high, tick step) around `values`, so a narrow interval is wide
    enough to read; within 0..1."""
    low, high = min(values), max(values)
    pad = max(0.02, (high - low) * 0.6)
    low, high = max(0.0, low - pad), min(1.0, high + pad)
    step = next(s for s in (0.01, 0.02, 0.05, 0.1, 0.2) if (high - low) / s <= 10)
    return (step * int(low / step), min(1.0, step * -int(-high // step)), step)


def share_interval(
    share: float, low: float, high: float, weight: float, *, label: str, width: int = 720
) -> str:
    """The observed share against the interval the weight allows, on an axis zoomed to
    them: the interval shaded and labelled, the weight a dashed line, the share a diamond;
    each mark says its number, and the verdict is written out."""
    start, stop, step = _window([share, low, high, weight])
    left, right, axis_y = 30, width - 30, 96
    span = right - left

    def at(value: float) -> float:
        return left + span * (max(start, min(stop, value)) - start) / ((stop - start) or 1.0)

    inside = low <= share <= high
    mark_fill = "#1a7f37" if inside else "#cf222e"
    verdict = "inside the interval" if inside else "OUTSIDE the interval"
    ticks = [start + i * step for i in range(round((stop - start) / step) + 1)]
    sx = at(share)
    body = [
        line(left, axis_y, right, axis_y, "#1f2328"),
        *(line(at(t), axis_y, at(t), axis_y + 5, "#1f2328") for t in ticks),
        *(text(at(t), axis_y + 18, f"{t:.0%}", anchor="middle", size=10) for t in ticks),
        f"<g class='interval' data-low='{low:.4f}' data-high='{high:.4f}'>"
        f"<title>99.9 % interval {low:.1%} to {high:.1%}</title>"
        + rect(
            at(low),
            axis_y - 34,
            max(2.0, at(high) - at(low)),
            34,
            "#ddf4ff",
            "#0969da",
            "stroke-dasharray='4 2'",
        )
        + text(
            (at(low) + at(high)) / 2,
            axis_y - 40,
            f"allowed {low:.1%} to {high:.1%} (99.9 % binomial interval)",
            anchor="middle",
            size=11,
            fill="#0969da",
            cls="interval-label",
        )
        + "</g>",
        f"<g class='weight' data-weight='{weight:.4f}'><title>configured weight {weight:.0%}"
        "</title>"
        + line(at(weight), axis_y - 62, at(weight), axis_y, "#1f2328", "stroke-dasharray='2 2'")
        + text(at(weight), axis_y - 66, f"configured weight {weight:.0%}", anchor="middle", size=11)
        + "</g>",
        f"<g class='share' data-share='{share:.4f}' data-inside='{str(inside).lower()}'>"
        f"<title>observed {share:.1%}: {verdict}</title>"
        f"<path d='M {sx:.1f} {axis_y - 26} l 8 9 l -8 9 l -8 -9 z' fill='{mark_fill}' "
        "stroke='#fff'/>"
        + text(
            sx,
            axis_y + 40,
            f"observed {share:.1%} ({verdict})",
            anchor="middle",
            weight="bold",
            fill=mark_fill,
            cls="share-label",
        )
        + "</g>",
    ]
    return svg(width, axis_y + 50, body, label, "canary-split")


@dataclass(frozen=True)
class Gauge:
    """One analysis metric against its threshold: `at_least` says which side is good."""

    name: str
    value: float
    threshold: float
    maximum: float
    shown: str
    at_least: bool

    @property
    def ok(self) -> bool:
        return self.value >= self.threshold if self.at_least else self.value <= self.threshold


def gauges(rows: list[Gauge], *, label: str, width: int = 640) -> str:
    """Each metric as a bar on its own scale with its threshold as a line; the verdict is
    written beside it (within / breaches)."""
    name_w, row_h = 130, 34
    bar_w = width - name_w - 220
    body: list[str] = []
    for i, g in enumerate(rows):
        y = PAD + i * row_h
        scale = bar_w / g.maximum if g.maximum else 0.0
        tx = name_w + g.threshold * scale
        colour = "#1a7f37" if g.ok else "#cf222e"
        side = "≥" if g.at_least else "≤"
        verdict = ("✓ within" if g.ok else "✗ breaches") + f" {side} {g.threshold:g}"
        body.append(
            f"<g class='gauge' data-name='{_a(g.name)}' data-ok='{str(g.ok).lower()}'>"
            f"<title>{escape(g.name)}: {escape(g.shown)}, threshold {side} {g.threshold:g}</title>"
            + text(name_w - 8, y + 16, g.name, anchor="end")
            + rect(name_w, y + 4, bar_w, 16, "#f3f4f6", "#d0d7de")
            + rect(name_w, y + 4, min(bar_w, g.value * scale), 16, colour)
            + line(tx, y, tx, y + 24, "#1f2328", "stroke-width='2'")
            + text(name_w + bar_w + 8, y + 16, f"{g.shown} {verdict}", fill=colour)
            + "</g>"
        )
    return svg(width, PAD * 2 + row_h * len(rows), body, label, "gauges")
