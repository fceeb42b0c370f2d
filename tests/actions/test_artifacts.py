"""upload-artifact / download-artifact stand-ins through act's real artifact server."""

from __future__ import annotations

import hashlib

from world.actions.artifacts import artifact_files, artifact_names

from .act_helpers import ActProject, dump_env_step

ROUNDTRIP = """
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: up
        uses: actions/upload-artifact@v4
        with:
          name: model
          path: |
            out/
            !out/**/*.tmp
      - uses: actions/upload-artifact@v4
        with:
          name: report
          path: report.txt
      - run: DUMP
        env:
          O_ID: ${{ steps.up.outputs.artifact-id }}
          O_URL: ${{ steps.up.outputs.artifact-url }}
          O_DIGEST: ${{ steps.up.outputs.artifact-digest }}
  use:
    runs-on: ubuntu-latest
    needs: build
    steps:
      - id: one
        uses: actions/download-artifact@v4
        with:
          name: model
          path: got
      - uses: actions/download-artifact@v4
        with:
          path: all
      - run: |
          find got all -type f | sort | xargs sha256sum
          echo "DOWNLOAD_PATH=${{ steps.one.outputs.download-path }}"
""".replace("DUMP", dump_env_step())


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_upload_then_download_across_jobs_keeps_the_bytes(project: ActProject) -> None:
    files = {
        "out/weights.bin": bytes(range(256)) * 300,
        "out/sub/metrics.json": b'{"accuracy": 0.97}\n',
        "out/scratch.tmp": b"excluded by !pattern\n",
        "out/.cache/hidden": b"hidden files stay out by default\n",
        "report.txt": b"a lone file keeps only its name\n",
    }
    for relpath, data in files.items():
        (project.repo / relpath).parent.mkdir(parents=True, exist_ok=True)
        (project.repo / relpath).write_bytes(data)
    project.commit()

    run = project.run(ROUNDTRIP)
    assert run.job_result("build") == "success", run.explain()
    assert run.job_result("use") == "success", run.explain()

    # on disk, where the harness reads it: ARTIFACT_DIR/<run>/<name>/<name>.zip
    model = artifact_files(project.artifacts, "model")
    assert sorted(model) == ["sub/metrics.json", "weights.bin"]
    assert model["weights.bin"].read_bytes() == files["out/weights.bin"]
    report = artifact_files(project.artifacts, "report")
    assert {k: v.read_bytes() for k, v in report.items()} == {"report.txt": files["report.txt"]}
    assert artifact_names(project.artifacts) == ["model", "report"]
    assert artifact_files(project.artifacts, "missing") == {}

    outputs = run.result("build")
    zip_path = project.artifacts / "1" / "model" / "model.zip"
    assert outputs["DIGEST"] == _sha(zip_path.read_bytes())
    assert outputs["ID"].isdigit()
    assert outputs["URL"].endswith(f"/kata-learner/demo/actions/runs/1/artifacts/{outputs['ID']}")

    # downloaded in the other job: same bytes; by name flat, all artifacts under path/<name>
    hashes = {ln.split()[1]: ln.split()[0] for ln in run.lines("use") if "  " in ln}
    assert hashes == {
        "got/weights.bin": _sha(files["out/weights.bin"]),
        "got/sub/metrics.json": _sha(files["out/sub/metrics.json"]),
        "all/model/weights.bin": _sha(files["out/weights.bin"]),
        "all/model/sub/metrics.json": _sha(files["out/sub/metrics.json"]),
        "all/report/report.txt": _sha(files["report.txt"]),
    }
    assert any(ln.startswith("DOWNLOAD_PATH=/") and ln.endswith("/got") for ln in run.lines("use"))


EDGE_CASES = """
on: push
jobs:
  none-error:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/upload-artifact@v4
        with:
          name: nothing
          path: does-not-exist/**
          if-no-files-found: error
  none-warn:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/upload-artifact@v4
        with:
          path: does-not-exist/**
  twice:
    runs-on: ubuntu-latest
    steps:
      - run: echo one > a.txt
      - uses: actions/upload-artifact@v4
        with:
          name: dup
          path: a.txt
      - run: echo two > a.txt
      - uses: actions/upload-artifact@v4
        with:
          name: dup
          path: a.txt
          overwrite: true
      - uses: actions/upload-artifact@v4
        with:
          name: dup
          path: a.txt
  missing:
    runs-on: ubuntu-latest
    needs: twice
    if: always()
    steps:
      - uses: actions/download-artifact@v4
        with:
          name: never-uploaded
  unsupported:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/upload-artifact@v4
        with:
          path: .
          compression-level: "11"
"""


def test_upload_and_download_failures_are_loud(project: ActProject) -> None:
    run = project.run(EDGE_CASES)

    assert run.job_result("none-error") == "failure"
    assert any("No files were found" in e for e in run.errors("none-error"))
    assert run.job_result("none-warn") == "success", run.explain()
    warned = [r for r in run.records if r.get("command") == "warning"]
    assert any("No files were found" in str(r.get("arg")) for r in warned)
    assert artifact_names(project.artifacts) == ["dup"]

    assert run.job_result("twice") == "failure"  # third upload: same name, no overwrite
    assert any("already exists" in e for e in run.errors("twice"))
    assert artifact_files(project.artifacts, "dup")["a.txt"].read_text() == "two\n"

    assert run.job_result("missing") == "failure"
    assert any("Artifact not found for name: never-uploaded" in e for e in run.errors("missing"))
    assert run.job_result("unsupported") == "failure"
    assert any("'compression-level'" in e for e in run.errors("unsupported"))


SELECTION = """
on: push
jobs:
  up:
    runs-on: ubuntu-latest
    steps:
      - run: mkdir -p o/.h && echo 1 > o/.h/x && echo 2 > o/y && echo 3 > z.txt
      - uses: actions/upload-artifact@v4
        with:
          name: hidden
          path: o
          include-hidden-files: true
      - uses: actions/upload-artifact@v4
        with:
          name: other-1
          path: z.txt
  down:
    runs-on: ubuntu-latest
    needs: up
    steps:
      - uses: actions/download-artifact@v4
        with:
          pattern: other-*
          path: v4
      - uses: actions/download-artifact@v5
        with:
          pattern: other-*
          path: v5
      - uses: actions/download-artifact@v4
        with:
          path: merged
          merge-multiple: true
      - run: find v4 v5 merged -type f | sort
"""


def test_download_selection_follows_the_requested_major(project: ActProject) -> None:
    run = project.run(SELECTION)
    assert run.job_result("down") == "success", run.explain()
    found = [ln for ln in run.lines("down") if ln.startswith(("v4/", "v5/", "merged/"))]
    # @v4 keeps path/<name> for pattern downloads; @v5+ extracts a lone match into path
    assert found == ["merged/.h/x", "merged/y", "merged/z.txt", "v4/other-1/z.txt", "v5/z.txt"]
