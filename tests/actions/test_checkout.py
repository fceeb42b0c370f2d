"""actions/checkout stand-in under real act (host mode)."""

from __future__ import annotations

from .act_helpers import ActProject, dump_env_step

WORKFLOW = """
on: push
jobs:
  plain:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: test -f data.txt && test -d .git
  explicit:
    runs-on: ubuntu-latest
    steps:
      - id: co
        uses: actions/checkout@v4
        with:
          repository: ${{ github.repository }}
          ref: ${{ github.sha }}
          path: src
          fetch-depth: 0
      - run: |
          test -f src/data.txt && test -f src/untracked.txt && test ! -e src/ignored.log
          echo "HEAD=$(git -C src rev-parse HEAD)"
      - run: DUMP
        env:
          O_REF: ${{ steps.co.outputs.ref }}
          O_COMMIT: ${{ steps.co.outputs.commit }}
  other:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          repository: octocat/hello-world
""".replace("DUMP", dump_env_step())


def test_checkout_copies_the_working_tree_and_refuses_other_repos(project: ActProject) -> None:
    project.write("data.txt", "tracked\n")
    project.write(".gitignore", "*.log\n")
    project.commit()
    project.write("untracked.txt", "new\n")
    project.write("ignored.log", "noise\n")

    run = project.run(WORKFLOW)

    assert run.job_result("plain") == "success", run.explain()
    assert run.job_result("explicit") == "success", run.explain()
    sha = project.head()
    assert f"HEAD={sha}" in run.lines("explicit")
    assert run.result("explicit") == {"REF": sha, "COMMIT": sha}
    assert run.job_result("other") == "failure"
    assert any("'repository'" in e and "octocat/hello-world" in e for e in run.errors("other"))
