"""Beginner, static tier: what can be judged from the files alone, in milliseconds."""

from __future__ import annotations

import re

from harness.checks import CheckList, Outcome, failed, passed, skipped
from harness.static.context import StaticContext, step_runs, step_uses, transitive_needs
from harness.static.dockerfile import hadolint
from harness.static.requirements import parse_requirements
from harness.static.secrets_scan import scan_project
from harness.workflows import PushEvent, fires_on_push

STATIC = CheckList[StaticContext]()
OTHER_BRANCH = "feature/kata-check"
TRAIN_RUN = re.compile(r"\bpython3?\s+(-m\s+)?[\w./-]*train")
IMAGE_RUN = re.compile(r"\bdocker\s+(push|buildx\s+build|build)\b")
ROOT_USERS = {"", "root", "0", "0:0", "root:root"}


def _workflow_problem(ctx: StaticContext) -> Outcome | None:
    if not ctx.workflows.workflows:
        return skipped("no readable workflow: " + "; ".join(ctx.workflows.errors))
    return None


@STATIC.add(
    "workflow.valid",
    "Workflows are valid YAML with jobs and triggers",
    stage="static",
    points=1,
    hint="Keep workflows in .github/workflows/*.yml with top-level `on:` and `jobs:`; "
    "check indentation (spaces, not tabs) where the error points.",
)
def workflow_valid(ctx: StaticContext) -> Outcome:
    if ctx.workflows.errors:
        return failed("; ".join(ctx.workflows.errors))
    names = ", ".join(str(w.path) for w in ctx.workflows.workflows)
    return passed(f"{len(ctx.workflows.workflows)} workflow(s): {names}")


@STATIC.add(
    "workflow.trigger-main",
    "The pipeline runs on a push to main, and only to main",
    stage="static",
    points=2,
    hint="Under `on:` use `push:` with `branches: [main]`. A bare `on: push` builds and "
    "publishes an image from every feature branch.",
    deeper_hints=(
        "`on:` takes a mapping: put `push:` under it, indented, and under `push:` the key "
        "`branches:` with the list `[main]`. Check that no other trigger (e.g. a bare "
        "`pull_request:` or `push:` in a second workflow) still fires for other branches.",
    ),
)
def trigger_main(ctx: StaticContext) -> Outcome:
    if (problem := _workflow_problem(ctx)) is not None:
        return problem
    main = [w for w in ctx.workflows.workflows if fires_on_push(w, PushEvent("refs/heads/main"))]
    other = [
        w
        for w in ctx.workflows.workflows
        if fires_on_push(w, PushEvent(f"refs/heads/{OTHER_BRANCH}"))
    ]
    if not main:
        return failed("no workflow runs on a push to main")
    if other:
        names = ", ".join(str(w.path) for w in other)
        return failed(f"{names} also run(s) on a push to `{OTHER_BRANCH}`")
    return passed(f"{', '.join(str(w.path) for w in main)} run(s) on push to main only")


@STATIC.add(
    "workflow.job-needs",
    "The image job waits for the training job (`needs`)",
    stage="static",
    points=2,
    hint="Split the pipeline into a `train` job and a build job, and give the build job "
    "`needs: train` so it only runs after training succeeded and can download its model.",
    deeper_hints=(
        "`needs:` is a key of the job, at the same indentation as `runs-on:`, and names the "
        "job id (the key under `jobs:`), e.g. `needs: train`; not the job's `name:`.",
    ),
)
def job_needs(ctx: StaticContext) -> Outcome:
    if (problem := _workflow_problem(ctx)) is not None:
        return problem
    for wf in ctx.workflows.workflows:
        jobs = wf.jobs
        trainers = [j for j, job in jobs.items() if TRAIN_RUN.search(step_runs(job))]
        builders = [
            j
            for j, job in jobs.items()
            if any(u.startswith("docker/build-push-action") for u in step_uses(job))
            or IMAGE_RUN.search(step_runs(job))
        ]
        if not trainers or not builders:
            continue
        for builder in builders:
            if builder in trainers:
                return failed(f"job `{builder}` both trains and builds the image: split it in two")
            if not set(trainers) & transitive_needs(jobs, builder):
                return failed(
                    f"job `{builder}` builds the image but does not need the training job "
                    f"`{trainers[0]}`: both start at once and the model may not exist yet"
                )
        return passed(f"{', '.join(builders)} need(s) {', '.join(trainers)}")
    return failed("found no pair of jobs where one runs a training script and one builds an image")


@STATIC.add(
    "workflow.registry-login",
    "The registry login takes its credentials from secrets",
    stage="static",
    points=2,
    hint="Log in with docker/login-action, `username: ${{ secrets.REGISTRY_USERNAME }}` and "
    "`password: ${{ secrets.REGISTRY_PASSWORD }}`; the registry address is `${{ vars.REGISTRY }}`.",
    deeper_hints=(
        "Add a step before the build: `uses: docker/login-action@v3` with a `with:` block "
        "holding `registry:`, `username:` and `password:`; the two credentials are "
        "expressions over `secrets.`, never literal text.",
    ),
)
def registry_login(ctx: StaticContext) -> Outcome:
    if (problem := _workflow_problem(ctx)) is not None:
        return problem
    for wf in ctx.workflows.workflows:
        for _job, step in wf.steps():
            uses = str(step.get("uses", ""))
            if uses.startswith("docker/login-action"):
                password = str((step.get("with") or {}).get("password", ""))
                if "secrets." in password:
                    return passed(f"{wf.path}: docker/login-action with a password from secrets")
                return failed(
                    f"{wf.path}: docker/login-action's password does not come from secrets"
                )
            run = str(step.get("run", ""))
            if re.search(r"docker\s+login", run):
                env = " ".join(str(v) for v in (step.get("env") or {}).values())
                if "--password-stdin" in run and "secrets." in (env + run):
                    return passed(f"{wf.path}: `docker login --password-stdin` fed from secrets")
                return failed(f"{wf.path}: `docker login` without --password-stdin from a secret")
    return failed("no step logs in to the registry, so the push will be refused")


@STATIC.add(
    "deps.pinned",
    "Every requirement is pinned to one version",
    stage="static",
    points=2,
    hint="Pin each line of requirements.txt with `==` (e.g. `scikit-learn==1.9.1`): an "
    "unpinned dependency can change under you and break training or unpickling the model.",
    deeper_hints=(
        "Every non-comment line needs `name==version`; `>=`, `~=` or a bare name all count "
        "as unpinned. The exercise README's task 2 lists the exact versions to use.",
    ),
)
def deps_pinned(ctx: StaticContext) -> Outcome:
    path = ctx.root / "requirements.txt"
    if not path.is_file():
        return failed("requirements.txt is missing")
    reqs = parse_requirements(path)
    if not reqs:
        return failed("requirements.txt lists no requirement")
    loose = [r for r in reqs if not r.pinned]
    if loose:
        shown = ", ".join(f"`{r.text}` (line {r.line})" for r in loose[:6])
        return failed(f"{len(loose)} of {len(reqs)} not pinned: {shown}")
    return passed(f"all {len(reqs)} requirements pinned with ==")


@STATIC.add(
    "secrets.none-hardcoded",
    "No credential is written into any file",
    stage="static",
    points=3,
    hint="Never commit a password or token: store it as a GitHub secret and reference it as "
    "`${{ secrets.NAME }}`; in a Dockerfile never put credentials in ENV or ARG.",
)
def no_hardcoded_secrets(ctx: StaticContext) -> Outcome:
    findings = scan_project(ctx.root)
    if findings:
        shown = "; ".join(str(f) for f in findings[:6])
        return failed(f"{len(findings)} finding(s): {shown}")
    return passed("no credential found in workflows, Dockerfile or code")


def _dockerfile_missing(ctx: StaticContext) -> Outcome | None:
    if ctx.dockerfile is None:
        return failed("no Dockerfile at the project root")
    if not ctx.dockerfile.stages:
        return failed("the Dockerfile has no FROM instruction")
    return None


@STATIC.add(
    "dockerfile.lint",
    "The Dockerfile passes hadolint (no warnings or errors)",
    stage="static",
    points=2,
    hint="Run `hadolint Dockerfile` and fix each finding; its code (e.g. DL3042) links to an "
    "explanation in the hadolint wiki.",
)
def dockerfile_lint(ctx: StaticContext) -> Outcome:
    if (problem := _dockerfile_missing(ctx)) is not None:
        return problem
    try:
        findings = hadolint(ctx.root / "Dockerfile")
    except FileNotFoundError as exc:
        return skipped(f"hadolint is not installed: {exc}")
    serious = [f for f in findings if f.level in ("error", "warning")]
    if serious:
        return failed(f"{len(serious)} finding(s): " + "; ".join(str(f) for f in serious[:5]))
    info = f" ({len(findings)} info/style note(s))" if findings else ""
    return passed("hadolint found no warning or error" + info)


@STATIC.add(
    "dockerfile.base-arg",
    "The base image is chosen by a build argument",
    stage="static",
    points=1,
    hint="Declare `ARG BASE_IMAGE=python:3.11-slim` before `FROM ${BASE_IMAGE}` so the pipeline "
    "can swap in a mirrored or offline base image without editing the Dockerfile.",
    deeper_hints=(
        "The ARG must come before the first FROM (an ARG after FROM is only visible inside "
        "that stage), and FROM must use exactly that name: `FROM ${BASE_IMAGE}`.",
    ),
)
def base_arg(ctx: StaticContext) -> Outcome:
    if (problem := _dockerfile_missing(ctx)) is not None:
        return problem
    assert ctx.dockerfile is not None
    first = ctx.dockerfile.stages[0].base
    declared = {a.args.split("=", 1)[0].strip() for a in ctx.dockerfile.pre_from_args}
    used = re.fullmatch(r"\$\{?(\w+)\}?", first)
    if used and used.group(1) in declared:
        return passed(f"FROM ${{{used.group(1)}}}, declared with ARG")
    return failed(f"the first stage is FROM {first!r}, not FROM a declared build argument")


@STATIC.add(
    "dockerfile.non-root",
    "The final image switches to a non-root user",
    stage="static",
    points=2,
    hint="Create a user (`RUN useradd --create-home --uid 10001 app`) and add `USER app` after "
    "installing packages, so a compromised API cannot act as root in the container.",
    deeper_hints=(
        "The last `USER` of the final stage decides: put `RUN useradd ...` and then `USER` "
        "after every `RUN pip install` (which needs root), before `CMD`; a numeric uid such "
        "as `USER 10001` also works where the name is not known.",
    ),
)
def dockerfile_non_root(ctx: StaticContext) -> Outcome:
    if (problem := _dockerfile_missing(ctx)) is not None:
        return problem
    assert ctx.dockerfile is not None and ctx.dockerfile.final is not None
    user = ctx.dockerfile.final.last("USER")
    if user is None:
        return failed("the final stage has no USER instruction, so it runs as root")
    if user.args.strip() in ROOT_USERS:
        return failed(f"line {user.line}: USER {user.args} is root")
    return passed(f"line {user.line}: USER {user.args}")


@STATIC.add(
    "dockerfile.healthcheck",
    "The image declares a HEALTHCHECK",
    stage="static",
    points=2,
    hint='Add e.g. `HEALTHCHECK CMD python3 -c "import urllib.request; '
    "urllib.request.urlopen('http://127.0.0.1:8000/health')\"` so Docker knows when the API is up.",
    deeper_hints=(
        "HEALTHCHECK belongs in the final stage, before CMD. Its command must exit non-zero "
        "when /health fails: `urllib.request.urlopen` raises on an error, which does that.",
    ),
)
def dockerfile_healthcheck(ctx: StaticContext) -> Outcome:
    if (problem := _dockerfile_missing(ctx)) is not None:
        return problem
    assert ctx.dockerfile is not None and ctx.dockerfile.final is not None
    health = ctx.dockerfile.final.last("HEALTHCHECK")
    if health is None:
        return failed("the final stage has no HEALTHCHECK")
    if health.args.strip().upper() == "NONE":
        return failed(f"line {health.line}: HEALTHCHECK NONE switches health checking off")
    return passed(f"line {health.line}: HEALTHCHECK {health.args[:60]}")


PROVIDED_SECRETS = ("REGISTRY_USERNAME", "REGISTRY_PASSWORD", "GITHUB_TOKEN")
SECRET_REF = re.compile(r"\bsecrets\s*(?:\.\s*([A-Za-z_][\w-]*)|\[\s*['\"]([^'\"]+)['\"]\s*\])")


def secret_references(text: str) -> list[tuple[int, str]]:
    """(line, NAME) for every `secrets.NAME` or `secrets['NAME']` outside YAML comments."""
    refs = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("#"):
            continue
        for match in SECRET_REF.finditer(line):
            refs.append((number, match.group(1) or match.group(2)))
    return refs


@STATIC.add(
    "workflow.known-secrets",
    "Every secret the workflow uses is one the repository defines",
    stage="static",
    points=1,
    hint="The repository provides exactly these secrets: "
    + ", ".join(PROVIDED_SECRETS)
    + ". A misspelt name is not an error on GitHub: it evaluates to an empty string, and the "
    "step that uses it (e.g. `docker login`) fails later with a confusing message.",
)
def known_secrets(ctx: StaticContext) -> Outcome:
    folder = ctx.root / ".github" / "workflows"
    files = sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")]) if folder.is_dir() else []
    if not files:
        return skipped("no workflow file in .github/workflows")
    unknown: list[str] = []
    used: set[str] = set()
    for path in files:
        rel = path.relative_to(ctx.root)
        for line, name in secret_references(path.read_text(encoding="utf-8", errors="replace")):
            # GitHub matches secret names case-insensitively
            if name.upper() in PROVIDED_SECRETS:
                used.add(name.upper())
            else:
                unknown.append(f"`secrets.{name}` ({rel}:{line})")
    if unknown:
        return failed(
            f"{len(unknown)} reference(s) to a secret the repository does not define: "
            + ", ".join(unknown[:6])
            + f"; defined: {', '.join(PROVIDED_SECRETS)}"
        )
    if not used:
        return passed("the workflows reference no secret")
    return passed("every referenced secret exists: " + ", ".join(sorted(used)))
