"""Intermediate, runtime tiers: what the pipeline did to the emulated cloud, watched live.

While act runs, a watcher records which instances appeared, whether the API answered at the
instance's address, and which per-run workspace state appeared in the backend. After act
finished (and before the harness cleans anything up) it records what was left behind.
"""

from __future__ import annotations

import threading
import time
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from harness import waits
from harness.act_results import ActRun
from harness.checks import CheckList, Outcome, failed, passed, skipped
from harness.manifest import load_manifest
from harness.projects import common
from harness.sandbox import Sandbox
from world.actions.artifacts import artifact_files, artifact_names

API_PORT = 8000
REPORT_ARTIFACT = "integration-report"


@dataclass
class ApiObservation:
    address: str
    health: bool
    predictions_ok: bool
    detail: str


@dataclass
class DeployContext:
    sandbox: Sandbox
    workdir: Path
    act: ActRun | None = None
    artifacts_dir: Path | None = None
    not_run_reason: str = ""
    instances_seen: set[str] = field(default_factory=set)
    api: dict[str, ApiObservation] = field(default_factory=dict)
    workspaces_seen: set[str] = field(default_factory=set)
    leftover_resources: list[str] | None = None
    state_keys_left: list[str] | None = None
    vms_left: list[str] | None = None
    emulator_problem: str = ""
    # "kind/id" -> [first, last] seconds after act started when the watcher saw it (the
    # run page's resource timeline; gone by the poll after `last`)
    seen_at: dict[str, list[float]] = field(default_factory=dict)
    watched_s: float = 0.0  # when the watcher's last look was


class Watcher:
    """Polls the emulator, the VMs and their API once a second while the pipeline runs;
    `resources` (the emulator's listing) also dates what existed when."""

    def __init__(
        self,
        ctx: DeployContext,
        vms: Any,
        s3: Any,
        bucket: str,
        resources: Callable[[], list[str]] | None = None,
    ) -> None:
        self.ctx, self.vms, self.s3, self.bucket = ctx, vms, s3, bucket
        self.resources = resources
        self._started = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="kata-watcher", daemon=True)

    def __enter__(self) -> Watcher:
        self._started = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self.poll()  # one last look

    def _loop(self) -> None:
        while not self._stop.wait(1.0):
            try:
                self.poll()
            except Exception:  # the emulator may be gone mid-run; keep watching
                continue

    def _saw(self, name: str) -> None:
        now = round(time.monotonic() - self._started, 1)
        self.ctx.seen_at.setdefault(name, [now, now])[1] = now

    def poll(self) -> None:
        self.ctx.watched_s = round(time.monotonic() - self._started, 1)
        if self.resources is not None:
            try:
                for name in self.resources():
                    self._saw(name)
            except Exception:  # the emulator may be mid-change; the next look counts
                pass
        for vm in self.vms.vms():
            self.ctx.instances_seen.add(vm.instance_id)
            self._saw(f"vm/{vm.container_name}")
            if vm.state == "running" and not self.ctx.api.get(vm.address, _NONE).predictions_ok:
                self.ctx.api[vm.address] = probe_api(vm.address)
        try:
            listing = self.s3.list_objects_v2(Bucket=self.bucket, Prefix="env:/")
        except Exception:
            return
        for obj in listing.get("Contents") or []:
            parts = str(obj["Key"]).split("/")
            if len(parts) >= 3:
                self.ctx.workspaces_seen.add(parts[1])
                self._saw(f"state/{parts[1]}")


_NONE = ApiObservation("", False, False, "")


def probe_api(address: str) -> ApiObservation:
    base = f"http://{address}:{API_PORT}"
    try:
        health = httpx.get(f"{base}/health", timeout=2)
    except httpx.HTTPError as exc:
        return ApiObservation(address, False, False, f"GET /health: {type(exc).__name__}")
    if health.status_code != 200:
        return ApiObservation(address, False, False, f"GET /health answered {health.status_code}")
    features = [f for f, _ in common.CANONICAL]
    expected = [label for _, label in common.CANONICAL]
    try:
        resp = httpx.post(f"{base}/predict", json={"instances": features}, timeout=5)
        got = resp.json().get("predictions")
    except (httpx.HTTPError, ValueError, AttributeError) as exc:
        return ApiObservation(address, True, False, f"POST /predict: {type(exc).__name__}")
    ok = got == expected
    return ApiObservation(
        address, True, ok, f"predictions {got}" + ("" if ok else f", expected {expected}")
    )


MANIFEST = load_manifest("intermediate")
PIPELINE = CheckList[DeployContext](MANIFEST)
DEPLOY = CheckList[DeployContext](MANIFEST)
TEARDOWN = CheckList[DeployContext](MANIFEST)

common.register(PIPELINE, "pipeline.act-run")


def _ran(ctx: DeployContext) -> Outcome | None:
    if ctx.act is None:
        return skipped(ctx.not_run_reason or "the workflow was not run")
    return None


@DEPLOY.check("terraform.apply")
def tf_apply(ctx: DeployContext) -> Outcome:
    if (problem := _ran(ctx)) is not None:
        return problem
    assert ctx.act is not None
    applies = [
        s
        for job in ctx.act.jobs.values()
        for s in job.steps
        if s.stage == "Main" and "apply" in s.name.lower()
    ]
    failed_applies = [s for s in applies if s.result == "failure"]
    if failed_applies:
        return failed(f"step `{failed_applies[0].name.splitlines()[0][:80]}` failed")
    if not ctx.instances_seen:
        return failed("no EC2 instance appeared in the emulator during the run")
    return passed(f"instance(s) created: {', '.join(sorted(ctx.instances_seen))}")


@DEPLOY.check("deploy.api-answers")
def api_answers(ctx: DeployContext) -> Outcome:
    if (problem := _ran(ctx)) is not None:
        return problem
    if not ctx.instances_seen:
        return skipped("no instance was created")
    good = [o for o in ctx.api.values() if o.predictions_ok]
    if good:
        return passed(
            f"http://{good[0].address}:{API_PORT} answered /health and predicted correctly"
        )
    seen = "; ".join(f"{o.address}: {o.detail}" for o in ctx.api.values())
    return failed(seen or "nothing answered on port 8000 of any instance while the run lasted")


@DEPLOY.check("deploy.integration-tests")
def integration_tests(ctx: DeployContext) -> Outcome:
    if (problem := _ran(ctx)) is not None:
        return problem
    root = ctx.artifacts_dir
    if root is None or REPORT_ARTIFACT not in artifact_names(root):
        return failed(f"no artifact named `{REPORT_ARTIFACT}` with a JUnit report")
    try:
        files = artifact_files(root, REPORT_ARTIFACT)
    except (OSError, zipfile.BadZipFile) as exc:
        return failed(f"the report artifact could not be read: {exc}")
    xml = [p for rel, p in files.items() if rel.endswith(".xml")]
    if not xml:
        return failed(f"`{REPORT_ARTIFACT}` holds no .xml file")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for path in xml:
        try:
            tree = ET.parse(path).getroot()
        except ET.ParseError as exc:
            return failed(f"{path.name} is not JUnit XML: {exc}")
        suites = [tree] if tree.tag == "testsuite" else list(tree.iter("testsuite"))
        for suite in suites:
            for key in totals:
                totals[key] += int(suite.get(key, 0) or 0)
    ran = totals["tests"] - totals["skipped"]
    summary = ", ".join(f"{totals[k]} {k}" for k in ("tests", "failures", "errors", "skipped"))
    if ran <= 0:
        return failed(summary + ": nothing really ran (is API_URL set?)")
    if totals["failures"] or totals["errors"]:
        return failed(summary)
    return passed(summary)


@TEARDOWN.check("teardown.emulator-empty")
def emulator_empty(ctx: DeployContext) -> Outcome:
    if (problem := _ran(ctx)) is not None:
        return problem
    if ctx.leftover_resources is None:
        return skipped(ctx.emulator_problem or "the emulator could not be read after the run")
    if ctx.leftover_resources:
        return failed(f"left behind: {', '.join(ctx.leftover_resources[:8])}")
    return passed("no VPC, subnet, gateway, route table, security group, key pair or instance left")


@TEARDOWN.check("teardown.workspace-deleted")
def workspace_deleted(ctx: DeployContext) -> Outcome:
    if (problem := _ran(ctx)) is not None:
        return problem
    if not ctx.workspaces_seen:
        return failed(
            "no per-run workspace state appeared in the backend (state went to `default`)"
        )
    if ctx.state_keys_left is None:
        return skipped(ctx.emulator_problem or "the state bucket could not be read after the run")
    if ctx.state_keys_left:
        return failed(f"workspace state still in the backend: {', '.join(ctx.state_keys_left[:4])}")
    return passed(f"workspace {', '.join(sorted(ctx.workspaces_seen))} created, then deleted")


@TEARDOWN.check("teardown.no-vm-left")
def no_vm_left(ctx: DeployContext) -> Outcome:
    if (problem := _ran(ctx)) is not None:
        return problem
    if ctx.vms_left is None:
        return skipped("the VMs could not be listed after the run")
    if ctx.vms_left:
        return failed(f"still running: {', '.join(ctx.vms_left)}")
    seen = len(ctx.instances_seen)
    return passed(f"{seen} VM(s) came and went" if seen else "no VM was started")


def wait_until(predicate: Any, timeout: float) -> bool:
    return waits.succeeds_within(predicate, timeout_s=timeout, retry_on=())
