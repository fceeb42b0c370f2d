"""Where, in each reference solution, a check's answer lives: (file, regex of its first line).

A check may declare its own `solution_ref`; these are the defaults for projects that do not.
Only a file name and a line range are ever shown, never the solution's text.
"""

from __future__ import annotations

WORKFLOW = ".github/workflows/pipeline.yml"

SOLUTION_REFS: dict[str, dict[str, tuple[str, str]]] = {
    "beginner": {
        "workflow.trigger-main": (WORKFLOW, r"^on:"),
        "workflow.job-needs": (WORKFLOW, r"^\s+needs:"),
        "workflow.registry-login": (WORKFLOW, r"uses: docker/login-action"),
        "deps.pinned": ("requirements.txt", r"=="),
        "secrets.none-hardcoded": (WORKFLOW, r"secrets\.REGISTRY_PASSWORD"),
        "dockerfile.lint": ("Dockerfile", r"^RUN pip install"),
        "dockerfile.base-arg": ("Dockerfile", r"^ARG BASE_IMAGE"),
        "dockerfile.non-root": ("Dockerfile", r"^USER "),
        "dockerfile.healthcheck": ("Dockerfile", r"^HEALTHCHECK"),
        "model.artifact": (WORKFLOW, r"uses: actions/upload-artifact"),
        "image.tags": (WORKFLOW, r"uses: docker/metadata-action"),
        "image.labels": (WORKFLOW, r"labels: \$\{\{ steps\.meta"),
        "image.model-inside": ("Dockerfile", r"^COPY model/"),
        "image.non-root": ("Dockerfile", r"^USER "),
        "container.health": ("Dockerfile", r"^HEALTHCHECK"),
        "container.rejects-malformed": ("src/app.py", r"^class PredictRequest"),
    },
}
