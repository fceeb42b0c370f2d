"""The gradebook: one row a submission, built only from the per-submission folders
(`submissions/<name>/entry.json` + `report.json`), so one run over a class and the merge of
its shards give byte-identical files (rows sorted by name, no timestamps).

Files: gradebook.csv (points per check id, total, max, passed, duration, error, notes),
gradebook.json (the same, plus statuses and pass rates), gradebook.md (summary table,
per-check pass rates, integrity notes) and gradebook.html (the same as charts, with a link
to each submission's run page, `submissions/<name>/report.html`).
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import UsageError
from harness.projects import PROJECTS

from .guard import notes_of

ENTRY = "entry.json"
REPORT = "report.json"
SUBMISSIONS = "submissions"
FIXED_HEAD = ["submission", "level"]
FIXED_TAIL = ["total", "max", "passed", "duration_s", "error", "notes"]


@dataclass
class Row:
    name: str
    level: str
    source: str
    points: dict[str, float] = field(default_factory=dict)
    statuses: dict[str, str] = field(default_factory=dict)
    total: float = 0.0
    max: int = 0
    passed: bool = False
    duration_s: float = 0.0
    error: str = ""
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "submission": self.name,
            "level": self.level,
            "source": self.source,
            "total": self.total,
            "max": self.max,
            "passed": self.passed,
            "duration_s": self.duration_s,
            "error": self.error,
            "notes": self.notes,
            "checks": {
                cid: {"points": self.points[cid], "status": self.statuses.get(cid, "")}
                for cid in self.points
            },
        }


def write_entry(folder: Path, entry: dict[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ENTRY).write_text(json.dumps(entry, indent=2, sort_keys=True) + "\n")


def load_row(folder: Path) -> Row:
    """A row from one submission folder (its entry, and its report when there is one)."""
    entry = json.loads((folder / ENTRY).read_text())
    row = Row(
        name=str(entry["name"]),
        level=str(entry.get("level", "")),
        source=str(entry.get("source", "")),
        duration_s=float(entry.get("duration_s", 0.0)),
        error=str(entry.get("error", "")),
        notes=[str(n) for n in entry.get("notes", [])],
        max=int(entry.get("max", 0)),
    )
    report_path = folder / REPORT
    if report_path.is_file() and not row.error:
        report = json.loads(report_path.read_text())
        for check in report.get("checks", []):
            row.points[str(check["id"])] = float(check["points"])
            row.statuses[str(check["id"])] = str(check["status"])
        row.total = float(report.get("score", 0.0))
        row.max = int(report.get("max_score", 0))
        row.passed = bool(report.get("passed", False))
        row.duration_s = float(report.get("duration_s", row.duration_s))
        row.error = str(report.get("harness_error", "") or "")
        row.notes += notes_of(report)
    return row


def load_rows(out: Path) -> list[Row]:
    folder = out / SUBMISSIONS
    if not folder.is_dir():
        return []
    rows = [load_row(p) for p in folder.iterdir() if (p / ENTRY).is_file()]
    return sorted(rows, key=lambda r: r.name)


def columns(rows: list[Row]) -> list[str]:
    """Check ids: for each level present (registry order, then by name), the project's own
    order; ids only seen in reports come after."""
    levels = sorted({r.level for r in rows}, key=lambda lv: (lv not in PROJECTS, lv))
    cols: list[str] = []
    for level in levels:
        project = PROJECTS.get(level)
        ids = list(project.all_check_ids()) if project is not None else []
        for row in rows:
            ids += [c for c in row.points if row.level == level and c not in ids]
        cols += [c for c in ids if c not in cols]
    return cols


def _num(value: float) -> str:
    return f"{value:g}"


def pass_rates(rows: list[Row], cols: list[str]) -> dict[str, dict[str, Any]]:
    out = {}
    for cid in cols:
        graded = [r for r in rows if cid in r.statuses]
        passed = sum(1 for r in graded if r.statuses[cid] == "pass")
        mean = sum(r.points[cid] for r in graded) / len(graded) if graded else 0.0
        out[cid] = {
            "passed": passed,
            "graded": len(graded),
            "rate": round(passed / len(graded), 4) if graded else 0.0,
            "mean_points": round(mean, 2),
        }
    return out


def to_csv(rows: list[Row], cols: list[str]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(FIXED_HEAD + cols + FIXED_TAIL)
    for r in rows:
        cells = [_num(r.points[c]) if c in r.points else "" for c in cols]
        tail = [_num(r.total), r.max, "yes" if r.passed else "no", f"{r.duration_s:.2f}"]
        writer.writerow([r.name, r.level, *cells, *tail, r.error, "; ".join(r.notes)])
    return buf.getvalue()


def to_json(rows: list[Row], cols: list[str]) -> str:
    data = {
        "version": 1,
        "columns": cols,
        "submissions": [r.to_dict() for r in rows],
        "pass_rates": pass_rates(rows, cols),
        "summary": summary(rows),
    }
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def summary(rows: list[Row]) -> dict[str, Any]:
    graded = [r for r in rows if not r.error]
    return {
        "submissions": len(rows),
        "graded": len(graded),
        "errors": len(rows) - len(graded),
        "passed": sum(1 for r in rows if r.passed),
        "mean_score_pct": round(
            100 * sum(r.total / r.max for r in graded if r.max) / len(graded), 1
        )
        if graded
        else 0.0,
    }


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(rows: list[Row], cols: list[str]) -> str:
    s = summary(rows)
    lines = [
        "## Gradebook",
        "",
        f"{s['submissions']} submission(s): {s['graded']} graded, {s['errors']} with an error, "
        f"{s['passed']} passed every check; mean score {s['mean_score_pct']:g} %.",
        "",
        "| submission | level | score | passed | time | error |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        score = f"{_num(r.total)}/{r.max}"
        mark = "✅" if r.passed else "❌"
        lines.append(
            f"| {_cell(r.name)} | {r.level} | {score} | {mark} | {r.duration_s:.1f} s "
            f"| {_cell(r.error)} |"
        )
    lines += ["", "### Pass rate per check", "", "| check | passed | rate | mean points |"]
    lines.append("|---|---|---|---|")
    for cid, rate in pass_rates(rows, cols).items():
        lines.append(
            f"| `{cid}` | {rate['passed']}/{rate['graded']} | {100 * rate['rate']:.0f} % "
            f"| {rate['mean_points']:g} |"
        )
    noted = [r for r in rows if r.notes]
    if noted:
        lines += ["", "### Integrity and run notes", ""]
        for r in noted:
            lines += [f"- **{_cell(r.name)}**: " + "; ".join(_cell(n) for n in r.notes)]
    return "\n".join(lines) + "\n"


def write_gradebook(out: Path) -> list[Row]:
    """(Re)write gradebook.csv/.json/.md/.html in `out` from its submission folders, and
    each submission's run page from its report.json."""
    from .dashboard import to_html, write_run_pages  # the dashboard reads this module's rows

    rows = load_rows(out)
    cols = columns(rows)
    out.mkdir(parents=True, exist_ok=True)
    write_run_pages(out / SUBMISSIONS)
    (out / "gradebook.csv").write_text(to_csv(rows, cols), encoding="utf-8")
    (out / "gradebook.json").write_text(to_json(rows, cols), encoding="utf-8")
    (out / "gradebook.md").write_text(to_markdown(rows, cols), encoding="utf-8")
    (out / "gradebook.html").write_text(to_html(rows, cols, out / SUBMISSIONS), encoding="utf-8")
    return rows


def _same_folder(a: Path, b: Path) -> bool:
    names = sorted(p.name for p in a.iterdir())
    if names != sorted(p.name for p in b.iterdir()):
        return False
    return all((a / n).read_bytes() == (b / n).read_bytes() for n in names if (a / n).is_file())


def merge(sources: list[Path], out: Path) -> list[Row]:
    """Copy every submission folder found under `sources` (gradebook output folders, or
    folders holding several, e.g. downloaded shard artifacts) into `out`, then write the
    gradebook. The same name twice with different content is an error."""
    out = out.resolve()
    found: dict[str, Path] = {}
    for source in sources:
        if not source.is_dir():
            raise UsageError(f"{source} is not a folder")
        for entry in sorted(source.resolve().rglob(f"{SUBMISSIONS}/*/{ENTRY}")):
            folder = entry.parent
            if out in folder.parents:
                continue
            name = json.loads(entry.read_text())["name"]
            if name in found and not _same_folder(found[name], folder):
                raise UsageError(f"two different submissions named {name}: {found[name]}, {folder}")
            found.setdefault(name, folder)
    if not found:
        raise UsageError(
            "no graded submission (submissions/<name>/entry.json) in "
            + ", ".join(str(s) for s in sources)
        )
    target = out / SUBMISSIONS
    shutil.rmtree(target, ignore_errors=True)
    for name, folder in sorted(found.items()):
        shutil.copytree(folder, target / name)
    return write_gradebook(out)
