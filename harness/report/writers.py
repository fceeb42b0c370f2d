"""Writes a report as JSON, JUnit XML (one testcase a check) or Markdown (for step summaries)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from harness.checks import Status

from .model import Report

ICONS = {Status.PASS: "✅", Status.FAIL: "❌", Status.SKIP: "⏭️", Status.ERROR: "💥"}


def to_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2) + "\n"


def to_junit(report: Report) -> str:
    counts = report.counts()
    suite = ET.Element(
        "testsuite",
        name=f"kata.{report.project}",
        tests=str(len(report.results)),
        failures=str(counts["fail"]),
        errors=str(counts["error"]),
        skipped=str(counts["skip"]),
        time=f"{report.duration_s:.3f}",
    )
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", name="score", value=f"{report.score}/{report.max_score}")
    for part, what in report.stack.items():
        ET.SubElement(props, "property", name=f"stack.{part}", value=what)
    for r in report.results:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"{report.project}.{r.stage}",
            name=r.id,
            time=f"{r.duration_s:.3f}",
        )
        text = f"{r.title}\n{r.message}" + (
            f"\nHint: {r.hint}" if r.status is not Status.PASS else ""
        )
        if r.status is Status.FAIL:
            ET.SubElement(
                case, "failure", message=r.message.splitlines()[0][:300] if r.message else ""
            ).text = text
        elif r.status is Status.ERROR:
            ET.SubElement(case, "error", message=r.message.splitlines()[0][:300]).text = text
        elif r.status is Status.SKIP:
            ET.SubElement(case, "skipped", message=r.message[:300])
        else:
            ET.SubElement(case, "system-out").text = r.message
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def to_markdown(report: Report) -> str:
    verdict = "passed" if report.passed else "not passed yet"
    lines = [
        f"## Kata `{report.project}`: {report.score:g}/{report.max_score} ({verdict})",
        "",
        f"Run `{report.run_id}` in {report.duration_s:.1f} s.",
    ]
    if report.stand_ins:
        lines += ["", "Stand-ins used: " + "; ".join(report.stand_ins) + "."]
    if report.harness_error:
        lines += ["", f"**Harness error:** {report.harness_error}"]
    lines += ["", "| | check | points | result |", "|---|---|---|---|"]
    for r in report.results:
        detail = r.message.splitlines()[0] if r.message else ""
        if r.status is not Status.PASS and r.hint:
            detail += f"<br>*Hint:* {r.hint}"
        score = f"{r.points:g}/{r.max_points}"
        title = f"`{r.id}` {_cell(r.title)}"
        lines.append(f"| {ICONS[r.status]} | {title} | {score} | {_cell(detail)} |")
    if report.decisions:
        lines += ["", "Decisions:", *[f"- {d}" for d in report.decisions]]
    if report.stage_timings:
        timings = ", ".join(f"{k} {v:.1f} s" for k, v in report.stage_timings.items())
        lines += ["", f"Stage timings: {timings}."]
    return "\n".join(lines) + "\n"


def write_reports(
    report: Report, *, json_path: Path | None, junit: Path | None, markdown: Path | None
) -> None:
    for path, render in ((json_path, to_json), (junit, to_junit), (markdown, to_markdown)):
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render(report), encoding="utf-8")
