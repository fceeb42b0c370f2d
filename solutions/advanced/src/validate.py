"""Metric gate: fail when the new model is worse than the one in production.

    python src/validate.py --metrics model/metrics.json --baseline 0.90 [--tolerance 0.02]

Exit status 0: the new model may go on (accuracy >= baseline - tolerance).
Exit status 1: it may not, and the pipeline stops before anything is built or
deployed. The tolerance absorbs the noise of a small validation split: on 24
rows one flower is worth 0.04 of accuracy.

Standard library only: the gate runs on any runner, without the training stack.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path

# 0.9 >= 0.92 - 0.02 is False in floating point (0.92 - 0.02 = 0.9000000000000001).
EPSILON = 1e-9


def read_accuracy(path: Path) -> float:
    try:
        metrics = json.loads(path.read_text())
    except FileNotFoundError:
        raise SystemExit(f"error: metrics file not found: {path}") from None
    except (OSError, ValueError) as exc:
        raise SystemExit(f"error: cannot read {path}: {exc}") from None
    value = metrics.get("accuracy") if isinstance(metrics, dict) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SystemExit(f'error: {path} has no numeric "accuracy"')
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise SystemExit(f"error: accuracy in {path} must be between 0 and 1, got {value}")
    return float(value)


def fraction(text: str) -> float:
    """argparse type: a number from 0 to 1 (an unset CI variable arrives as '')."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number from 0 to 1, got {text!r} (is the variable set?)"
        ) from None
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, got {text!r}")
    return value


def write_summary(line: str) -> None:
    """Add a line to the job's summary page on GitHub (no-op outside Actions)."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(line + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--metrics", type=Path, default=Path("model/metrics.json"))
    parser.add_argument(
        "--baseline", type=fraction, required=True, help="accuracy of the model in production"
    )
    parser.add_argument("--tolerance", type=fraction, default=0.02)
    args = parser.parse_args(argv)

    new = read_accuracy(args.metrics)
    floor = args.baseline - args.tolerance
    passed = new + EPSILON >= floor
    verdict = "passed" if passed else "FAILED"
    detail = (
        f"new accuracy {new:.4f}, baseline {args.baseline:.4f}, "
        f"tolerance {args.tolerance:.4f}: the minimum is {floor:.4f}"
    )
    print(f"metric gate {verdict}: {detail}")
    icon = "✅" if passed else "❌"
    write_summary(f"{icon} **Metric gate {verdict}**: {detail}")
    if not passed:
        # A workflow command: GitHub shows it as an error annotation on the run.
        print(
            f"::error title=Metric gate::the new model is worse than production "
            f"({new:.4f} < {floor:.4f}); it will not be deployed"
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
