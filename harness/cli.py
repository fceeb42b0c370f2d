"""Command line: `python -m harness grade beginner [--solution | --path DIR] [reports...]`.

Exit status: 0 when every check passed, 1 when any check failed or was skipped, 2 for a usage
error or a harness failure.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from world.cluster.backend import BACKENDS as CLUSTER_BACKENDS

from .drills import cli as drills_cli
from .errors import KataError
from .grading import cli as grading_cli
from .grading.guard import guarded_grade
from .grading.isolation import MODES
from .interview import cli as interview_cli
from .learn import cli as learn_cli
from .learn import state
from .learn.attempts import fingerprints
from .learn.exercism import sibling_of, write_results
from .learn.hints import HintingConsole
from .learn.progress import current_hints
from .projects import PROJECTS, TOOLS, get_project
from .report.html import html_beside, write_html
from .report.model import Report
from .report.writers import to_json, write_reports
from .runner import Options

REPO_ROOT = Path(__file__).resolve().parent.parent


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kata", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    grade = sub.add_parser("grade", help="run a project's pipeline and grade it")
    grade.add_argument(
        "level",
        choices=[*sorted(PROJECTS), *TOOLS],
        help="a project; `workflows` runs any repository's workflows (--path) ungraded",
    )
    where = grade.add_mutually_exclusive_group()
    where.add_argument("--solution", action="store_true", help="grade the reference solution")
    where.add_argument("--path", type=Path, help="grade any directory of the project's shape")
    grade.add_argument("--json", type=Path, metavar="FILE", help="write the report as JSON")
    grade.add_argument("--junit", type=Path, metavar="FILE", help="write JUnit XML")
    grade.add_argument("--markdown", type=Path, metavar="FILE", help="write a Markdown summary")
    grade.add_argument(
        "--html",
        type=Path,
        metavar="FILE",
        help="write the run page (static HTML); default: report.html beside --json FILE",
    )
    grade.add_argument("--static-only", action="store_true", help="only the instant static tier")
    grade.add_argument(
        "--real-providers",
        action="store_true",
        help="intermediate: validate and plan with providers from the Terraform registry",
    )
    grade.add_argument(
        "--branch", default="", help="branch the push goes to (default: main; advanced: dev)"
    )
    grade.add_argument(
        "--approve",
        action="append",
        default=[],
        metavar="ENV",
        help="advanced: approve the jobs bound to this GitHub Environment (repeatable)",
    )
    grade.add_argument(
        "--approvals",
        type=Path,
        metavar="FILE",
        help="advanced: YAML {environment: {approved_by: NAME}}",
    )
    grade.add_argument(
        "--cluster",
        choices=CLUSTER_BACKENDS,
        default="stand-in",
        help="advanced: the Kubernetes cluster to deploy to (kind needs kind, kubectl and "
        "the kindest/node image; default: the local stand-in)",
    )
    grade.add_argument(
        "--changed",
        action="append",
        default=[],
        metavar="FILE",
        help="the push changed these files (repeatable): `paths` filters decide what fires "
        "(default: a push that changes every file)",
    )
    network = grade.add_mutually_exclusive_group()
    network.add_argument(
        "--online",
        dest="actions",
        action="store_const",
        const="online",
        default="offline",
        help="where there is network access: act fetches the actions that have no offline "
        "stand-in (the others stay stood in)",
    )
    network.add_argument(
        "--real-actions",
        dest="actions",
        action="store_const",
        const="real",
        help="where there is network access: act fetches every action (no stand-ins)",
    )
    grade.add_argument(
        "--secrets-file",
        type=Path,
        metavar="FILE",
        help="more secrets for the workflows, NAME=VALUE lines (masked in every log and "
        "report); e.g. for `grade workflows`",
    )
    grade.add_argument("--keep-workdir", action="store_true", help="keep the run's temp folder")
    grade.add_argument("--quiet", action="store_true", help="no progress on stderr")
    grade.add_argument("--print-json", action="store_true", help="print the JSON report on stdout")
    grade.add_argument(
        "--exercism",
        type=Path,
        metavar="FILE",
        help="write Exercism results.json (v3); default: beside --json FILE",
    )
    grade.add_argument(
        "--stage-timeout",
        type=float,
        default=900.0,
        metavar="S",
        help="time limit of the act run in seconds (default 900)",
    )
    grade.add_argument(
        "--isolate",
        choices=MODES,
        default="off",
        help="run act under bwrap: auto (when available), on (required), off",
    )
    grade.add_argument("--act-log", type=Path, metavar="FILE", help="keep act's log (capped)")
    grade.add_argument(
        "--no-record", action="store_true", help="do not record this run in your progress file"
    )
    sub.add_parser("seed-base", help="seed the offline Python base image from Debian packages")
    sub.add_parser("list", help="list the projects and their checks")
    lint = sub.add_parser(
        "hadolint", help="lint Dockerfiles with the grader's hadolint, at its threshold (warning)"
    )
    lint.add_argument("files", nargs="+", metavar="FILE", help="a Dockerfile")
    grading_cli.add_parsers(sub)
    learn_cli.add_parsers(sub)
    drills_cli.add_parsers(sub)
    interview_cli.add_parsers(sub)
    return parser


def read_secrets_file(path: Path) -> dict[str, str]:
    """NAME=VALUE lines (blank lines and # comments skipped), as act's --secret-file reads
    them: a double-quoted VALUE may hold \\n, \\" and \\\\ (a private key on one line);
    a clear error for anything else."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise KataError(f"--secrets-file {path}: {exc.strerror or exc}") from None
    secrets: dict[str, str] = {}
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, eq, value = line.partition("=")
        if not eq or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name.strip()):
            raise KataError(f"--secrets-file {path}, line {number}: expected NAME=VALUE")
        if len(value) >= 2 and value.startswith('"') and value.endswith('"'):
            value = re.sub(r'\\(["\\n])', lambda m: "\n" if m.group(1) == "n" else m.group(1),
                           value[1:-1])  # fmt: skip
        secrets[name.strip()] = value
    return secrets


def _record(report: Report, progress: state.Progress | None, reads: dict[str, str] | None) -> None:
    if progress is None:
        return
    progress.record(report, reads)
    try:
        state.save(progress)
    except OSError as exc:
        print(f"kata: progress not saved: {exc}", file=sys.stderr)


def _reference_approvals(args: argparse.Namespace) -> list[str]:
    """The reference solution of the advanced project runs with its gates approved (by the
    kata), unless approvals were given; a learner's run approves only what they say."""
    if args.level == "advanced" and args.solution and args.approvals is None:
        return ["staging", "production"]
    return []


def _project_dir(args: argparse.Namespace) -> Path:
    if args.path is not None:
        return Path(str(args.path)).resolve()
    folder = "solutions" if args.solution else "exercises"
    return REPO_ROOT / folder / str(args.level)


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed the usage message
        return 0 if exc.code == 0 else 2
    try:
        if args.command == "seed-base":
            from harness import engine
            from world import base_image

            status = engine.engine_status()
            if not status.available:
                raise KataError(f"{status.reason}; {status.fix}")
            image = base_image.ensure_base_image()
            print(image.note)
            return 0
        if args.command == "list":
            for name, project in sorted(PROJECTS.items()):
                print(f"{name}: {project.title}")
                for check_id in project.all_check_ids():
                    print(f"  {check_id}")
            return 0
        if args.command == "hadolint":
            from harness.static.dockerfile import hadolint_command

            return hadolint_command(list(args.files))
        if args.command in grading_cli.COMMANDS:
            return grading_cli.run(args)
        if args.command in learn_cli.COMMANDS:
            return learn_cli.run(args)
        if args.command in drills_cli.COMMANDS:
            return drills_cli.run(args)
        if args.command in interview_cli.COMMANDS:
            return interview_cli.run(args)
        project = get_project(args.level)
        if args.level in TOOLS and args.path is None:
            raise KataError(f"`grade {args.level}` needs --path DIR (a repository folder)")
        project_dir = _project_dir(args)
        if not project_dir.is_dir():
            raise KataError(f"{project_dir} is not a directory; pass --path to a project folder")
        if args.stage_timeout <= 0:
            raise KataError("--stage-timeout must be positive")
        recorded = not (args.no_record or args.solution or args.level in TOOLS)
        progress = state.load() if recorded else None
        # what each check reads, as this run grades it: a failure is an attempt only if it
        # changed since the check's last failure
        reads = fingerprints(args.level, project_dir) if progress else None
        hints = current_hints(args.level, progress, reads) if progress else {}
        console = HintingConsole(hints, quiet=args.quiet)
        options = Options(
            project_dir=project_dir,
            level=args.level,
            static_only=args.static_only,
            branch=args.branch,
            act_timeout_s=args.stage_timeout,
            isolation=args.isolate,
            act_log=args.act_log,
            real_providers=args.real_providers,
            approve=list(args.approve) or _reference_approvals(args),
            approvals_file=args.approvals,
            approved_by="you (--approve)" if args.approve else "the kata (reference run)",
            cluster=args.cluster,
            changed_files=tuple(args.changed),
            actions=args.actions,
            secrets=read_secrets_file(args.secrets_file) if args.secrets_file else {},
        )
        options.keep_workdir = args.keep_workdir
        report = guarded_grade(project, options, console)
    except KataError as exc:
        print(f"kata: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("kata: interrupted; everything the run started was torn down", file=sys.stderr)
        return 2
    console.summary(report)
    _record(report, progress, reads)
    write_reports(report, json_path=args.json, junit=args.junit, markdown=args.markdown)
    exercism = args.exercism or (sibling_of(args.json) if args.json else None)
    if exercism is not None:
        write_results(report, exercism)
    page = args.html or (html_beside(args.json) if args.json else None)
    if page is not None:
        write_html(report, page)
    if args.print_json:
        sys.stdout.write(to_json(report))
    if report.harness_error:
        return 2
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
