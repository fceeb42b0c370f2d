"""Beginner drills: faults in the training-and-image pipeline (static tier, milliseconds)."""

from __future__ import annotations

from .model import Drill, Replace

LEVEL = "beginner"
WORKFLOW = ".github/workflows/pipeline.yml"

HEALTHCHECK = (
    "# No curl in slim images, so probe /health with the Python standard library.\n"
    "HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \\\n"
    '    CMD ["python3", "-c", "import urllib.request; '
    "urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=2)\"]\n\n"
)
UVICORN_COMMENT = "# `python3 -m uvicorn` works"

DRILLS: tuple[Drill, ...] = (
    Drill(
        name="unpinned-dependency",
        level=LEVEL,
        title="Same commit, different model",
        difficulty="easy",
        scenario=(
            "Audit asked us to rebuild last month's release from its tagged commit. The "
            "pipeline went green, but the rebuilt model's accuracy differs from the one in "
            "production, the image is 40 MB bigger, and loading the old model file in the new "
            "image prints `InconsistentVersionWarning: Trying to unpickle estimator ...`. "
            "Nobody changed a line of code since the tag. Make every build of a commit "
            "install exactly the same thing."
        ),
        targets=("deps.pinned",),
        edits=(Replace("requirements.txt", "scikit-learn==1.9.1\n", "scikit-learn\n"),),
    ),
    Drill(
        name="wrong-secret-name",
        level=LEVEL,
        title="Registry login fails after a tidy-up",
        difficulty="easy",
        scenario=(
            "After Tuesday's 'rename for consistency' pull request, every run fails in the "
            "build job at 'Log in to the registry' with `Error: Username and password "
            "required`. The repository's secrets were not touched, and the registry team "
            "confirms the credentials are valid."
        ),
        targets=("workflow.known-secrets",),
        edits=(
            Replace(
                WORKFLOW,
                "password: ${{ secrets.REGISTRY_PASSWORD }}",
                "password: ${{ secrets.REGISTRY_PASSWD }}",
            ),
        ),
    ),
    Drill(
        name="missing-needs",
        level=LEVEL,
        title="The model artifact is sometimes not there",
        difficulty="medium",
        scenario=(
            "Since yesterday's workflow refactor, about one push in three fails in the build "
            "job at 'Download the model' with `Unable to download artifact(s): Artifact not "
            "found for name: model`. Re-running the failed job usually turns it green, and on "
            "Monday a green run pushed an image built while the unit tests were still failing."
        ),
        targets=("workflow.job-needs",),
        edits=(
            Replace(
                WORKFLOW,
                "  build-and-push:\n"
                "    # `needs` orders the jobs: never build an image from a model that failed\n"
                "    # to train or from code that failed its tests.\n"
                "    needs: train\n"
                "    runs-on",
                "  build-and-push:\n    runs-on",
            ),
        ),
    ),
    Drill(
        name="every-branch",
        level=LEVEL,
        title="`latest` serves an unreviewed model",
        difficulty="medium",
        scenario=(
            "Staging pulls `registry/iris-api:latest`. Since Wednesday it has twice served "
            "predictions from a model nobody reviewed: the image's revision label points at a "
            "commit on `feature/try-svm`, which was never merged. The registry also grew by "
            "3 GB this week."
        ),
        targets=("workflow.trigger-main",),
        edits=(
            Replace(
                WORKFLOW,
                "# Run only for commits that land on main (a push to a feature branch does not\n"
                '# publish an image). workflow_dispatch adds a manual "Run workflow" button.\n'
                "on:\n  push:\n    branches: [main]\n",
                '# workflow_dispatch adds a manual "Run workflow" button.\non:\n  push:\n',
            ),
        ),
    ),
    Drill(
        name="root-user",
        level=LEVEL,
        title="Cluster admission rejects the new image",
        difficulty="easy",
        scenario=(
            "The platform team's cluster refuses to start the image built from this week's "
            "Dockerfile clean-up: `Error: container has runAsNonRoot and image will run as "
            "root`. Last week's image starts fine with the same deployment manifest."
        ),
        targets=("dockerfile.non-root",),
        edits=(
            Replace(
                "Dockerfile",
                "# Never serve as root: a fixed, numeric, unprivileged user.\n"
                "RUN useradd --no-log-init --create-home --uid 10001 app\n"
                "USER 10001\n\nEXPOSE",
                "EXPOSE",
            ),
        ),
    ),
    Drill(
        name="no-healthcheck",
        level=LEVEL,
        title="The gateway no longer waits for the API",
        difficulty="easy",
        scenario=(
            "`docker ps` used to show `Up 3 minutes (healthy)` for the API; since Thursday's "
            "image it shows only `Up 3 minutes`. The demo stack's gateway, which waits with "
            "`depends_on: {api: {condition: service_healthy}}`, now fails to start with "
            "`dependency failed to start: container api has no healthcheck configured`."
        ),
        targets=("dockerfile.healthcheck",),
        edits=(Replace("Dockerfile", HEALTHCHECK + UVICORN_COMMENT, UVICORN_COMMENT),),
    ),
    Drill(
        name="hardcoded-password",
        level=LEVEL,
        title="Secret-scanning alert after a demo fix",
        difficulty="easy",
        scenario=(
            "An hour after Friday's 'quick fix so the demo can push' was merged, the security "
            "team's secret scanner opened a high-severity alert on the repository, and the "
            "registry password now has to be rotated. The pipeline itself is green. Make sure "
            "the next rotation does not need a commit."
        ),
        targets=("secrets.none-hardcoded", "workflow.registry-login"),
        edits=(
            Replace(
                WORKFLOW,
                "password: ${{ secrets.REGISTRY_PASSWORD }}",
                'password: "Demo-Push-2024-temp"',
            ),
        ),
    ),
    Drill(
        name="pinned-base",
        level=LEVEL,
        title="Air-gapped builds stopped resolving the base image",
        difficulty="medium",
        scenario=(
            "The build farm has no internet and passes `BASE_IMAGE` pointing at the internal "
            "mirror. Since Monday every build there fails at step 1 with `failed to resolve "
            "source metadata for docker.io/library/python:3.11-slim: dial tcp: lookup "
            "registry-1.docker.io: no such host`. Builds on laptops still work."
        ),
        targets=("dockerfile.base-arg",),
        edits=(
            Replace(
                "Dockerfile",
                "# The base image is a build argument so CI can swap it without editing this\n"
                "# file (the kata's grader passes an offline copy). Default: the official "
                "image.\nARG BASE_IMAGE=python:3.11-slim\nFROM ${BASE_IMAGE}\n",
                "FROM python:3.11-slim\n",
            ),
        ),
    ),
)
