"""A failed deploy check says what the cluster saw (crash loops, failing probes, pulls)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from harness.act_results import ActRun
from harness.checks import Status
from harness.projects.advanced.runtime_checks import PromoteContext, deploy_dev
from world.cluster.kind import warning_lines

CRASH = "pod iris-dev/model-abc-0 BackOff: back-off restarting failed container (exit code 1)"


def context(**kwargs: Any) -> PromoteContext:
    ctx = PromoteContext(sandbox=cast(Any, None), workdir=Path("/nonexistent"), **kwargs)
    ctx.act = ActRun(returncode=0, jobs={}, duration_s=1.0, log_path=Path("/nonexistent"))
    return ctx


def test_a_failed_deploy_shows_the_namespaces_last_warnings() -> None:
    ctx = context(new_image="127.0.0.1:5000/iris:new", dev_health="GET /health answered 503")
    ctx.final_images = {"dev": {"model": "127.0.0.1:5000/iris:new"}}
    ctx.warnings = {"dev": ["pod iris-dev/old Unhealthy: readiness probe failed", "x", CRASH]}
    result = deploy_dev(ctx)
    assert result.status is Status.FAIL
    assert result.message == (
        f"dev.iris.local: GET /health answered 503; cluster events: x | {CRASH}"
    )


def test_without_warnings_the_message_is_unchanged_and_a_pass_stays_quiet() -> None:
    ctx = context(new_image="127.0.0.1:5000/iris:new", dev_health="no answer (ConnectError)")
    ctx.final_images = {"dev": {"model": "127.0.0.1:5000/iris:old"}}
    failed = deploy_dev(ctx)
    assert failed.status is Status.FAIL and "cluster events" not in failed.message
    ctx.final_images = {"dev": {"model": "127.0.0.1:5000/iris:new"}}
    ctx.dev_health = "ok"
    ctx.warnings = {"dev": [CRASH]}  # an old crash of a pod long replaced
    assert deploy_dev(ctx).status is Status.PASS


def test_kind_warning_events_read_like_the_stand_ins() -> None:
    events: list[dict[str, Any]] = [
        {
            "lastTimestamp": "2026-11-26T10:00:02Z",
            "involvedObject": {"kind": "Pod", "namespace": "iris-dev", "name": "model-abc-0"},
            "reason": "BackOff",
            "message": "Back-off restarting failed container model",
            "count": 4,
        },
        {
            "lastTimestamp": "2026-11-26T10:00:01Z",
            "involvedObject": {"kind": "Pod", "namespace": "iris-dev", "name": "model-abc-0"},
            "reason": "Failed",
            "message": "Error: ErrImagePull",
        },
    ]
    assert warning_lines(events) == [
        "pod iris-dev/model-abc-0 Failed: Error: ErrImagePull",
        "pod iris-dev/model-abc-0 BackOff: Back-off restarting failed container model (x4)",
    ]


def test_job_output_in_reports_has_no_colour_codes() -> None:
    import json

    from harness.act_results import JobResult, consume_line

    jobs: dict[str, JobResult] = {}
    line = {
        "jobID": "deploy-dev",
        "raw_output": True,
        "msg": "\x1b[31m│\x1b[0m \x1b[0m\x1b[1m\x1b[31mError: \x1b[0m"
        "\x1b[0m\x1b[1mnot ready\x1b[0m\n",
    }
    consume_line(json.dumps(line), jobs, [], None)
    assert jobs["deploy-dev"].tail() == "│ Error: not ready"


def test_repeated_warnings_are_counted_as_kubernetes_does() -> None:
    from world.cluster.controller import _counted

    assert _counted(["a", "a", "a", "b", "a"]) == ["a (x3)", "b", "a"]
    assert _counted([]) == []
