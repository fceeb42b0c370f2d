"""The run page: one graded run as a static HTML file (`grade --html FILE`), drawn from the
report's JSON form alone, so the gradebook can draw it again from a report.json it holds.
Logs on the page are the act output the report kept, already masked by the run."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from .model import Report
from .page import badge, esc, page, section
from .svg import Gauge, gauges, hbars, job_graph, share_interval

TEARDOWN_SCOPE = (
    "containers, networks and image tags labelled with this run's id, and the processes "
    "the run's services started"
)


def to_html(report: Report | dict[str, Any]) -> str:
    data = report.to_dict() if isinstance(report, Report) else report
    verdict = "pass" if data.get("passed") else "fail"
    counts = data.get("counts", {})
    subtitle = (
        f"{badge(verdict)} <b>{esc(data.get('score', 0))}/{esc(data.get('max_score', 0))}</b> "
        f"points · run <code>{esc(data.get('run_id', ''))}</code> · "
        f"{float(data.get('duration_s', 0)):.1f} s · "
        f"<span class='muted'>{esc(data.get('path', ''))}</span><div class='summary'>"
        + "".join(f"<span>{esc(k)}: {esc(v)}</span>" for k, v in counts.items())
        + "</div>"
    )
    body = []
    if data.get("harness_error"):
        body.append(
            section("harness-error", "Harness error", [f"<p>{esc(data['harness_error'])}</p>"])
        )
    body += [
        _workflows(data),
        _canary(data),
        _resources(data),
        _checks(data),
        _decisions(data),
        _stack(data),
        _teardown(data),
        _timings(data),
    ]
    project = str(data.get("project", ""))
    return page(
        f"kata {project}: {data.get('score', 0)}/{data.get('max_score', 0)}",
        f"Kata {project}: {'passed' if verdict == 'pass' else 'not passed yet'}",
        subtitle,
        [b for b in body if b],
    )


def html_beside(json_path: Path) -> Path:
    """Where the run page goes when only --json FILE is given: report.html beside FILE."""
    target = json_path.with_name("report.html")
    return target if target != json_path else json_path.with_name("report.page.html")


def write_html(report: Report | dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_html(report), encoding="utf-8")


# --- the workflow run ----------------------------------------------------------------


def _gates(data: dict[str, Any]) -> dict[str, str]:
    out = {}
    for gate in data.get("facts", {}).get("gates", []):
        who = gate.get("approved_by")
        out[str(gate["job"])] = f"{gate['environment']}: " + (
            f"approved by {who}" if who else "waiting for approval"
        )
    return out


def _not_run(data: dict[str, Any]) -> str:
    act = next((c for c in data.get("checks", []) if c.get("id") == "pipeline.act-run"), None)
    why = act.get("message", "") if act else ""
    return f"<p>The workflows did not run{': ' + esc(why) if why else ''}.</p>"


def _workflows(data: dict[str, Any]) -> str:
    jobs = data.get("jobs") or []
    if not jobs:
        return section("workflow-run", "Workflow run", [_not_run(data)])
    gates = _gates(data)
    by_workflow: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for job in jobs:
        by_workflow[str(job.get("workflow", ""))].append(job)
    inner = []
    for name, members in by_workflow.items():
        inner.append(f"<h3>{esc(name or 'other jobs')}</h3>")
        inner.append(f"<div class='graph'>{job_graph(members, gates)}</div>")
    inner.append(
        "<p class='muted'>Arrows are <code>needs</code>; a job's box says its state in words "
        "and the time its steps took. A gated job names its environment and who approved it.</p>"
    )
    longest = max(
        (float(s.get("duration_s", 0)) for j in jobs for s in j.get("steps") or []), default=0.0
    )
    inner += [_job_steps(job, gates.get(str(job["id"]), ""), longest or 1.0) for job in jobs]
    return section("workflow-run", "Workflow run", inner)


def _job_steps(job: dict[str, Any], gate: str, longest: float) -> str:
    """The job's steps with their times (bars on the run's longest step) and logs."""
    steps = job.get("steps") or []
    took = float(job.get("duration_s", 0))
    head = (
        f"<h3 id='job-{esc(job['id'])}'>{badge(str(job.get('result', 'not run')))} "
        f"{esc(job.get('name', job['id']))} <span class='muted'>({took:.1f} s"
        + (f"; environment {esc(job['environment'])}" if job.get("environment") else "")
        + (f"; gate: {esc(gate)}" if gate else "")
        + ")</span></h3>"
    )
    if not steps:
        return head + "<p class='muted'>No step ran.</p>"
    quiet = [s for s in steps if _quiet(s)]
    steps = [s for s in steps if not _quiet(s)]
    rows = [
        "<table class='steps'><tr><th>step</th><th>stage</th><th>result</th>"
        "<th class='num'>time</th><th>log</th></tr>"
    ]
    for step in steps:
        seconds = float(step.get("duration_s", 0))
        log = step.get("log") or []
        dropped = int(step.get("log_dropped", 0))
        if log:
            more = f" ({dropped} earlier lines not kept)" if dropped else ""
            log_cell = (
                f"<details><summary>{len(log)} lines{more}</summary><pre>"
                + esc("\n".join(log))
                + "</pre></details>"
            )
        else:
            log_cell = "<span class='muted'>no output</span>"
        rows.append(
            f"<tr class='step'><td>{esc(step.get('name', ''))}</td>"
            f"<td>{esc(step.get('stage', ''))}</td>"
            f"<td>{badge(str(step.get('result', '')))}</td><td class='num'>{seconds:.1f} s "
            f"<span class='timebar' style='width:{max(1, round(60 * seconds / longest))}px'></span>"
            f"</td><td>{log_cell}</td></tr>"
        )
    note = (
        f"<p class='muted'>{len(quiet)} set-up and clean-up steps (Pre, Post, job set-up) "
        "succeeded at once with no output; not shown.</p>"
        if quiet
        else ""
    )
    return head + "".join(rows) + "</table>" + note


def _quiet(step: dict[str, Any]) -> bool:
    """A bookkeeping step worth no row: not Main, succeeded, silent, instant."""
    return (
        step.get("stage") != "Main"
        and step.get("result") == "success"
        and not step.get("log")
        and float(step.get("duration_s", 0)) < 0.1
    )


# --- what the project measured -------------------------------------------------------


def _canary(data: dict[str, Any]) -> str:
    canary = data.get("facts", {}).get("canary")
    if not canary:
        if data.get("project") != "advanced":
            return ""
        return section("canary", "Canary", ["<p>No live canary was measured in this run.</p>"])
    low, high = canary["interval"]
    split = share_interval(
        float(canary["share"]),
        float(low),
        float(high),
        float(canary["weight"]),
        label=f"canary share {canary['share']:.1%} against the interval {low:.1%} to {high:.1%}",
    )
    header = canary.get("header", {})
    always, never = header.get("always", [0, 0]), header.get("never", [0, 0])
    routed = always[1] > 0 and always[0] == always[1] and never[0] == 0
    inner = [
        f"<p>{canary['canary_requests']}/{canary['requests']} requests reached "
        f"<code>{esc(canary['canary_service'])}</code> (stable: "
        f"<code>{esc(canary['stable_service'])}</code>); the configured weight is "
        f"{canary['weight']:.0%}.</p>",
        f"<div class='chart'>{split}</div>",
        "<h3>Header routing</h3>",
        f"<p class='header-routing'>{badge('pass' if routed else 'fail')} "
        f"<code>{esc(header.get('name', ''))}: always</code> → {always[0]}/{always[1]} to the "
        f"canary; <code>never</code> → {never[0]}/{never[1]} to the canary.</p>",
    ]
    thresholds = canary.get("thresholds", {})
    for decision in canary.get("analysis", []):
        rate, p95 = float(decision["success_rate"]), float(decision["p95_ms"])
        limit = float(thresholds.get("max_p95_ms", 250.0))
        rows = [
            Gauge(
                "success rate",
                rate,
                float(thresholds.get("min_success_rate", 0.99)),
                1.0,
                f"{rate:.1%}",
                at_least=True,
            ),
            Gauge(
                "p95 latency", p95, limit, max(limit * 1.5, p95), f"{p95:.0f} ms", at_least=False
            ),
        ]
        inner += [
            f"<h3>Analysis {decision['iteration']}: {badge(_verdict(decision['verdict']))} "
            f"{esc(decision['verdict'])}</h3>",
            gauges(rows, label=f"analysis {decision['iteration']} against its thresholds"),
            f"<p>{esc(decision['reason'])}; {decision['requests']} canary requests.</p>",
        ]
    return section("canary", "Canary", inner)


def _verdict(verdict: str) -> str:
    return {"promote": "pass", "rollback": "fail"}.get(verdict, "skip")


def _resources(data: dict[str, Any]) -> str:
    facts = data.get("facts", {}).get("resources")
    if facts is None:
        if data.get("project") != "intermediate":
            return ""
        return section(
            "resources",
            "Cloud resources",
            ["<p>Not recorded: the pipeline did not run, so the watcher saw nothing.</p>"],
        )
    seen = facts.get("seen", [])
    span = float(facts.get("watched_s", 0)) or 1.0
    rows = [
        "<table class='resources'><tr><th>resource</th><th class='num'>first seen</th>"
        "<th class='num'>last seen</th><th>while act ran</th><th>after the run</th></tr>"
    ]
    for item in seen:
        first, last = float(item["first_s"]), float(item["last_s"])
        offset, width = 120 * first / span, max(2.0, 120 * (last - first) / span)
        rows.append(
            f"<tr><td><code>{esc(item['name'])}</code></td><td class='num'>{first:.0f} s</td>"
            f"<td class='num'>{last:.0f} s</td><td><span class='timebar' style='margin-left:"
            f"{offset:.0f}px;width:{width:.0f}px'></span></td><td>"
            + (badge("fail") + " left behind" if item.get("left") else badge("pass") + " destroyed")
            + "</td></tr>"
        )
    inner = [
        f"<p>Seconds after act started, as the watcher saw them (one look a second; act ran "
        f"{span:.0f} s). A resource gone after its last look was destroyed within the next "
        "second.</p>",
        "".join(rows) + "</table>" if seen else "<p>The watcher saw no resource.</p>",
    ]
    for api in facts.get("api", []):
        state = "pass" if api.get("predictions_ok") else "fail"
        inner.append(f"<p>API at {esc(api['address'])}: {badge(state)} {esc(api['detail'])}</p>")
    return section("resources", "Cloud resources while the pipeline ran", inner)


# --- checks, decisions, stack, teardown ----------------------------------------------


def _checks(data: dict[str, Any]) -> str:
    by_stage: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for check in data.get("checks", []):
        by_stage[str(check.get("stage", ""))].append(check)
    inner = []
    for stage, checks in by_stage.items():
        got = sum(float(c.get("points", 0)) for c in checks)
        most = sum(int(c.get("max_points", 0)) for c in checks)
        inner.append(
            f"<h3 class='stage'>{esc(stage)} <span class='muted'>{got:g}/{most}</span></h3>"
        )
        rows = [
            "<table class='checks'><tr><th>result</th><th>check</th>"
            "<th class='num'>points</th><th>what the harness saw</th></tr>"
        ]
        for c in checks:
            first, *rest = (str(c.get("message", "")) or "").splitlines() or [""]
            detail = esc(first)
            if rest:
                detail += (
                    f"<details><summary>{len(rest)} more lines</summary><pre>"
                    + esc("\n".join(rest))
                    + "</pre></details>"
                )
            if c.get("hint"):
                detail += f"<div class='hint'>Hint: {esc(c['hint'])}</div>"
            rows.append(
                f"<tr class='check' data-id='{esc(c['id'])}' data-status='{esc(c['status'])}'>"
                f"<td>{badge(str(c['status']))}</td><td><code>{esc(c['id'])}</code><br>"
                f"{esc(c.get('title', ''))}</td><td class='num'>{float(c.get('points', 0)):g}/"
                f"{c.get('max_points', 0)}</td><td>{detail}</td></tr>"
            )
        inner.append("".join(rows) + "</table>")
    return section("checks", "Checks by stage", inner)


def _decisions(data: dict[str, Any]) -> str:
    decisions = data.get("decisions") or []
    if not decisions:
        return ""
    return section(
        "decisions",
        "Decisions",
        ["<ul>" + "".join(f"<li>{esc(d)}</li>" for d in decisions) + "</ul>"],
    )


def _stack(data: dict[str, Any]) -> str:
    stack, stand_ins = data.get("stack") or {}, data.get("stand_ins") or []
    if not stack and not stand_ins:
        return ""
    inner = [
        "<dl class='kv'>"
        + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in stack.items())
        + "</dl>"
    ]
    if stand_ins:
        inner += [
            "<h3>Stand-ins used</h3><ul class='stand-ins'>"
            + "".join(f"<li>{esc(s)}</li>" for s in stand_ins)
            + "</ul>"
        ]
    return section("stack", "What ran, and what stood in for what", inner)


def _teardown(data: dict[str, Any]) -> str:
    teardown = data.get("teardown") or {}
    if not teardown:
        return section(
            "teardown",
            "Teardown proof",
            ["<p>No runtime services were started, so there was nothing to tear down.</p>"],
        )
    clean = bool(teardown.get("clean"))
    inner = [
        f"<p>{badge('pass' if clean else 'fail')} "
        + ("nothing of the run is left" if clean else "the run left something behind")
        + f". Checked after teardown: {TEARDOWN_SCOPE}.</p>"
    ]
    if teardown.get("leftovers"):
        inner.append(f"<p>Left behind: {esc(teardown['leftovers'])}</p>")
    for problem in teardown.get("problems", []):
        inner.append(f"<p>Problem: {esc(problem)}</p>")
    return section("teardown", "Teardown proof", inner)


def _timings(data: dict[str, Any]) -> str:
    timings = data.get("stage_timings") or {}
    if not timings:
        return ""
    longest = max(float(v) for v in timings.values()) or 1.0
    rows = [(k, float(v), f"{float(v):.1f} s") for k, v in timings.items()]
    return section(
        "timings", "Where the time went", [hbars(rows, label="seconds per stage", maximum=longest)]
    )
