"""Stage timings of a solution run, cold and then warm.

    python scripts/benchmark.py [--level beginner] [--runs-warm 1] [--reseed]

Cold: the harness's layer cache (kata-cache/<level>:last) is removed and pip gets an empty
cache directory, so every package is fetched and every image layer built again. Warm: the
same run repeated right after. `--reseed` also times seeding the offline base image.
Timing lives here, not in tests: tests assert behaviour, this script measures it.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness import engine  # noqa: E402
from harness.projects import get_project  # noqa: E402
from harness.report.terminal import Console  # noqa: E402
from harness.runner import Options  # noqa: E402
from harness.teardown import CACHE_REPOSITORY  # noqa: E402
from world import base_image  # noqa: E402


def one_run(level: str) -> dict[str, object]:
    project = get_project(level)
    options = Options(project_dir=ROOT / "solutions" / level, level=level)
    report = project.grade(options, Console(io.StringIO()))
    return {
        "score": f"{report.score:g}/{report.max_score}",
        "passed": report.passed,
        "total_s": round(report.duration_s, 1),
        "stages": {k: round(v, 2) for k, v in report.stage_timings.items()},
        "teardown_clean": report.teardown.get("clean"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--level", default="beginner")
    parser.add_argument("--runs-warm", type=int, default=1)
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    status = engine.engine_status()
    if not status.available:
        print(f"no Docker engine: {status.reason}; {status.fix}", file=sys.stderr)
        return 2
    docker = engine.current()
    results: dict[str, object] = {"machine": f"{os.cpu_count()} cores", "level": args.level}
    if args.reseed:
        try:
            docker.remove_image(base_image.SEEDED, force=True)
        except Exception:
            pass
        start = time.monotonic()
        base_image.seed_base_image()
        results["seed_base_image_s"] = round(time.monotonic() - start, 1)
    try:
        docker.remove_image(f"{CACHE_REPOSITORY}/{args.level}:last", force=True)
    except Exception:
        pass
    with tempfile.TemporaryDirectory(prefix="kata-bench-pip-") as pip_cache:
        os.environ["PIP_CACHE_DIR"] = pip_cache
        results["cold"] = one_run(args.level)
    os.environ.pop("PIP_CACHE_DIR", None)
    results["warm"] = [one_run(args.level) for _ in range(args.runs_warm)]
    text = json.dumps(results, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
