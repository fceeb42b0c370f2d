"""gradebook.html: the class at a glance, drawn from the same rows as gradebook.csv (so a
class graded in one go and its merged shards give the same page): the score distribution,
the pass rate per check (hardest first), the time per submission, integrity notes, and a
link to each submission's run page."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

from harness.report.html import to_html as run_page
from harness.report.page import badge, esc, page, section
from harness.report.svg import hbars, histogram

from .gradebook import REPORT, Row, pass_rates, summary

RUN_PAGE = "report.html"
BINS = 10


def write_run_pages(folder: Path) -> None:
    """Each submission's run page, drawn again from its report.json (a page without a report
    beside it is stale and goes)."""
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []:
        report = sub / REPORT
        if report.is_file():
            (sub / RUN_PAGE).write_text(run_page(json.loads(report.read_text())), encoding="utf-8")
        else:
            (sub / RUN_PAGE).unlink(missing_ok=True)


def score_bins(rows: list[Row]) -> list[int]:
    """Graded submissions per tenth of the maximum score (100 % in the last bin)."""
    counts = [0] * BINS
    for r in rows:
        if r.error or not r.max:
            continue
        counts[min(BINS - 1, int(BINS * r.total / r.max))] += 1
    return counts


def to_html(rows: list[Row], cols: list[str], submissions: Path) -> str:
    s = summary(rows)
    subtitle = (
        f"{s['submissions']} submission(s): {s['graded']} graded, {s['errors']} with an error, "
        f"{s['passed']} passed every check; mean score {s['mean_score_pct']:g} %."
    )
    rates = pass_rates(rows, cols)
    hardest = sorted((c for c in cols if rates[c]["graded"]), key=lambda c: (rates[c]["rate"], c))
    body = [
        section(
            "distribution",
            "Score distribution",
            [
                histogram(
                    score_bins(rows),
                    [10.0 * i for i in range(BINS + 1)],
                    label="submissions per score band (% of the maximum)",
                    unit="% of the maximum score",
                ),
            ],
        ),
        section(
            "pass-rates",
            "Pass rate per check (hardest first)",
            [
                hbars(
                    [
                        (
                            c,
                            rates[c]["rate"],
                            f"{rates[c]['passed']}/{rates[c]['graded']} "
                            f"({100 * rates[c]['rate']:.0f} %)",
                        )
                        for c in hardest
                    ],
                    label="share of graded submissions passing each check",
                    marks=(0.5,),
                ),
                _rate_table(hardest, rates),
            ],
        ),
        section(
            "times",
            "Time per submission",
            [
                hbars(
                    [(r.name, r.duration_s, f"{r.duration_s:.1f} s") for r in rows],
                    label="seconds per submission",
                    maximum=max((r.duration_s for r in rows), default=0.0) or 1.0,
                ),
            ],
        ),
        section("submissions", "Submissions", [_table(rows, submissions)]),
        _notes(rows),
    ]
    return page("gradebook", "Gradebook", esc(subtitle), [b for b in body if b])


def _rate_table(cols: list[str], rates: dict[str, dict[str, float]]) -> str:
    out = [
        "<table class='rates'><tr><th>check</th><th class='num'>passed</th>"
        "<th class='num'>rate</th><th class='num'>mean points</th></tr>"
    ]
    for c in cols:
        r = rates[c]
        out.append(
            f"<tr class='rate' data-check='{esc(c)}' data-rate='{r['rate']:.4f}'>"
            f"<td><code>{esc(c)}</code></td><td class='num'>{r['passed']:g}/{r['graded']:g}</td>"
            f"<td class='num'>{100 * r['rate']:.0f} %</td><td class='num'>{r['mean_points']:g}</td>"
            "</tr>"
        )
    return "".join(out) + "</table>"


def _table(rows: list[Row], submissions: Path) -> str:
    out = [
        "<table class='roster'><tr><th>submission</th><th>level</th><th class='num'>score</th>"
        "<th>result</th><th class='num'>time</th><th>run page</th><th>error</th></tr>"
    ]
    for r in rows:
        state = "error" if r.error else ("pass" if r.passed else "fail")
        has_page = (submissions / r.name / RUN_PAGE).is_file()
        link = (
            f"<a href='submissions/{esc(quote(r.name))}/{RUN_PAGE}'>run page</a>"
            if has_page
            else "<span class='muted'>none</span>"
        )
        out.append(
            f"<tr class='submission' data-name='{esc(r.name)}'><td>{esc(r.name)}</td>"
            f"<td>{esc(r.level)}</td><td class='num'>{r.total:g}/{r.max}</td>"
            f"<td>{badge(state)}</td><td class='num'>{r.duration_s:.1f} s</td><td>{link}</td>"
            f"<td>{esc(r.error)}</td></tr>"
        )
    return "".join(out) + "</table>"


def _notes(rows: list[Row]) -> str:
    noted = [r for r in rows if r.notes]
    items = "".join(
        f"<li><b>{esc(r.name)}</b>: " + "; ".join(esc(n) for n in r.notes) + "</li>" for r in noted
    )
    return section(
        "notes",
        "Integrity and run notes",
        [
            f"<ul>{items}</ul>"
            if noted
            else "<p>No notes: no similar submissions, no run notes.</p>"
        ],
    )
