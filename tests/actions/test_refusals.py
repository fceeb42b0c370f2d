"""What cannot run offline fails its step with the verdict under real act, and act never
reaches for the network; ssh/scp-action failures say why (one act run, a job per case)."""

from __future__ import annotations

from .act_helpers import ActProject, ActRun, free_port

WORKFLOW = """
on: push
jobs:
  unknown:
    runs-on: ubuntu-latest
    steps:
      - run: echo before
      - uses: nobody/no-such-action@v1
  retired:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/cache@v2
        with:
          path: x
          key: y
  remote:
    uses: org/shared/.github/workflows/deploy.yml@main
  ssh:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: appleboy/ssh-action@v1
        continue-on-error: true
        with:
          host: 127.0.0.1
          username: deploy
          script: echo hi
      - uses: appleboy/scp-action@v0.1.7
        with:
          host: 127.0.0.1
          port: @PORT@
          username: deploy
          password: not-a-real-one
          timeout: 5s
          source: README.md
          target: /srv/app
"""


def _verdict(run: ActRun, job: str) -> str:
    """The refusing step's verdict as act showed it: its `::error::` annotation, or, when act
    dropped the output of that very short step (seen in about 1 run of 6), the step's own
    command line, which carries the same text."""
    said = " ".join(run.errors(job))
    if said:
        return said
    return " ".join(
        str(r.get("msg", ""))
        for r in run.records
        if r.get("jobID") == job and "::error::kata:" in str(r.get("msg", ""))
    )


def test_what_cannot_run_fails_with_its_verdict_and_no_clone(project: ActProject) -> None:
    project.write("README.md", "kata\n")
    project.commit("README.md")
    run = project.run(WORKFLOW.replace("@PORT@", str(free_port())), allow_unsupported=True)
    assert "git clone" not in run.text  # act's message when it fetches an action
    assert "LocalRepositoryCache matched https://github.com/nobody/no-such-action" in run.text

    assert run.job_result("unknown") == "failure"
    assert "before" in run.lines("unknown")
    unknown = _verdict(run, "unknown")
    assert "kata: nobody/no-such-action@v1 cannot run offline: no offline stand-in" in unknown
    assert "What to do:" in unknown and "write the step as `run:` commands" in unknown

    assert run.job_result("retired") == "failure"
    retired = _verdict(run, "retired")
    assert "2025-03-01" in retired and "use @v3 or newer" in retired
    # the called workflow is the refusing one (act may stop before its job prints)
    assert "LocalRepositoryCache matched https://github.com/org/shared" in run.text

    assert run.job_result("ssh") == "failure"
    ssh = run.errors("ssh")
    assert any("can't connect without a private SSH key or password" in e for e in ssh)
    assert any("127.0.0.1" in e and "exited with status" in e for e in ssh), run.explain()
